"""Django REST Framework's limit/offset pagination with its exact ``next``/``previous`` links.

The page is fetched through a callback so a list costs what the page holds, not what the store
holds (subscriptions keep a sorted index; see ``resources/subscriptions/models.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Sequence
from typing import Any
from typing import TypeVar
from urllib.parse import parse_qsl
from urllib.parse import quote
from urllib.parse import urlencode

from werkzeug.wrappers import Request

from phemu.serialization import dumps

T = TypeVar("T")

DEFAULT_LIMIT = 100


def _positive_int(raw: str | None, *, strict: bool) -> int | None:
    # DRF's _positive_int: int(), then 0 (when strict) and negatives are invalid.
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError:
        return None
    if value < 0 or (strict and value == 0):
        return None
    return value


def limit_offset(request: Request, default_limit: int = DEFAULT_LIMIT) -> tuple[int, int]:
    """``limit`` (default 100 or the viewset's ``default_limit``, no maximum) and ``offset``
    (default 0) as DRF reads them."""
    limit = _positive_int(request.args.get("limit"), strict=True)
    offset = _positive_int(request.args.get("offset"), strict=False)
    return (default_limit if limit is None else limit), (0 if offset is None else offset)


def request_url(request: Request) -> tuple[str, str]:
    """The absolute URL of the request without query (scheme and host as received), and query."""
    path = quote(request.path, safe="/:@!$&'()*+,;=-._~")
    # scheme://host directly: werkzeug's host_url re-parses the URL to an IRI on every call,
    # a measurable share of a paginated request.
    return f"{request.scheme}://{request.host}{path}", request.query_string.decode("latin-1")


def link_with(request: Request, changes: dict[str, int | str | None]) -> str:
    """The request's absolute URL with some query parameters set (or removed, for ``None``),
    sorted as DRF's ``replace_query_param`` leaves them."""
    base, query = request_url(request)
    return _replace(base, query, changes)


def _replace(base: str, query: str, changes: dict[str, int | str | None]) -> str:
    pairs = parse_qsl(query, keep_blank_values=True)
    grouped: dict[str, list[str]] = {}
    for key, value in pairs:
        grouped.setdefault(key, []).append(value)
    for key, new in changes.items():
        if new is None:
            grouped.pop(key, None)
        else:
            grouped[key] = [str(new)]
    encoded = urlencode(sorted(grouped.items()), doseq=True)
    return f"{base}?{encoded}" if encoded else base


def links(request: Request, count: int, limit: int, offset: int) -> tuple[str | None, str | None]:
    """DRF's ``get_next_link`` / ``get_previous_link``."""
    if offset + limit >= count and offset <= 0:
        return None, None
    base, query = request_url(request)
    next_link = None
    if offset + limit < count:
        next_link = _replace(base, query, {"limit": limit, "offset": offset + limit})
    previous_link = None
    if offset > 0:
        if offset - limit <= 0:
            previous_link = _replace(base, query, {"limit": limit, "offset": None})
        else:
            previous_link = _replace(base, query, {"limit": limit, "offset": offset - limit})
    return next_link, previous_link


def paginate(
    request: Request,
    count: int,
    fetch: Callable[[int, int], Sequence[T]],
    render: Callable[[T], Any],
    *,
    default_limit: int = DEFAULT_LIMIT,
) -> dict[str, Any]:
    """The paginated body ``{"count", "next", "previous", "results"}``.

    :param count: total number of items in the filtered list.
    :param fetch: ``fetch(offset, limit)`` returns that slice of the ordered list.
    :param render: turns one item into its JSON shape (only the page is rendered).
    """
    limit, offset = limit_offset(request, default_limit)
    next_link, previous_link = links(request, count, limit, offset)
    page = fetch(offset, limit) if offset < count else []
    return {
        "count": count,
        "next": next_link,
        "previous": previous_link,
        "results": [render(item) for item in page],
    }


def paginate_bytes(
    request: Request, count: int, page_json: Callable[[int, int], list[bytes] | bytes]
) -> bytes:
    """:func:`paginate` as JSON bytes, from the JSON of the page's rows.

    :param page_json: ``page_json(offset, limit)`` returns the JSON of that slice's rows, one
        by one or already joined with commas (``RenderCache.joined``).

    Byte for byte what ``dumps(paginate(...))`` gives; rows whose JSON is cached cost a join.
    """
    limit, offset = limit_offset(request)
    next_link, previous_link = links(request, count, limit, offset)
    rows = page_json(offset, limit) if offset < count else b""
    return b'{"count":%d,"next":%s,"previous":%s,"results":[%s]}' % (
        count,
        b"null" if next_link is None else dumps(next_link),
        b"null" if previous_link is None else dumps(previous_link),
        rows if isinstance(rows, bytes) else b",".join(rows),
    )


def paginate_list(
    request: Request,
    items: Sequence[T],
    render: Callable[[T], Any],
    *,
    default_limit: int = DEFAULT_LIMIT,
) -> dict[str, Any]:
    """:func:`paginate` over an in-memory sequence."""
    return paginate(
        request, len(items), lambda o, n: items[o : o + n], render, default_limit=default_limit
    )
