"""``cohorts/:id/persons/`` (``CohortViewSet.persons``, ``posthog/api/cohort.py``) and
``persons/cohorts/?person_id=`` (``PersonViewSet.cohorts``, ``posthog/api/person.py``; the
membership is ``get_all_cohort_ids_by_person_uuid``: the static list plus the calculation)."""

from __future__ import annotations

from typing import Any

import pytest

from phemu.emulator import Emulator
from tests.conftest import SERVER_ERROR
from tests.conftest import add_key
from tests.resources.actions_support import action

PLANS = {"u1": "pro", "u2": "free", "u3": "pro", "u4": "enterprise"}
PRO = {
    "type": "AND",
    "values": [{"key": "plan", "value": "pro", "type": "person", "operator": "exact"}],
}


@pytest.fixture
def people(frozen: Emulator) -> Emulator:
    for n, (distinct_id, plan) in enumerate(PLANS.items()):
        frozen.advance_time(60)
        frozen.events.capture(
            "$identify", distinct_id, {"$set": {"plan": plan, "email": f"{distinct_id}@x.io"}}
        )
        if n == 0:
            frozen.events.capture("$identify", "u1-device", {"$anon_distinct_id": "anon-1"})
    frozen.cohorts.create(name="pros", filters={"properties": {"type": "OR", "values": [PRO]}})
    frozen.cohorts.create(name="listed", is_static=True, distinct_ids=["u2", "u3"])
    return frozen


def uuid_of(emulator: Emulator, distinct_id: str) -> str:
    person = emulator.persons.get(distinct_id)
    assert person is not None
    return person.uuid


def cohort_persons(emulator: Emulator, pk: int, query: str = "") -> Any:
    path = f"/api/projects/1/cohorts/{pk}/persons/" + (f"?{query}" if query else "")
    return action(emulator, "GET", path, "cohorts_persons_retrieve")


def test_a_property_cohort_lists_its_matching_persons_newest_first(people: Emulator) -> None:
    body = cohort_persons(people, 1)
    assert list(body) == ["results", "next", "previous"]
    # Independently: the persons whose plan property is "pro", newest first.
    expected = [
        p.uuid
        for p in sorted(people.persons.all(), key=lambda p: p.created_at, reverse=True)
        if p.properties.get("plan") == "pro"
    ]
    assert [row["uuid"] for row in body["results"]] == expected
    assert [row["id"] for row in body["results"]] == expected
    assert body["results"][0]["type"] == "person"


def test_a_static_cohort_lists_its_members(people: Emulator) -> None:
    uuids = {uuid_of(people, "u2"), uuid_of(people, "u3")}
    assert {row["uuid"] for row in cohort_persons(people, 2)["results"]} == uuids


def test_membership_follows_the_persons(people: Emulator) -> None:
    people.events.capture("$set", "u2", {"$set": {"plan": "pro"}})
    found = {row["uuid"] for row in cohort_persons(people, 1)["results"]}
    assert uuid_of(people, "u2") in found and len(found) == 3


def test_pages_filters_and_distinct_id_limit(people: Emulator) -> None:
    first = cohort_persons(people, 1, "limit=1")
    assert len(first["results"]) == 1 and first["previous"] is None
    assert first["next"].endswith("/cohorts/1/persons/?limit=1&offset=1")
    second = cohort_persons(people, 1, "limit=1&offset=1")
    assert second["next"].endswith("offset=2") and second["previous"].endswith("?limit=1&offset=1")
    assert {first["results"][0]["uuid"], second["results"][0]["uuid"]} == {
        uuid_of(people, "u1"),
        uuid_of(people, "u3"),
    }
    searched = cohort_persons(people, 1, "search=u3@")
    assert [row["uuid"] for row in searched["results"]] == [uuid_of(people, "u3")]
    for n in range(12):
        people.events.capture("$identify", f"extra-{n}", {"$anon_distinct_id": "u1"})
    row = next(r for r in cohort_persons(people, 1)["results"] if r["name"] == "u1@x.io")
    assert len(row["distinct_ids"]) == 10


def test_unknown_cohort_is_404(people: Emulator) -> None:
    response = people.client().get(
        "/api/projects/1/cohorts/99/persons/", headers=people.auth_headers
    )
    assert response.status_code == 404


def test_both_scopes_are_needed(people: Emulator) -> None:
    headers = add_key(people, "phx_cohorts_only", scopes=["cohort:read"])
    response = people.client().get("/api/projects/1/cohorts/1/persons/", headers=headers)
    assert response.status_code == 403
    assert response.get_json()["detail"] == "API key missing required scope 'person:read'"


def person_cohorts(emulator: Emulator, query: str, status: int = 200) -> Any:
    return action(
        emulator,
        "GET",
        f"/api/projects/1/persons/cohorts/?{query}",
        "persons_cohorts_retrieve",
        status=status,
    )


@pytest.mark.parametrize("prefix", ["projects", "environments"])
def test_the_cohorts_of_a_person(people: Emulator, prefix: str) -> None:
    operation = (
        "persons_cohorts_retrieve"
        if prefix == "projects"
        else "environments_persons_cohorts_retrieve"
    )
    for distinct_id in PLANS:
        key = uuid_of(people, distinct_id)
        body = action(people, "GET", f"/api/{prefix}/1/persons/cohorts/?person_id={key}", operation)
        # Independently: the "pros" rule and the static list.
        expected = [1] if PLANS[distinct_id] == "pro" else []
        expected += [2] if distinct_id in ("u2", "u3") else []
        assert [c["id"] for c in body["results"]] == expected
        assert all(c == people.cohorts.get(c["id"]) for c in body["results"])


def test_a_person_by_numeric_id_and_deleted_cohorts(people: Emulator) -> None:
    person = people.persons.get("u3")
    assert person is not None
    assert [c["id"] for c in person_cohorts(people, f"person_id={person.id}")["results"]] == [1, 2]
    people.cohorts.update(1, deleted=True)
    assert [c["id"] for c in person_cohorts(people, f"person_id={person.id}")["results"]] == [2]


@pytest.mark.parametrize("query", ["", "person_id=", "person_id=abc", "person_id=999"])
def test_unguarded_lookups_are_500(people: Emulator, query: str) -> None:
    assert person_cohorts(people, query, status=500) == SERVER_ERROR
