"""One event store: captured and seeded events live in ``phemu/resources/events``; sessions,
definitions and the query engine read it through ``EventsBackend.after``, each catching up
when asked, so capture only appends."""

from __future__ import annotations

import pytest

from phemu.emulator import Emulator
from phemu.resources.sessions.models import SessionsState

TOKEN = "phc_phemuDefaultProjectToken0000000000000000000"


def seeded(sid: str, ts: str = "2026-06-15T09:00:00Z", **props: object) -> dict[str, object]:
    return {
        "event": "$pageview",
        "timestamp": ts,
        "distinct_id": "u1",
        "properties": {"$session_id": sid, **props},
    }


def test_seeded_and_captured_events_share_one_store(frozen: Emulator) -> None:
    frozen.sessions.ingest([seeded("s1", utm_source="news")])
    frozen.events.capture("$pageview", "u1", {"$session_id": "s1", "$current_url": "https://a/x"})
    records = frozen.events.records()
    assert [r.seeded is not None for r in records] == [True, False]
    assert [r.seq for r in records] == sorted(r.seq for r in records)
    props = frozen.sessions.properties("s1")
    assert props is not None and props["$entry_utm_source"] == "news"
    assert props["$end_current_url"] == "https://a/x"
    # The session keeps references to the store's records, not copies.
    indexed = frozen.store.state(SessionsState).project(1).events["s1"]
    assert all(any(e is r for r in records) for e in indexed)


def test_capture_only_appends_and_reading_derives(frozen: Emulator, auth: dict[str, str]) -> None:
    client = frozen.client()
    body = {
        "api_key": TOKEN,
        "batch": [{"event": "$pageview", "distinct_id": "u1", "properties": {"$session_id": "s9"}}],
    }
    assert client.post("/batch/", json=body).status_code == 200
    state = frozen.store.state(SessionsState)
    assert state.synced.get(1, 0) == 0 and "s9" not in state.project(1).sessions
    values = client.get(
        "/api/projects/1/sessions/values/?key=$entry_current_url", headers=auth
    ).get_json()
    assert values["results"] == []  # the request derived the session first
    assert "s9" in state.project(1).sessions
    assert state.synced[1] == frozen.events.records()[-1].seq


def test_store_checkpoints_share_records(frozen: Emulator) -> None:
    """Seed loads checkpoint the store; stored events are never changed, so the checkpoint
    shares them instead of copying every event."""
    frozen.events.capture("a", "u1")
    before = frozen.events.records()[0]
    frozen.load_seed({"events": [{"project": 1, **seeded("s1")}]})
    assert frozen.events.records()[0] is before


def test_a_failed_seed_stores_no_event(frozen: Emulator) -> None:
    from phemu.errors import SeedError

    with pytest.raises(SeedError):
        frozen.sessions.ingest([seeded("s1"), {"event": "", "timestamp": "2026-06-15T09:00:00Z"}])
    assert frozen.events.records() == []


def test_clearing_events_keeps_what_was_derived(frozen: Emulator) -> None:
    """``events.clear()`` forgets events; sessions and definitions derived from them stay, as
    PostHog's do when events are deleted."""
    frozen.events.capture("signup", "u1", {"$session_id": "s1", "plan": "pro"})
    assert frozen.sessions.properties("s1") is not None
    assert [d["name"] for d in frozen.definitions.events()] == ["signup"]
    frozen.events.clear()
    assert frozen.events.records() == []
    assert frozen.sessions.properties("s1") is not None
    assert [d["name"] for d in frozen.definitions.events()] == ["signup"]
    frozen.events.capture("later", "u1", {"$session_id": "s1"})
    props = frozen.sessions.properties("s1")
    assert props is not None and props["$autocapture_count"] == 0


def test_seeded_events_without_uuid_get_a_stable_one(frozen: Emulator) -> None:
    frozen.sessions.ingest([seeded("s1")])
    other = Emulator(load_entrypoints=False)
    other.freeze_time("2026-06-15T10:00:00Z")
    other.sessions.ingest([seeded("s1")])
    assert frozen.events.records()[0].uuid == other.events.records()[0].uuid
    assert "uuid" not in frozen.export_state()["events"][0]  # exported as the seed gave it


def test_the_query_engine_reads_the_store(frozen: Emulator, auth: dict[str, str]) -> None:
    pytest.importorskip("duckdb")
    frozen.sessions.ingest([seeded("s1")])
    frozen.events.capture("signup", "u2")
    query = {
        "query": {
            "kind": "HogQLQuery",
            "query": "select event, distinct_id from events order by event",
        }
    }
    response = frozen.client().post("/api/projects/1/query/", json=query, headers=auth)
    assert response.get_json()["results"] == [["$pageview", "u1"], ["signup", "u2"]]
    frozen.events.clear()
    response = frozen.client().post("/api/projects/1/query/", json=query, headers=auth)
    assert response.get_json()["results"] == []
