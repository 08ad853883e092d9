"""What a subscription would have sent: outbox entries and the emulated scheduler.

PostHog starts a "new subscriber" delivery when targets change and a scheduled report when a
subscription is due. phemu delivers nothing; it writes outbox entries that tests can assert on.
The scheduler runs on every emulator tick, so it must be cheap when nothing is due: due rows come
off a heap keyed by ``next_delivery_date`` and the tick stops at the first future entry.
"""

from __future__ import annotations

import heapq
from datetime import datetime
from typing import TYPE_CHECKING
from typing import Any

from phemu.errors import ServerError
from phemu.resources.subscriptions.schedule import following_delivery
from phemu.serialization import format_datetime

if TYPE_CHECKING:
    from phemu.resources.subscriptions.models import Subscription
    from phemu.resources.subscriptions.models import SubscriptionsState


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


def due_entries(table: SubscriptionsState, now: datetime) -> list[dict[str, Any]]:
    """Deliver every due subscription once and move its ``next_delivery_date`` on.

    A clock jump past several occurrences yields one delivery per subscription: the next value
    is searched after ``max(previous, now + 15 minutes)``, which is always in the future. Called
    under the store lock by :meth:`SubscriptionsBackend.tick`, which writes the entries.
    """
    entries: list[dict[str, Any]] = []
    fired: set[int] = set()
    due: list[Subscription] = []
    while table.due and table.due[0][0] <= now:
        when, pk = heapq.heappop(table.due)
        sub = table.rows.get(pk)
        # Stale entries: the row is gone, deleted (restore re-schedules it), was
        # rescheduled, or already fired in this tick through a duplicate entry.
        if sub is None or sub.deleted or sub.next_delivery_date != when or pk in fired:
            continue
        fired.add(pk)
        due.append(sub)
    for sub in due:  # heap order: next_delivery_date, then id
        previous = sub.next_delivery_date
        assert previous is not None
        entries.append(scheduled_entry(sub, now, previous))
        table.json.drop(sub.id)
        try:
            sub.next_delivery_date = following_delivery(sub.rule(), previous, now)
        except ServerError:
            # Occurrences past year 9999: the rule stops firing rather than failing every
            # later request.
            sub.next_delivery_date = None
        table.schedule(sub)
    return entries
