"""The HTTP side of the generic resource: request -> backend call -> PostHog's answer.

One handler serves every generic operation; the operation (found from the route, the prefix
and the method) says what to do. The platform checks (key, project, restrictions, the
operation's scopes, membership) have run before it is called.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from dataclasses import replace
from typing import TYPE_CHECKING
from typing import Any

from phemu.errors import MethodNotAllowed
from phemu.errors import Msg
from phemu.errors import NotFound
from phemu.errors import PostHogError
from phemu.fields import expect_object
from phemu.fields import lookup_int
from phemu.openapi.document import ref_name
from phemu.openapi.index import ResourceModel
from phemu.openapi.index import operation_index
from phemu.openapi.schema import node
from phemu.pagination import limit_offset
from phemu.pagination import link_with
from phemu.pagination import links
from phemu.resources._base import empty_response
from phemu.resources._base import json_response
from phemu.resources._base import user_basic
from phemu.resources.activity_log.models import ActivityLogBackend
from phemu.resources.generic.actions import ACTIVITY_LISTS
from phemu.resources.generic.actions import ActionCall
from phemu.resources.generic.actions import derived
from phemu.resources.generic.models import Answer
from phemu.resources.generic.models import GenericBackend
from phemu.resources.generic.models import Record
from phemu.resources.generic.models import Where
from phemu.resources.generic.models import matches_query
from phemu.resources.generic.models import normal_key

if TYPE_CHECKING:
    from werkzeug.wrappers import Response

    from phemu.context import RequestContext
    from phemu.openapi.index import Operation
    from phemu.resources.generic.urls import ExactRead
    from phemu.resources.generic.urls import OperationRoute

PAGE_KEYS = ("count", "next", "previous", "results")


def handle(ctx: RequestContext) -> Response:
    route: OperationRoute = ctx.route  # type: ignore[assignment]
    op = route.operation(ctx.prefix, ctx.method)
    if op is None:
        raise MethodNotAllowed(ctx.method, route.allow)
    backend: GenericBackend = ctx.emulator.generic
    scripted = backend.next_answer(op.operation_id)
    if scripted is not None:
        ctx.tier = "scripted"
        return _scripted(op, scripted)
    try:
        return _answer(ctx, route, backend, op)
    except PostHogError as error:
        documented = dict(op.errors).get(error.status)
        if documented is None or "error" not in node(documented).required:
            raise
        # The operation documents its own error body (``ErrorResponse``: ``{"error": {...}}``).
        return json_response({"error": error.body()}, status=error.status)


def _answer(
    ctx: RequestContext, route: OperationRoute, backend: GenericBackend, op: Operation
) -> Response:
    model = operation_index().resources[op.resource]
    values = route.values(ctx.path_values)
    where = _where(ctx, model, op, values)
    if op.level == "collection":
        if op.kind == "list":
            return _list(ctx, backend, model, op, where)
        if op.kind == "create":
            return _create(ctx, backend, model, op, where, None, route.exact_read)
        return _action(ctx, backend, model, op, where, None, None, None)
    key = _key(ctx, model, op, values)
    if op.kind == "create":
        return _create(ctx, backend, model, op, where, key, route.exact_read)
    record: Record | None = None
    current: dict[str, Any] | None = None
    if route.exact_read is not None:
        current = _probe(ctx, route.exact_read, values, op)
    else:
        record = backend.find(model, where, key) if key is not None else None
    if record is None and current is None:
        if op.action == "activity":
            return empty_response(404)  # PostHog's activity actions: Response(status=404)
        raise NotFound()
    if op.kind == "retrieve":
        return _render(backend, model, op, record, current)
    if op.kind in ("update", "partial_update"):
        return _update(ctx, backend, model, op, where, record, current)
    if op.kind == "destroy":
        if record is not None:
            backend.remove(model, where, record, ctx.owner)
        return empty_response(op.status)
    return _action(ctx, backend, model, op, where, key, record, current)


# -- where records live ------------------------------------------------------------------------
def _where(
    ctx: RequestContext, model: ResourceModel, op: Operation, values: dict[str, str]
) -> Where:
    parents = tuple(_parent(op, name, values.get(name, "")) for name in op.parents)
    if op.scope == "project":
        return Where("project", str(ctx.project_id), parents)
    if op.scope == "organization":
        from phemu.resources.organizations import find_visible_organization

        org = find_visible_organization(ctx, values.get("organization_id", ""))
        if org is None:
            raise NotFound()
        return Where("organization", org.id, parents)
    return Where("root", "", parents)


def _parent(op: Operation, name: str, raw: str) -> str:
    param = op.param(name)
    return _checked(param.type if param is not None else "string", raw)


def _checked(kind: str, raw: str) -> str:
    """A path value as stored, or PostHog's 404 when the lookup cannot match any row."""
    if kind == "integer":
        number = lookup_int(raw)  # Django's int() reading of a path id
        if number is None:
            raise NotFound()
        return str(number)
    if kind == "uuid":
        try:
            return str(uuid.UUID(raw))
        except ValueError:
            raise NotFound() from None
    return raw


def _key(
    ctx: RequestContext, model: ResourceModel, op: Operation, values: dict[str, str]
) -> str | None:
    if op.lookup is None:
        return None
    raw = values.get(op.lookup, "")
    if raw in ("@current", "@me"):
        raw = _current(ctx, model, raw)
    param = op.param(op.lookup)
    return normal_key(model, _checked(param.type if param is not None else "string", raw))


def _current(ctx: RequestContext, model: ResourceModel, raw: str) -> str:
    """``@current`` / ``@me`` where PostHog resolves them (the key owner's current project,
    organization, or the owner)."""
    from phemu.resources.organizations import current_organization

    if model.name == "users" and raw == "@me":
        return ctx.owner.uuid
    if model.name == "environments" and raw == "@current":
        return str(ctx.project_id)
    if model.name == "organizations" and raw == "@current":
        org = current_organization(ctx.store, ctx.owner)
        if org is not None:
            return org.id
    raise NotFound()


def _probe(
    ctx: RequestContext, exact: ExactRead, values: dict[str, str], op: Operation
) -> dict[str, Any]:
    """The record as the hand-written retrieve answers it, or 404 like it."""
    mapped = {}
    for variable, name in exact.renames.items():
        if variable == "project":
            mapped[variable] = ctx.path_values.get("project", "")
        elif name == exact.lookup:
            mapped[variable] = values.get(op.lookup or "", "")
        else:
            mapped[variable] = values.get(name, "")
    sub = replace(ctx, route=exact.route, method="GET", path_values=mapped)
    response = exact.route.handlers["GET"](sub)
    if response.status_code != 200:
        raise NotFound()
    body: dict[str, Any] = json.loads(response.get_data())
    return body


# -- CRUD --------------------------------------------------------------------------------------
def _validated(ctx: RequestContext, op: Operation, *, partial: bool) -> dict[str, Any]:
    from phemu.openapi.validate import validate_body

    if op.request is None:
        return dict(expect_object(ctx.body))
    return validate_body(ctx.body, op.request, partial=partial)


def _create(
    ctx: RequestContext,
    backend: GenericBackend,
    model: ResourceModel,
    op: Operation,
    where: Where,
    key: str | None,
    exact: ExactRead | None,
) -> Response:
    data = _validated(ctx, op, partial=False)
    if exact is not None:
        # The collection's records are hand-written ones: answer the shape, store nothing.
        return json_response(_shaped(backend, op, data), status=op.status)
    record = backend.insert(model, where, data, ctx.owner, key=key)
    return json_response(backend.render(model, record, op.response), status=op.status)


def _update(
    ctx: RequestContext,
    backend: GenericBackend,
    model: ResourceModel,
    op: Operation,
    where: Where,
    record: Record | None,
    current: dict[str, Any] | None,
) -> Response:
    partial = op.kind == "partial_update"
    data = _validated(ctx, op, partial=partial)
    if record is not None:
        backend.write(model, where, record, data, ctx.owner)
        return json_response(backend.render(model, record, op.response), status=op.status)
    route: OperationRoute = ctx.route  # type: ignore[assignment]
    if "PATCH" in route.exact_methods:
        # PUT after full validation is the hand-written PATCH with every field given.
        return route.handlers["PATCH"](ctx)
    return json_response(_shaped(backend, op, {**(current or {}), **data}), status=op.status)


def _render(
    backend: GenericBackend,
    model: ResourceModel,
    op: Operation,
    record: Record | None,
    current: dict[str, Any] | None,
) -> Response:
    if record is not None:
        return json_response(backend.render(model, record, op.response), status=op.status)
    return json_response(_shaped(backend, op, current or {}), status=op.status)


def _shaped(backend: GenericBackend, op: Operation, data: dict[str, Any]) -> Any:
    from phemu.openapi.instances import conform

    if op.response is None:
        return data
    return conform(data, op.response, backend.now)


# -- lists -------------------------------------------------------------------------------------
def _list(
    ctx: RequestContext,
    backend: GenericBackend,
    model: ResourceModel,
    op: Operation,
    where: Where,
) -> Response:
    item = _item_schema(op)
    if op.resource in ACTIVITY_LISTS:
        # The project's whole journal, as PostHog's ActivityLogSerializer renders it.
        journal = ActivityLogBackend.of(ctx.emulator)
        rows = [activity_row(ctx, journal, e) for e in journal.entries(None, ctx.project_id)]
        return json_response(page(ctx, op, rows))
    records = [r for r in backend.records(model, where) if matches_query(r, op, ctx.query)]
    rendered = [backend.render(model, r, item) for r in records]
    return json_response(page(ctx, op, rendered))


def activity_row(ctx: RequestContext, journal: ActivityLogBackend, entry: Any) -> dict[str, Any]:
    """An entry of the project's ``activity_log/`` list in the schema's ``ActivityLog`` shape:
    the journal's rendering with the author as ``UserBasic`` (``null`` for system writes)."""
    user = ctx.store.users.get(entry.user) if entry.user is not None else None
    row = journal.render(entry)
    return {
        "id": row["id"],
        "user": user_basic(user),
        "unread": False,
        "organization_id": ctx.project.organization if ctx.project is not None else None,
        "was_impersonated": False,
        "is_system": user is None,
        "activity": row["activity"],
        "item_id": row["item_id"],
        "scope": row["scope"],
        "detail": row["detail"],
        "created_at": row["created_at"],
    }


def _item_schema(op: Operation) -> Any:
    if op.response is None:
        return None
    flat = node(op.response)
    if flat.kind == "array":
        return flat.items
    results = flat.prop("results")
    return node(results).items if results is not None else None


def page(ctx: RequestContext, op: Operation, rows: list[Any]) -> Any:
    """``rows`` paginated with the operation's pagination class, keys in its schema's order."""
    request = ctx.request
    if op.pagination == "list":
        return rows
    count = len(rows)
    if op.pagination == "cursor":
        offset = _cursor_offset(request.args.get("cursor"))
        limit = op.page_size
        values: dict[str, Any] = {
            "next": _cursor_link(ctx, offset + limit) if offset + limit < count else None,
            "previous": _cursor_link(ctx, max(offset - limit, 0)) if offset > 0 else None,
            "results": rows[offset : offset + limit],
        }
    else:
        limit, offset = limit_offset(request, op.page_size)
        next_link, previous_link = links(request, count, limit, offset)
        values = {
            "count": count,
            "next": next_link,
            "previous": previous_link,
            "results": rows[offset : offset + limit],
        }
    order = [name for name, _ in node(op.response).properties] if op.response else PAGE_KEYS
    return {name: values[name] for name in order if name in values}


def _cursor_offset(raw: str | None) -> int:
    """DRF's cursor (base64 of ``o=<offset>``); a bad one is DRF's 404 ``Invalid cursor``."""
    if raw is None:
        return 0
    try:
        text = base64.b64decode(raw.encode("ascii"), validate=True).decode("ascii")
    except (binascii.Error, UnicodeError, ValueError):
        raise NotFound(Msg.INVALID_CURSOR) from None
    fields = dict(part.split("=", 1) for part in text.split("&") if "=" in part)
    offset = fields.get("o", "0")
    if not offset.isdigit():
        raise NotFound(Msg.INVALID_CURSOR)
    return int(offset)


def _cursor_link(ctx: RequestContext, offset: int) -> str:
    cursor = base64.b64encode(f"o={offset}".encode("ascii")).decode("ascii") if offset else None
    return link_with(ctx.request, {"cursor": cursor})


# -- actions -----------------------------------------------------------------------------------
def _action(
    ctx: RequestContext,
    backend: GenericBackend,
    model: ResourceModel,
    op: Operation,
    where: Where,
    key: str | None,
    record: Record | None,
    current: dict[str, Any] | None,
) -> Response:
    from phemu.openapi.instances import instance
    from phemu.openapi.validate import validate_body

    body = ctx.body if op.method in ("POST", "PUT", "PATCH") else {}
    answer = derived(op)
    if answer is not None:
        return answer(ActionCall(ctx, model, op, key, body))
    if op.method != "GET" and op.request is not None and _own_request(op, model):
        validate_body(body, op.request, partial=op.method == "PATCH")
    if op.status == 204:
        return empty_response(204)
    if op.response is None:
        return json_response({}, status=op.status)
    if op.level == "detail" and ref_name(op.response) == model.record_name:
        # drf-spectacular documents an undescribed action with the viewset's serializer.
        return _render(backend, model, op, record, current)
    return json_response(instance(op.response, backend.now, full=True), status=op.status)


def _own_request(op: Operation, model: ResourceModel) -> bool:
    """Whether the action documents a request serializer of its own (drf-spectacular falls
    back to the viewset's serializer for actions that declare none; PostHog does not use it)."""
    name = ref_name(op.request)
    return name is None or name not in (model.record_name, f"Patched{model.record_name}")


def _scripted(op: Operation, answer: Answer) -> Response:
    status = answer.status or op.status
    if answer.body is None and status == 204:
        return empty_response(204)
    return json_response(answer.body, status=status)
