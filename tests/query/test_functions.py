"""ClickHouse functions clients write in HogQL, each against plain Python over the same events."""

from __future__ import annotations

import math
from collections import Counter
from collections import defaultdict
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from typing import Any

import pytest

pytest.importorskip("duckdb")

from phemu.query.engine import Database
from phemu.query.hogql import run_select
from tests.query.dataset import NOW
from tests.query.dataset import make

DATA = make(seed=5, count=300)
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def database() -> Database:
    return Database()


def rows(database: Database, query: str) -> list[list[Any]]:
    return run_select(database, 1, DATA.data(), query, NOW).results


def iso(moment: datetime) -> str:
    return moment.replace(tzinfo=None).isoformat() + "Z"


def by_uuid(database: Database, expression: str) -> dict[str, Any]:
    found = rows(database, f"select uuid, {expression} from events order by uuid limit 1000")
    return {uuid: value for uuid, value in found}


def test_to_start_of_hour_and_interval(database: Database) -> None:
    got = by_uuid(database, "toStartOfHour(timestamp)")
    assert got == {e.uuid: iso(e.timestamp.replace(minute=0, second=0)) for e in DATA.events}
    got = by_uuid(database, "toStartOfInterval(timestamp, interval 15 minute)")
    quarter = 15 * 60
    expected = {
        e.uuid: iso(
            EPOCH + timedelta(seconds=(e.timestamp - EPOCH).total_seconds() // quarter * quarter)
        )
        for e in DATA.events
    }
    assert got == expected
    got = by_uuid(database, "toStartOfInterval(timestamp, interval 3 day)")
    days = {e.uuid: (e.timestamp.date() - EPOCH.date()).days // 3 * 3 for e in DATA.events}
    assert got == {u: (EPOCH.date() + timedelta(days=n)).isoformat() for u, n in days.items()}


def test_date_add_and_sub_and_interval_arithmetic(database: Database) -> None:
    got = rows(
        database,
        "select uuid, dateAdd('day', 2, timestamp), dateSub('hour', 5, timestamp), "
        "timestamp + interval 30 minute from events order by uuid limit 1000",
    )
    assert got == [
        [
            e.uuid,
            iso(e.timestamp + timedelta(days=2)),
            iso(e.timestamp - timedelta(hours=5)),
            iso(e.timestamp + timedelta(minutes=30)),
        ]
        for e in sorted(DATA.events, key=lambda e: e.uuid)
    ]
    week = rows(database, "select count() from events where timestamp >= now() - interval 7 day")
    assert week == [[sum(1 for e in DATA.events if e.timestamp >= NOW - timedelta(days=7))]]


def test_format_date_time_uses_clickhouse_specifiers(database: Database) -> None:
    got = by_uuid(database, "formatDateTime(timestamp, '%Y-%m-%d %H:%i:%S, %M %W')")
    expected = {}
    for e in DATA.events:
        t = e.timestamp
        month = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ][t.month - 1]
        weekday = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"][
            t.weekday()
        ]
        expected[e.uuid] = (
            f"{t.year:04d}-{t.month:02d}-{t.day:02d} {t.hour:02d}:{t.minute:02d}:{t.second:02d}, "
            f"{month} {weekday}"
        )
    assert got == expected


def test_array_join_and_split_by_char(database: Database) -> None:
    got = rows(
        database,
        "select part, count() from (select arrayJoin(splitByChar('/', properties.$current_url)) "
        "as part from events where properties.$current_url is not null) group by part "
        "order by part",
    )
    parts = Counter(
        part
        for e in DATA.events
        if "$current_url" in e.properties
        for part in e.properties["$current_url"].split("/")
    )
    assert got == [[part, n] for part, n in sorted(parts.items())]


def test_group_array_and_arg_max(database: Database) -> None:
    got = rows(
        database,
        "select distinct_id, argMax(event, timestamp), length(groupArray(event)) from events "
        "group by distinct_id order by distinct_id",
    )
    per_id: dict[str, list[Any]] = defaultdict(list)
    for e in DATA.events:
        per_id[str(e.distinct_id)].append(e)
    expected = []
    for distinct_id in sorted(per_id):
        events = per_id[distinct_id]
        latest = max(events, key=lambda e: e.timestamp)
        expected.append([distinct_id, latest.event, len(events)])
    assert got == expected


def quantile(values: list[float], level: float) -> float:
    """Linear interpolation between the closest ranks (ClickHouse's ``quantile``)."""
    ordered = sorted(values)
    position = level * (len(ordered) - 1)
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def test_quantiles_median_and_exact(database: Database) -> None:
    prices = [float(e.properties["price"]) for e in DATA.events]
    got = rows(
        database,
        "select quantile(0.9)(properties.price), median(properties.price), "
        "quantiles(0.25, 0.75)(properties.price), quantileExact(0.5)(properties.price) "
        "from events",
    )
    exact = sorted(prices)[math.floor(0.5 * len(prices))]
    assert got == [
        [
            pytest.approx(quantile(prices, 0.9)),
            pytest.approx(quantile(prices, 0.5)),
            [pytest.approx(quantile(prices, 0.25)), pytest.approx(quantile(prices, 0.75))],
            exact,
        ]
    ]


def test_replace_regexp_extract_lower_upper_length(database: Database) -> None:
    import re

    got = rows(
        database,
        "select uuid, replaceRegexpAll(properties.$current_url, '[a-z]+', 'x'), "
        "extract(properties.$current_url, 'com/([a-z]+)'), extract(event, '[a-z]+'), "
        "lower(event), upper(event), length(event) from events "
        "where properties.$current_url is not null order by uuid limit 1000",
    )
    expected = []
    for e in sorted(DATA.events, key=lambda e: e.uuid):
        url = e.properties.get("$current_url")
        if url is None:
            continue
        found = re.search("com/([a-z]+)", url)
        word = re.search("[a-z]+", e.event)
        expected.append(
            [
                e.uuid,
                re.sub("[a-z]+", "x", url),
                found.group(1) if found else "",
                word.group(0) if word else "",
                e.event.lower(),
                e.event.upper(),
                len(e.event),
            ]
        )
    assert got == expected


def test_round_to_int_to_float_to_string(database: Database) -> None:
    got = rows(
        database,
        "select uuid, round(properties.price / 8, 1), round(properties.price / 2), "
        "toInt(properties.price / 7), toFloat(toString(properties.price)), "
        "toString(properties.price), toInt('12'), toInt('x') from events order by uuid limit 1000",
    )
    expected = [
        [
            e.uuid,
            pytest.approx(round(e.properties["price"] / 8, 1)),
            round(e.properties["price"] / 2),  # ties to even, as ClickHouse rounds floats
            int(e.properties["price"] / 7),
            float(e.properties["price"]),
            str(e.properties["price"]),
            12,
            None,
        ]
        for e in sorted(DATA.events, key=lambda e: e.uuid)
    ]
    assert got == expected
