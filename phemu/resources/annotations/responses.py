"""Thin handlers for ``{prefix}/annotations/`` (``AnnotationsViewSet``,
``posthog/api/annotation.py``): ``SearchFilter`` on ``content``, ``scope`` / ``date_from`` /
``date_to`` filters, ``-date_marker`` order, a default page of 1000."""

from __future__ import annotations

import re
from datetime import datetime
from datetime import timezone
from typing import TYPE_CHECKING

from werkzeug.wrappers import Response

from phemu.errors import Msg
from phemu.errors import NotFound
from phemu.errors import ValidationError
from phemu.pagination import paginate_list
from phemu.resources._base import json_response
from phemu.resources._base import path_pk
from phemu.resources.annotations.models import SCOPES
from phemu.resources.annotations.models import AnnotationsBackend
from phemu.resources.annotations.models import ordered

if TYPE_CHECKING:
    from phemu.context import RequestContext
    from phemu.resources.annotations.models import Annotation

PAGE_SIZE = 1000


def _backend(ctx: RequestContext) -> AnnotationsBackend:
    return AnnotationsBackend.of(ctx.emulator)


def _find(ctx: RequestContext, *, deleted: bool = False) -> Annotation:
    pk = path_pk(ctx)
    visible = {a.id: a for a in _backend(ctx).visible(ctx.project_id, deleted=deleted)}
    found = visible.get(pk) if pk is not None else None
    if found is None:
        raise NotFound()
    return found


def _instant(raw: str, message: str) -> datetime:
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError(message) from None
    return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)


def search_terms(raw: str) -> list[str]:
    """DRF ``SearchFilter.get_search_terms``: whitespace or comma separated, nulls dropped."""
    return [t for t in re.split(r"[\s,]+", raw.replace("\x00", "")) if t]


def list_(ctx: RequestContext) -> Response:
    args = ctx.query
    found = _backend(ctx).visible(ctx.project_id)
    scope = args.get("scope")
    if scope:
        scope = "dashboard_item" if scope == "insight" else scope
        if scope not in SCOPES:
            raise ValidationError(Msg.ANNOTATION_INVALID_SCOPE.format(scope=scope))
        found = [a for a in found if a.scope == scope]
    date_from = args.get("date_from")
    date_to = args.get("date_to")
    since = _instant(date_from, Msg.ANNOTATION_DATE_FROM) if date_from else None
    if since is not None:
        found = [a for a in found if a.date_marker is not None and a.date_marker >= since]
    until = _instant(date_to, Msg.ANNOTATION_DATE_TO) if date_to else None
    if until is not None:
        found = [a for a in found if a.date_marker is not None and a.date_marker <= until]
    if since is not None and until is not None and since > until:
        raise ValidationError(Msg.ANNOTATION_DATE_ORDER)
    for term in search_terms(args.get("search", "")):
        found = [a for a in found if term.lower() in (a.content or "").lower()]
    return json_response(
        paginate_list(ctx.request, ordered(found), _backend(ctx).render, default_limit=PAGE_SIZE)
    )


def create(ctx: RequestContext) -> Response:
    backend = _backend(ctx)
    found = backend.save(ctx.project_id, None, ctx.body, user_id=ctx.owner.id, partial=False)
    return json_response(backend.render(found), status=201)


def retrieve(ctx: RequestContext) -> Response:
    return json_response(_backend(ctx).render(_find(ctx)))


def update(ctx: RequestContext) -> Response:
    # Only PATCH sees deleted annotations (to restore them).
    found = _find(ctx, deleted=ctx.method == "PATCH")
    backend = _backend(ctx)
    backend.save(ctx.project_id, found, ctx.body, user_id=None, partial=ctx.method == "PATCH")
    return json_response(backend.render(found))
