"""One project's sessions and raw events, with the value index behind ``sessions/values``.

PostHog answers ``values`` by scanning the newest 100 000 sessions of a project and counting
values. Scanning on every request would make each call cost O(sessions); instead each project
keeps, per stored string key, a count and the newest occurrence of every distinct value among
its newest :data:`WINDOW` sessions, updated on ingest. A call then costs O(distinct values), and
a ``value`` search only narrows that set before ranking (``docs/sessions.md``).

Ranking is "count descending, ties by first occurrence newest-first": the first occurrence of a
value in newest-first order is its newest session, so each value carries ``(count, newest sort
key)`` and the top 20 is a plain ``nlargest`` over those pairs. Removing a session can only make
a value's newest occurrence *older*; that value is marked stale and recomputed by one pass over
the window the next time the key is queried.
"""

from __future__ import annotations

import bisect
import heapq
import json
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from typing import TYPE_CHECKING
from typing import Any

from phemu.resources.sessions.catalogue import STORED_STRING_KEYS
from phemu.resources.sessions.derivation import Event
from phemu.resources.sessions.like import like_matcher

if TYPE_CHECKING:
    from phemu.resources.sessions.models import Session

#: At most this many sessions (newest first) are considered, as PostHog's ``LIMIT 100000``.
WINDOW = 100_000
#: At most this many distinct values are answered, as PostHog's ``LIMIT 20``.
TOP = 20

#: ``(start timestamp in µs, session id)``; sessions without a start timestamp sort oldest
#: (ClickHouse puts NULLs last in a descending order).
SortKey = tuple[int, str]
_NO_TIME = -(2**63)
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICRO = timedelta(microseconds=1)


def sort_key(session_id: str, start: datetime | None) -> SortKey:
    return ((start - _EPOCH) // _MICRO if start is not None else _NO_TIME, session_id)


def column_text(value: Any) -> str | None:
    """A stored value as the string column PostHog scans (non-strings as their JSON text).

    Empty strings are indexed: the plain listing drops them, but a search such as ``%`` matches
    them, as ``ILIKE '%%%'`` does in ClickHouse.
    """
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=False)


class _KeyIndex:
    """Distinct values of one key: ``value -> [count, newest sort key, lower-cased, value]``.

    Entries are lists so ``nlargest`` compares them in C: count first, then newest occurrence
    (two values never share their newest session, so the comparison never reaches the text).
    """

    __slots__ = ("entries", "stale")

    def __init__(self) -> None:
        self.entries: dict[str, list[Any]] = {}
        self.stale: set[str] = set()


@dataclass
class ProjectSessions:
    """The sessions of one project, the events of each (records of the event store) and the
    value index."""

    sessions: dict[str, Session] = field(default_factory=dict)
    events: dict[str, tuple[Event, ...]] = field(default_factory=dict)
    _order: list[SortKey] | None = None  # every sort key, ascending; None = rebuild
    _indexed: set[str] = field(default_factory=set)
    _index: dict[str, _KeyIndex] = field(default_factory=dict)

    def __deepcopy__(self, memo: dict[int, Any]) -> ProjectSessions:
        # Store checkpoints deep-copy every state before a seed. Sessions and events are
        # immutable, so sharing them is safe; the index is rebuilt lazily if the copy is used.
        return ProjectSessions(sessions=dict(self.sessions), events=dict(self.events))

    # -- ingest ------------------------------------------------------------------------------
    def upsert(self, sessions: Iterable[Session]) -> None:
        """Insert or replace sessions, keeping the window and the index exact."""
        batch = {s.session_id: s for s in sessions}
        if not batch:
            return
        order = self._ensure_index()
        old_boundary = self._boundary()
        replaced = [self.sessions[sid] for sid in batch if sid in self.sessions]
        for old in replaced:
            if old.session_id in self._indexed:
                self._unindex(old)
        if len(replaced) * 8 < len(order):
            for old in replaced:
                del order[bisect.bisect_left(order, old.key)]
        else:
            gone = {old.key for old in replaced}
            order[:] = [k for k in order if k not in gone]
        self.sessions.update(batch)
        order.extend(s.key for s in batch.values())
        order.sort()  # two sorted runs: timsort merges them in linear time
        self._resync(old_boundary, batch.values())

    def _boundary(self) -> SortKey | None:
        """The oldest sort key still inside the window (None: every session is inside)."""
        order = self._order or []
        return order[-WINDOW] if len(order) > WINDOW else None

    def _resync(self, old: SortKey | None, added: Iterable[Session]) -> None:
        new = self._boundary()
        order = self._order or []
        if old != new:
            low = (_NO_TIME - 1, "")
            lo, hi = sorted((old or low, new or low))
            for key in order[bisect.bisect_left(order, lo) : bisect.bisect_right(order, hi)]:
                session = self.sessions[key[1]]
                inside = new is None or key >= new
                if inside and key[1] not in self._indexed:
                    self._add(session)
                elif not inside and key[1] in self._indexed:
                    self._unindex(session)
        for session in added:
            if session.session_id not in self._indexed and (new is None or session.key >= new):
                self._add(session)

    def _ensure_index(self) -> list[SortKey]:
        if self._order is None:
            self._order = sorted(s.key for s in self.sessions.values())
            self._indexed, self._index = set(), {}
            boundary = self._boundary()
            for session in self.sessions.values():
                if boundary is None or session.key >= boundary:
                    self._add(session)
        return self._order

    def _key_index(self, key: str) -> _KeyIndex:
        found = self._index.get(key)
        if found is None:
            found = self._index[key] = _KeyIndex()
        return found

    def _add(self, session: Session) -> None:
        self._indexed.add(session.session_id)
        props, skey = session.properties, session.key
        for key in STORED_STRING_KEYS:
            value = column_text(props.get(key))
            if value is None:
                continue
            index = self._key_index(key)
            entry = index.entries.get(value)
            if entry is None:
                index.entries[value] = [1, skey, value.lower(), value]
            else:
                entry[0] += 1
                if skey > entry[1] and value not in index.stale:
                    entry[1] = skey

    def _unindex(self, session: Session) -> None:
        self._indexed.discard(session.session_id)
        props, skey = session.properties, session.key
        for key in STORED_STRING_KEYS:
            value = column_text(props.get(key))
            if value is None:
                continue
            index = self._index[key]
            entry = index.entries[value]
            entry[0] -= 1
            if entry[0] == 0:
                del index.entries[value]
                index.stale.discard(value)
            elif entry[1] == skey:
                index.stale.add(value)

    def _refresh(self, key: str, index: _KeyIndex) -> None:
        """Recompute the newest occurrence of stale values with one pass over the window."""
        newest: dict[str, SortKey] = {}
        for sid in self._indexed:
            session = self.sessions[sid]
            value = column_text(session.properties.get(key))
            if value in index.stale and (value not in newest or session.key > newest[value]):
                newest[value] = session.key
        for value, skey in newest.items():
            index.entries[value][1] = skey
        index.stale.clear()

    # -- queries -----------------------------------------------------------------------------
    def top_values(self, key: str, search: str | None) -> list[str]:
        """The at most 20 most frequent values of ``key``, newest first on ties, among those
        matching ``search`` (ClickHouse's ``ILIKE '%<search>%'``)."""
        self._ensure_index()
        index = self._index.get(key)
        if index is None or not index.entries:
            return []
        if index.stale:
            self._refresh(key, index)
        # Filter, then rank what is left. Both cases make one pass over the distinct values,
        # and a search term only ever leaves fewer entries to rank.
        entries = index.entries.values()
        if search is None:
            kept = [e for e in entries if e[3]]  # non-empty
        elif not any(c in search for c in "%_\\"):
            needle = search.lower()
            kept = [e for e in entries if needle in e[2]]
        else:
            matches = like_matcher(search)
            kept = [e for e in entries if matches(e[2])]
        return [entry[3] for entry in heapq.nlargest(TOP, kept)]
