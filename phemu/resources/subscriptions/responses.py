"""``{prefix}/subscriptions/`` handlers: parse the request, call the backend, render.

PostHog's ``SubscriptionViewSet`` (``ee/api/subscription.py``): create, list, retrieve, PUT,
PATCH; DELETE answers 405 (soft delete is ``PATCH {"deleted": true}``). Every rule lives in
:class:`~phemu.resources.subscriptions.models.SubscriptionsBackend` and ``rules.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

from phemu.errors import ServerError
from phemu.fields import expect_object
from phemu.fields import str_to_bool
from phemu.resources._base import bytes_response
from phemu.resources._base import json_response
from phemu.resources._base import path_pk
from phemu.resources.subscriptions.models import SubscriptionsBackend

if TYPE_CHECKING:
    from werkzeug.wrappers import Response

    from phemu.context import RequestContext


def _int_filter(raw: str | None) -> int | None:
    """An ``insight``/``dashboard`` filter; PostHog's ORM fails with a 500 on non-integers.

    ``queryset.filter(insight_id=raw)`` raises Django's ``ValueError`` outside any 404 guard, for
    letters and for more digits than ``int()`` converts (4,300) alike.
    """
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        raise ServerError() from None


def _filters(ctx: RequestContext) -> tuple[bool | None, int | None, int | None]:
    """``deleted``, ``insight``, ``dashboard`` as PostHog reads them (last value wins)."""
    query = ctx.query

    def last(name: str) -> str | None:
        values = query.getlist(name)
        return values[-1] if values else None

    deleted_raw = last("deleted")
    deleted = str_to_bool(deleted_raw) if deleted_raw is not None else None
    return deleted, _int_filter(last("insight")), _int_filter(last("dashboard"))


def _find(ctx: RequestContext, subs: SubscriptionsBackend) -> Any:
    deleted, insight, dashboard = _filters(ctx)
    return subs.lookup(ctx.project_id, path_pk(ctx), deleted, insight, dashboard)


def list_(ctx: RequestContext) -> Response:
    deleted, insight, dashboard = _filters(ctx)
    subs = SubscriptionsBackend.of(ctx.emulator)
    return bytes_response(subs.page(ctx.request, ctx.project_id, bool(deleted), insight, dashboard))


def create(ctx: RequestContext) -> Response:
    subs = SubscriptionsBackend.of(ctx.emulator)
    sub = subs.add(ctx.project_id, expect_object(ctx.body), user_id=ctx.owner.id)
    return json_response(subs.render(sub), 201)


def retrieve(ctx: RequestContext) -> Response:
    subs = SubscriptionsBackend.of(ctx.emulator)
    return json_response(subs.render(_find(ctx, subs)))


def _update(ctx: RequestContext, *, partial: bool) -> Response:
    subs = SubscriptionsBackend.of(ctx.emulator)
    sub = _find(ctx, subs)
    subs.change(sub, expect_object(ctx.body), partial=partial)
    return json_response(subs.render(sub))


def update(ctx: RequestContext) -> Response:
    return _update(ctx, partial=False)


def partial_update(ctx: RequestContext) -> Response:
    return _update(ctx, partial=True)
