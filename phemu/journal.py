"""The request journal: every request any front door sent into the emulator.

Tests read it to assert what their client did (``emulator.assert_called``); requests to routes
phemu does not emulate are flagged with the closest known routes so the author sees the typo.
"""

from __future__ import annotations

import re
import threading
from collections import deque
from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import field
from typing import TYPE_CHECKING
from typing import Any
from urllib.parse import quote_plus
from urllib.parse import unquote_plus

from phemu.store import mask_key

if TYPE_CHECKING:
    from phemu.routing import RouteTable

DEFAULT_CAPACITY = 10_000

#: PostHog's secret token prefixes: personal API keys, secret flag keys, OAuth access/refresh
#: tokens (``posthog/models/utils.py``); ``phc_`` project tokens are public and stay readable.
_SECRET_TOKEN = re.compile(r"ph[xsar]_[A-Za-z0-9]+")
_KEY_PARAMETER = "personal_api_key"  # where PostHog reads a key from the query (phemu/auth.py)


def mask_query(query: str) -> str:
    """A raw query string with every key in it masked as PostHog masks keys (``phx_...a1b2``).

    The value of ``personal_api_key`` is masked whatever it looks like; any PostHog secret token
    (``phx_``, ``phs_``, ``pha_``, ``phr_``) elsewhere in a name or value is masked too.
    Everything that records or logs a request (the journal, so ``GET /_phemu/requests`` and the
    inspector, and the server's access log) goes through this one function.
    """
    if not query or ("%" not in query and "ph" not in query and _KEY_PARAMETER not in query):
        # Without percent escapes, decoding only turns "+" into spaces: no key can hide here.
        return query
    pairs = query.split("&")
    for index, pair in enumerate(pairs):
        raw_name, equals, raw_value = pair.partition("=")
        name, value = unquote_plus(raw_name), unquote_plus(raw_value)
        masked_name = _SECRET_TOKEN.sub(_mask_match, name)
        if name == _KEY_PARAMETER and value:
            masked_value = mask_key(value)
        else:
            masked_value = _SECRET_TOKEN.sub(_mask_match, value)
        if masked_name != name or masked_value != value:
            pairs[index] = (
                quote_plus(masked_name, safe="*") + equals + quote_plus(masked_value, safe="*")
            )
    return "&".join(pairs)


def _mask_match(match: re.Match[str]) -> str:
    return mask_key(match.group())


@dataclass(slots=True, kw_only=True)
class JournalEntry:
    id: int
    at: str
    method: str
    path: str
    query: str
    status: int
    endpoint: str | None
    duration_ms: float
    tier: str | None = None
    unknown_route: bool = False
    near_misses: list[str] = field(default_factory=list)
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Journal:
    """A bounded, thread-safe log of handled requests (oldest dropped past ``capacity``)."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self._entries: deque[JournalEntry] = deque(maxlen=capacity)
        self._lock = threading.Lock()
        self._next = 1

    def record(self, **fields: Any) -> JournalEntry:
        with self._lock:
            entry = JournalEntry(id=self._next, **fields)
            self._next += 1
            self._entries.append(entry)
        return entry

    def entries(
        self, method: str | None = None, path: str | None = None, status: int | None = None
    ) -> list[JournalEntry]:
        """Entries filtered by method, path (trailing slash ignored) and status."""
        with self._lock:
            items = list(self._entries)
        wanted = path.rstrip("/") if path is not None else None
        return [
            e
            for e in items
            if (method is None or e.method == method.upper())
            and (wanted is None or e.path.rstrip("/") == wanted)
            and (status is None or e.status == status)
        ]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def describe(entry: JournalEntry) -> str:
    """One line of an assertion report; unknown routes carry the near-miss suggestions."""
    line = f"  {entry.method} {entry.path}" + (f"?{entry.query}" if entry.query else "")
    line += f" -> {entry.status}"
    if entry.unknown_route:
        line += "  [route not emulated by phemu"
        if entry.near_misses:
            line += f"; did you mean {', '.join(entry.near_misses)}?"
        line += "]"
    return line


def assertion_message(
    journal: Journal,
    table: RouteTable,
    method: str,
    path: str,
    times: int | None,
    found: int,
) -> str:
    """The failure text of ``Emulator.assert_called``."""
    expected = "at least once" if times is None else f"{times} time(s)"
    lines = [f"expected {method.upper()} {path} {expected}, found {found}"]
    if not table.matches(path):
        close = table.near_misses(path)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        lines.append(f"note: {path} is not a route phemu emulates{hint}")
    seen = [describe(entry) for entry in journal.entries()]
    lines.append("requests seen:")
    lines.extend(seen or ["  (none)"])
    return "\n".join(lines)
