"""Django REST Framework's limit/offset pagination with its exact ``next``/``previous`` links.

The page is fetched through a callback so a list costs what the page holds, not what the store
holds (subscriptions keep a sorted index; see ``resources/subscriptions/models.py``).
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any
from typing import TypeVar
from urllib.parse import parse_qs
from urllib.parse import parse_qsl
from urllib.parse import quote
from urllib.parse import urlencode

from werkzeug.wrappers import Request

from phemu.errors import Msg
from phemu.errors import NotFound
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


@dataclass(frozen=True)
class Cursor:
    """DRF ``CursorPagination``'s cursor: an offset, a direction and a position."""

    offset: int
    reverse: bool
    position: str | None


#: ``CursorPagination.offset_cutoff``
CURSOR_OFFSET_CUTOFF = 1000


def decode_cursor(raw: str | None) -> Cursor | None:
    """``CursorPagination.decode_cursor``: base64 of ``o=&r=&p=``; anything it cannot read is
    DRF's 404 ``Invalid cursor``."""
    if raw is None:
        return None
    try:
        text = base64.b64decode(raw.encode("ascii")).decode("ascii")
        tokens = parse_qs(text, keep_blank_values=True)
        offset = int(tokens.get("o", ["0"])[0])
        if offset < 0:
            raise ValueError(offset)
        reverse = bool(int(tokens.get("r", ["0"])[0]))
    except (TypeError, ValueError):
        raise NotFound(Msg.INVALID_CURSOR) from None
    position = tokens["p"][0] if "p" in tokens else None
    return Cursor(min(offset, CURSOR_OFFSET_CUTOFF), reverse, position)


def _encode_cursor(base: str, query: str, cursor: Cursor) -> str:
    tokens: dict[str, str] = {}
    if cursor.offset != 0:
        tokens["o"] = str(cursor.offset)
    if cursor.reverse:
        tokens["r"] = "1"
    if cursor.position is not None:
        tokens["p"] = cursor.position
    encoded = base64.b64encode(urlencode(tokens).encode("ascii")).decode("ascii")
    return _replace(base, query, {"cursor": encoded})


def cursor_page(
    url: str,
    newest_first: Sequence[T],
    position_of: Callable[[T], str],
    compare: Callable[[T, str], int],
    page_size: int,
) -> dict[str, Any]:
    """DRF's ``CursorPagination`` over a descending ordering (``ordering = "-created_at"``):
    ``{"next", "previous", "results"}`` with the links DRF builds from ``url`` (the request's
    absolute URL). ``position_of`` is ``str()`` of an item's ordering value; ``compare(item,
    position)`` is the sign of the item's value minus the position's."""
    base, _, query = url.partition("?")
    cursor = decode_cursor(dict(parse_qsl(query, keep_blank_values=True)).get("cursor"))
    offset, reverse, current = (
        (0, False, None) if cursor is None else (cursor.offset, cursor.reverse, cursor.position)
    )
    rows = list(reversed(newest_first)) if reverse else list(newest_first)
    if current is not None:
        # (cursor reversed) XOR (ordering reversed): ``__lt`` going forward, ``__gt`` back.
        rows = [r for r in rows if compare(r, current) == (1 if reverse else -1)]
    results = rows[offset : offset + page_size + 1]
    page = results[:page_size]
    following = position_of(results[-1]) if len(results) > len(page) else None
    has_following = len(results) > len(page)
    next_position = previous_position = None
    if reverse:
        page.reverse()
        has_next, has_previous = current is not None or offset > 0, has_following
        next_position, previous_position = current, following
    else:
        has_next, has_previous = has_following, current is not None or offset > 0
        next_position, previous_position = following, current
    link = partial(
        _cursor_link,
        base,
        query,
        cursor,
        page,
        position_of,
        page_size,
        positions=(next_position, previous_position),
    )
    return {
        "next": link(forward=True, other=has_previous) if has_next else None,
        "previous": link(forward=False, other=has_next) if has_previous else None,
        "results": page,
    }


def _cursor_link(
    base: str,
    query: str,
    cursor: Cursor | None,
    page: list[T],
    position_of: Callable[[T], str],
    page_size: int,
    *,
    forward: bool,
    positions: tuple[str | None, str | None],
    other: bool,
) -> str:
    """``get_next_link`` (``forward``) and ``get_previous_link``: the marker is the last
    position of the page that differs from the one after it, counting the equal ones as the
    new cursor's offset."""
    next_position, previous_position = positions
    mine, theirs = (
        (next_position, previous_position) if forward else (previous_position, next_position)
    )
    edge = (page[-1] if forward else page[0]) if page else None
    if page and cursor is not None and cursor.reverse == forward and edge is not None:
        compare: str | None = position_of(edge)
    else:
        compare = mine
    ordered = list(reversed(page)) if forward else page
    offset, position, unique = len(ordered), None, False
    for count, item in enumerate(ordered):
        position = position_of(item)
        if position != compare:
            unique, offset = True, count
            break
        compare = position
    if page and not unique:
        if not other:
            offset, position = page_size, None
        else:
            assert cursor is not None
            if cursor.reverse:
                offset, position = (0 if forward else cursor.offset + page_size), theirs
            else:
                offset, position = (cursor.offset + page_size if forward else 0), theirs
    if not page:
        position = mine
    return _encode_cursor(base, query, Cursor(offset, not forward, position))
