"""Routes for every schema operation the hand-written resources do not serve.

:func:`complete_routes` takes the hand-written routes (resources and plugins) and returns them
plus one :class:`OperationRoute` per documented path the generic resource answers. A
hand-written route wins by method and path template: where it serves the path but not every
documented method, the missing methods are added to (a copy of) that route, so one werkzeug
rule still serves the path and PostHog's ``Allow`` header lists every method.

Results are cached per tuple of hand-written routes, so building them costs once per process
(with the schema compile it needs) and every later ``Emulator()`` reuses them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from dataclasses import fields
from functools import lru_cache
from typing import TYPE_CHECKING

from phemu.openapi.index import Operation
from phemu.openapi.index import ResourceModel
from phemu.openapi.index import operation_index
from phemu.resources.generic.actions import is_derived
from phemu.routing import PREFIXES
from phemu.routing import Route

if TYPE_CHECKING:
    from phemu.context import RequestContext
    from phemu.store import Organization
    from phemu.store import Project

_VARIABLE = re.compile(r"<(?:[a-z_]+:)?([A-Za-z_0-9]+)>")


@dataclass(frozen=True)
class ExactRead:
    """The hand-written retrieve of a collection, used to check that a record exists (and to
    read it) before answering a generic operation on it."""

    route: Route
    #: werkzeug variable of ``route`` -> the schema's path parameter name
    renames: Mapping[str, str]
    lookup: str


@dataclass(frozen=True, eq=False)
class OperationRoute(Route):
    """A route whose methods (some or all) are answered by the generic resource."""

    #: ``(prefix, method) -> operation`` the generic resource answers here
    schema_ops: Mapping[tuple[str | None, str], Operation] = field(default_factory=dict)
    #: methods served by the hand-written handlers of a merged route
    exact_methods: frozenset[str] = frozenset()
    #: werkzeug variable name -> schema path parameter name
    renames: Mapping[str, str] = field(default_factory=dict)
    tiers: Mapping[str, str] = field(default_factory=dict)
    exact_read: ExactRead | None = None

    def operation(self, prefix: str | None, method: str) -> Operation | None:
        wanted = "GET" if method == "HEAD" else method
        found = self.schema_ops.get((prefix, wanted))
        if found is None:
            found = next((op for (_, m), op in self.schema_ops.items() if m == wanted), None)
        return found

    def maps(self, method: str) -> bool:
        if self.operation(None, method) is not None:
            return True
        if self.exact_methods:
            return super().maps(method)
        return method == "OPTIONS"  # DRF's metadata action; nothing else is routed here

    def required_scopes(self, method: str) -> tuple[str, ...] | None:
        if method in self.exact_methods or (method == "HEAD" and "GET" in self.exact_methods):
            return super().required_scopes(method)
        if method == "OPTIONS":
            return (f"{self.scope_object}:read",) if self.scope_object else None
        op = self.operation(None, method)
        if op is None:
            return super().required_scopes(method)  # unmapped: maps() refuses it first
        return op.scopes

    def tier(self, method: str) -> str:
        wanted = "GET" if method == "HEAD" else method
        return self.tiers.get(wanted, "exact")

    def values(self, path_values: Mapping[str, str]) -> dict[str, str]:
        """Path values under the schema's parameter names."""
        return {self.renames.get(k, k): v for k, v in path_values.items()}


def complete_routes(routes: Iterable[Route]) -> list[Route]:
    """``routes`` plus the generic routes for every other schema operation (see module doc)."""
    return list(_complete(tuple(routes)))


def shape(pattern: str) -> str:
    """A rule string with its variables blanked: ``/api/projects/{}/subscriptions/{}/``."""
    return _VARIABLE.sub("{}", pattern)


def variables(pattern: str) -> list[str]:
    return _VARIABLE.findall(pattern)


@lru_cache(maxsize=8)
def _complete(existing: tuple[Route, ...]) -> tuple[Route, ...]:
    from phemu.resources.generic.responses import handle

    index = operation_index()
    claimed: dict[tuple[str, str], Route] = {}  # (shape, prefix or "") -> hand-written route
    claimed_ids: set[str] = set()  # operations a hand-written route names (Route.operations)
    for route in existing:
        for prefix, pattern in zip(_prefixes(route), route.patterns(), strict=True):
            claimed[(shape(pattern), prefix)] = route
        claimed_ids.update(op for ops in route.operation_ids().values() for op in ops)
    groups: dict[tuple[str, str], list[Operation]] = {}  # (route path, scope) -> operations
    for op in index:
        if op.operation_id not in claimed_ids:
            groups.setdefault((op.route_path, op.scope), []).append(op)
    exact_reads = _exact_reads(index.resources, claimed)
    merged: dict[int, OperationRoute] = {}
    added: list[Route] = []
    for (path, scope), ops in groups.items():
        remaining: dict[str | None, list[Operation]] = {}
        for op in ops:
            owner = claimed.get((shape(_pattern(op)), op.prefix or ""))
            if owner is None:
                remaining.setdefault(op.prefix, []).append(op)
                continue
            if op.method in _served(owner):
                continue
            base = merged.get(id(owner))
            merged[id(owner)] = _merge(base or owner, op, handle, exact_reads)
        served_prefixes = tuple(p for p in PREFIXES if p in remaining) if scope == "project" else ()
        rest = [op for group in remaining.values() for op in group]
        if rest:
            added.append(_generic_route(path, scope, served_prefixes, rest, handle, exact_reads))
    result: list[Route] = [merged.get(id(route), route) for route in existing]
    return (*result, *added)


def _prefixes(route: Route) -> tuple[str, ...]:
    return route.prefixes if route.nested else ("",)


def _pattern(op: Operation) -> str:
    return f"/api/{op.prefix}/<project>{op.route_path}" if op.scope == "project" else op.route_path


def _served(route: Route) -> set[str]:
    methods = set(route.handlers)
    if route.forbid_destroy:
        methods.add("DELETE")
    if isinstance(route, OperationRoute):
        methods -= {m for (_, m) in route.schema_ops}
    return methods


def _exact_reads(
    resources: Mapping[str, ResourceModel], claimed: Mapping[tuple[str, str], Route]
) -> dict[str, ExactRead]:
    reads = {}
    for name, model in resources.items():
        retrieve = model.first("retrieve")
        if retrieve is None:
            continue
        route = claimed.get((shape(_pattern(retrieve)), retrieve.prefix or ""))
        if route is not None and "GET" in route.handlers:
            pattern = next(p for p in route.patterns() if shape(p) == shape(_pattern(retrieve)))
            renames = dict(zip(variables(pattern), variables(_pattern(retrieve)), strict=True))
            reads[name] = ExactRead(route, renames, retrieve.lookup or "id")
    return reads


def op_tier(op: Operation, model: ResourceModel, exact_read: ExactRead | None) -> str:
    """``stateful`` where the answer comes from stored records, else ``shaped``."""
    if op.kind == "action":
        return "stateful" if is_derived(op) else "shaped"
    if exact_read is None:
        return "stateful"
    if op.kind in ("update", "partial_update") and "PATCH" in exact_read.route.handlers:
        return "stateful"  # PUT is validated in full, then applied by the hand-written PATCH
    return "shaped"


def _route_fields(route: Route) -> dict[str, object]:
    return {f.name: getattr(route, f.name) for f in fields(Route)}


def _merge(
    route: Route, op: Operation, handler: object, exact_reads: Mapping[str, ExactRead]
) -> OperationRoute:
    model = operation_index().resources[op.resource]
    exact_read = exact_reads.get(op.resource)
    if isinstance(route, OperationRoute):
        base = route
        operations = dict(route.schema_ops)
        tiers = dict(route.tiers)
        handlers = dict(route.handlers)
    else:
        base = None
        operations, tiers, handlers = {}, {m: "exact" for m in _served(route)}, dict(route.handlers)
    operations[(op.prefix, op.method)] = op
    tiers[op.method] = op_tier(op, model, exact_read)
    forbid = route.forbid_destroy
    if op.method == "DELETE" and op.destroy == "405":
        forbid = True
    else:
        handlers[op.method] = handler  # type: ignore[assignment]
    pattern = next(p for p in route.patterns() if shape(p) == shape(_pattern(op)))
    values = _route_fields(route)
    values.update(handlers=handlers, forbid_destroy=forbid)
    return OperationRoute(
        **values,  # type: ignore[arg-type]
        schema_ops=operations,
        exact_methods=base.exact_methods if base is not None else frozenset(_served(route)),
        renames=dict(zip(variables(pattern), variables(_pattern(op)), strict=True)),
        tiers=tiers,
        exact_read=exact_read,
    )


def _generic_route(
    path: str,
    scope: str,
    prefixes: tuple[str, ...],
    ops: list[Operation],
    handler: object,
    exact_reads: Mapping[str, ExactRead],
) -> OperationRoute:
    model = operation_index().resources[ops[0].resource]
    exact_read = exact_reads.get(model.name)
    handlers = {
        op.method: handler for op in ops if not (op.method == "DELETE" and op.destroy == "405")
    }
    scope_object = next((op.scope_object for op in ops if op.scope_object), "")
    restriction, target = _restriction(scope, model.name, path)
    return OperationRoute(
        path=path,
        endpoint=f"generic:{scope}:{path}",
        handlers=handlers,  # type: ignore[arg-type]
        scope_object=scope_object or "",
        nested=scope == "project",
        restriction=restriction,  # type: ignore[arg-type]
        forbid_destroy=any(op.method == "DELETE" and op.destroy == "405" for op in ops),
        target=target,
        name=_title(model, ops[0]),
        schema_ops={(op.prefix, op.method): op for op in ops},
        prefixes=prefixes or PREFIXES,
        tiers={op.method: op_tier(op, model, exact_read) for op in ops},
        exact_read=exact_read,
    )


def _title(model: ResourceModel, op: Operation) -> str:
    base = (model.record_name or model.name.rsplit("/", 1)[-1]).replace("_", " ").title()
    return base + (" List" if op.level == "collection" and op.action is None else "")


Target = Callable[["RequestContext"], tuple["Project | None", "Organization | None"]]


def _restriction(scope: str, resource: str, path: str) -> tuple[str, Target | None]:
    if scope == "project":
        return "nested", None
    if scope == "organization":
        return "organization", _organization_target("organization_id")
    if resource == "organizations":
        return (
            ("organization", _organization_target("id"))
            if "<id>" in path
            else (
                "projects_list",
                None,
            )
        )
    return "user", None


def _organization_target(name: str) -> Target:
    def target(ctx: RequestContext) -> tuple[Project | None, Organization | None]:
        from phemu.resources.organizations import find_visible_organization

        return None, find_visible_organization(ctx, ctx.path_values.get(name, ""))

    return target
