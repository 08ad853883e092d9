"""The operation index: every operation of PostHog's schema, compiled once per process.

For each operation the index knows what the generic resource needs to answer it like PostHog:
where it lives (project, organization or root, and under which project prefix), its path
parameters, the personal-API-key scopes it requires (``None``: keys are refused), its request
and response schemas, its pagination class, its delete semantics and what it is in REST terms
(list, create, retrieve, update, partial update, destroy, or another action of a collection or
of one record). Operations are grouped into :class:`ResourceModel` by collection, so the
``/api/projects/`` and ``/api/environments/`` twins of a viewset share one set of records.

How a path is read: ``/api/{projects|environments}/{project_id}/`` or
``/api/organizations/{organization_id}/`` is the scope; of the rest, the longest static prefix
that some documented path follows with a parameter is the collection (``batch_exports/runs``
below ``batch_exports/{batch_export_id}/``), the parameter after it is the record's lookup
field, and anything after that is an action (``feature_flags/{id}/activity/``,
``feature_flags/bulk_keys/``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from functools import cache
from typing import Any
from typing import Literal

from phemu.openapi.document import components
from phemu.openapi.document import document
from phemu.openapi.document import ref_name
from phemu.openapi.schema import node

Scope = Literal["project", "organization", "root"]
Kind = Literal["list", "create", "retrieve", "update", "partial_update", "destroy", "action"]
Pagination = Literal["none", "limit_offset", "cursor", "list"]

PROJECT_PARAM = "project_id"
ORGANIZATION_PARAM = "organization_id"
DEFAULT_PAGE_SIZE = 100
#: Viewsets whose paginator sets its own default limit (PostHog's REST_FRAMEWORK PAGE_SIZE is
#: 100 elsewhere): ``AnnotationsLimitOffsetPagination`` (posthog/api/annotation.py),
#: ``DataModelingJobPagination`` (posthog/warehouse/api/data_modeling_job.py).
PAGE_SIZES = {"annotations": 1000, "data_modeling_jobs": 10}
_PARAM = re.compile(r"^\{([^}]+)\}$")
_SCOPES = re.compile(r"^/api/(projects|environments)/\{project_id\}(/.*)$")
_ORGANIZATION = re.compile(r"^/api/organizations/\{organization_id\}(/.*)$")


@dataclass(frozen=True, slots=True)
class PathParam:
    """A path parameter: ``integer``, ``uuid`` or ``string`` (with its ``pattern``, if any)."""

    name: str
    type: str
    pattern: str | None = None


@dataclass(frozen=True, eq=False)
class Operation:
    operation_id: str
    method: str
    path: str
    scope: Scope
    prefix: str | None
    route_path: str
    params: tuple[PathParam, ...]
    query: tuple[str, ...]
    scopes: tuple[str, ...] | None
    request: Any
    request_media: tuple[str, ...]
    status: int
    response: Any
    #: error statuses the operation documents with a body schema of its own (``status -> schema``)
    errors: tuple[tuple[int, Any], ...]
    pagination: Pagination
    page_size: int
    destroy: Literal["204", "405"] | None
    kind: Kind
    level: Literal["collection", "detail"]
    resource: str
    action: str | None
    lookup: str | None
    parents: tuple[str, ...]

    def param(self, name: str) -> PathParam | None:
        return next((p for p in self.params if p.name == name), None)

    @property
    def scope_object(self) -> str | None:
        """The scope object of the first required scope (``feature_flag``)."""
        return self.scopes[0].split(":", 1)[0] if self.scopes else None


@dataclass(eq=False)
class ResourceModel:
    """One collection of records: every operation on it, under every prefix."""

    name: str
    scope: Scope
    operations: list[Operation] = field(default_factory=list)
    record: Any = None
    record_name: str | None = None
    lookup: str | None = None
    lookup_type: str | None = None
    parents: tuple[str, ...] = ()

    def first(self, kind: Kind, action: str | None = None) -> Operation | None:
        for op in self.operations:
            if op.kind == kind and op.action == action:
                return op
        return None

    @property
    def soft_delete(self) -> bool:
        """``DELETE`` is PostHog's 405 and the record has a ``deleted`` flag."""
        destroy = self.first("destroy")
        return (
            destroy is not None
            and destroy.destroy == "405"
            and self.record is not None
            and node(self.record).prop("deleted") is not None
        )


@dataclass(frozen=True, eq=False)
class OperationIndex:
    operations: tuple[Operation, ...]
    by_id: dict[str, Operation]
    resources: dict[str, ResourceModel]

    def __iter__(self) -> Iterator[Operation]:
        return iter(self.operations)

    def __len__(self) -> int:
        return len(self.operations)


@cache
def operation_index() -> OperationIndex:
    """The compiled index (once per process)."""
    paths: dict[str, Any] = document()["paths"]
    split = {path: _split(path) for path in paths}
    collections = _collection_prefixes(split.values())
    operations = []
    for path, item in paths.items():
        for method, raw in item.items():
            operations.append(_compile(path, method.upper(), raw, split[path], collections))
    resources: dict[str, ResourceModel] = {}
    for op in operations:
        model = resources.setdefault(op.resource, ResourceModel(op.resource, op.scope))
        model.operations.append(op)
    for model in resources.values():
        _describe_records(model)
    final = {id(op): op for model in resources.values() for op in model.operations}
    by_position = {op.operation_id: op for op in final.values()}
    operations = [by_position[op.operation_id] for op in operations]
    return OperationIndex(
        operations=tuple(operations),
        by_id={op.operation_id: op for op in operations},
        resources=resources,
    )


def _split(path: str) -> tuple[Scope, str | None, list[str]]:
    match = _SCOPES.match(path)
    if match:
        return "project", match.group(1), _segments(match.group(2))
    match = _ORGANIZATION.match(path)
    if match:
        return "organization", None, _segments(match.group(1))
    return "root", None, _segments(path[len("/api") :])


def _segments(rest: str) -> list[str]:
    return [part for part in rest.split("/") if part]


def _is_param(segment: str) -> bool:
    return bool(_PARAM.match(segment))


def _collection_prefixes(
    splits: Any,
) -> set[tuple[Scope, tuple[str, ...]]]:
    """Static-ended segment prefixes that some path follows with a parameter, and documented
    paths that other documented paths extend (``groups/`` below ``groups/find/``)."""
    found: set[tuple[Scope, tuple[str, ...]]] = set()
    documented = {(scope, tuple(segments)) for scope, _, segments in splits}
    for scope, _, segments in splits:
        for index in range(1, len(segments)):
            head = tuple(segments[:index])
            if _is_param(segments[index - 1]):
                continue
            if _is_param(segments[index]) or (scope, head) in documented:
                found.add((scope, head))
    return found


def _compile(
    path: str,
    method: str,
    raw: dict[str, Any],
    split: tuple[Scope, str | None, list[str]],
    collections: set[tuple[Scope, tuple[str, ...]]],
) -> Operation:
    scope, prefix, segments = split
    cut = next(
        (i for i in range(len(segments), 0, -1) if (scope, tuple(segments[:i])) in collections),
        len(segments),
    )
    collection, rest = segments[:cut], segments[cut:]
    lookup = None
    action = None
    if rest and _is_param(rest[0]):
        lookup = rest[0][1:-1]
        level: Literal["collection", "detail"] = "detail"
        action = "/".join(rest[1:]) or None
    else:
        level = "collection"
        action = "/".join(rest) or None
    prefix_name = {"organization": "organizations/", "project": ""}.get(scope, "")
    resource = prefix_name + "/".join(s for s in collection if not _is_param(s))
    parents = tuple(s[1:-1] for s in collection if _is_param(s))
    params = _path_params(raw)
    status, response = _success(raw)
    request, media = _request(raw)
    kind = _kind(method, level, action, response)
    pagination = _pagination(response) if kind == "list" else "none"
    return Operation(
        operation_id=raw["operationId"],
        method=method,
        path=path,
        scope=scope,
        prefix=prefix,
        route_path=_route_path(scope, segments),
        params=tuple(p for p in params if p.name not in (PROJECT_PARAM, ORGANIZATION_PARAM)),
        query=tuple(p["name"] for p in raw.get("parameters") or [] if p.get("in") == "query"),
        scopes=_scopes(raw.get("security")),
        request=request,
        request_media=media,
        status=status,
        response=response,
        errors=_errors(raw),
        pagination=pagination,
        page_size=PAGE_SIZES.get(resource, DEFAULT_PAGE_SIZE),
        destroy=_destroy(method, status),
        kind=kind,
        level=level,
        resource=resource or "/".join(segments),
        action=action,
        lookup=lookup,
        parents=parents,
    )


def _destroy(method: str, status: int) -> Literal["204", "405"] | None:
    if method != "DELETE":
        return None
    return "405" if status == 405 else "204"


def _route_path(scope: Scope, segments: list[str]) -> str:
    """The werkzeug rule path: relative to the project prefix for project scope."""
    parts = "/".join(f"<{s[1:-1]}>" if _is_param(s) else s for s in segments)
    if scope == "project":
        return f"/{parts}/"
    if scope == "organization":
        return f"/api/organizations/<{ORGANIZATION_PARAM}>/{parts}/"
    return f"/api/{parts}/"


def _path_params(raw: dict[str, Any]) -> list[PathParam]:
    params = []
    for param in raw.get("parameters") or []:
        if param.get("in") != "path":
            continue
        schema = param.get("schema") or {}
        kind = "uuid" if schema.get("format") == "uuid" else schema.get("type", "string")
        params.append(PathParam(param["name"], kind, schema.get("pattern")))
    return params


def _success(raw: dict[str, Any]) -> tuple[int, Any]:
    statuses = sorted(int(code) for code in raw.get("responses", {}) if code.isdigit())
    status = next((code for code in statuses if code < 300), statuses[0] if statuses else 200)
    response = raw["responses"].get(str(status)) or {}
    content = response.get("content") or {}
    schema = (content.get("application/json") or {}).get("schema")
    return status, schema


def _errors(raw: dict[str, Any]) -> tuple[tuple[int, Any], ...]:
    found = []
    for code, response in raw.get("responses", {}).items():
        content = (response or {}).get("content") or {}
        schema = (content.get("application/json") or {}).get("schema")
        if code.isdigit() and 400 <= int(code) < 500 and schema is not None:
            found.append((int(code), schema))
    return tuple(found)


def _request(raw: dict[str, Any]) -> tuple[Any, tuple[str, ...]]:
    content = (raw.get("requestBody") or {}).get("content") or {}
    schema = (content.get("application/json") or {}).get("schema")
    return schema, tuple(content)


def _scopes(security: Any) -> tuple[str, ...] | None:
    """The scopes a key needs, ``()`` when any authenticated key may call, ``None`` when PostHog
    refuses personal API keys (no security, or the ``INTERNAL`` scope object)."""
    if not security:
        return None
    found: list[str] = []
    for requirement in security:
        for scopes in requirement.values():
            found.extend(s for s in scopes if s not in found)
    if any(s == "INTERNAL" or s.startswith("INTERNAL:") for s in found):
        return None
    return tuple(found)


def _kind(method: str, level: str, action: str | None, response: Any) -> Kind:
    if action is not None:
        return "action"
    if level == "detail":
        return {  # type: ignore[return-value]
            "GET": "retrieve",
            "PUT": "update",
            "PATCH": "partial_update",
            "DELETE": "destroy",
        }.get(method, "action")
    if method == "GET":
        return "list" if _pagination(response) != "none" or response is None else "action"
    if method == "POST":
        return "create"
    return "action"


def _pagination(response: Any) -> Pagination:
    if response is None:
        return "limit_offset"  # PostHog's default paginator
    flat = node(response)
    if flat.kind == "array":
        return "list"
    names = {name for name, _ in flat.properties}
    if {"results", "next"} <= names:
        return "limit_offset" if "count" in names else "cursor"
    return "none"


def _describe_records(model: ResourceModel) -> None:
    """The record schema, lookup field and parents of a collection, from its operations."""
    ops = model.operations
    retrieve = model.first("retrieve")
    schema = retrieve.response if retrieve is not None else None
    if schema is None:
        listing = model.first("list")
        if listing is not None and listing.response is not None:
            flat = node(listing.response)
            schema = flat.items if flat.kind == "array" else _page_item(flat)
    if schema is None:
        kinds: tuple[Kind, ...] = ("create", "update", "partial_update")
        for kind in kinds:
            op = model.first(kind)
            if op is not None and op.response is not None:
                schema = op.response
                break
    model.record = schema
    model.record_name = ref_name(schema)
    details = [op for op in ops if op.lookup is not None]
    detail = next((op for op in details if op.action is None), details[0] if details else None)
    if detail is not None:
        model.lookup = detail.lookup
        lookup = detail.param(detail.lookup or "")
        model.lookup_type = lookup.type if lookup is not None else "string"
    model.parents = ops[0].parents
    readable = any(op.kind in ("list", "retrieve") for op in ops)
    for index, op in enumerate(ops):
        if op.kind == "create" and not (readable and _creates(op, model)):
            # A collection POST that stores nothing one can read back is an action.
            ops[index] = _replace_kind(op, "action")
        elif op.kind == "list" and op.response is None and not (readable and model.lookup):
            # An undocumented GET on a path with no records (``web_vitals/``) is an action.
            ops[index] = _replace_kind(op, "action")


def _page_item(flat: Any) -> Any:
    results = flat.prop("results")
    return node(results).items if results is not None else None


def _creates(op: Operation, model: ResourceModel) -> bool:
    if op.status == 201:
        return True
    if op.response is None or model.record is None:
        return op.response is None and model.lookup is not None
    mine, theirs = ref_name(op.response), model.record_name
    return mine is not None and mine == theirs


def _replace_kind(op: Operation, kind: Kind) -> Operation:
    from dataclasses import replace

    return replace(op, kind=kind)


def component(name: str) -> Any:
    """A component schema by name (``FeatureFlag``)."""
    return components()[name]
