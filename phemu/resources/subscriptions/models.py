"""Subscriptions: the record, its table with the list indexes, its JSON shape, and
:class:`SubscriptionsBackend`, the only code that writes them.

A stored subscription is a slots dataclass of plain values (about 400-600 bytes). The table
keeps, per project, the ids of live and of soft-deleted rows in list order, and per project and
insight/dashboard the ids pointing at it, so a list page costs what the page holds rather than
what the store holds. The list order is the profile's: the November 2025 viewset
(``ee/api/subscription.py``) has no ordering, so rows come in insertion (id) order; the 2026
one orders by ``-created_at``. Each row's rendered JSON is cached until the backend writes the
row, so a page costs what its bytes cost.
"""

from __future__ import annotations

import bisect
import builtins
import dataclasses
import heapq
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from typing import Any

from phemu.errors import NotFound
from phemu.pagination import paginate_bytes
from phemu.resources._base import Backend
from phemu.resources._base import created_by
from phemu.resources._cache import RenderCache
from phemu.resources.subscriptions import delivery
from phemu.resources.subscriptions.delivery import SECTION
from phemu.seed import user_ref
from phemu.serialization import format_datetime

if TYPE_CHECKING:
    from werkzeug.wrappers import Request

    from phemu.resources.subscriptions.schedule import Rule
    from phemu.store import Store

# The validation rules and the schedule (dateutil's rrule) are imported where a subscription is
# written or its schedule read: ``import phemu.emulator`` should not pay for them.

SEQUENCE = "subscription"
#: ``created_by=`` of :meth:`SubscriptionsBackend.create` when not given.
FIRST_MEMBER: Any = object()


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
        from phemu.resources.subscriptions.schedule import Rule

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
        from phemu.resources.subscriptions.schedule import summary

        return summary(self.frequency, self.interval, self.byweekday, self.bysetpos)


def render(store: Store, sub: Subscription) -> dict[str, Any]:
    """The 19-key response object, in PostHog's order (``SubscriptionSerializer``)."""
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

    Only :class:`SubscriptionsBackend` mutates it, through :meth:`add`, :meth:`remove` and
    :meth:`reindex`, under ``store.lock``, so the indexes, the scheduler heap and the rendered
    JSON cache stay in step with the rows.
    """

    def __init__(self) -> None:
        self.rows: dict[int, Subscription] = {}
        self.json = RenderCache()
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
        # (scheduled_until it was worked out at, the first scheduler run that can deliver
        # anything, None for none) while the heap and the parked rows stay as they are.
        self.next_run: tuple[datetime, datetime | None] | None = None

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
            self.json.drop(pk)

    def reindex(self, sub: Subscription, change: Callable[[], None]) -> None:
        """Apply ``change`` to ``sub`` (which may move it between indexes) and re-index it."""
        self._unindex(sub)
        self.json.drop(sub.id)
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
            self.next_run = None

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


def first_member(store: Store, project: int) -> int | None:
    """The first member (lowest id) of the project's organization: who "created" a row that
    no request created (PostHog's schema types ``created_by`` as a user object)."""
    organization = store.projects[project].organization
    members = sorted(u.id for u in store.users.values() if organization in u.memberships)
    return members[0] if members else None


def matches(
    sub: Subscription, deleted: bool | None, insight: int | None, dashboard: int | None
) -> bool:
    """The list and detail filters (``deleted``, ``insight``, ``dashboard``; ``None``: any)."""
    return (
        (deleted is None or sub.deleted == deleted)
        and (insight is None or sub.insight == insight)
        and (dashboard is None or sub.dashboard == dashboard)
    )


class SubscriptionsBackend(Backend):
    """``emulator.subscriptions``: create, change, read and list subscriptions.

    HTTP handlers, the seed section and the Python API all go through these methods: the
    Python methods return the API's JSON objects and raise the API's errors
    (:class:`~phemu.errors.ValidationError` with PostHog's message, ``NotFound``...).
    """

    @property
    def table(self) -> SubscriptionsState:
        return self.store.state(SubscriptionsState)

    # -- the Python API ---------------------------------------------------------------------
    def create(
        self,
        project: int = 1,
        *,
        created_by: int | str | None = FIRST_MEMBER,
        notify: bool = False,
        **fields: Any,
    ) -> dict[str, Any]:
        """Create a subscription with ``POST``'s validation; returns the API object.

        ``fields`` use the API's names (``insight=7, target_type="email", ...``); ``created_by``
        is a user id or email (default: the first member of the project's organization) or
        ``None``. No outbox entry is written unless ``notify``.
        """
        with self.store.lock:
            self.project(project)
            user = (
                first_member(self.store, project)
                if created_by is FIRST_MEMBER
                else user_ref(self.store, created_by, "subscriptions.create")
            )
            return self.render(self.add(project, fields, user_id=user, notify=notify))

    def update(self, pk: int, *, notify: bool = False, **fields: Any) -> dict[str, Any]:
        """Change a subscription with ``PATCH``'s validation (``deleted=True`` soft-deletes)."""
        with self.store.lock:
            sub = self.table.get(pk)
            if sub is None:
                raise NotFound()
            return self.render(self.change(sub, fields, partial=True, notify=notify))

    def get(self, pk: int) -> dict[str, Any]:
        """The API object of subscription ``pk`` (any project, deleted or not)."""
        with self.store.lock:
            sub = self.table.get(pk)
            if sub is None:
                raise NotFound()
            return self.render(sub)

    def list(self, project: int = 1, *, deleted: bool = False) -> builtins.list[dict[str, Any]]:
        """Every subscription of ``project`` as the list endpoint orders them (newest first)."""
        with self.store.lock:
            self.table.use_order(by_created=self.emulator.profile == "cloud")
            ids, _ = self.table.candidates(project, deleted, None, None)
            rows = self.table.rows
            return [self.render(rows[i]) for i in list_page(self.table, ids, 0, len(ids))]

    def deliveries(self, kind: str | None = None, **filters: Any) -> builtins.list[dict[str, Any]]:
        """What subscriptions would have sent: outbox entries (``kind="scheduled"`` or
        ``"value_change"``, ``target_type=...``), oldest first."""
        if kind is not None:
            filters["kind"] = kind
        return self.emulator.outbox.entries(**filters)

    # -- the operations HTTP, seeds and the Python API share ------------------------------------
    def add(
        self, project: int, data: Mapping[str, Any], *, user_id: int | None, notify: bool = True
    ) -> Subscription:
        """Validate ``data`` as ``POST`` does and store the new subscription."""
        from phemu.resources.subscriptions.rules import check_object
        from phemu.resources.subscriptions.rules import content_type_of
        from phemu.resources.subscriptions.rules import validate_fields
        from phemu.resources.subscriptions.schedule import first_delivery

        store = self.store
        with store.lock:
            values = validate_fields(store, data, creating=True, partial=False)
            profile = self.emulator.profile
            check_object(store, project, values, None, profile=profile, empty_body=not data)
            invite_message = values.pop("invite_message", None)
            now = self.emulator.clock.now()
            sub = Subscription(
                id=0,
                project=project,
                created_at=now,
                created_by=user_id,
                content_type=content_type_of(values),
                **values,
            )
            # Computed before the id is taken: a rule dateutil rejects fails the save.
            next_delivery = first_delivery(sub.rule(), now)
            sub.id = store.next_id(SEQUENCE)
            sub.next_delivery_date = next_delivery
            self.table.add(sub)
            store.changed(SECTION, sub.id)
        if notify:
            self.emulator.outbox.append(delivery.value_change_entry(sub, now, "", invite_message))
        return sub

    def insert(self, sub: Subscription) -> Subscription:
        """Store a validated subscription built elsewhere (seeds), keeping an explicit id."""
        store = self.store
        with store.lock:
            if sub.id:
                store.bump_id(SEQUENCE, sub.id)
            else:
                sub.id = store.next_id(SEQUENCE)
            self.table.add(sub)
            store.changed(SECTION, sub.id)
        return sub

    def change(
        self, sub: Subscription, data: Mapping[str, Any], *, partial: bool, notify: bool = True
    ) -> Subscription:
        """Validate ``data`` as ``PATCH`` (``partial``) or ``PUT`` does and apply it."""
        from phemu.resources.subscriptions.rules import check_object
        from phemu.resources.subscriptions.rules import validate_fields
        from phemu.resources.subscriptions.schedule import first_delivery

        store = self.store
        table = self.table
        with store.lock:
            values = validate_fields(store, data, creating=False, partial=partial)
            profile = self.emulator.profile
            check_object(store, sub.project, values, sub, profile=profile, empty_body=not data)
            invite_message = values.pop("invite_message", None)
            now = self.emulator.clock.now()
            old_rule = sub.rule()
            old_target = (sub.target_type, sub.target_value)
            was_deleted = sub.deleted
            new_rule = dataclasses.replace(sub, **values).rule()
            next_delivery = sub.next_delivery_date
            if new_rule != old_rule:
                next_delivery = first_delivery(new_rule, now)  # may fail before anything changes

            def apply() -> None:
                for name, value in values.items():
                    setattr(sub, name, value)
                sub.next_delivery_date = next_delivery

            table.reindex(sub, apply)
            if new_rule != old_rule or (was_deleted and not sub.deleted):
                table.schedule(sub)
            store.changed(SECTION, sub.id)
        if notify and (sub.target_type, sub.target_value) != old_target:
            entry = delivery.value_change_entry(sub, now, old_target[1], invite_message)
            self.emulator.outbox.append(entry)
        return sub

    def lookup(
        self,
        project: int,
        pk: int | None,
        deleted: bool | None = None,
        insight: int | None = None,
        dashboard: int | None = None,
    ) -> Subscription:
        """The subscription ``pk`` of ``project`` passing the filters, else ``NotFound``."""
        sub = self.table.get(pk) if pk is not None else None
        if sub is None or sub.project != project or not matches(sub, deleted, insight, dashboard):
            raise NotFound()
        return sub

    def render(self, sub: Subscription) -> dict[str, Any]:
        return render(self.store, sub)

    def page(
        self,
        request: Request,
        project: int,
        deleted: bool,
        insight: int | None,
        dashboard: int | None,
    ) -> bytes:
        """The list endpoint's page as JSON bytes, newest first, from the rows' cached JSON."""
        store, table = self.store, self.table
        with store.lock:
            table.use_order(by_created=self.emulator.profile == "cloud")
            ids, scan = table.candidates(project, deleted, insight, dashboard)
            if scan:
                rows = table.rows
                ids = [i for i in ids if matches(rows[i], deleted, insight, dashboard)]
            rows = table.rows
            return paginate_bytes(
                request,
                len(ids),
                lambda offset, limit: table.json.joined(
                    store, list_page(table, ids, offset, limit), lambda pk: render(store, rows[pk])
                ),
            )

    # -- scheduler and inspector ----------------------------------------------------------------
    def tick(self, now: datetime) -> None:
        """Run PostHog's scheduler up to ``now`` (see :func:`delivery.run_scheduler`)."""
        for entry in delivery.run_scheduler(self.store, self.table, now):
            self.emulator.outbox.append(entry)

    def inspect(self) -> dict[str, Any]:
        rows = self.table.rows
        return {"count": len(rows), "deleted": sum(1 for s in rows.values() if s.deleted)}
