"""The ``activity`` actions PostHog's viewsets share (``load_activity`` +
``activity_page_response``, ``posthog/models/activity_logging/activity_page.py``)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING
from typing import Any

from werkzeug.wrappers import Response

from phemu.errors import ServerError
from phemu.fields import lookup_int
from phemu.pagination import request_url
from phemu.resources._base import empty_response
from phemu.resources._base import json_response
from phemu.resources.activity_log.models import page_of

if TYPE_CHECKING:
    from phemu.context import RequestContext


def _int_param(ctx: RequestContext, name: str, default: str) -> int:
    # ``int(request.query_params.get(...))`` unguarded: PostHog answers its generic 500.
    try:
        return int(ctx.query.get(name, default))
    except ValueError:
        raise ServerError() from None


def absolute_url_with(ctx: RequestContext, page: int, limit: int) -> str:
    """``format_query_params_absolute_url(request, page, limit, offset_alias="page")``
    (``posthog/utils.py``): the request's URL with ``page`` and ``limit`` replaced or added."""
    base, query = request_url(ctx.request)
    url = f"{base}?{query}" if query else base
    for alias, value in (("page", page), ("limit", limit)):
        pattern = re.compile(rf"([&?]{alias}=)(\d+)")
        if pattern.search(url):
            url = pattern.sub(rf"\g<1>{value}", url)
        else:
            url = f"{url}{'&' if '?' in url else '?'}{alias}={value}"
    return url


def activity_response(ctx: RequestContext, scope: str, item_ids: list[str] | None) -> Response:
    limit = _int_param(ctx, "limit", "10")
    page = _int_param(ctx, "page", "1")
    backend = ctx.emulator.activity_log
    found = page_of(backend.entries(scope, ctx.project_id, item_ids), limit, page)
    return json_response(
        {
            "results": [backend.render(e) for e in found.results],
            "next": absolute_url_with(ctx, page + 1, limit) if found.has_next else None,
            "previous": absolute_url_with(ctx, page - 1, limit) if found.has_previous else None,
            "total_count": found.total_count,
        }
    )


def item_activity_response(
    ctx: RequestContext,
    scope: str,
    record_of: Callable[[int], Any],
    *,
    key_as_sent: bool = False,
) -> Response:
    """The ``activity`` action of an integer-keyed model: ``filter(id=pk, team__project_id=...)``
    first (a key Django cannot read as an integer is its generic 500; a record of another
    project, or none, the bare ``Response(status=404)``), then the log of the item: the key as
    sent when the view passes ``kwargs["pk"]`` on (``key_as_sent``), else ``str(pk)``."""
    pk = lookup_int(ctx.path_values["pk"])
    if pk is None:
        raise ServerError()
    record = record_of(pk)
    if record is None or record.project != ctx.project_id:
        return empty_response(404)
    return activity_response(ctx, scope, [ctx.path_values["pk"] if key_as_sent else str(pk)])
