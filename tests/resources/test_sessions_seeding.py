"""Seeding sessions (docs/sessions.md, "Three ways in"): documents, Emulator methods, control plane.

Malformed records: events without ``$session_id`` are *ignored* by PostHog (it builds no session
for them, ``posthog/models/raw_sessions/sessions_v2.py``), while the issue asks for a clear error on malformed events. The
choice recorded here: an event whose ``$session_id`` is absent, null or empty is accepted and
builds no session (it is kept and exported); everything else that is malformed (bad or missing
timestamp, a non-string ``$session_id``, a missing event name, properties that are not an object,
an unknown project) rejects the whole document with a message naming the record.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from phemu.emulator import Emulator
from phemu.errors import SeedError
from phemu.resources.sessions import SAMPLE_SEED_PATH
from tests.conftest import body

ROOT = Path(__file__).resolve().parents[2]


def pageview(sid: str | None, ts: str = "2026-06-15T10:00:00Z", **props: Any) -> dict[str, Any]:
    properties = dict(props)
    if sid is not None:
        properties["$session_id"] = sid
    return {
        "project": 1,
        "event": "$pageview",
        "timestamp": ts,
        "distinct_id": "u1",
        "properties": properties,
    }


def sources(emulator: Emulator, project: int = 1) -> list[str]:
    response = emulator.client().get(
        f"/api/projects/{project}/sessions/values/?key=$entry_utm_source",
        headers=emulator.auth_headers,
    )
    assert response.status_code == 200
    return [r["name"] for r in body(response)["results"]]


def test_seed_document_with_both_forms():
    emulator = Emulator(
        load_entrypoints=False,
        seeds=[
            {
                "version": 1,
                "sessions": [
                    {
                        "project": 1,
                        "session_id": "c1",
                        "properties": {"$entry_utm_source": "computed"},
                    }
                ],
                "events": [pageview("e1", utm_source="derived")],
            }
        ],
    )
    assert sorted(sources(emulator)) == ["computed", "derived"]
    # reset goes back to the seeds
    emulator.sessions.add([{"session_id": "later", "properties": {"$entry_utm_source": "later"}}])
    emulator.reset()
    assert sorted(sources(emulator)) == ["computed", "derived"]


def test_emulator_methods(emulator):
    emulator.sessions.add(
        [{"session_id": "c1", "distinct_id": "d1", "properties": {"$entry_utm_source": "a"}}]
    )
    emulator.sessions.ingest(
        [
            {
                "event": "$pageview",
                "timestamp": "2026-06-15T10:00:00Z",
                "properties": {"$session_id": "e1", "utm_source": "b"},
            }
        ]
    )
    assert sorted(sources(emulator)) == ["a", "b"]
    assert emulator.sessions.properties("c1")["distinct_id"] == "d1"
    assert emulator.sessions.properties("e1")["$entry_utm_source"] == "b"
    assert emulator.sessions.properties("missing") is None


def test_emulator_methods_target_a_project(emulator):
    emulator.load_seed({"projects": [{"id": 2, "name": "Second"}]})
    emulator.sessions.ingest([pageview("s", utm_source="two") | {"project": 2}], project=2)
    emulator.sessions.add(
        [{"session_id": "c", "properties": {"$entry_utm_source": "also-two"}}], project=2
    )
    assert sources(emulator, 1) == []
    assert sorted(sources(emulator, 2)) == ["also-two", "two"]
    assert emulator.sessions.properties("s", project=2)["$entry_utm_source"] == "two"


def test_control_plane_seed(emulator):
    client = emulator.client()
    doc = {
        "sessions": [{"project": 1, "session_id": "c1", "properties": {"$entry_utm_source": "cp"}}],
        "events": [pageview("e1", utm_source="cp-events")],
    }
    response = client.post("/_phemu/seed", data=json.dumps(doc), content_type="application/json")
    assert response.status_code == 200
    assert sorted(sources(emulator)) == ["cp", "cp-events"]
    bad = client.post(
        "/_phemu/seed",
        data=json.dumps({"events": [pageview("e2", ts="yesterday")]}),
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert body(bad) == {"error": "events[0]: 'timestamp' is not an ISO 8601 datetime: 'yesterday'"}


def test_state_export_and_import_round_trip(emulator):
    emulator.sessions.add(
        [
            {
                "session_id": "c1",
                "properties": {
                    "$entry_utm_source": "x",
                    "$start_timestamp": "2026-06-15T10:00:00Z",
                },
            }
        ]
    )
    emulator.sessions.ingest([pageview("e1", utm_source="y"), pageview(None, utm_source="orphan")])
    state = emulator.export_state()
    assert state["sessions"] == [
        {
            "project": 1,
            "session_id": "c1",
            "distinct_id": None,
            "properties": {"$entry_utm_source": "x", "$start_timestamp": "2026-06-15T10:00:00Z"},
        }
    ]
    assert [e["properties"].get("$session_id") for e in state["events"]] == ["e1", None]
    other = Emulator(load_entrypoints=False, default_seed=False)
    other.import_state(json.loads(json.dumps(state)))
    assert other.export_state()["events"] == state["events"]
    assert other.sessions.properties("e1") == emulator.sessions.properties("e1")
    assert other.sessions.properties("c1") == emulator.sessions.properties("c1")


# -- conflicts and malformed records ---------------------------------------------------------


def test_a_session_id_cannot_appear_in_both_forms(emulator):
    emulator.sessions.add([{"session_id": "s1", "properties": {}}])
    with pytest.raises(
        SeedError, match=r"events\[0\]: session 's1' is already seeded in computed form"
    ):
        emulator.sessions.ingest([pageview("s1")])
    emulator.sessions.ingest([pageview("s2")])
    with pytest.raises(
        SeedError,
        match=r"sessions\[0\] \(session 's2'\): session 's2' is already seeded from raw events",
    ):
        emulator.sessions.add([{"session_id": "s2"}])


def test_the_same_id_in_both_sections_of_one_document(emulator):
    doc = {"sessions": [{"project": 1, "session_id": "s1"}], "events": [pageview("s1")]}
    with pytest.raises(SeedError, match="only one form"):
        emulator.load_seed(doc)
    assert emulator.sessions.properties("s1") is None


def test_the_same_id_in_two_projects_is_two_sessions(emulator):
    emulator.load_seed({"projects": [{"id": 2, "name": "Second"}]})
    emulator.sessions.add([{"session_id": "s1", "properties": {"$entry_utm_source": "one"}}])
    emulator.sessions.ingest([pageview("s1", utm_source="two") | {"project": 2}])
    assert sources(emulator, 1) == ["one"]
    assert sources(emulator, 2) == ["two"]


def test_computed_sessions_are_replaced_by_id(emulator):
    emulator.sessions.add([{"session_id": "s1", "properties": {"$entry_utm_source": "old"}}])
    emulator.sessions.add([{"session_id": "s1", "properties": {"$entry_utm_source": "new"}}])
    assert sources(emulator) == ["new"]


def test_events_without_session_id_build_no_session(emulator):
    emulator.sessions.ingest(
        [
            pageview(None, utm_source="x"),
            pageview("", utm_source="y"),
            {**pageview("s"), "properties": {"$session_id": None}},
        ]
    )
    assert sources(emulator) == []
    assert len(emulator.export_state()["events"]) == 3


@pytest.mark.parametrize(
    ("record", "message"),
    [
        (
            {"timestamp": "not a date"},
            "events[1] (uuid 'bad'): 'timestamp' is not an ISO 8601 datetime: 'not a date'",
        ),
        ({"timestamp": None}, "events[1] (uuid 'bad'): 'timestamp' is required"),
        (
            {"timestamp": 1750000000},
            "events[1] (uuid 'bad'): 'timestamp' is not an ISO 8601 datetime: 1750000000",
        ),
        ({"event": ""}, "events[1] (uuid 'bad'): 'event' must be a non-empty string"),
        (
            {"properties": {"$session_id": 7}},
            "events[1] (uuid 'bad'): properties.$session_id must be a string, not 7",
        ),
        ({"properties": "nope"}, "events[1] (uuid 'bad'): 'properties' must be an object"),
        (
            {"project": 99},
            "events[1] (uuid 'bad'): project 99 does not exist",
        ),
        ({"uuid": 5}, "events[1]: 'uuid' must be a string or null"),
    ],
)
def test_a_bad_event_names_the_record_and_loads_nothing(emulator, record, message):
    good = pageview("good", utm_source="good")
    bad = {**pageview("bad-session"), "uuid": "bad", **record}
    if record.get("uuid") == 5:
        bad["uuid"] = 5
    with pytest.raises(SeedError) as raised:
        emulator.sessions.ingest([good, bad])
    assert str(raised.value).replace(" (uuid 5)", "") == message
    assert sources(emulator) == []
    assert emulator.sessions.properties("good") is None
    assert emulator.export_state()["events"] == []


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"session_id": ""}, "sessions[1] (session ''): 'session_id' must be a non-empty string"),
        ({"session_id": 3}, "sessions[1] (session 3): 'session_id' must be a non-empty string"),
        (
            {"session_id": "x", "properties": {"$entry_utm_sorce": "typo"}},
            "sessions[1] (session 'x'): unknown session properties '$entry_utm_sorce' "
            "(keys must be names from the v2 catalogue, e.g. '$entry_utm_source')",
        ),
        (
            {"session_id": "x", "properties": {"$start_timestamp": "soon"}},
            "sessions[1] (session 'x'): '$start_timestamp' is not an ISO 8601 datetime: 'soon'",
        ),
        (
            {"session_id": "x", "properties": []},
            "sessions[1] (session 'x'): 'properties' must be an object",
        ),
        (
            {"session_id": "x", "distinct_id": 5},
            "sessions[1] (session 'x'): 'distinct_id' must be a string or null",
        ),
        (
            {"session_id": "x", "project": None},
            "sessions[1] (session 'x'): project None does not exist",
        ),
    ],
)
def test_a_bad_session_names_the_record_and_loads_nothing(emulator, record, message):
    doc = {
        "sessions": [
            {"project": 1, "session_id": "good", "properties": {"$entry_utm_source": "good"}},
            {"project": 1, **record},
        ]
    }
    with pytest.raises(SeedError) as raised:
        emulator.load_seed(doc)
    assert str(raised.value) == message
    assert sources(emulator) == []


def test_a_failed_seed_keeps_earlier_sessions_and_their_index(emulator):
    emulator.sessions.add([{"session_id": "a", "properties": {"$entry_utm_source": "kept"}}])
    with pytest.raises(SeedError):
        emulator.sessions.ingest([pageview("b", utm_source="lost"), pageview("c", ts="bad")])
    assert sources(emulator) == ["kept"]
    emulator.sessions.add([{"session_id": "d", "properties": {"$entry_utm_source": "kept"}}])
    assert sources(emulator) == ["kept"]
    assert emulator.sessions.properties("b") is None


# -- the sample data set ----------------------------------------------------------------------


def test_the_packaged_sample_is_the_only_copy():
    assert SAMPLE_SEED_PATH.is_file()
    assert not (ROOT / "fixtures" / "sessions_sample.json").exists()


def test_the_sample_is_reproducible_from_its_generator():
    spec = importlib.util.spec_from_file_location(
        "make_sessions_sample", ROOT / "fixtures" / "make_sessions_sample.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.render(module.build()) == SAMPLE_SEED_PATH.read_text(encoding="utf-8")


def test_the_sample_answers_meaningful_values():
    emulator = Emulator(load_entrypoints=False, seeds=[SAMPLE_SEED_PATH])
    found = sources(emulator)
    assert {"google", "facebook", "newsletter", "youtube"} <= set(found)
    doc = json.loads(SAMPLE_SEED_PATH.read_text(encoding="utf-8"))
    assert 200 <= len(doc["events"]) <= 400
    channels = {
        emulator.sessions.properties(e["properties"]["$session_id"])["$channel_type"]
        for e in doc["events"]
        if "$session_id" in e["properties"]
    }
    assert {
        "Direct",
        "Paid Search",
        "Organic Search",
        "Referral",
        "Email",
        "Organic Social",
        "Unknown",
    } <= channels


def test_serve_loads_the_sample_unless_no_default_seed(monkeypatch):
    from phemu import cli

    created: list[Emulator] = []

    class Stop(Exception):
        pass

    class FakeServer:
        def __init__(self, emulator: Emulator, **_: Any) -> None:
            created.append(emulator)

        def start(self) -> None:
            raise Stop

    monkeypatch.setattr("phemu.server.ThreadedServer", FakeServer)
    for argv, loaded in ((["serve"], True), (["serve", "--no-default-seed"], False)):
        with pytest.raises(Stop):
            cli.main(argv)
        assert (SAMPLE_SEED_PATH in created[-1].seed_sources) is loaded
    assert sources(created[0]) != []
