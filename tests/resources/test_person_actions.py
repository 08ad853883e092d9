"""The actions of ``PersonViewSet`` (``posthog/api/person.py``) that change persons:
``bulk_delete``, ``split`` (``Person.split_person`` in ``posthog/models/person/person.py``,
``uuidFromDistinctId`` in ``posthog/models/person/missing_person.py``), ``delete_events``,
``reset_person_distinct_id``, and the ``Person`` activity they log (``activity``)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from phemu.emulator import Emulator
from tests.conftest import SERVER_ERROR
from tests.conftest import invalid_input
from tests.resources.actions_support import action

BASE = "/api/projects/1/persons/"


@pytest.fixture
def crowd(frozen: Emulator) -> Emulator:
    """Five persons u0..u4 with one event each; u0 also owns ``anon-0`` and ``device-0``."""
    for n in range(5):
        frozen.events.capture("$identify", f"u{n}", {"$set": {"n": n}})
    frozen.events.capture("$identify", "u0", {"$anon_distinct_id": "anon-0"})
    frozen.events.capture("$identify", "u0", {"$anon_distinct_id": "device-0"})
    frozen.events.capture("seen", "anon-0", {})
    return frozen


def ids_left(emulator: Emulator) -> set[str]:
    return {d for p in emulator.persons.all() for d in p.distinct_ids}


def person(emulator: Emulator, distinct_id: str) -> Any:
    found = emulator.persons.get(distinct_id)
    assert found is not None
    return found


def bulk(emulator: Emulator, body: Any, status: int = 202, prefix: str = "projects") -> Any:
    operation = "persons_bulk_delete_create"
    if prefix == "environments":
        operation = "environments_" + operation
    return action(
        emulator,
        "POST",
        f"/api/{prefix}/1/persons/bulk_delete/",
        operation,
        status=status,
        json=body,
    )


@pytest.mark.parametrize("prefix", ["projects", "environments"])
def test_bulk_delete_by_distinct_ids(crowd: Emulator, prefix: str) -> None:
    before = {p.uuid for p in crowd.persons.all()}
    gone = {person(crowd, "anon-0").uuid, person(crowd, "u3").uuid}
    assert bulk(crowd, {"distinct_ids": ["anon-0", "u3", "nobody"]}, prefix=prefix) is None
    assert {p.uuid for p in crowd.persons.all()} == before - gone
    assert ids_left(crowd) == {"u1", "u2", "u4"}
    # delete_events was not asked for: the events stay.
    assert {e["distinct_id"] for e in crowd.events.all()} >= {"u0", "u3", "anon-0"}


def test_bulk_delete_by_person_ids_with_their_events(crowd: Emulator) -> None:
    doomed = [person(crowd, "u1").uuid, person(crowd, "u0").uuid]
    bulk(crowd, {"ids": doomed, "delete_events": True})
    assert ids_left(crowd) == {"u2", "u3", "u4"}
    remaining = {e["distinct_id"] for e in crowd.events.all()}
    assert remaining == {"u2", "u3", "u4"}


def test_bulk_delete_logs_each_deletion(crowd: Emulator) -> None:
    u2 = person(crowd, "u2")
    bulk(crowd, {"distinct_ids": ["u2"]})
    entries = action(crowd, "GET", f"{BASE}activity/", "persons_activity_retrieve")
    assert entries["total_count"] == 1
    entry = entries["results"][0]
    assert (entry["activity"], entry["scope"], entry["item_id"]) == (
        "deleted",
        "Person",
        str(u2.id),
    )
    assert entry["detail"]["name"] == u2.uuid and entry["user"]["email"] == "ada@example.com"


@pytest.mark.parametrize(
    ("body", "status", "answer"),
    [
        ({}, 400, invalid_input("You need to specify either distinct_ids or ids")),
        ({"distinct_ids": [], "ids": []}, 400, invalid_input("You need to specify either distinct_ids or ids")),
        ({"distinct_ids": [f"d{n}" for n in range(1001)]}, 400, invalid_input("You can only pass 1000 distinct_ids in one call")),
        ({"ids": [str(uuid.uuid4()) for _ in range(1001)]}, 400, invalid_input("You can only pass 1000 ids in one call")),
        ({"ids": ["not-a-uuid"]}, 500, SERVER_ERROR),
        ({"distinct_ids": 7}, 500, SERVER_ERROR),
    ],
)  # fmt: skip
def test_bulk_delete_refusals_change_nothing(
    crowd: Emulator, body: Any, status: int, answer: Any
) -> None:
    before = ids_left(crowd)
    assert bulk(crowd, body, status=status) == answer
    assert ids_left(crowd) == before


def test_bulk_delete_of_exactly_1000_is_allowed(crowd: Emulator) -> None:
    bulk(crowd, {"distinct_ids": ["u4"] + [f"d{n}" for n in range(999)]})
    assert "u4" not in ids_left(crowd)


def test_split_moves_every_other_distinct_id_to_its_own_person(crowd: Emulator) -> None:
    u0 = person(crowd, "u0")
    assert u0.distinct_ids == ["u0", "anon-0", "device-0"]
    answer = action(
        crowd, "POST", f"{BASE}{u0.id}/split/", "persons_split_create", status=201, json={}
    )
    assert answer == {"success": True}
    # No main distinct id: the first stays, with the properties cleared.
    assert (person(crowd, "u0").uuid, person(crowd, "u0").properties) == (u0.uuid, {})
    for distinct_id in ("anon-0", "device-0"):
        split_off = person(crowd, distinct_id)
        expected = uuid.uuid5(uuid.UUID("932979b4-65c3-4424-8467-0b66ec27bc22"), f"1:{distinct_id}")
        assert split_off.uuid == str(expected)
        assert split_off.distinct_ids == [distinct_id] and split_off.properties == {}
    assert len(crowd.persons.all()) == 7


def test_split_keeps_the_main_distinct_id_and_the_properties(crowd: Emulator) -> None:
    u0 = person(crowd, "u0")
    action(
        crowd,
        "POST",
        f"{BASE}{u0.uuid}/split/",
        "persons_split_create",
        status=201,
        json={"main_distinct_id": "anon-0"},
    )
    kept = person(crowd, "anon-0")
    assert (kept.uuid, kept.distinct_ids, kept.properties) == (u0.uuid, ["anon-0"], {"n": 0})
    assert person(crowd, "u0").uuid != u0.uuid
    log = action(crowd, "GET", f"{BASE}{u0.id}/activity/", "persons_activity_retrieve_2")
    entry = log["results"][0]
    assert entry["activity"] == "split_person"
    assert entry["detail"]["changes"] == [
        {
            "type": "Person",
            "action": "split",
            "field": None,
            "before": None,
            "after": {"distinct_ids": ["u0", "anon-0", "device-0"]},
        }
    ]


def test_split_of_an_unknown_person_is_404(crowd: Emulator) -> None:
    response = crowd.client().post(f"{BASE}999/split/", json={}, headers=crowd.auth_headers)
    assert response.status_code == 404


def test_delete_events_keeps_the_person(crowd: Emulator) -> None:
    u0 = person(crowd, "u0")
    assert (
        action(
            crowd,
            "POST",
            f"{BASE}{u0.id}/delete_events/",
            "persons_delete_events_create",
            status=202,
        )
        is None
    )
    assert person(crowd, "u0").uuid == u0.uuid
    remaining = {e["distinct_id"] for e in crowd.events.all()}
    assert remaining == {"u1", "u2", "u3", "u4"}


def test_reset_person_distinct_id(crowd: Emulator) -> None:
    path, op = f"{BASE}reset_person_distinct_id/", "persons_reset_person_distinct_id_create"
    assert action(crowd, "POST", path, op, status=202, json={"distinct_id": "u1"}) is None
    for body in ({}, {"distinct_id": ""}, {"distinct_id": 5}):
        assert action(crowd, "POST", path, op, status=400, json=body) == invalid_input(
            "distinct_id is required"
        )


def test_a_deleted_persons_distinct_id_starts_a_new_person(crowd: Emulator) -> None:
    old = person(crowd, "u1")
    bulk(crowd, {"distinct_ids": ["u1"]})
    crowd.events.capture("$identify", "u1", {"$set": {"back": True}})
    assert person(crowd, "u1").uuid != old.uuid


def test_the_person_activity_journal(crowd: Emulator) -> None:
    """Updates, property deletion and deletion are logged as ``PersonViewSet`` logs them."""
    u1, u2 = person(crowd, "u1"), person(crowd, "u2")
    client, headers = crowd.client(), crowd.auth_headers
    client.patch(f"{BASE}{u1.id}/", json={"properties": {"a": 1}}, headers=headers)
    client.post(f"{BASE}{u1.id}/delete_property/", json={"$unset": "a"}, headers=headers)
    client.delete(f"{BASE}{u2.id}/", headers=headers)
    log = action(crowd, "GET", f"{BASE}activity/", "persons_activity_retrieve")
    assert [(e["activity"], e["item_id"]) for e in log["results"]] == [
        ("deleted", str(u2.id)),
        ("delete_property", str(u1.id)),
        ("updated", str(u1.id)),
    ]
    assert log["results"][2]["detail"]["changes"][0]["field"] == "properties"
    mine = action(crowd, "GET", f"{BASE}{u1.id}/activity/?limit=1", "persons_activity_retrieve_2")
    assert mine["total_count"] == 2 and len(mine["results"]) == 1 and mine["next"]
