"""``{prefix}/dashboards/`` handlers: parse the request, call the backend, render.

PostHog's ``DashboardViewSet`` (``posthog/api/dashboards/dashboard.py``): list, create,
retrieve, PATCH; DELETE answers 405 (soft delete is ``PATCH {"deleted": true}``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from phemu.resources._base import ModelHandlers
from phemu.resources._base import bytes_response
from phemu.resources._base import json_response
from phemu.resources._base import path_pk
from phemu.resources.dashboards.models import DashboardsBackend
from phemu.resources.dashboards.rules import restores

if TYPE_CHECKING:
    from werkzeug.wrappers import Response

    from phemu.context import RequestContext


def list_(ctx: RequestContext) -> Response:
    boards = DashboardsBackend.of(ctx.emulator)
    return bytes_response(boards.page(ctx.request, ctx.project_id, ctx.owner))


def retrieve(ctx: RequestContext) -> Response:
    boards = DashboardsBackend.of(ctx.emulator)
    with ctx.store.lock:
        dashboard = boards.access(boards.lookup(ctx.project_id, path_pk(ctx)))
        return json_response(boards.render(dashboard, ctx.owner))


_model = ModelHandlers(DashboardsBackend, restores)
create = _model.create
partial_update = _model.partial_update
