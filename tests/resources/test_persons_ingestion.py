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
