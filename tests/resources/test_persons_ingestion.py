"""PostHog's person rules as ingestion applies them (``docs/sdk-protocol.md``, Persons)."""

from __future__ import annotations

from phemu.emulator import Emulator


def capture(emulator: Emulator, name: str, distinct_id: str, **properties: object) -> None:
    emulator.events.capture(name, distinct_id, properties)


def test_set_set_once_and_unset(emulator: Emulator) -> None:
    capture(
        emulator,
        "visit",
        "u1",
        **{"$set": {"plan": "free", "seen": 1}, "$set_once": {"first": "a"}},
    )
    capture(
        emulator,
        "visit",
        "u1",
        **{"$set": {"plan": "pro"}, "$set_once": {"first": "b"}, "$unset": ["seen"]},
    )
    assert emulator.persons.get("u1").properties == {"plan": "pro", "first": "a"}


def test_identify_joins_the_anonymous_person(emulator: Emulator) -> None:
    capture(emulator, "$pageview", "anon-1", **{"$set": {"utm": "x"}})
    capture(
        emulator,
        "$identify",
        "user-1",
        **{"$anon_distinct_id": "anon-1", "$set": {"email": "a@example.com"}},
    )
    person = emulator.persons.get("user-1")
    assert person is emulator.persons.get("anon-1")
    assert person.distinct_ids == ["anon-1", "user-1"]
    assert person.is_identified
    assert person.properties == {"utm": "x", "email": "a@example.com"}


def test_identify_merges_two_persons_and_the_event_person_wins(emulator: Emulator) -> None:
    capture(emulator, "a", "anon-1", **{"$set": {"plan": "free", "only_anon": 1}})
    capture(emulator, "b", "user-1", **{"$set": {"plan": "pro"}})
    survivor = emulator.persons.get("user-1").uuid
    capture(emulator, "$identify", "user-1", **{"$anon_distinct_id": "anon-1"})
    person = emulator.persons.get("anon-1")
    assert person.uuid == survivor
    assert person.properties == {"plan": "pro", "only_anon": 1}
    assert len(emulator.persons.all()) == 1
    # Later events of either id carry the surviving person.
    capture(emulator, "c", "anon-1")
    assert emulator.events.find("c")[0]["person_id"] == survivor


def test_an_identified_person_is_not_merged_away_except_dangerously(emulator: Emulator) -> None:
    capture(emulator, "$identify", "user-a", **{"$anon_distinct_id": "anon-a"})
    capture(emulator, "x", "user-b")
    capture(emulator, "$identify", "user-b", **{"$anon_distinct_id": "user-a"})
    assert emulator.persons.get("user-a") is not emulator.persons.get("user-b")
    capture(emulator, "$merge_dangerously", "user-b", alias="user-a")
    assert emulator.persons.get("user-a") is emulator.persons.get("user-b")


def test_create_alias_as_the_python_sdk_sends_it(emulator: Emulator) -> None:
    # posthog-python alias(previous_id, distinct_id): distinct_id=previous, properties.alias=new.
    capture(emulator, "x", "old-id")
    emulator.events.capture("$create_alias", "old-id", {"alias": "new-id", "distinct_id": "old-id"})
    assert emulator.persons.get("new-id") is emulator.persons.get("old-id")


def test_illegal_ids_never_merge(emulator: Emulator) -> None:
    capture(emulator, "$identify", "user-1", **{"$anon_distinct_id": "undefined"})
    assert emulator.persons.get("undefined") is None


def test_personless_events_create_no_person(emulator: Emulator) -> None:
    capture(emulator, "x", "ghost", **{"$process_person_profile": False})
    stored = emulator.events.find("x")[0]
    assert emulator.persons.get("ghost") is None
    assert stored["person_id"] == emulator.persons.person_id_for(1, "ghost")


def test_group_identify_registers_the_type_and_properties(emulator: Emulator) -> None:
    capture(
        emulator,
        "$groupidentify",
        "u1",
        **{"$group_type": "company", "$group_key": "acme", "$group_set": {"tier": "gold"}},
    )
    assert emulator.persons.group_types() == {0: "company"}
    assert emulator.persons.group(1, "company", "acme").properties == {"tier": "gold"}


def test_persons_api(emulator: Emulator, auth: dict[str, str]) -> None:
    capture(emulator, "x", "u1", **{"$set": {"email": "ada@example.com"}})
    capture(emulator, "x", "u2", **{"$set": {"name": "Bob"}})
    client = emulator.client()
    listed = client.get("/api/projects/1/persons/?search=ada", headers=auth).get_json()
    assert listed["count"] == 1
    person = listed["results"][0]
    assert person["name"] == "ada@example.com"
    assert person["distinct_ids"] == ["u1"]
    assert (
        client.get(f"/api/projects/1/persons/{person['uuid']}/", headers=auth).get_json()["id"]
        == person["id"]
    )
    assert (
        client.get(f"/api/environments/1/persons/{person['id']}/", headers=auth).status_code == 200
    )
    by_id = client.get("/api/projects/1/persons/?distinct_id=u2", headers=auth).get_json()
    assert [p["name"] for p in by_id["results"]] == ["Bob"]
    props = client.get(
        '/api/projects/1/persons/?properties=[{"key":"name","value":"bob","type":"person"}]',
        headers=auth,
    ).get_json()
    assert props["count"] == 1
    assert client.get("/api/projects/1/persons/nope/", headers=auth).status_code == 404


def test_events_api(emulator: Emulator, auth: dict[str, str]) -> None:
    emulator.freeze_time("2026-06-15T10:00:00Z")
    for n in range(3):
        emulator.events.capture("click", "u1", {"n": n, "$set": {"plan": "pro"}})
        emulator.advance_time(60)
    emulator.events.capture("other", "u2", {})
    client = emulator.client()
    body = client.get("/api/projects/1/events/?event=click&limit=2", headers=auth).get_json()
    assert [e["properties"]["n"] for e in body["results"]] == [2, 1]
    assert body["results"][0]["person"]["properties"] == {"plan": "pro"}
    follow = client.get(body["next"].split("localhost", 1)[1], headers=auth).get_json()
    assert [e["properties"]["n"] for e in follow["results"]] == [0]
    assert follow["next"] is None
    filtered = client.get(
        '/api/projects/1/events/?properties=[{"key":"n","value":"1","operator":"gt"}]', headers=auth
    ).get_json()
    assert [e["properties"]["n"] for e in filtered["results"]] == [2]
    one = body["results"][0]
    assert client.get(f"/api/projects/1/events/{one['id']}/", headers=auth).get_json() == one
    assert client.get("/api/projects/1/events/", headers={}).status_code == 401
