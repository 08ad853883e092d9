"""Thin handlers of ``GroupsViewSet`` and ``GroupsTypesViewSet`` (``posthog/api/group.py``).

Query parameters read with ``request.GET[...]`` are unguarded in PostHog: a missing one is
Django's ``MultiValueDictKeyError``, its 500.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING
from typing import Any

from phemu.errors import Msg
from phemu.errors import ServerError
from phemu.errors import ValidationError
from phemu.pagination import paginate_list
from phemu.pagination import request_url
from phemu.resources._base import empty_response
from phemu.resources._base import json_response
from phemu.resources.activity_log.responses import activity_response
from phemu.resources.groups.models import ACTIVITY_SCOPE
from phemu.resources.groups.models import GroupsBackend

if TYPE_CHECKING:
    from werkzeug.wrappers import Response

    from phemu.context import RequestContext


def _backend(ctx: RequestContext) -> GroupsBackend:
    return GroupsBackend.of(ctx.emulator)


def _required(ctx: RequestContext, name: str) -> str:
    value = ctx.arg(name)
    if value is None:
        raise ServerError()
    return value


def _body(ctx: RequestContext) -> Mapping[str, Any]:
    """``request.data.get(...)``: a JSON body that is no object has no ``get`` (500)."""
    body = ctx.body
    if not isinstance(body, Mapping):
        raise ServerError()
    return body


def property_definitions(ctx: RequestContext) -> Response:
    return json_response(_backend(ctx).property_definitions(ctx.project_id))


def property_values(ctx: RequestContext) -> Response:
    index, key = _required(ctx, "group_type_index"), _required(ctx, "key")
    answer = _backend(ctx).property_values(
        index, key, value=ctx.arg("value"), project=ctx.project_id
    )
    return json_response(answer)


def list_(ctx: RequestContext) -> Response:
    index = ctx.arg("group_type_index")
    if not index:
        raise ValidationError(Msg.GROUPS_LIST_TYPE_INDEX, attr="group_type_index")
    base, query = request_url(ctx.request)
    answer = _backend(ctx).list(
        index,
        search=ctx.arg("search"),
        group_key=ctx.arg("group_key") or "",
        project=ctx.project_id,
        url=f"{base}?{query}" if query else base,
    )
    return json_response(answer)


def create(ctx: RequestContext) -> Response:
    answer = _backend(ctx).create(ctx.body, project=ctx.project_id, user=ctx.owner.id)
    return json_response(answer, 201)


def find(ctx: RequestContext) -> Response:
    index = _required(ctx, "group_type_index")
    answer = _backend(ctx).find(index, _required(ctx, "group_key"), project=ctx.project_id)
    return json_response(answer)


def _object_params(ctx: RequestContext) -> tuple[str, str]:
    """``safely_get_object``: the type index is required, a missing key is ``""``."""
    return _required(ctx, "group_type_index"), ctx.arg("group_key") or ""


def update_property(ctx: RequestContext) -> Response:
    index, key = _object_params(ctx)
    backend = _backend(ctx)
    backend.get(index, key, project=ctx.project_id)
    body = _body(ctx)
    answer = backend.update_property(
        index, key, body.get("key"), body.get("value"), project=ctx.project_id, user=ctx.owner.id
    )
    return json_response(answer)


def delete_property(ctx: RequestContext) -> Response:
    index, key = _object_params(ctx)
    backend = _backend(ctx)
    backend.get(index, key, project=ctx.project_id)
    body = _body(ctx)
    answer = backend.delete_property(
        index, key, body.get("$unset"), project=ctx.project_id, user=ctx.owner.id
    )
    return json_response(answer)


def related(ctx: RequestContext) -> Response:
    """``request.GET["id"]`` is read before the type index is checked."""
    actor = _required(ctx, "id")
    answer = _backend(ctx).related(ctx.arg("group_type_index"), actor, project=ctx.project_id)
    return json_response(answer)


def activity(ctx: RequestContext) -> Response:
    index, key = _object_params(ctx)
    group = _backend(ctx).get(index, key, project=ctx.project_id)
    return activity_response(ctx, ACTIVITY_SCOPE, [str(group.id)])


def types(ctx: RequestContext) -> Response:
    return json_response(_backend(ctx).types(ctx.project_id))


def update_metadata(ctx: RequestContext) -> Response:
    return json_response(_backend(ctx).update_metadata(ctx.body, project=ctx.project_id))


def set_default_columns(ctx: RequestContext) -> Response:
    return json_response(_backend(ctx).set_default_columns(ctx.body, project=ctx.project_id))


def create_detail_dashboard(ctx: RequestContext) -> Response:
    answer = _backend(ctx).create_detail_dashboard(
        ctx.body, project=ctx.project_id, user=ctx.owner.id
    )
    return json_response(answer)


def destroy_type(ctx: RequestContext) -> Response:
    _backend(ctx).delete_type(ctx.path_values["group_type_index"], project=ctx.project_id)
    return empty_response(204)


def metrics(ctx: RequestContext) -> Response:
    index = ctx.path_values["group_type_index"]
    backend = _backend(ctx)
    if ctx.request.method == "POST":
        return json_response(backend.create_metric(index, ctx.body, project=ctx.project_id), 201)
    found = backend.metrics(index, project=ctx.project_id)
    return json_response(paginate_list(ctx.request, found, lambda m: m))


def metric(ctx: RequestContext) -> Response:
    index, key = ctx.path_values["group_type_index"], ctx.path_values["pk"]
    backend, method = _backend(ctx), ctx.request.method
    if method == "DELETE":
        backend.delete_metric(index, key, project=ctx.project_id)
        return empty_response(204)
    if method in ("PUT", "PATCH"):
        answer = backend.update_metric(
            index, key, ctx.body, partial=method == "PATCH", project=ctx.project_id
        )
        return json_response(answer)
    return json_response(backend.metric(index, key, project=ctx.project_id))
