"""``query/`` in a project whose time zone is not UTC, each answer computed here in plain Python.

PostHog runs HogQL in the team's zone: DateTime values show that zone's wall time with its
offset, ``toStartOfDay`` / ``toDate`` / ``today()`` cut days at its midnights, a relative
``dateRange`` counts from its midnight, and the response's ``timezone`` names it.
``America/Los_Angeles`` is checked across the 8 March 2026 spring-forward change and
``Asia/Kolkata`` for its half-hour offset; a UTC project keeps ``Z`` and ``'UTC'``.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest

pytest.importorskip("duckdb")

from phemu.emulator import Emulator
from tests.query.api import answer

LA = ZoneInfo("America/Los_Angeles")
KOLKATA = ZoneInfo("Asia/Kolkata")
NOW = datetime(2026, 3, 10, 5, 30, tzinfo=timezone.utc)
#: Around the spring-forward change (2026-03-08 02:00 local): both offsets, local midnights,
#: and instants whose UTC date differs from their local one.
MOMENTS = [
    datetime(2026, 3, 6, 23, 10, tzinfo=timezone.utc),
    datetime(2026, 3, 7, 4, 0, tzinfo=timezone.utc),
    datetime(2026, 3, 8, 7, 30, tzinfo=timezone.utc),
    datetime(2026, 3, 8, 10, 30, tzinfo=timezone.utc),
    datetime(2026, 3, 8, 18, 45, tzinfo=timezone.utc),
    datetime(2026, 3, 9, 6, 59, tzinfo=timezone.utc),
    datetime(2026, 3, 9, 7, 0, tzinfo=timezone.utc),
    datetime(2026, 3, 9, 19, 5, tzinfo=timezone.utc),
    datetime(2026, 3, 10, 1, 15, tzinfo=timezone.utc),
]


def _stamp(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _emulator(zone: str, moments: list[datetime] = MOMENTS) -> Emulator:
    emulator = Emulator()
    emulator.freeze_time(NOW.isoformat())
    emulator.store.projects[1].timezone = zone
    events = [
        {
            "project": 1,
            "uuid": f"0190a000-0000-7000-8000-{index:012d}",
            "event": "$pageview" if index % 3 else "signup",
            "distinct_id": f"user-{index % 2}",
            "timestamp": _stamp(moment),
            "properties": {"seen_at": _stamp(moment), "$session_id": f"session-{index % 2}"},
        }
        for index, moment in enumerate(moments)
    ]
    persons = [
        {
            "project": 1,
            "uuid": f"0190a000-0000-7000-9000-{index:012d}",
            "distinct_ids": [f"user-{index}"],
            "properties": {},
            "created_at": _stamp(moments[0] - timedelta(hours=index + 1)),
        }
        for index in range(2)
    ]
    emulator.load_seed({"persons": persons, "events": events})
    return emulator


def _hogql(emulator: Emulator, text: str) -> dict[str, Any]:
    return answer(emulator, {"kind": "HogQLQuery", "query": text})  # type: ignore[no-any-return]


def _iso(moment: datetime) -> str:
    """PostHog's JSON for a DateTime: the zone's offset, ``Z`` for UTC."""
    if moment.tzinfo is timezone.utc:
        return moment.replace(tzinfo=None).isoformat() + "Z"
    return moment.isoformat()


def _midnight(moment: datetime) -> datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


@pytest.mark.parametrize(
    ("name", "zone"),
    [("America/Los_Angeles", LA), ("Asia/Kolkata", KOLKATA), ("UTC", timezone.utc)],
)
def test_hogql_times_render_and_cut_days_in_the_project_zone(name: str, zone: Any) -> None:
    body = _hogql(
        _emulator(name),
        "SELECT timestamp, toStartOfDay(timestamp), toDate(timestamp), toHour(timestamp), "
        "toStartOfHour(timestamp), toDateTime(properties.seen_at), "
        "toTimeZone(timestamp, 'Asia/Kolkata'), now(), today() FROM events ORDER BY timestamp",
    )
    local_now = NOW.astimezone(zone)
    expected = [
        [
            _iso(local),
            _iso(_midnight(local)),
            local.date().isoformat(),
            local.hour,
            _iso(local.replace(minute=0)),
            _iso(local),
            moment.astimezone(KOLKATA).isoformat(),
            _iso(local_now),
            local_now.date().isoformat(),
        ]
        for moment in MOMENTS
        for local in [moment.astimezone(zone)]
    ]
    assert body["results"] == expected
    zoned = f"DateTime64(6, '{name}')"
    assert [kind for _, kind in body["types"]] == [
        zoned,
        zoned,
        "Date",
        "Int64",
        zoned,
        zoned,
        "DateTime64(6, 'Asia/Kolkata')",
        zoned,
        "Date",
    ]
    assert body["timezone"] == name


def test_person_and_session_times_are_in_the_zone_too() -> None:
    text = (
        "SELECT person.created_at, session.$start_timestamp, session.$end_timestamp "
        "FROM events ORDER BY timestamp"
    )
    in_utc = _hogql(_emulator("UTC"), text)["results"]
    in_kolkata = _hogql(_emulator("Asia/Kolkata"), text)["results"]
    assert in_utc and all(value is not None for row in in_utc for value in row)
    assert in_kolkata == [
        [datetime.fromisoformat(value).astimezone(KOLKATA).isoformat() for value in row]
        for row in in_utc
    ]


def test_string_times_and_today_compare_in_the_project_zone() -> None:
    emulator = _emulator("America/Los_Angeles")
    body = _hogql(
        emulator,
        "SELECT countIf(timestamp >= '2026-03-08 00:00:00'), countIf(toDate(timestamp) = today()), "
        "countIf(timestamp > now() - interval 1 day), sum(toUnixTimestamp(timestamp)) FROM events",
    )
    start = datetime(2026, 3, 8, tzinfo=LA)
    today = NOW.astimezone(LA).date()
    assert body["results"] == [
        [
            sum(m >= start for m in MOMENTS),
            sum(m.astimezone(LA).date() == today for m in MOMENTS),
            sum(m > NOW - timedelta(days=1) for m in MOMENTS),
            sum(int(m.timestamp()) for m in MOMENTS),
        ]
    ]


@pytest.mark.parametrize(("name", "zone"), [("Asia/Kolkata", KOLKATA), ("UTC", timezone.utc)])
def test_trends_relative_range_counts_from_the_zone_midnight(name: str, zone: Any) -> None:
    body = answer(
        _emulator(name),
        {
            "kind": "TrendsQuery",
            "series": [{"kind": "EventsNode", "event": "$pageview"}],
            "dateRange": {"date_from": "-3d"},
        },
    )
    local_now = NOW.astimezone(zone)
    start = _midnight(local_now - timedelta(days=3))
    days = [
        (start + timedelta(days=n)).date()
        for n in range((local_now.date() - start.date()).days + 1)
    ]
    per_day = Counter(
        m.astimezone(zone).date()
        for index, m in enumerate(MOMENTS)
        if index % 3 and m.astimezone(zone) >= start
    )
    series = body["results"][0]
    assert series["days"] == [day.isoformat() for day in days]
    assert series["data"] == [per_day[day] for day in days]
    assert series["filter"]["date_from"] == _iso(start)
    assert body["timezone"] == name


def test_trends_days_across_a_dst_change() -> None:
    body = answer(
        _emulator("America/Los_Angeles"),
        {
            "kind": "TrendsQuery",
            "series": [{"kind": "EventsNode"}],
            "dateRange": {"date_from": "2026-03-06", "date_to": "2026-03-09"},
        },
    )
    days = [datetime(2026, 3, d, tzinfo=LA) for d in range(6, 10)]
    per_day = Counter(m.astimezone(LA).date() for m in MOMENTS)
    series = body["results"][0]
    assert series["action"]["days"] == [day.isoformat() for day in days]
    assert [d[-6:] for d in series["action"]["days"]] == ["-08:00", "-08:00", "-08:00", "-07:00"]
    assert series["data"] == [per_day[day.date()] for day in days]


def test_hourly_trend_steps_over_the_missing_hour() -> None:
    body = answer(
        _emulator("America/Los_Angeles"),
        {
            "kind": "TrendsQuery",
            "interval": "hour",
            "series": [{"kind": "EventsNode"}],
            "dateRange": {"date_from": "2026-03-08T00:00:00", "date_to": "2026-03-08T05:00:00"},
        },
    )
    first = datetime(2026, 3, 8, 8, tzinfo=timezone.utc)  # local midnight, -08:00
    hours = [(first + timedelta(hours=n)).astimezone(LA) for n in range(5)]
    assert "2026-03-08T02:00:00-08:00" not in [h.isoformat() for h in hours]
    per_hour = Counter(m.astimezone(LA).replace(minute=0) for m in MOMENTS)
    series = body["results"][0]
    assert series["action"]["days"] == [h.isoformat() for h in hours]
    assert series["data"] == [per_hour[h] for h in hours]


def test_events_query_reads_dates_and_shows_times_in_the_zone() -> None:
    body = answer(
        _emulator("Asia/Kolkata"),
        {"kind": "EventsQuery", "select": ["timestamp", "event"], "after": "2026-03-09"},
    )
    start = datetime(2026, 3, 9, tzinfo=KOLKATA)
    kept = sorted((m for m in MOMENTS if m > start), reverse=True)
    assert [row[0] for row in body["results"]] == [m.astimezone(KOLKATA).isoformat() for m in kept]
    assert body["types"][0] == "DateTime64(6, 'Asia/Kolkata')"


def test_funnel_window_is_elapsed_time_across_a_dst_change() -> None:
    # 23.5 hours apart, but 24.5 hours of wall clock: inside a one-day window.
    first = datetime(2026, 3, 7, 18, 30, tzinfo=timezone.utc)
    second = first + timedelta(hours=23, minutes=30)
    assert (
        second.astimezone(LA).replace(tzinfo=None) - first.astimezone(LA).replace(tzinfo=None)
    ) > timedelta(days=1)
    # events 0 (signup) and 2 ($pageview) are user-0's; event 1 is another person's
    emulator = _emulator("America/Los_Angeles", [first, first, second])
    body = answer(
        emulator,
        {
            "kind": "FunnelsQuery",
            "series": [
                {"kind": "EventsNode", "event": "signup"},
                {"kind": "EventsNode", "event": "$pageview"},
            ],
            "dateRange": {"date_from": "2026-03-01"},
            "funnelsFilter": {"funnelWindowInterval": 1, "funnelWindowIntervalUnit": "day"},
        },
    )
    steps = body["results"]
    assert [s["count"] for s in steps] == [1, 1]
    assert steps[1]["average_conversion_time"] == (second - first).total_seconds()


def test_to_time_zone_needs_a_known_zone() -> None:
    emulator = _emulator("UTC")
    response = emulator.client().post(
        "/api/projects/1/query/",
        json={
            "query": {
                "kind": "HogQLQuery",
                "query": "SELECT toTimeZone(timestamp, 'Mars/Base') FROM events",
            }
        },
        headers=emulator.auth_headers,
    )
    assert response.status_code >= 400
    assert "Mars/Base" in response.json["detail"]
