"""TrendsQuery and EventsQuery options clients send, each against plain Python over the seed.

The seed has persons owning several distinct ids, anonymous distinct ids and ten days of events
(``tests/query/dataset.py``); every expectation below is computed from those records directly.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import datetime
from datetime import timedelta
from typing import Any

import pytest

pytest.importorskip("duckdb")

from phemu.emulator import Emulator
from phemu.query.records import EventRecord
from tests.query.api import answer as post
from tests.query.dataset import NOW
from tests.query.dataset import make

DATA = make(seed=23, count=500, days=40)
MIDNIGHT = NOW.replace(hour=0, minute=0, second=0, microsecond=0)


@pytest.fixture(scope="module")
def seeded() -> Emulator:
    emulator = Emulator()
    emulator.freeze_time(NOW.isoformat())
    persons = [
        {
            "project": 1,
            "uuid": p.id,
            "distinct_ids": list(p.distinct_ids),
            "properties": dict(p.properties),
        }
        for p in DATA.persons
    ]
    emulator.load_seed({"persons": persons, "events": DATA.seed_records()})
    return emulator


def person(event: EventRecord) -> str:
    """The event's person: its seeded person's id, else its distinct id (a personless person)."""
    found = DATA.person_of(event.distinct_id)
    return found.id if found is not None else f"anonymous:{event.distinct_id}"


def days(count: int) -> list[datetime]:
    return [MIDNIGHT - timedelta(days=count - 1 - n) for n in range(count)]


def in_range(start: datetime, end: datetime = NOW, event: str | None = None) -> list[EventRecord]:
    return [
        e
        for e in DATA.events
        if start <= e.timestamp <= end and (event is None or e.event == event)
    ]


@pytest.mark.parametrize(
    ("math_name", "lookback", "event"),
    [("weekly_active", 7, "signup"), ("monthly_active", 30, "signup"), ("weekly_active", 7, None)],
)
def test_weekly_and_monthly_active_persons(
    seeded: Emulator, math_name: str, lookback: int, event: str | None
) -> None:
    body = post(
        seeded,
        {
            "kind": "TrendsQuery",
            "dateRange": {"date_from": "-7d"},
            "series": [{"kind": "EventsNode", "event": event, "math": math_name}],
        },
    )
    expected = []
    for day in days(8):
        low, high = day - timedelta(days=lookback - 1), day + timedelta(days=1)
        expected.append(
            len(
                {
                    person(e)
                    for e in DATA.events
                    if (event is None or e.event == event) and low < e.timestamp <= high
                }
            )
        )
    assert body["results"][0]["data"] == expected


def quantile(values: list[float], level: float) -> float:
    ordered = sorted(values)
    position = level * (len(ordered) - 1)
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@pytest.mark.parametrize("math_name", ["avg", "min", "max", "median", "p90", "p75"])
def test_property_math(seeded: Emulator, math_name: str) -> None:
    body = post(
        seeded,
        {
            "kind": "TrendsQuery",
            "dateRange": {"date_from": "-5d"},
            "series": [
                {
                    "kind": "EventsNode",
                    "event": "purchase",
                    "math": math_name,
                    "math_property": "price",
                }
            ],
        },
    )
    per_day: dict[Any, list[float]] = defaultdict(list)
    for e in in_range(MIDNIGHT - timedelta(days=5), event="purchase"):
        per_day[e.timestamp.date()].append(float(e.properties["price"]))
    compute = {
        "avg": lambda v: sum(v) / len(v),
        "min": min,
        "max": max,
        "median": lambda v: quantile(v, 0.5),
        "p90": lambda v: quantile(v, 0.9),
        "p75": lambda v: quantile(v, 0.75),
    }[math_name]
    expected = [compute(per_day[d.date()]) if per_day[d.date()] else 0 for d in days(6)]
    assert body["results"][0]["data"] == [pytest.approx(v) for v in expected]


def test_person_property_breakdown_labels_by_value(seeded: Emulator) -> None:
    body = post(
        seeded,
        {
            "kind": "TrendsQuery",
            "dateRange": {"date_from": "-3d"},
            "series": [{"kind": "EventsNode", "event": "$pageview"}],
            "breakdownFilter": {"breakdown": "plan", "breakdown_type": "person"},
        },
    )
    counts: dict[str, dict[Any, int]] = defaultdict(lambda: defaultdict(int))
    for e in in_range(MIDNIGHT - timedelta(days=3), event="$pageview"):
        found = DATA.person_of(e.distinct_id)
        value = found.properties["plan"] if found else "$$_posthog_breakdown_null_$$"
        counts[value][e.timestamp.date()] += 1
    got = {r["breakdown_value"]: r["data"] for r in body["results"]}
    assert got == {v: [per[d.date()] for d in days(4)] for v, per in counts.items()}
    assert all(r["label"] == r["breakdown_value"] for r in body["results"])
    totals = [sum(r["data"]) for r in body["results"]]
    assert totals == sorted(totals, reverse=True)


def test_compare_with_the_previous_period(seeded: Emulator) -> None:
    body = post(
        seeded,
        {
            "kind": "TrendsQuery",
            "dateRange": {"date_from": "-7d"},
            "compareFilter": {"compare": True},
            "series": [{"kind": "EventsNode", "event": "signup"}],
        },
    )
    current, previous = body["results"]
    assert (current["compare_label"], previous["compare_label"]) == ("current", "previous")
    assert current["compare"] is previous["compare"] is True
    assert current["labels"] == [f"day {n}" for n in range(8)]

    def daily(first: datetime, end: datetime) -> list[int]:
        found = in_range(first, end, "signup")
        return [
            sum(1 for e in found if e.timestamp.date() == (first + timedelta(days=n)).date())
            for n in range(8)
        ]

    assert current["data"] == daily(MIDNIGHT - timedelta(days=7), NOW)
    assert previous["data"] == daily(MIDNIGHT - timedelta(days=14), NOW - timedelta(days=7))
    assert previous["days"][0] == (MIDNIGHT - timedelta(days=14)).strftime("%Y-%m-%d")


def test_cumulative_counts_and_cumulative_unique_persons(seeded: Emulator) -> None:
    body = post(
        seeded,
        {
            "kind": "TrendsQuery",
            "dateRange": {"date_from": "-6d"},
            "trendsFilter": {"display": "ActionsLineGraphCumulative"},
            "series": [
                {"kind": "EventsNode", "event": "$pageview"},
                {"kind": "EventsNode", "event": "$pageview", "math": "dau"},
            ],
        },
    )
    events = in_range(MIDNIGHT - timedelta(days=6), event="$pageview")
    running, first_seen = [], {}
    for day in days(7):
        running.append(sum(1 for e in events if e.timestamp.date() <= day.date()))
    for e in sorted(events, key=lambda e: e.timestamp):
        first_seen.setdefault(person(e), e.timestamp.date())
    unique = [sum(1 for d in first_seen.values() if d <= day.date()) for day in days(7)]
    assert body["results"][0]["data"] == running
    assert body["results"][1]["data"] == unique


def test_total_value_displays_answer_one_aggregated_value(seeded: Emulator) -> None:
    body = post(
        seeded,
        {
            "kind": "TrendsQuery",
            "dateRange": {"date_from": "-14d"},
            "trendsFilter": {"display": "BoldNumber"},
            "series": [
                {"kind": "EventsNode", "event": "purchase"},
                {"kind": "EventsNode", "event": "purchase", "math": "dau"},
            ],
        },
    )
    events = in_range(MIDNIGHT - timedelta(days=14), event="purchase")
    counted, persons = body["results"]
    assert counted["aggregated_value"] == len(events)
    assert persons["aggregated_value"] == len({person(e) for e in events})
    assert (counted["data"], counted["days"], counted["count"]) == ([], [], 0)


def test_series_and_global_property_filters_and_test_accounts(seeded: Emulator) -> None:
    body = post(
        seeded,
        {
            "kind": "TrendsQuery",
            "dateRange": {"date_from": "-4d"},
            "filterTestAccounts": True,
            "properties": [
                {
                    "key": "$browser",
                    "value": ["Chrome", "Firefox"],
                    "operator": "exact",
                    "type": "event",
                }
            ],
            "series": [
                {
                    "kind": "EventsNode",
                    "event": "$pageview",
                    "properties": [
                        {"key": "plan", "value": "pro", "operator": "exact", "type": "person"}
                    ],
                }
            ],
        },
    )
    expected = []
    for day in days(5):
        expected.append(
            sum(
                1
                for e in in_range(MIDNIGHT - timedelta(days=4), event="$pageview")
                if e.timestamp.date() == day.date()
                and e.properties.get("$browser") in ("Chrome", "Firefox")
                and (DATA.person_of(e.distinct_id) or None) is not None
                and DATA.person_of(e.distinct_id).properties["plan"] == "pro"  # type: ignore[union-attr]
            )
        )
    assert body["results"][0]["data"] == expected


def test_events_query_by_person_event_and_time_window(seeded: Emulator) -> None:
    target = DATA.persons[1]
    after, before = NOW - timedelta(days=20), NOW - timedelta(days=2)
    body = post(
        seeded,
        {
            "kind": "EventsQuery",
            "select": ["uuid", "event", "distinct_id"],
            "personId": target.id,
            "event": "$pageview",
            "after": after.isoformat(),
            "before": before.isoformat(),
            "properties": [{"key": "price", "value": 40, "operator": "gt", "type": "event"}],
            "orderBy": ["uuid"],
            "limit": 1000,
        },
    )
    expected = sorted(
        [e.uuid, e.event, e.distinct_id]
        for e in DATA.events
        if e.distinct_id in target.distinct_ids
        and e.event == "$pageview"
        and after < e.timestamp < before
        and e.properties["price"] > 40
    )
    assert body["results"] == expected and expected
