"""``{prefix}/insights/`` handlers: parse the request, call the backend, render.

PostHog's ``InsightViewSet`` (``posthog/api/insight.py``): list (``short_id``, ``search``),
create, retrieve, PATCH; DELETE answers 405 (soft delete is ``PATCH {"deleted": true}``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from phemu.fields import str_to_bool
from phemu.resources._base import ModelHandlers
from phemu.resources._base import bytes_response
from phemu.resources._base import json_response
from phemu.resources._base import path_pk
from phemu.resources.insights.models import InsightsBackend
from phemu.resources.insights.rules import restores

if TYPE_CHECKING:
    from werkzeug.wrappers import Response

    from phemu.context import RequestContext


def _basic(ctx: RequestContext) -> bool:
    """``InsightViewSet.get_serializer_class``: the basic serializer when ``basic`` is true."""
    return str_to_bool(ctx.query.get("basic", "0"))


def list_(ctx: RequestContext) -> Response:
    insights = InsightsBackend.of(ctx.emulator)
    short_id, search = ctx.query.get("short_id", ""), ctx.query.get("search")
    page = insights.page(ctx.request, ctx.project_id, short_id, search, ctx.owner, _basic(ctx))
    return bytes_response(page)


def retrieve(ctx: RequestContext) -> Response:
    insights = InsightsBackend.of(ctx.emulator)
    with ctx.store.lock:
        insight = insights.lookup(ctx.project_id, path_pk(ctx))
        return json_response(insights.render(insight, ctx.owner, basic=_basic(ctx)))


_model = ModelHandlers(InsightsBackend, restores)
create = _model.create
partial_update = _model.partial_update
