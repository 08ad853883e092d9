"""HogQL over the engine: every answer is checked against plain Python over the same records."""

from __future__ import annotations

from collections import Counter
from collections import defaultdict
from datetime import date
from datetime import datetime
from datetime import timedelta
from typing import Any

import pytest

pytest.importorskip("duckdb")

from phemu.errors import QueryError
from phemu.query.engine import Database
from phemu.query.hogql import run_select
from tests.query.dataset import NOW
from tests.query.dataset import Dataset
from tests.query.dataset import make

DATA = make()


@pytest.fixture(scope="module")
def database() -> Database:
    return Database()


def rows(database: Database, query: str, data: Dataset = DATA) -> list[list[Any]]:
    return run_select(database, 1, data.data(), query, NOW).results


def iso(moment: datetime) -> str:
    return moment.replace(tzinfo=None).isoformat() + "Z"


def test_count_group_by_event(database: Database) -> None:
    expected = sorted(Counter(e.event for e in DATA.events).items())
    got = rows(database, "SELECT event, count() FROM events GROUP BY event ORDER BY event")
    assert got == [list(pair) for pair in expected]


def test_property_access_with_dollar_names_and_nulls(database: Database) -> None:
    counts = Counter(e.properties.get("$browser") for e in DATA.events)
    got = rows(
        database,
        "select properties.$browser as browser, count() as c from events group by browser "
        "order by c desc, browser",
    )
    expected = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0] is None, kv[0] or ""))
    assert got == [list(pair) for pair in expected]


def test_where_having_order_limit_offset(database: Database) -> None:
    per_id = Counter(e.distinct_id for e in DATA.events if e.event == "$pageview")
    kept = sorted(((d, n) for d, n in per_id.items() if n > 10), key=lambda kv: (-kv[1], kv[0]))
    got = rows(
        database,
        "SELECT distinct_id, count() AS n FROM events WHERE event = '$pageview' "
        "GROUP BY distinct_id HAVING n > 10 ORDER BY n DESC, distinct_id LIMIT 3 OFFSET 1",
    )
    assert got == [list(pair) for pair in kept[1:4]]


def test_default_limit_is_100_with_has_more(database: Database) -> None:
    result = run_select(database, 1, DATA.data(), "select uuid from events order by uuid", NOW)
    assert len(DATA.events) > 100
    assert result.results == [[e.uuid] for e in sorted(DATA.events, key=lambda e: e.uuid)][:100]
    assert (result.limit, result.offset, result.has_more) == (100, 0, True)
    explicit = run_select(database, 1, DATA.data(), "select uuid from events limit 5", NOW)
    assert (len(explicit.results), explicit.limit, explicit.has_more) == (5, None, None)


def test_uniq_count_if_sum_avg_min_max(database: Database) -> None:
    events = [e for e in DATA.events if e.event == "purchase"]
    prices = [e.properties["price"] for e in events]
    got = rows(
        database,
        "select uniq(distinct_id), countIf(properties.$browser = 'Chrome'), sum(properties.price), "
        "avg(properties.price), min(properties.price), max(properties.price) "
        "from events where event = 'purchase'",
    )
    chrome = sum(1 for e in events if e.properties.get("$browser") == "Chrome")
    assert got == [
        [
            len({e.distinct_id for e in events}),
            chrome,
            pytest.approx(sum(prices)),
            pytest.approx(sum(prices) / len(prices)),
            min(prices),
            max(prices),
        ]
    ]


def test_dates_to_start_of_day_week_month_and_date_diff(database: Database) -> None:
    got = rows(
        database,
        "select toStartOfDay(timestamp) as d, toDate(timestamp) as day, toStartOfWeek(timestamp) "
        "as w, toStartOfMonth(timestamp) as m, count() from events group by d, day, w, m "
        "order by d",
    )
    per_day: Counter[date] = Counter(e.timestamp.date() for e in DATA.events)
    expected = []
    for day in sorted(per_day):
        sunday = day - timedelta(days=(day.weekday() + 1) % 7)  # ClickHouse's default week
        midnight = datetime(day.year, day.month, day.day)
        expected.append(
            [
                midnight.isoformat() + "Z",
                day.isoformat(),
                sunday.isoformat(),
                day.replace(day=1).isoformat(),
                per_day[day],
            ]
        )
    assert got == expected
    first = min(e.timestamp for e in DATA.events)
    last = max(e.timestamp for e in DATA.events)
    diff = rows(database, "select dateDiff('day', min(timestamp), max(timestamp)) from events")
    assert diff == [[(last.date() - first.date()).days]]


def test_now_and_interval_use_the_given_clock(database: Database) -> None:
    since = NOW - timedelta(days=2)
    expected = sum(1 for e in DATA.events if e.timestamp > since)
    got = rows(database, "select count() from events where timestamp > now() - interval 2 day")
    assert got == [[expected]]


def test_if_coalesce_like_ilike_in(database: Database) -> None:
    got = rows(
        database,
        "select uuid, if(event = 'signup', 'yes', 'no'), coalesce(properties.$browser, 'none'), "
        "properties.$current_url like '%pricing' from events "
        "where event in ('signup', 'purchase') and coalesce(properties.$browser, '') ilike '%F%' "
        "order by uuid",
    )
    expected = [
        [
            e.uuid,
            "yes" if e.event == "signup" else "no",
            e.properties.get("$browser") or "none",
            None
            if "$current_url" not in e.properties
            else int(e.properties["$current_url"].endswith("pricing")),
        ]
        for e in sorted(DATA.events, key=lambda e: e.uuid)
        if e.event in ("signup", "purchase") and "f" in (e.properties.get("$browser") or "").lower()
    ]
    assert got == expected


def test_json_extract_functions(database: Database) -> None:
    got = rows(
        database,
        "select JSONExtractInt(properties, 'price'), JSONExtractString(properties, '$browser'), "
        "JSONExtractString(properties, 'price'), JSONHas(properties, '$current_url') "
        "from events order by uuid limit 20",
    )
    expected = [
        [
            e.properties["price"],
            e.properties.get("$browser", ""),
            "",
            int("$current_url" in e.properties),
        ]
        for e in sorted(DATA.events, key=lambda e: e.uuid)[:20]
    ]
    assert got == expected


def test_person_properties_and_person_id_through_distinct_ids(database: Database) -> None:
    got = rows(
        database,
        "select person.properties.plan as plan, count(), uniq(person_id) from events "
        "group by plan order by plan",
    )
    per_plan: dict[Any, list[Any]] = defaultdict(list)
    for e in DATA.events:
        person = DATA.person_of(e.distinct_id)
        per_plan[person.properties["plan"] if person else None].append(
            person.id if person else None
        )
    expected = [
        [plan, len(ids), len({i for i in ids if i is not None})]
        for plan, ids in sorted(per_plan.items(), key=lambda kv: (kv[0] is None, kv[0] or ""))
    ]
    assert got == expected


def test_join_between_virtual_tables_and_persons_table(database: Database) -> None:
    got = rows(
        database,
        "select p.properties.email, count() from events e "
        "join person_distinct_ids pdi on pdi.distinct_id = e.distinct_id "
        "join persons p on p.id = pdi.person_id where e.event = 'signup' "
        "group by p.properties.email order by 1",
    )
    counts = Counter(
        DATA.person_of(e.distinct_id).properties["email"]  # type: ignore[union-attr]
        for e in DATA.events
        if e.event == "signup" and DATA.person_of(e.distinct_id)
    )
    assert got == [list(pair) for pair in sorted(counts.items())]


def test_sessions_table_and_lazy_session_join(database: Database) -> None:
    got = rows(
        database, "select sum(session.$session_duration) from events where event = 'purchase'"
    )
    expected = sum(
        int(e.properties["$session_id"][1:]) * 10 for e in DATA.events if e.event == "purchase"
    )
    assert got == [[expected]]
    assert rows(database, "select count() from sessions where $session_duration >= 200") == [[20]]


def test_subqueries_and_ctes(database: Database) -> None:
    per_id = Counter(e.distinct_id for e in DATA.events)
    top = max(per_id.values())
    cte = rows(
        database,
        "with per_user as (select distinct_id, count() as c from events group by distinct_id) "
        "select max(c), count() from per_user",
    )
    assert cte == [[top, len(per_id)]]
    nested = rows(
        database,
        "select count() from events where distinct_id in "
        "(select distinct_id from events where event = 'signup')",
    )
    signed = {e.distinct_id for e in DATA.events if e.event == "signup"}
    assert nested == [[sum(1 for e in DATA.events if e.distinct_id in signed)]]


def test_docs_example_first_pageview_urls(database: Database) -> None:
    """From PostHog's SQL docs (posthog.com/docs/sql): the most popular first-pageview URLs."""
    got = rows(
        database,
        """SELECT properties.$current_url AS current_url, count() AS url_count
        FROM events
        WHERE event = '$pageview'
          AND (distinct_id, timestamp) IN (
            SELECT distinct_id, min(timestamp) FROM events WHERE event = '$pageview'
            GROUP BY distinct_id)
        GROUP BY current_url
        ORDER BY url_count DESC, current_url""",
    )
    first: dict[Any, datetime] = {}
    for e in DATA.events:
        if e.event == "$pageview":
            first[e.distinct_id] = min(first.get(e.distinct_id, e.timestamp), e.timestamp)
    counts = Counter(
        e.properties.get("$current_url")
        for e in DATA.events
        if e.event == "$pageview" and first[e.distinct_id] == e.timestamp
    )
    expected = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0] is None, kv[0] or ""))
    assert got == [list(pair) for pair in expected]


def test_docs_examples_select_list_and_distinct_person(database: Database) -> None:
    """From PostHog's SQL editor guide (posthog.com/docs/hogql/guide)."""
    got = rows(
        database,
        "SELECT event, timestamp, properties.$current_url, "
        "concat(properties.$browser, ' - ', event) FROM events ORDER BY timestamp, event LIMIT 30",
    )
    ordered = sorted(DATA.events, key=lambda e: (e.timestamp, e.event))[:30]
    assert [r[0] for r in got] == [e.event for e in ordered]
    assert [r[1] for r in got] == [iso(e.timestamp) for e in ordered]
    assert [r[2] for r in got] == [e.properties.get("$current_url") for e in ordered]
    # ClickHouse's concat of a NULL is NULL
    assert [r[3] for r in got] == [
        None if "$browser" not in e.properties else f"{e.properties['$browser']} - {e.event}"
        for e in ordered
    ]
    people = rows(database, "SELECT DISTINCT person_id FROM events ORDER BY person_id")
    persons = {getattr(DATA.person_of(e.distinct_id), "id", None) for e in DATA.events}
    assert len(people) == len(persons)


def test_docs_example_multi_if_breakdown(database: Database) -> None:
    """From PostHog's SQL docs: a multiIf expression grouping values."""
    got = rows(
        database,
        "select multiIf(properties.$browser == 'Chrome', 'chromium', properties.$browser == "
        "'Safari', 'webkit', 'other') as engine, count() from events group by engine order by engine",
    )

    def engine(browser: str | None) -> str:
        return {"Chrome": "chromium", "Safari": "webkit"}.get(browser or "", "other")

    counts = Counter(engine(e.properties.get("$browser")) for e in DATA.events)
    assert got == [list(pair) for pair in sorted(counts.items())]


def test_union_all_members_get_the_default_limit(database: Database) -> None:
    got = rows(database, "select event from events union all select event from events")
    assert len(got) == 200


def test_incremental_load_sees_new_events() -> None:
    database = Database()
    first = make(count=50)
    assert rows(database, "select count() from events", first) == [[50]]
    grown = make(count=80)  # the same first 50 events plus 30 more, higher seq
    data = first.data()
    object.__setattr__(data, "events", tuple(grown.events))
    assert run_select(database, 1, data, "select count() from events", NOW).results == [[80]]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("select nope from events", "Unable to resolve field: nope"),
        ("select properties.x from nope", "Unknown table `nope`."),
        ("select fooBar(1)", "Unsupported function call 'fooBar(...)'"),
        (
            "select toDat(timestamp) from events",
            "Unsupported function call 'toDat(...)'. Perhaps you meant 'toDate(...)'?",
        ),
        ("", "mismatched input '<EOF>' expecting {SELECT, WITH, '{', '(', '<'}"),
    ],
)
def test_posthog_error_messages(database: Database, query: str, message: str) -> None:
    with pytest.raises(QueryError) as raised:
        rows(database, query)
    assert raised.value.detail == message
