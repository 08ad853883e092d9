"""``{prefix}/insights/`` handlers: parse the request, call the backend, render.

PostHog's ``InsightViewSet`` (``posthog/api/insight.py``): list (``short_id``, ``search``),
create, retrieve, PATCH; DELETE answers 405 (soft delete is ``PATCH {"deleted": true}``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from phemu.resources._base import ModelHandlers
from phemu.resources._base import bytes_response
from phemu.resources.insights.models import InsightsBackend
from phemu.resources.insights.rules import restores

if TYPE_CHECKING:
    from werkzeug.wrappers import Response

    from phemu.context import RequestContext


def list_(ctx: RequestContext) -> Response:
    insights = InsightsBackend.of(ctx.emulator)
    short_id, search = ctx.query.get("short_id", ""), ctx.query.get("search")
    return bytes_response(insights.page(ctx.request, ctx.project_id, short_id, search))


_model = ModelHandlers(InsightsBackend, restores)
create = _model.create
retrieve = _model.retrieve
partial_update = _model.partial_update
