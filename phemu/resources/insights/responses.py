"""``{prefix}/insights/`` handlers: parse the request, call the backend, render.

PostHog's ``InsightViewSet`` (``posthog/api/insight.py``): list (``short_id``, ``search``),
create, retrieve, PATCH; DELETE answers 405 (soft delete is ``PATCH {"deleted": true}``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from phemu.resources._base import bytes_response
from phemu.resources._base import json_response
from phemu.resources._base import lookup_then_body
from phemu.resources._base import path_pk
from phemu.resources.insights.models import InsightsBackend
from phemu.resources.insights.rules import restores

if TYPE_CHECKING:
    from werkzeug.wrappers import Response

    from phemu.context import RequestContext


def list_(ctx: RequestContext) -> Response:
    insights = InsightsBackend.of(ctx.emulator)
    short_id, search = ctx.query.get("short_id", ""), ctx.query.get("search")
    return bytes_response(insights.page(ctx.request, ctx.project_id, short_id, search))


def create(ctx: RequestContext) -> Response:
    insights = InsightsBackend.of(ctx.emulator)
    with ctx.store.lock:
        insight = insights.add(ctx.project_id, ctx.body, user_id=ctx.owner.id)
        return json_response(insights.render(insight), 201)


def retrieve(ctx: RequestContext) -> Response:
    insights = InsightsBackend.of(ctx.emulator)
    with ctx.store.lock:
        return json_response(insights.render(insights.lookup(ctx.project_id, path_pk(ctx))))


def partial_update(ctx: RequestContext) -> Response:
    insights = InsightsBackend.of(ctx.emulator)
    with ctx.store.lock:
        insight, body = lookup_then_body(
            ctx,
            lambda wide: insights.lookup(ctx.project_id, path_pk(ctx), include_deleted=wide),
            restores,
        )
        insights.change(insight, body, user_id=ctx.owner.id)
        return json_response(insights.render(insight))
