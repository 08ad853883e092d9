"""``summary`` and ``next_delivery_date`` (``posthog/models/subscription.py``) through the API,
with a frozen clock."""

from __future__ import annotations

from datetime import datetime
from datetime import timezone
from typing import Any

import pytest

from phemu.errors import ServerError
from phemu.resources.subscriptions.schedule import Rule
from phemu.resources.subscriptions.schedule import first_delivery
from phemu.resources.subscriptions.schedule import summary
from tests.resources.subscriptions_support import BASE
from tests.resources.subscriptions_support import SERVER_ERROR
from tests.resources.subscriptions_support import Api
from tests.resources.subscriptions_support import valid

WORKWEEK = ["monday", "tuesday", "wednesday", "thursday", "friday"]
ALL_DAYS = [*WORKWEEK, "saturday", "sunday"]

SUMMARIES = [
    ("daily", 1, None, None, "sent every day"),
    ("weekly", 1, None, None, "sent every week"),
    ("weekly", 2, None, None, "sent every 2 weeks"),
    ("monthly", 3, None, None, "sent every 3 months"),
    ("yearly", 5, None, None, "sent every 5 years"),
    ("weekly", 1, ["wednesday"], None, "sent every week"),
    ("weekly", 1, ["wednesday"], -1, "sent every week on the last Wednesday"),
    ("monthly", 2, ["wednesday"], 1, "sent every 2 months on the first Wednesday"),
    ("yearly", 1, ["sunday"], 4, "sent every year on the fourth Sunday"),
    ("monthly", 1, WORKWEEK, 2, "sent every month on the second weekday"),
    ("monthly", 1, ALL_DAYS, 3, "sent every month on the third day"),
    ("monthly", 1, ["friday", "wednesday"], -1, "sent every month on the last day"),
    ("daily", 1, WORKWEEK, None, "sent every day"),
    ("monthly", 1, [], 1, "sent every month"),
    ("monthly", 1, ["monday"], 10, "sent on a schedule"),
    # Beyond the table: the weekday label is about the set of days, not their order.
    ("monthly", 1, list(reversed(WORKWEEK)), 1, "sent every month on the first weekday"),
    ("monthly", 1, ["monday"], None, "sent every month"),
    ("monthly", 1, None, 2, "sent every month"),
    ("daily", 4, ["monday"], -2, "sent on a schedule"),
]


@pytest.mark.parametrize(("frequency", "interval", "byweekday", "bysetpos", "text"), SUMMARIES)
def test_summary(
    api: Api,
    frequency: str,
    interval: int,
    byweekday: list[str] | None,
    bysetpos: int | None,
    text: str,
) -> None:
    data = api.created(
        frequency=frequency, interval=interval, byweekday=byweekday, bysetpos=bysetpos
    )
    assert data["summary"] == text
    assert summary(frequency, interval, byweekday, bysetpos) == text


NEXT_DELIVERY = [
    ({"frequency": "weekly"}, "2026-06-20T00:00:00Z"),
    ({"frequency": "daily"}, "2026-06-16T00:00:00Z"),
    ({"frequency": "monthly"}, "2026-07-01T00:00:00Z"),
    ({"frequency": "yearly"}, "2027-01-01T00:00:00Z"),
    ({"frequency": "weekly", "interval": 2}, "2026-06-27T00:00:00Z"),
    ({"frequency": "weekly", "byweekday": ["monday", "wednesday"]}, "2026-06-17T00:00:00Z"),
    ({"frequency": "weekly", "byweekday": ["wednesday"], "bysetpos": -1}, "2026-06-17T00:00:00Z"),
    ({"frequency": "monthly", "byweekday": ["friday"], "bysetpos": -1}, "2026-06-26T00:00:00Z"),
    (
        {"frequency": "monthly", "interval": 2, "byweekday": ["wednesday"], "bysetpos": 1},
        "2026-07-01T00:00:00Z",
    ),
    ({"frequency": "monthly", "byweekday": WORKWEEK, "bysetpos": 1}, "2026-07-01T00:00:00Z"),
    ({"frequency": "monthly", "start_date": "2022-01-31T00:00:00Z"}, "2026-07-31T00:00:00Z"),
    ({"frequency": "yearly", "start_date": "2024-02-29T00:00:00Z"}, "2028-02-29T00:00:00Z"),
    ({"frequency": "weekly", "count": 3}, None),
    ({"frequency": "daily", "until_date": "2022-01-02T00:00:00Z"}, None),
    ({"frequency": "weekly", "start_date": "2026-07-01T09:30:00Z"}, "2026-07-01T09:30:00Z"),
    ({"frequency": "daily", "start_date": "2026-06-15T10:10:00Z"}, "2026-06-16T10:10:00Z"),
    ({"frequency": "daily", "start_date": "2026-06-20T08:00:00.123456Z"}, "2026-06-20T08:00:00Z"),
    # Beyond the table: count 0 / negative means no occurrences; bysetpos alone is ignored.
    ({"frequency": "weekly", "count": 0}, None),
    ({"frequency": "weekly", "count": -4}, None),
    ({"frequency": "weekly", "bysetpos": 0}, "2026-06-20T00:00:00Z"),
    ({"frequency": "weekly", "byweekday": [], "bysetpos": 0}, "2026-06-20T00:00:00Z"),
    ({"frequency": "weekly", "byweekday": ["monday"], "bysetpos": 366}, None),
    ({"frequency": "daily", "count": 10, "until_date": "2030-01-01T00:00:00Z"}, None),
    ({"frequency": "daily", "start_date": "2026-06-15T10:15:00Z"}, "2026-06-16T10:15:00Z"),
    ({"frequency": "daily", "start_date": "2026-06-15T10:15:01Z"}, "2026-06-15T10:15:01Z"),
]


@pytest.mark.parametrize(("schedule", "expected"), NEXT_DELIVERY)
def test_next_delivery_date_worked_examples(
    api: Api, schedule: dict[str, Any], expected: str | None
) -> None:
    assert api.created(**schedule)["next_delivery_date"] == expected


@pytest.mark.parametrize(
    "schedule",
    [
        {"frequency": "monthly", "byweekday": ["monday"], "bysetpos": 0},
        {"frequency": "monthly", "byweekday": ["monday"], "bysetpos": 367},
        {"frequency": "weekly", "byweekday": ["monday"], "bysetpos": -367},
        {"frequency": "yearly", "byweekday": ["monday"], "bysetpos": 2147483647},
    ],
)
def test_invalid_bysetpos_with_weekdays_is_a_deliberate_500(
    api: Api, schedule: dict[str, Any]
) -> None:
    assert api.create(valid(**schedule)) == (500, SERVER_ERROR)
    assert api.emulator.bugs == []  # PostHog fails the same way: not a phemu bug
    assert api.emulator.outbox.entries() == []
    assert api.get()[1]["count"] == 0
    # The failed save took no id.
    assert api.created()["id"] == 1


def test_update_producing_an_invalid_rule_is_500_and_changes_nothing(api: Api) -> None:
    sub = api.created(frequency="monthly", byweekday=["monday"], bysetpos=1)
    status, data = api.patch(sub["id"], {"bysetpos": 0, "title": "changed"})
    assert (status, data) == (500, SERVER_ERROR)
    assert api.emulator.bugs == []
    assert api.get(f"{BASE}{sub['id']}/")[1] == sub


def test_daily_at_ten_and_the_fifteen_minute_buffer(api: Api) -> None:
    api.emulator.set_time("2022-01-11T09:55:00Z")
    data = api.created(frequency="daily", start_date="2022-01-01T10:00:00Z")
    assert data["next_delivery_date"] == "2022-01-12T10:00:00Z"
    api.emulator.set_time("2022-01-11T09:30:00Z")
    data = api.created(frequency="daily", start_date="2022-01-01T10:00:00Z")
    assert data["next_delivery_date"] == "2022-01-11T10:00:00Z"


RECOMPUTED = [
    {"frequency": "daily"},
    {"interval": 2},
    {"count": 100},
    {"start_date": "2022-01-02T00:00:00Z"},
    {"until_date": "2030-01-01T00:00:00Z"},
    {"byweekday": ["tuesday"]},
]
NOT_RECOMPUTED = [
    {"title": "t"},
    {"target_value": "other@posthog.com"},
    {"target_type": "slack"},
    {"insight": 10},
    {"deleted": True},
    {"invite_message": "hi"},
    {"start_date": "2022-01-01T00:00:00.999Z"},  # same second
    {"bysetpos": 2},  # no weekdays: bysetpos is not part of the rule
]


@pytest.mark.parametrize("change", RECOMPUTED)
def test_schedule_edits_recompute_next_delivery(api: Api, change: dict[str, Any]) -> None:
    sub = api.created()
    api.emulator.set_time("2026-06-22T10:00:00Z")  # stored value is now stale (June 20)
    # The scheduler already moved it on at the clock change; make it stale again by hand.
    _stale(api, sub["id"], "2026-06-20T00:00:00Z")
    status, data = api.patch(sub["id"], change)
    assert status == 200
    assert data["next_delivery_date"] != "2026-06-20T00:00:00Z"


@pytest.mark.parametrize("change", NOT_RECOMPUTED)
def test_other_edits_keep_next_delivery(api: Api, change: dict[str, Any]) -> None:
    sub = api.created()
    _stale(api, sub["id"], "2026-06-20T00:00:00Z")
    api.emulator.set_time("2026-06-19T00:00:00Z")
    status, data = api.patch(sub["id"], change)
    assert status == 200
    assert data["next_delivery_date"] == "2026-06-20T00:00:00Z"


def test_reordering_weekdays_or_bysetpos_with_weekdays(api: Api) -> None:
    sub = api.created(frequency="monthly", byweekday=["monday", "friday"], bysetpos=1)
    api.emulator.set_time("2026-06-16T00:00:00Z")
    first = sub["next_delivery_date"]
    status, data = api.patch(sub["id"], {"byweekday": ["friday", "monday"]})
    assert (status, data["next_delivery_date"], data["byweekday"]) == (
        200,
        first,
        ["friday", "monday"],
    )
    status, data = api.patch(sub["id"], {"bysetpos": -1})
    assert data["next_delivery_date"] == "2026-06-29T00:00:00Z"


def _stale(api: Api, pk: int, value: str) -> None:
    from phemu.resources.subscriptions.models import SubscriptionsState

    sub = api.emulator.store.state(SubscriptionsState).get(pk)
    assert sub is not None
    sub.next_delivery_date = datetime.fromisoformat(value.replace("Z", "+00:00"))


def _rule(**kw: Any) -> Rule:
    args: dict[str, Any] = {
        "frequency": "weekly",
        "interval": 1,
        "count": None,
        "start_date": datetime(2022, 1, 1, tzinfo=timezone.utc),
        "until_date": None,
        "byweekday": None,
        "bysetpos": None,
    }
    args.update(kw)
    return Rule.of(**args)


def test_rule_equality_ignores_weekday_order_and_lone_bysetpos() -> None:
    assert _rule(byweekday=["monday", "friday"]) == _rule(byweekday=["friday", "monday"])
    assert _rule(bysetpos=3) == _rule()
    assert _rule(byweekday=[], bysetpos=3) == _rule()
    assert _rule(byweekday=["monday"], bysetpos=1) != _rule(byweekday=["monday"], bysetpos=2)


def test_impossible_positions_answer_null_without_a_long_search() -> None:
    now = datetime(2026, 6, 15, 10, tzinfo=timezone.utc)
    # One Monday per week: position 2 never exists (dateutil alone would search to year 9999).
    assert first_delivery(_rule(byweekday=["monday"], bysetpos=2), now) is None
    assert first_delivery(_rule(frequency="monthly", byweekday=["monday"], bysetpos=6), now) is None
    assert first_delivery(_rule(frequency="daily", byweekday=WORKWEEK, bysetpos=2), now) is None
    # A month can hold five Mondays.
    found = first_delivery(_rule(frequency="monthly", byweekday=["monday"], bysetpos=5), now)
    assert found == datetime(2026, 6, 29, tzinfo=timezone.utc)
    with pytest.raises(ServerError):
        first_delivery(_rule(byweekday=["monday"], bysetpos=0), now)


def test_fast_forward_matches_the_plain_rrule_search() -> None:
    """The shortened search gives dateutil's own answer (random rules, fixed seed, bounded)."""
    import contextlib
    import random
    from datetime import timedelta

    from phemu.resources.subscriptions.schedule import WEEKDAYS

    rng = random.Random(20260615)
    checked = 0
    for _ in range(400):
        moment = datetime(2026, 6, 15, 10, 15, tzinfo=timezone.utc) + timedelta(
            seconds=rng.randrange(0, 400 * 86400)
        )
        start = moment - timedelta(seconds=rng.randrange(-30 * 86400, 3 * 365 * 86400))
        if rng.random() < 0.3:
            with contextlib.suppress(ValueError):
                start = start.replace(day=rng.choice([28, 29, 30, 31]))
        weekdays = rng.sample(WEEKDAYS, rng.randint(1, 7)) if rng.random() < 0.5 else None
        frequency = rng.choice(["daily", "weekly", "monthly", "yearly"])
        # Only positions some period can hold: dateutil searches to year 9999 for the others
        # (even with an until date), which the shortcut tested above answers instantly.
        most = 1 if frequency == "daily" else len(weekdays or ()) if frequency == "weekly" else 2
        positions = [None, *range(1, most + 1), *range(-most, 0)]
        rule = _rule(
            frequency=frequency,
            interval=rng.choice([1, 1, 2, 3, 5, 7, 13]),
            start_date=start,
            until_date=start + timedelta(days=rng.randrange(0, 2000))
            if rng.random() < 0.3
            else None,
            byweekday=weekdays,
            bysetpos=rng.choice(positions) if weekdays else None,
        )
        fast = rule.next_after(moment)
        if fast is None and rule.until is None:
            continue  # the plain search would walk to year 9999
        assert fast == rule._search(moment, fast=False), (rule, moment)
        checked += 1
    assert checked > 300
