"""The stored subscription, its table with the list indexes, and its JSON shape.

A stored subscription is a slots dataclass of plain values (about 400-600 bytes). The table
keeps, per project, the ids of live and of soft-deleted rows in list order, and per project and
insight/dashboard the ids pointing at it, so a list page costs what the page holds rather than
what the store holds. The list order is the profile's: the November 2025 viewset
(``ee/api/subscription.py``) has no ordering, so rows come in insertion (id) order; the 2026
one orders by ``-created_at``.
"""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from typing import Any

from phemu.resources._base import created_by
from phemu.resources.subscription_schedule import Rule
from phemu.resources.subscription_schedule import summary
from phemu.serialization import format_datetime

if TYPE_CHECKING:
    from phemu.store import Store

TARGET_TYPES = ("email", "slack", "webhook")


@dataclass(slots=True, kw_only=True)
class Subscription:
    """One subscription. ``project`` is the project id, ``created_by`` a user id.

    ``byweekday`` is a tuple (order kept as sent; ``()`` is distinct from ``None``). The invite
    message is never stored (PostHog does not keep it either).
    """

    id: int
    project: int
    target_type: str
    target_value: str
    frequency: str
    start_date: datetime
    created_at: datetime
    dashboard: int | None = None
    insight: int | None = None
    interval: int = 1
    byweekday: tuple[str, ...] | None = None
    bysetpos: int | None = None
    count: int | None = None
    until_date: datetime | None = None
    created_by: int | None = None
    deleted: bool = False
    title: str | None = None
    next_delivery_date: datetime | None = None
    #: ``insight`` or ``dashboard``, pinned at creation: the 2026 serializer's content rules
    #: (``cloud`` profile) read it; not part of the November 2025 response.
    content_type: str = "insight"

    def rule(self) -> Rule:
        return Rule.of(
            frequency=self.frequency,
            interval=self.interval,
            count=self.count,
            start_date=self.start_date,
            until_date=self.until_date,
            byweekday=self.byweekday,
            bysetpos=self.bysetpos,
        )

    @property
    def summary(self) -> str:
        return summary(self.frequency, self.interval, self.byweekday, self.bysetpos)


def render(store: Store, sub: Subscription) -> dict[str, Any]:
    """The 19-key response object, in PostHog's order (subscriptions.md §2)."""
    return {
        "id": sub.id,
        "dashboard": sub.dashboard,
        "insight": sub.insight,
        "target_type": sub.target_type,
        "target_value": sub.target_value,
        "frequency": sub.frequency,
        "interval": sub.interval,
        "byweekday": list(sub.byweekday) if sub.byweekday is not None else None,
        "bysetpos": sub.bysetpos,
        "count": sub.count,
        "start_date": format_datetime(sub.start_date),
        "until_date": format_datetime(sub.until_date),
        "created_at": format_datetime(sub.created_at),
        "created_by": created_by(store, sub.created_by),
        "deleted": sub.deleted,
        "title": sub.title,
        "summary": sub.summary,
        "next_delivery_date": format_datetime(sub.next_delivery_date),
        "invite_message": None,
    }


class SubscriptionsState:
    """The subscription table of one store (``store.state(SubscriptionsState)``).

    Mutate only through :meth:`add`, :meth:`remove` and :meth:`reindex`, under ``store.lock``,
    so the indexes and the scheduler heap stay in step with the rows.
    """

    def __init__(self) -> None:
        self.rows: dict[int, Subscription] = {}
        # project -> ids in list order; one list for live rows, one for deleted.
        self.live: dict[int, list[int]] = {}
        self.removed: dict[int, list[int]] = {}
        # (project, insight id) / (project, dashboard id) -> ids in list order.
        self.by_insight: dict[tuple[int, int], list[int]] = {}
        self.by_dashboard: dict[tuple[int, int], list[int]] = {}
        # The lists are sorted by id, or by (created_at, id) once a cloud list asked for it.
        self.by_created = False
        # (next_delivery_date, id) of rows that may be due; stale entries are skipped lazily.
        self.due: list[tuple[datetime, int]] = []
        # Subscriptions skipped by the scheduler because their insight or dashboard is
        # soft-deleted: id -> the next_delivery_date they were due at.
        self.parked: dict[int, datetime] = {}
        # The last clock value the scheduler looked at (None: not started yet).
        self.scheduled_until: datetime | None = None

    def get(self, pk: int) -> Subscription | None:
        return self.rows.get(pk)

    def _sort_key(self, sub: Subscription) -> tuple[Any, ...]:
        return (sub.created_at, sub.id) if self.by_created else (sub.id,)

    def _key(self, pk: int) -> tuple[Any, ...]:
        return self._sort_key(self.rows[pk])

    def use_order(self, *, by_created: bool) -> None:
        """Sort the id lists by id (``docs``) or by ``(created_at, id)`` (``cloud``).

        Called before every list read; re-sorts only when the order changes, which happens once
        per store (a store serves one emulator, and so one profile)."""
        if by_created == self.by_created:
            return
        self.by_created = by_created
        for table in (self.live, self.removed, self.by_insight, self.by_dashboard):
            for ids in table.values():
                ids.sort(key=self._key)

    def _lists(self, sub: Subscription) -> Iterable[list[int]]:
        status = self.removed if sub.deleted else self.live
        yield status.setdefault(sub.project, [])
        if sub.insight is not None:
            yield self.by_insight.setdefault((sub.project, sub.insight), [])
        if sub.dashboard is not None:
            yield self.by_dashboard.setdefault((sub.project, sub.dashboard), [])

    def add(self, sub: Subscription) -> None:
        """Store a new row (replacing any row with the same id) and index it."""
        if sub.id in self.rows:
            self.remove(sub.id)
        self.rows[sub.id] = sub
        self._index(sub)
        self.schedule(sub)

    def remove(self, pk: int) -> None:
        sub = self.rows.get(pk)
        if sub is not None:
            self._unindex(sub)
            del self.rows[pk]

    def reindex(self, sub: Subscription, change: Callable[[], None]) -> None:
        """Apply ``change`` to ``sub`` (which may move it between indexes) and re-index it."""
        self._unindex(sub)
        try:
            change()
        finally:
            self._index(sub)

    def _index(self, sub: Subscription) -> None:
        for ids in self._lists(sub):
            bisect.insort(ids, sub.id, key=self._key)

    def _unindex(self, sub: Subscription) -> None:
        for ids in self._lists(sub):
            position = bisect.bisect_left(ids, self._sort_key(sub), key=self._key)
            if position < len(ids) and ids[position] == sub.id:
                del ids[position]

    def schedule(self, sub: Subscription) -> None:
        """Make the scheduler look at ``sub`` when its ``next_delivery_date`` comes."""
        if sub.next_delivery_date is not None and not sub.deleted:
            heapq.heappush(self.due, (sub.next_delivery_date, sub.id))

    def candidates(
        self, project: int, deleted: bool, insight: int | None, dashboard: int | None
    ) -> tuple[list[int], bool]:
        """The narrowest sorted id list for a list query, and whether it still needs filtering.

        Without ``insight``/``dashboard`` the live or deleted list is exact; with them the
        per-resource list is scanned and filtered (it holds only that resource's rows).
        """
        if insight is None and dashboard is None:
            status = self.removed if deleted else self.live
            return status.get(project, []), False
        lists = []
        if insight is not None:
            lists.append(self.by_insight.get((project, insight), []))
        if dashboard is not None:
            lists.append(self.by_dashboard.get((project, dashboard), []))
        return min(lists, key=len), True


def newest_first(ids: list[int], offset: int, limit: int) -> list[int]:
    """Items ``offset .. offset+limit-1`` of ``ids`` read from the end (newest first)."""
    end = len(ids) - offset
    if end <= 0:
        return []
    return ids[max(0, end - limit) : end][::-1]


def list_page(state: SubscriptionsState, ids: list[int], offset: int, limit: int) -> list[int]:
    """One list page in the profile's order (see :meth:`SubscriptionsState.use_order`)."""
    if state.by_created:
        return newest_first(ids, offset, limit)
    return ids[offset : offset + limit]
