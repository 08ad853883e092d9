"""Thin handlers of ``{prefix}/groups/property_definitions/`` and ``property_values/``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from phemu.errors import ServerError
from phemu.resources._base import json_response
from phemu.resources.groups.models import GroupsBackend

if TYPE_CHECKING:
    from werkzeug.wrappers import Response

    from phemu.context import RequestContext


def property_definitions(ctx: RequestContext) -> Response:
    return json_response(GroupsBackend.of(ctx.emulator).property_definitions(ctx.project_id))


def property_values(ctx: RequestContext) -> Response:
    """``request.GET["group_type_index"]`` and ``request.GET["key"]`` are read unguarded: a
    missing one is Django's ``MultiValueDictKeyError``, PostHog's 500."""
    index, key = ctx.arg("group_type_index"), ctx.arg("key")
    if index is None or key is None:
        raise ServerError()
    answer = GroupsBackend.of(ctx.emulator).property_values(
        index, key, value=ctx.arg("value"), project=ctx.project_id
    )
    return json_response(answer)
