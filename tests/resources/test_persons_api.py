"""``{prefix}/persons/`` as ``posthog/api/person.py`` answers it (the list's query is
``posthog/queries/person_query.py``, its rows ``get_serialized_people`` in
``posthog/queries/actor_base_query.py``)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest

from phemu.emulator import Emulator
from tests.openapi import assert_valid
from tests.resources.api_support import get_ok as get

PERSONS = "/api/projects/1/persons/"
#: The list answers actors whose ``id`` is the uuid; the schema documents ``PersonSerializer``'s
#: integer id (generated from the serializer class, not from ``get_serialized_people``).
ACTOR_ID = ("id",)


def people(body: dict[str, Any]) -> list[str]:
    return [p["distinct_ids"][0] for p in body["results"]]


@pytest.fixture
def crowd(frozen: Emulator) -> Emulator:
    """Four persons created a minute apart: u1 (oldest) ... u4 (newest)."""
    profiles = [
        {"email": "ada@example.com", "plan": "pro"},
        {"email": "bob@example.org", "plan": "free", "name": "Bob"},
        {"name": "Cleo", "plan": "Pro"},
        {"plan": "pro", "seats": 5},
    ]
    for n, profile in enumerate(profiles, start=1):
        frozen.events.capture("$identify", f"u{n}", {"$set": profile})
        frozen.advance_time(60)
    return frozen


def test_list_rows_are_actors_newest_first(crowd: Emulator, auth: dict[str, str]) -> None:
    """``get_serialized_people``: ``type``, uuid ``id``, ``is_identified``, ``name``,
    ``matched_recordings``, ``value_at_data_point``; ``ORDER BY created_at DESC``; no ``count``
    unless ``include_total`` (``PersonViewSet.list``)."""
    body = get(crowd, auth, PERSONS)
    assert_valid(body, "PaginatedPersonList", code_wins=ACTOR_ID)
    assert people(body) == ["u4", "u3", "u2", "u1"]
    assert "count" not in body and body["next"] is None and body["previous"] is None
    row = body["results"][2]
    assert list(row) == [
        "type",
        "id",
        "uuid",
        "created_at",
        "properties",
        "is_identified",
        "name",
        "distinct_ids",
        "matched_recordings",
        "value_at_data_point",
    ]
    assert row["type"] == "person" and row["id"] == row["uuid"]
    assert row["name"] == "bob@example.org"  # email before name
    assert row["created_at"] == "2026-06-15T10:01:00Z"
    assert get(crowd, auth, f"{PERSONS}?include_total")["count"] == 4


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("search=EXAMPLE.COM", ["u1"]),  # email ILIKE '%search%'
        ("search=example", ["u2", "u1"]),
        ("search=u3", ["u3"]),  # an exact distinct id
        ("search=u", []),  # distinct ids are not searched by substring
        ("search=Cleo", []),  # the name property is not searched
        ("distinct_id=u2", ["u2"]),
        ("distinct_id=nobody", []),
        ("email=ada@example.com", ["u1"]),
        ("email=ADA@example.com", []),
        (
            "properties=" + quote(json.dumps([{"key": "plan", "value": "pro", "type": "person"}])),
            ["u4", "u1"],
        ),
        (
            "properties="
            + quote(
                json.dumps(
                    [{"key": "plan", "value": "pro", "operator": "icontains", "type": "person"}]
                )
            ),
            ["u4", "u3", "u1"],
        ),
        (
            "properties="
            + quote(json.dumps([{"key": "seats", "value": 3, "operator": "gt", "type": "person"}])),
            ["u4"],
        ),
        (
            "properties="
            + quote(
                json.dumps(
                    {
                        "type": "OR",
                        "values": [
                            {"key": "name", "value": "Bob", "type": "person"},
                            {"key": "seats", "operator": "is_set", "type": "person"},
                        ],
                    }
                )
            ),
            ["u4", "u2"],
        ),
        (
            "properties=" + quote(json.dumps([{"key": "plan", "value": "pro"}])),
            ["u4", "u3", "u2", "u1"],
        ),
    ],
)
def test_list_filters(
    crowd: Emulator, auth: dict[str, str], query: str, expected: list[str]
) -> None:
    """``PersonQuery``: ``search`` (email ``icontains`` or an exact distinct id), ``distinct_id``,
    ``email`` (exact), person ``properties`` with ClickHouse's case-sensitive ``exact``; a
    property without ``type`` is an event property, which the persons query ignores."""
    assert people(get(crowd, auth, f"{PERSONS}?{query}")) == expected


def test_search_by_uuid(crowd: Emulator, auth: dict[str, str]) -> None:
    person = crowd.persons.get("u2")
    assert person is not None
    assert people(get(crowd, auth, f"{PERSONS}?search={person.uuid}")) == ["u2"]


def test_pagination_links(crowd: Emulator, auth: dict[str, str]) -> None:
    """``format_query_params_absolute_url``: the request's own URL with ``offset`` replaced or
    appended, ``next`` when the page is full, ``previous`` when ``offset - limit >= 0`` (for 0
    the URL is left as it was)."""
    first = get(crowd, auth, f"{PERSONS}?limit=2")
    assert people(first) == ["u4", "u3"]
    assert first["next"] == "http://localhost/api/projects/1/persons/?limit=2&offset=2"
    assert first["previous"] is None
    second = get(crowd, auth, "/api/projects/1/persons/?limit=2&offset=2")
    assert people(second) == ["u2", "u1"]
    assert second["next"] == "http://localhost/api/projects/1/persons/?limit=2&offset=4"
    assert second["previous"] == "http://localhost/api/projects/1/persons/?limit=2&offset=2"
    last = get(crowd, auth, "/api/projects/1/persons/?limit=2&offset=4")
    assert last["results"] == [] and last["next"] is None
    assert last["previous"] == "http://localhost/api/projects/1/persons/?limit=2&offset=2"


def test_bad_limits_are_posthogs_500(crowd: Emulator, auth: dict[str, str]) -> None:
    """The legacy ``Filter`` reads ``limit`` and ``offset`` with ``int()``."""
    assert crowd.client().get(f"{PERSONS}?limit=ten", headers=auth).status_code == 500
    assert crowd.client().get(f"{PERSONS}?offset=-1", headers=auth).status_code == 500
    crowd.bugs.clear()


def test_future_persons_are_left_out(frozen: Emulator, auth: dict[str, str]) -> None:
    """``filter_future_persons``: ``created_at < now() + INTERVAL 1 DAY``."""
    frozen.persons.create(["later"], created_at=frozen.clock.now().replace(year=2027))
    frozen.persons.create(["now"])
    assert people(get(frozen, auth, PERSONS)) == ["now"]


def test_retrieve_by_id_or_uuid(crowd: Emulator, auth: dict[str, str]) -> None:
    """``get_pk_or_uuid``; ``PersonSerializer`` (``id``, ``name``, ``distinct_ids`` with
    anonymous-looking ids last, ``properties``, ``created_at``, ``uuid``)."""
    crowd.events.capture(
        "$identify", "u1", {"$anon_distinct_id": "0192a4e1-7f3c-7d2b-9a1e-5c6d7e8f9a0b"}
    )
    person = crowd.persons.get("u1")
    assert person is not None
    by_uuid = get(crowd, auth, f"{PERSONS}{person.uuid}/")
    assert_valid(by_uuid, "Person")
    assert list(by_uuid) == ["id", "name", "distinct_ids", "properties", "created_at", "uuid"]
    assert by_uuid["id"] == person.id
    assert by_uuid["distinct_ids"] == ["u1", "0192a4e1-7f3c-7d2b-9a1e-5c6d7e8f9a0b"]
    assert get(crowd, auth, f"/api/environments/1/persons/{person.id}/") == by_uuid
    assert get(crowd, auth, f"{PERSONS}{person.uuid.replace('-', '')}/") == by_uuid
    missing = crowd.client().get(f"{PERSONS}999/", headers=auth)
    assert missing.status_code == 404
    bad = crowd.client().get(f"{PERSONS}u1/", headers=auth)
    assert bad.status_code == 400
    assert bad.get_json() == {
        "type": "validation_error",
        "code": "invalid_input",
        "detail": "The ID provided does not look like a personID. If you are using a distinctId, "
        "please use /persons?distinct_id=u1 instead.",
        "attr": None,
    }


def test_name_falls_back_to_a_non_anonymous_distinct_id() -> None:
    """``get_person_name_helper``: display-name properties, else ``sorted(distinct_ids,
    key=is_anonymous_id)[0]``."""
    emulator = Emulator(load_entrypoints=False)
    person = emulator.persons.create(["0192a4e1-7f3c-7d2b-9a1e-5c6d7e8f9a0b", "user-42"])
    assert person.name == "user-42"
    person.properties["Username"] = "ada"
    assert person.name == "ada"


def test_update_and_update_property_are_set_events(crowd: Emulator, auth: dict[str, str]) -> None:
    """``update`` and ``update_property`` capture a ``$set`` event for the first distinct id and
    answer 202 with no body; a missing ``properties``/``value``/``key`` gets the hand-built 400
    (code and detail swapped, as PostHog writes it)."""
    person = crowd.persons.get("u1")
    assert person is not None
    client = crowd.client()
    done = client.patch(
        f"{PERSONS}{person.id}/", json={"properties": {"plan": "team"}}, headers=auth
    )
    assert (done.status_code, done.get_data(), done.headers.get("Content-Type")) == (202, b"", None)
    assert crowd.persons.properties("u1")["plan"] == "team"
    assert crowd.persons.properties("u1")["email"] == "ada@example.com"  # others stay
    assert crowd.events.find("$set", distinct_id="u1")[0]["properties"] == {
        "$set": {"plan": "team"}
    }
    missing = client.patch(f"{PERSONS}{person.id}/", json={"name": "x"}, headers=auth)
    assert missing.status_code == 400
    assert missing.get_data(as_text=True) == (
        '{"attr":"properties","code":"This field is required.","detail":"required",'
        '"type":"validation_error"}'
    )
    prop = client.post(
        f"{PERSONS}{person.uuid}/update_property/", json={"key": "seats", "value": 3}, headers=auth
    )
    assert prop.status_code == 202 and crowd.persons.properties("u1")["seats"] == 3
    no_key = client.post(f"{PERSONS}{person.id}/update_property/", json={"value": 3}, headers=auth)
    assert (no_key.status_code, no_key.get_json()["attr"]) == (400, "key")


def test_delete_property(crowd: Emulator, auth: dict[str, str]) -> None:
    """``delete_property``: a ``$delete_person_property`` event with ``$unset``; 201."""
    person = crowd.persons.get("u1")
    assert person is not None
    response = crowd.client().post(
        f"{PERSONS}{person.id}/delete_property/", json={"$unset": "plan"}, headers=auth
    )
    assert (response.status_code, response.get_json()) == (201, {"success": True})
    assert "plan" not in crowd.persons.properties("u1")
    broken = crowd.client().post(f"{PERSONS}{person.id}/delete_property/", json={}, headers=auth)
    assert broken.status_code == 500  # request.data["$unset"] is not guarded
    crowd.bugs.clear()


def test_delete_with_and_without_events(crowd: Emulator, auth: dict[str, str]) -> None:
    """``destroy``: 202; with ``delete_events`` the person's events go too (PostHog queues
    that for a weekly batch; phemu removes them at once)."""
    client = crowd.client()
    keep = crowd.persons.get("u1")
    drop = crowd.persons.get("u2")
    assert keep is not None and drop is not None
    assert client.delete(f"{PERSONS}{keep.id}/", headers=auth).status_code == 202
    assert crowd.persons.get("u1") is None and crowd.events.find(distinct_id="u1")
    gone = client.delete(f"{PERSONS}{drop.uuid}/?delete_events=true", headers=auth)
    assert gone.status_code == 202
    assert crowd.persons.get("u2") is None and not crowd.events.find(distinct_id="u2")
    assert client.get(f"{PERSONS}{drop.uuid}/", headers=auth).status_code == 404


def test_values(crowd: Emulator, auth: dict[str, str]) -> None:
    """``persons/values``: the most common values of a property, ``[{"name", "count"}]``,
    optionally narrowed by ``value`` (ILIKE), ``$virt`` keys answer nothing
    (``get_person_property_values_for_key``)."""
    plans = get(crowd, auth, f"{PERSONS}values/?key=plan")
    assert plans[0] == {"name": "pro", "count": 2}  # ties come in ClickHouse's (any) order
    assert sorted(p["name"] for p in plans[1:]) == ["Pro", "free"]
    assert get(crowd, auth, f"{PERSONS}values/?key=plan&value=PR") == [
        {"name": "pro", "count": 2},
        {"name": "Pro", "count": 1},
    ]
    assert get(crowd, auth, f"{PERSONS}values/?key=seats") == [{"name": "5", "count": 1}]
    assert get(crowd, auth, f"{PERSONS}values/?key=$virt_revenue") == []
    assert get(crowd, auth, f"{PERSONS}values/") == []
