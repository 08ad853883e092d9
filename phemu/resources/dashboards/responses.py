"""``{prefix}/dashboards/`` handlers: parse the request, call the backend, render.

PostHog's ``DashboardViewSet`` (``posthog/api/dashboards/dashboard.py``): list, create,
retrieve, PATCH; DELETE answers 405 (soft delete is ``PATCH {"deleted": true}``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from phemu.resources._base import bytes_response
from phemu.resources._base import json_response
from phemu.resources._base import lookup_then_body
from phemu.resources._base import path_pk
from phemu.resources.dashboards.models import DashboardsBackend
from phemu.resources.dashboards.rules import restores

if TYPE_CHECKING:
    from werkzeug.wrappers import Response

    from phemu.context import RequestContext


def list_(ctx: RequestContext) -> Response:
    boards = DashboardsBackend.of(ctx.emulator)
    return bytes_response(boards.page(ctx.request, ctx.project_id))


def create(ctx: RequestContext) -> Response:
    boards = DashboardsBackend.of(ctx.emulator)
    with ctx.store.lock:
        dashboard = boards.add(ctx.project_id, ctx.body, user_id=ctx.owner.id)
        return json_response(boards.render(dashboard), 201)


def retrieve(ctx: RequestContext) -> Response:
    boards = DashboardsBackend.of(ctx.emulator)
    with ctx.store.lock:
        return json_response(boards.render(boards.lookup(ctx.project_id, path_pk(ctx))))


def partial_update(ctx: RequestContext) -> Response:
    boards = DashboardsBackend.of(ctx.emulator)
    with ctx.store.lock:
        dashboard, body = lookup_then_body(
            ctx,
            lambda wide: boards.lookup(ctx.project_id, path_pk(ctx), include_deleted=wide),
            restores,
        )
        return json_response(boards.render(boards.change(dashboard, body)))
