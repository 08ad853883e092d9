"""What a subscription would have sent: outbox entries and the emulated scheduler .

PostHog starts a "new subscriber" delivery when targets change and a scheduled report when a
subscription is due. phemu delivers nothing; it writes outbox entries that tests can assert on.
The scheduler runs on every emulator tick, so it must be cheap when nothing is due: due rows come
off a heap keyed by ``next_delivery_date`` and a tick stops at the first future run.
"""

from __future__ import annotations

import heapq
from datetime import datetime
from datetime import timedelta
from typing import TYPE_CHECKING
from typing import Any

from phemu.errors import ServerError
from phemu.resources.dashboards.models import DashboardsState
from phemu.resources.insights.models import InsightsState
from phemu.serialization import format_datetime

if TYPE_CHECKING:
    from phemu.resources.subscriptions.models import Subscription
    from phemu.resources.subscriptions.models import SubscriptionsState
    from phemu.store import Store

#: The seed section of subscriptions: the scheduler reports the rows it moves on
#: (``Store.changed``; ``models.py`` and ``seed.py`` take the name from here).
SECTION = "subscriptions"
#: PostHog's scheduler runs at this minute of every hour and looks this far ahead.
RUN_MINUTE = 55
LOOK_AHEAD = timedelta(minutes=15)
HOUR = timedelta(hours=1)


def _addresses(value: str) -> list[str]:
    """Comma-separated addresses, trimmed, empty parts dropped, duplicates removed."""
    seen: dict[str, None] = {}
    for part in value.split(","):
        address = part.strip()
        if address:
            seen.setdefault(address, None)
    return list(seen)


def change_recipients(target_type: str, value: str, previous: str) -> list[str]:
    """Who the "you were subscribed" delivery goes to after a target change."""
    if value == previous:
        return []
    if target_type == "email":
        before = set(_addresses(previous))
        return [a for a in _addresses(value) if a not in before]
    return [value]


def value_change_entry(
    sub: Subscription, now: datetime, previous_value: str, invite_message: str | None
) -> dict[str, Any]:
    """The ``value_change`` outbox entry (id assigned by the outbox)."""
    return {
        "kind": "value_change",
        "at": format_datetime(now),
        "project_id": sub.project,
        "subscription_id": sub.id,
        "target_type": sub.target_type,
        "target_value": sub.target_value,
        "previous_value": previous_value,
        "invite_message": invite_message or "",
        "scheduled_for": None,
        "recipients": change_recipients(sub.target_type, sub.target_value, previous_value),
    }


def scheduled_entry(sub: Subscription, now: datetime, due: datetime) -> dict[str, Any]:
    recipients = _addresses(sub.target_value) if sub.target_type == "email" else [sub.target_value]
    return {
        "kind": "scheduled",
        "at": format_datetime(now),
        "project_id": sub.project,
        "subscription_id": sub.id,
        "target_type": sub.target_type,
        "target_value": sub.target_value,
        "previous_value": None,
        "invite_message": None,
        "scheduled_for": format_datetime(due),
        "recipients": recipients,
    }


def _run_at_or_after(moment: datetime) -> datetime:
    """The first scheduler run (minute 55 of an hour) at or after ``moment``."""
    run = moment.replace(minute=RUN_MINUTE, second=0, microsecond=0)
    return run if run >= moment else run + HOUR


def _next_run_for_heap(state: SubscriptionsState, after: datetime) -> datetime | None:
    """The first run after ``after`` that sees the earliest heap entry, or ``None``."""
    if not state.due:
        return None
    earliest = _run_at_or_after(after + timedelta(microseconds=1))
    return max(earliest, _run_at_or_after(state.due[0][0] - LOOK_AHEAD))


def _target_deleted(store: Store, sub: Subscription) -> bool:
    """PostHog's due-subscriptions query excludes ``dashboard__deleted`` / ``insight__deleted``."""
    if sub.insight is not None:
        insight = store.state(InsightsState).get(sub.insight)
        if insight is not None and insight.deleted:
            return True
    if sub.dashboard is not None:
        dashboard = store.state(DashboardsState).get(sub.dashboard)
        if dashboard is not None and dashboard.deleted:
            return True
    return False


def run_scheduler(store: Store, state: SubscriptionsState, now: datetime) -> list[dict[str, Any]]:
    """Replay the scheduler runs PostHog would have made since the last tick; the outbox
    entries they write (:meth:`SubscriptionsBackend.tick` appends them).

    PostHog's schedule (``posthog/temporal/schedule.py``: cron ``55 * * * *``) runs just before
    each hour; each run delivers every live subscription with ``next_delivery_date <= run + 15
    minutes`` whose insight and dashboard are not soft-deleted
    (``posthog/temporal/subscriptions/subscription_scheduling_workflow.py``,
    ``fetch_due_subscriptions_activity``), then moves it to the first occurrence after
    ``max(previous, run + 15 minutes)``. A clock jump replays every run in between, so three
    weeks give a weekly subscription three deliveries. Runs come from a heap keyed by
    ``next_delivery_date``, and the first run that can deliver anything is kept
    (``state.next_run``) until the heap changes: a tick with nothing due (every request ticks)
    costs a comparison. The first tick only records the clock, as does a tick after the clock
    moved back.
    """
    last = state.scheduled_until
    if last is None or now <= last:
        state.scheduled_until = now
        return []
    run = _first_run(state, last)
    if run is None or run > now:
        state.scheduled_until = now
        return []
    entries: list[dict[str, Any]] = []
    with store.lock:
        _unpark(store, state)
        while run is not None and run <= now:
            entries.extend(_deliver_run(store, state, run))
            run = _next_run_for_heap(state, run)
        state.scheduled_until = now
        state.next_run = None
    return entries


def _first_run(state: SubscriptionsState, last: datetime) -> datetime | None:
    """The first scheduler run after ``last`` that can deliver anything (``None``: none).

    The answer stays the same while the heap and the parked rows do and the clock moves forward
    without reaching it, so it is kept in ``state.next_run`` (:meth:`SubscriptionsState.schedule`
    and the runs drop it) for any ``last`` from the one it was worked out at.
    """
    known = state.next_run
    if known is not None and known[0] <= last and (known[1] is None or last < known[1]):
        return known[1]
    # Parked subscriptions may have come back: the first run after the last tick re-checks them.
    run: datetime | None = _run_at_or_after(last + timedelta(microseconds=1))
    if not state.parked:
        run = _next_run_for_heap(state, last)
    state.next_run = (last, run)
    return run


def _unpark(store: Store, state: SubscriptionsState) -> None:
    """Put back on the heap the parked subscriptions whose insight and dashboard are live again
    (nothing changes between the runs of one tick, so once per tick is enough)."""
    for pk, when in list(state.parked.items()):
        sub = state.rows.get(pk)
        if sub is None or sub.deleted or sub.next_delivery_date != when:
            del state.parked[pk]
        elif not _target_deleted(store, sub):
            del state.parked[pk]
            heapq.heappush(state.due, (when, pk))


def _deliver_run(store: Store, state: SubscriptionsState, run: datetime) -> list[dict[str, Any]]:
    """One scheduler run at ``run``: the outbox entries, in due date then id order."""
    # Imported when a run fires, not with the module: most processes never deliver anything.
    from phemu.resources.subscriptions.schedule import following_delivery

    horizon = run + LOOK_AHEAD
    fired: set[int] = set()
    due: list[Subscription] = []
    while state.due and state.due[0][0] <= horizon:
        when, pk = heapq.heappop(state.due)
        sub = state.rows.get(pk)
        # Stale entries: the row is gone, deleted (restore re-schedules it), was rescheduled,
        # or already fired in this run through a duplicate entry.
        if sub is None or sub.deleted or sub.next_delivery_date != when or pk in fired:
            continue
        if _target_deleted(store, sub):
            state.parked[pk] = when
            continue
        fired.add(pk)
        due.append(sub)
    entries = []
    for sub in due:
        previous = sub.next_delivery_date
        assert previous is not None
        entries.append(scheduled_entry(sub, run, previous))
        state.json.drop(sub.id)
        store.changed(SECTION, sub.id)
        try:
            sub.next_delivery_date = following_delivery(sub.rule(), previous, run)
        except ServerError:
            # Occurrences past year 9999: the rule stops firing rather than failing every
            # later request.
            sub.next_delivery_date = None
        state.schedule(sub)
    return entries
