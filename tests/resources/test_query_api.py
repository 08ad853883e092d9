"""``POST query/`` over seeded events: each kind against plain Python, bodies against the schema."""

from __future__ import annotations

import sys
from collections import Counter
from collections import defaultdict
from datetime import datetime
from datetime import timedelta
from typing import Any

import pytest

pytest.importorskip("duckdb")

from phemu.emulator import Emulator
from phemu.openapi.document import components
from tests.conftest import add_key
from tests.openapi import assert_valid
from tests.query.dataset import NOW
from tests.query.dataset import make

DATA = make(seed=11, count=300, days=9)
CACHE_FIELDS = ("cache_key", "is_cached", "last_refresh", "next_allowed_client_refresh", "timezone")


@pytest.fixture
def seeded(emulator: Emulator) -> Emulator:
    emulator.freeze_time(NOW.isoformat())
    emulator.load_seed({"events": DATA.seed_records()})
    return emulator


def post(emulator: Emulator, query: dict[str, Any], prefix: str = "projects") -> Any:
    response = emulator.client().post(
        f"/api/{prefix}/1/query/", json={"query": query}, headers=emulator.auth_headers
    )
    return response.status_code, response.json


#: ``$ref`` fields the published schema marks non-nullable although PostHog's models are
#: ``Optional`` and render ``null`` (``posthog/schema.py``).
NULL_REFS = ("metadata", "query_status", "resolved_date_range")


def published(body: dict[str, Any], component: str) -> None:
    """PostHog adds the cache fields on the wire; the published component lists the rest."""
    assert all(key in body for key in CACHE_FIELDS)
    listed = {
        k: v
        for k, v in body.items()
        if k not in CACHE_FIELDS and not (k in NULL_REFS and v is None)
    }
    assert_valid(listed, component)


def actor(distinct_id: str | None) -> str:
    """The seed has no persons: each distinct id is its own (personless) person."""
    return f"distinct_id:{distinct_id}"


def test_hogql_query_over_seeded_events_both_prefixes(seeded: Emulator) -> None:
    expected = sorted(Counter(e.event for e in DATA.events).items())
    for prefix in ("projects", "environments"):
        status, body = post(
            seeded,
            {
                "kind": "HogQLQuery",
                "query": "select event, count() from events group by event order by event",
            },
            prefix,
        )
        assert status == 200
        assert body["results"] == [list(pair) for pair in expected]
        assert body["columns"] == ["event", "count()"]
        assert body["types"] == [["event", "String"], ["count()", "UInt64"]]
        assert (body["limit"], body["offset"], body["hasMore"]) == (100, 0, False)
        assert body["is_cached"] is False and body["timezone"] == "UTC"
        published(body, "HogQLQueryResponse")


def test_hogql_values_placeholders(seeded: Emulator) -> None:
    target = DATA.events[0].distinct_id
    status, body = post(
        seeded,
        {
            "kind": "HogQLQuery",
            "query": "select count() from events where distinct_id = {who}",
            "values": {"who": target},
        },
    )
    assert status == 200
    assert body["results"] == [[sum(1 for e in DATA.events if e.distinct_id == target)]]


def test_events_query_select_where_order(seeded: Emulator) -> None:
    since = NOW - timedelta(hours=24)
    recent = [e for e in DATA.events if since < e.timestamp < NOW + timedelta(seconds=5)]
    status, body = post(seeded, {"kind": "EventsQuery", "select": ["count()", "event"]})
    assert status == 200
    counts = Counter(e.event for e in recent)
    assert sorted(map(tuple, body["results"])) == sorted((n, ev) for ev, n in counts.items())
    assert [r[0] for r in body["results"]] == sorted((r[0] for r in body["results"]), reverse=True)
    assert body["columns"] == ["count()", "event"] and body["types"] == ["UInt64", "String"]
    published(body, "EventsQueryResponse")

    status, body = post(
        seeded,
        {
            "kind": "EventsQuery",
            "select": ["uuid", "properties.$browser", "timestamp"],
            "where": ["event = 'purchase'"],
            "after": "all",
            "orderBy": ["timestamp DESC", "uuid"],
            "limit": 5,
        },
    )
    purchases = sorted(
        (e for e in DATA.events if e.event == "purchase"),
        key=lambda e: (-e.timestamp.timestamp(), e.uuid),
    )
    assert [r[0] for r in body["results"]] == [e.uuid for e in purchases[:5]]
    assert [r[1] for r in body["results"]] == [e.properties.get("$browser") for e in purchases[:5]]
    assert body["hasMore"] is (len(purchases) > 5)


def test_events_query_star_and_property_filters(seeded: Emulator) -> None:
    status, body = post(
        seeded,
        {
            "kind": "EventsQuery",
            "select": ["*"],
            "after": "all",
            "orderBy": ["timestamp", "uuid"],
            "properties": [
                {"type": "event", "key": "$browser", "operator": "exact", "value": "Safari"}
            ],
        },
    )
    safari = sorted(
        (e for e in DATA.events if e.properties.get("$browser") == "Safari"),
        key=lambda e: (e.timestamp, e.uuid),
    )
    assert status == 200
    assert [r[0]["uuid"] for r in body["results"]] == [e.uuid for e in safari][:100]
    assert body["results"][0][0]["properties"] == dict(safari[0].properties)


def daily_counts(events: list[Any], start: datetime, days: int) -> list[int]:
    per_day = Counter(e.timestamp.date() for e in events)
    return [per_day[(start + timedelta(days=n)).date()] for n in range(days)]


def test_trends_daily_with_breakdown(seeded: Emulator) -> None:
    status, body = post(
        seeded,
        {
            "kind": "TrendsQuery",
            "series": [{"kind": "EventsNode", "event": "$pageview"}],
            "interval": "day",
            "dateRange": {"date_from": "-7d"},
            "breakdownFilter": {"breakdown": "$browser", "breakdown_type": "event"},
        },
    )
    assert status == 200
    start = (NOW - timedelta(days=7)).replace(hour=0, minute=0, second=0)
    pageviews = [e for e in DATA.events if e.event == "$pageview" and start <= e.timestamp <= NOW]
    by_browser: dict[Any, list[Any]] = defaultdict(list)
    for e in pageviews:
        by_browser[e.properties.get("$browser")].append(e)
    got = {r["breakdown_value"]: r["data"] for r in body["results"]}
    expected = {
        ("$$_posthog_breakdown_null_$$" if b is None else b): daily_counts(evs, start, 8)
        for b, evs in by_browser.items()
    }
    assert got == expected
    assert body["results"][0]["days"][0] == start.date().isoformat()
    assert body["results"][0]["labels"][0] == f"{start.day}-{start.strftime('%b-%Y')}"
    totals = [r["count"] for r in body["results"]]
    assert totals == sorted(totals, reverse=True)
    published(body, "TrendsQueryResponse")


def test_trends_math_dau_and_property_sum(seeded: Emulator) -> None:
    status, body = post(
        seeded,
        {
            "kind": "TrendsQuery",
            "dateRange": {"date_from": "-3d"},
            "series": [
                {"kind": "EventsNode", "event": "purchase", "math": "dau"},
                {
                    "kind": "EventsNode",
                    "event": "purchase",
                    "math": "sum",
                    "math_property": "price",
                },
            ],
        },
    )
    assert status == 200
    start = (NOW - timedelta(days=3)).replace(hour=0, minute=0, second=0)
    purchases = [e for e in DATA.events if e.event == "purchase" and e.timestamp >= start]
    users: dict[Any, set[str]] = defaultdict(set)
    revenue: dict[Any, float] = defaultdict(float)
    for e in purchases:
        users[e.timestamp.date()].add(actor(e.distinct_id))
        revenue[e.timestamp.date()] += e.properties["price"]
    days = [(start + timedelta(days=n)).date() for n in range(4)]
    assert body["results"][0]["data"] == [len(users[d]) for d in days]
    assert body["results"][1]["data"] == [pytest.approx(revenue[d]) for d in days]


def brute_force_funnel(steps: list[str], window: timedelta, start: datetime) -> list[int]:
    """Furthest ordered step per actor by trying every start, independently of the engine."""
    per_actor: dict[str, list[Any]] = defaultdict(list)
    for e in sorted(DATA.events, key=lambda e: (e.timestamp, e.seq)):
        if e.event in steps and start <= e.timestamp <= NOW:
            per_actor[actor(e.distinct_id)].append(e)
    reached = Counter()
    for events in per_actor.values():
        best = 0
        for i, first in enumerate(events):
            if first.event != steps[0]:
                continue
            depth, last = 1, first.timestamp
            for e in events[i + 1 :]:
                if (
                    depth < len(steps)
                    and e.event == steps[depth]
                    and last <= e.timestamp <= first.timestamp + window
                ):
                    depth, last = depth + 1, e.timestamp
            best = max(best, depth)
        for n in range(best):
            reached[n] += 1
    return [reached[n] for n in range(len(steps))]


def test_funnel_ordered_steps_with_window(seeded: Emulator) -> None:
    steps = ["$pageview", "signup", "purchase"]
    status, body = post(
        seeded,
        {
            "kind": "FunnelsQuery",
            "dateRange": {"date_from": "-9d"},
            "series": [{"kind": "EventsNode", "event": s} for s in steps],
            "funnelsFilter": {"funnelWindowInterval": 2, "funnelWindowIntervalUnit": "day"},
        },
    )
    assert status == 200
    start = (NOW - timedelta(days=9)).replace(hour=0, minute=0, second=0)
    assert [r["count"] for r in body["results"]] == brute_force_funnel(
        steps, timedelta(days=2), start
    )
    assert [r["name"] for r in body["results"]] == steps
    assert body["results"][0]["average_conversion_time"] is None
    published(body, "FunnelsQueryResponse")


def test_errors_answer_posthog_bodies(seeded: Emulator) -> None:
    status, body = post(seeded, {"kind": "HogQLQuery", "query": "select nope from events"})
    assert (status, body) == (
        400,
        {
            "type": "validation_error",
            "code": "invalid_input",
            "detail": "Unable to resolve field: nope",
            "attr": None,
        },
    )
    status, body = post(seeded, {"kind": "HogQLQuery", "query": "select 1 from nowhere"})
    assert (status, body["detail"]) == (400, "Unknown table `nowhere`.")
    status, body = post(seeded, {"kind": "HogQLQuery", "query": "select event from events where"})
    assert (status, body) == (
        400,
        {
            "type": "validation_error",
            "code": "invalid_input",
            "detail": "no viable alternative at input 'select event from events where'",
            "attr": None,
        },
    )
    status, body = post(seeded, {"kind": "Tomato Soup"})
    assert (status, body["code"]) == (400, "parse_error")
    assert "1 validation error for QueryRequest" in body["detail"]
    assert (
        "Input tag 'Tomato Soup' found using 'kind' does not match any of the expected tags"
        in body["detail"]
    )
    status, body = post(seeded, {"kind": "SavedInsightNode", "shortId": "123"})
    assert (status, body["detail"]) == (400, "Unsupported query kind: SavedInsightNode")
    status, body = post(seeded, {"kind": "RetentionQuery", "retentionFilter": {}})
    assert status == 400 and "RetentionQuery" in body["detail"]


@pytest.mark.parametrize(
    ("query", "docs_code", "cloud_code"),
    [
        ("select event from events where", "invalid_input", "hogql_syntax_error"),
        ("select nope from events", "invalid_input", "hogql_query_error"),
        ("select 1 from nowhere", "invalid_input", "hogql_query_error"),
        ("select fooBar(1)", "invalid_input", "hogql_query_error"),
    ],
)
def test_hogql_error_codes_per_profile(query: str, docs_code: str, cloud_code: str) -> None:
    """November 2025 answered DRF's ``invalid_input``; Cloud in 2026 answers ``code_name``."""
    answers = {}
    for profile in ("docs", "cloud"):
        emulator = Emulator(profile=profile)
        status, body = post(emulator, {"kind": "HogQLQuery", "query": query})
        assert status == 400 and body["type"] == "validation_error"
        answers[profile] = body
    assert (answers["docs"]["code"], answers["cloud"]["code"]) == (docs_code, cloud_code)
    assert answers["docs"]["detail"] == answers["cloud"]["detail"]


def test_scope_is_query_read_even_for_post(seeded: Emulator) -> None:
    body = {"query": {"kind": "HogQLQuery", "query": "select 1"}}
    denied = add_key(seeded, "phx_insights", scopes=["insight:read"])
    response = seeded.client().post("/api/projects/1/query/", json=body, headers=denied)
    assert response.status_code == 403
    assert response.json["detail"] == "API key missing required scope 'query:read'"
    allowed = add_key(seeded, "phx_query", scopes=["query:read"])
    assert (
        seeded.client().post("/api/projects/1/query/", json=body, headers=allowed).status_code
        == 200
    )


def test_without_the_extra_the_error_names_it(
    seeded: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "phemu.query.run", None)  # import fails as if not installed
    status, body = post(seeded, {"kind": "HogQLQuery", "query": "select 1"})
    assert status == 501
    assert body["code"] == "query_engine_missing"
    assert "pip install 'phemu[query]'" in body["detail"]


def test_new_events_are_seen_by_the_next_query(seeded: Emulator) -> None:
    query = {"kind": "HogQLQuery", "query": "select count() from events"}
    assert post(seeded, query)[1]["results"] == [[len(DATA.events)]]
    seeded.load_seed(
        {
            "events": [
                {
                    "project": 1,
                    "event": "late",
                    "distinct_id": "x",
                    "timestamp": "2026-03-14T15:00:00Z",
                    "properties": {},
                }
            ]
        }
    )
    assert post(seeded, query)[1]["results"] == [[len(DATA.events) + 1]]
    seeded.reset()
    assert post(seeded, query)[1]["results"] == [[0]]


@pytest.mark.parametrize(
    "query",
    [
        {"kind": "EventsQuery", "select": [1]},
        {"kind": "EventsQuery", "select": ["event"], "limit": "x"},
        {"kind": "TrendsQuery", "series": [1]},
        {
            "kind": "FunnelsQuery",
            "series": [{}, {}],
            "funnelsFilter": {"funnelWindowInterval": "x"},
        },
    ],
)
def test_malformed_kinds_answer_parse_errors(seeded: Emulator, query: dict[str, Any]) -> None:
    status, body = post(seeded, query)
    assert (status, body["code"]) == (400, "parse_error")
    assert body["detail"].startswith("JSON parse error - 1 validation error for QueryRequest")


def test_unknown_kind_lists_the_published_tags_in_union_order(seeded: Emulator) -> None:
    """pydantic names every tag of ``QueryRequest.query`` in its union's order; the published
    schema's ``Query_1`` is that union (``posthog/schema.py``)."""
    union = components()["Query_1"]["oneOf"]
    tags = ", ".join(f"'{ref['$ref'].rsplit('/', 1)[-1]}'" for ref in union)
    status, body = post(seeded, {"kind": "NoSuchQuery"})
    assert (status, body["code"]) == (400, "parse_error")
    assert f"does not match any of the expected tags: {tags} [" in body["detail"]
