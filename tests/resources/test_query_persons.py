"""``query/`` counts persons: identified, anonymous and aliased users captured through ingestion.

The expectations are computed here from the captured message list alone: a union-find over the
merge events gives each distinct id's person, and replaying ``$set`` in order gives the person's
properties when each event was ingested (what ``person.properties`` reads under PostHog's default
``personsOnEventsMode``).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from typing import Any

import pytest

pytest.importorskip("duckdb")

from phemu.emulator import Emulator
from tests.query.api import answer as post

NOW = datetime(2026, 3, 14, 12, 0, tzinfo=timezone.utc)


def at(days_ago: int, hour: int) -> str:
    moment = (NOW - timedelta(days=days_ago)).replace(hour=hour, minute=0)
    return moment.isoformat().replace("+00:00", "Z")


#: (distinct_id, event, properties, days ago, hour), in capture order.
MESSAGES: list[tuple[str, str, dict[str, Any], int, int]] = [
    ("anon-a", "$pageview", {}, 3, 9),
    ("anon-a", "$pageview", {}, 2, 9),
    ("alice", "$identify", {"$anon_distinct_id": "anon-a", "$set": {"plan": "free"}}, 2, 10),
    ("alice", "purchase", {"price": 30}, 2, 11),
    ("anon-b", "$pageview", {}, 2, 12),  # never identified
    ("bob", "$pageview", {"$set": {"plan": "pro", "email": "bob@example.com"}}, 1, 8),
    ("bob", "$create_alias", {"alias": "bob-work"}, 1, 9),
    ("bob-work", "purchase", {"price": 50}, 1, 10),
    ("alice", "$pageview", {"$set": {"plan": "enterprise"}}, 1, 11),
    ("alice", "purchase", {"price": 70}, 0, 9),
    ("anon-b", "$pageview", {}, 0, 10),
]


def oracle() -> tuple[dict[str, str], list[dict[str, Any]]]:
    """Each distinct id's person (a representative id) and each event's person properties."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            x = parent[x]
        return x

    props: dict[str, dict[str, Any]] = defaultdict(dict)
    snapshots = []
    for distinct_id, _event, properties, _days, _hour in MESSAGES:
        other = properties.get("$anon_distinct_id") or properties.get("alias")
        if other is not None:
            a, b = find(distinct_id), find(other)
            if a != b:
                merged = {**props.pop(b, {}), **props.pop(a, {})}
                parent[b] = a
                props[a] = merged
        root = find(distinct_id)
        props[root].update(properties.get("$set", {}))
        snapshots.append(dict(props[root]))
    return {d: find(d) for d, *_ in MESSAGES}, snapshots


@pytest.fixture
def captured() -> Emulator:
    emulator = Emulator()
    emulator.freeze_time(NOW.isoformat())
    for distinct_id, event, properties, days, hour in MESSAGES:
        emulator.events.capture(event, distinct_id, properties, timestamp=at(days, hour))
    return emulator


def hogql(emulator: Emulator, text: str) -> list[list[Any]]:
    return list(post(emulator, {"kind": "HogQLQuery", "query": text})["results"])


def test_person_id_joins_merged_and_aliased_distinct_ids(captured: Emulator) -> None:
    person_of, _ = oracle()
    rows = hogql(captured, "select distinct_id, toString(person_id) from events")
    ids: dict[str, set[str]] = defaultdict(set)
    for distinct_id, person_id in rows:
        ids[distinct_id].add(person_id)
    assert all(len(found) == 1 for found in ids.values())
    same = {(a, b) for a in ids for b in ids if ids[a] == ids[b]}
    assert same == {(a, b) for a in person_of for b in person_of if person_of[a] == person_of[b]}
    people = hogql(captured, "select count(distinct person_id), count() from events")
    assert people == [[len(set(person_of.values())), len(MESSAGES)]]
    persons_table = hogql(captured, "select count() from persons")
    assert persons_table == [[len(set(person_of.values()))]]


def test_person_properties_are_those_at_ingestion(captured: Emulator) -> None:
    _, snapshots = oracle()
    rows = hogql(
        captured,
        "select person.properties.plan, person.properties.email from events order by timestamp",
    )
    order = sorted(range(len(MESSAGES)), key=lambda i: MESSAGES[i][3] * -24 + MESSAGES[i][4])
    assert rows == [[snapshots[i].get("plan"), snapshots[i].get("email")] for i in order]
    current = hogql(captured, "select properties.plan from persons order by properties.plan")
    person_of, _ = oracle()
    final: dict[str, dict[str, Any]] = {}
    for index, (distinct_id, *_rest) in enumerate(MESSAGES):
        final[person_of[distinct_id]] = snapshots[index]
    expected = sorted((p.get("plan") for p in final.values()), key=lambda v: (v is None, v or ""))
    assert current == [[plan] for plan in expected]


def test_trends_dau_counts_persons(captured: Emulator) -> None:
    person_of, _ = oracle()
    body = post(
        captured,
        {
            "kind": "TrendsQuery",
            "dateRange": {"date_from": "-3d"},
            "series": [{"kind": "EventsNode", "math": "dau"}],
        },
    )
    per_day: dict[int, set[str]] = defaultdict(set)
    for distinct_id, _event, _props, days, _hour in MESSAGES:
        per_day[days].add(person_of[distinct_id])
    assert body["results"][0]["data"] == [len(per_day[d]) for d in (3, 2, 1, 0)]


def test_funnel_counts_a_person_across_their_distinct_ids(captured: Emulator) -> None:
    person_of, _ = oracle()
    body = post(
        captured,
        {
            "kind": "FunnelsQuery",
            "dateRange": {"date_from": "-7d"},
            "series": [
                {"kind": "EventsNode", "event": "$pageview"},
                {"kind": "EventsNode", "event": "purchase"},
            ],
        },
    )
    first: dict[str, tuple[int, int]] = {}
    converted: set[str] = set()
    for distinct_id, event, _props, days, hour in MESSAGES:
        person, moment = person_of[distinct_id], (-days, hour)
        if event == "$pageview":
            first.setdefault(person, moment)
        elif event == "purchase" and person in first and first[person] <= moment:
            converted.add(person)
    assert [step["count"] for step in body["results"]] == [len(first), len(converted)]
