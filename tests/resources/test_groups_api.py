"""``GroupsViewSet`` (``posthog/api/group.py``): ``groups/`` list and create, ``find``,
``update_property``, ``delete_property`` and ``activity``, over the groups of phemu's person
store; their writes capture the ``$groupidentify`` / ``$delete_group_property`` events PostHog's
``capture_internal`` sends and log ``Group`` activity (``log_activity``)."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest

from phemu.emulator import Emulator
from phemu.errors import NotFound
from phemu.errors import ServerError
from phemu.resources.persons.models import PersonsTables
from tests.conftest import SERVER_ERROR
from tests.resources.actions_support import action
from tests.resources.test_groups_properties import identify

GROUPS = "/api/projects/1/groups"
NOT_FOUND = {"type": "invalid_request", "code": "not_found", "detail": "Not found.", "attr": None}


@pytest.fixture
def companies(frozen: Emulator) -> Emulator:
    """Three companies a second apart (newest last) and a project of another type."""
    identify(frozen, "company", "acme", name="Acme Corp", plan="pro")
    frozen.clock.advance(1)
    identify(frozen, "company", "initech", name="Initech", plan="free")
    frozen.clock.advance(1)
    identify(frozen, "company", "hooli", name="Hooli", seats=250)
    frozen.clock.advance(1)
    identify(frozen, "project", "acme-web", name="Web")
    return frozen


def keys(page: dict[str, Any]) -> list[str]:
    return [g["group_key"] for g in page["results"]]


def raw(emulator: Emulator, method: str, path: str, body: Any = None) -> Any:
    response = emulator.client().open(path, method=method, json=body, headers=emulator.auth_headers)
    return response.status_code, response.get_json()


# -- list ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("prefix", ["projects", "environments"])
def test_list_is_one_type_newest_first(companies: Emulator, prefix: str) -> None:
    """``GroupCursorPagination`` (``ordering = "-created_at"``) over ``group_type_index``."""
    operation = f"{'environments_' if prefix == 'environments' else ''}groups_list"
    page = action(companies, "GET", f"/api/{prefix}/1/groups/?group_type_index=0", operation)
    assert page == {
        "next": None,
        "previous": None,
        "results": [
            {
                "group_type_index": 0,
                "group_key": "hooli",
                "group_properties": {"name": "Hooli", "seats": 250},
                "created_at": "2026-06-15T10:00:02Z",
            },
            {
                "group_type_index": 0,
                "group_key": "initech",
                "group_properties": {"name": "Initech", "plan": "free"},
                "created_at": "2026-06-15T10:00:01Z",
            },
            {
                "group_type_index": 0,
                "group_key": "acme",
                "group_properties": {"name": "Acme Corp", "plan": "pro"},
                "created_at": "2026-06-15T10:00:00Z",
            },
        ],
    }
    assert companies.groups.list(0) == page
    assert keys(companies.groups.list(1)) == ["acme-web"]


def test_list_filters_key_and_search(companies: Emulator) -> None:
    """``group_key__icontains``; ``search``: ``group_properties__icontains`` (the ``jsonb``
    text, any case) or ``group_key__iexact``."""
    assert keys(companies.groups.list(0, group_key="EC")) == ["initech"]
    assert keys(companies.groups.list(0, search="corp")) == ["acme"]
    assert keys(companies.groups.list(0, search="HOOLI")) == ["hooli"]
    # the jsonb text: keys by length then bytes, ``": "`` between key and value
    assert keys(companies.groups.list(0, search='"plan": "free"')) == ["initech"]
    assert keys(companies.groups.list(0, search='"seats": 250}')) == ["hooli"]
    companies.persons.set_group("company", "blank")
    assert keys(companies.groups.list(0, search="blan")) == []  # keys match whole
    assert keys(companies.groups.list(0, search="BLANK")) == ["blank"]
    assert keys(companies.groups.list(0, search="")) == ["blank", "hooli", "initech", "acme"]
    path = f"{GROUPS}/?group_type_index=0&search=free&group_key=i"
    assert keys(action(companies, "GET", path, "groups_list")) == ["initech"]


def test_list_needs_a_numeric_type_index(companies: Emulator) -> None:
    answer = action(companies, "GET", f"{GROUPS}/", "groups_list", status=400)
    assert answer == {
        "type": "validation_error",
        "code": "invalid_input",
        "detail": "You must pass ?group_type_index= in this URL. To get a list of valid group "
        "types, call /api/:project_id/groups_types/.",
        "attr": "group_type_index",
    }
    assert action(companies, "GET", f"{GROUPS}/?group_type_index=", "groups_list", status=400)
    # Django's ``IntegerField`` lookup: ``int()`` of the text, else its unguarded ValueError
    bad = action(companies, "GET", f"{GROUPS}/?group_type_index=x", "groups_list", status=500)
    assert bad == SERVER_ERROR
    assert keys(action(companies, "GET", f"{GROUPS}/?group_type_index=%201", "groups_list")) == [
        "acme-web"
    ]


def cursor_of(link: str) -> dict[str, list[str]]:
    raw_cursor = parse_qs(urlsplit(link).query)["cursor"][0]
    return parse_qs(base64.b64decode(raw_cursor).decode("ascii"))


def test_cursor_pages_forward_and_back(frozen: Emulator) -> None:
    """DRF's ``CursorPagination``: 100 a page, the next cursor's position is the last row's
    ``created_at`` (``str()`` of the datetime), the previous one is reversed (``r=1``)."""
    for n in range(105):
        frozen.persons.set_group("company", f"c{n:03}")
        frozen.clock.advance(1)
    first = action(frozen, "GET", f"{GROUPS}/?group_type_index=0", "groups_list")
    assert keys(first)[:2] == ["c104", "c103"] and len(first["results"]) == 100
    assert first["previous"] is None
    assert first["next"].startswith("http://localhost/api/projects/1/groups/?cursor=")
    assert first["next"].endswith("&group_type_index=0")  # DRF sorts the query
    assert cursor_of(first["next"]) == {"p": ["2026-06-15 10:00:05+00:00"]}
    second = action(frozen, "GET", first["next"].removeprefix("http://localhost"), "groups_list")
    assert keys(second) == ["c004", "c003", "c002", "c001", "c000"]
    assert second["next"] is None
    # turning back from an offset-free cursor: the marker is the second row, one row skipped
    assert cursor_of(second["previous"]) == {
        "o": ["1"],
        "r": ["1"],
        "p": ["2026-06-15 10:00:03+00:00"],
    }
    back = action(frozen, "GET", second["previous"].removeprefix("http://localhost"), "groups_list")
    assert keys(back) == keys(first)
    assert back["previous"] is None
    # from a reversed offset cursor the marker is the row before the last: skip the last
    assert cursor_of(back["next"]) == {"o": ["1"], "p": ["2026-06-15 10:00:06+00:00"]}
    again = action(frozen, "GET", back["next"].removeprefix("http://localhost"), "groups_list")
    assert keys(again) == keys(second)


def test_cursor_with_equal_positions_uses_an_offset(frozen: Emulator) -> None:
    """Rows sharing ``created_at`` give no position to page from: the first page's next
    cursor is an offset of a page (``o=100``)."""
    for n in range(101):
        frozen.persons.set_group("company", f"c{n:03}")
    first = frozen.groups.list(0)
    assert len(first["results"]) == 100
    assert cursor_of(first["next"]) == {"o": ["100"]}
    second = frozen.groups.list(0, url=first["next"])
    assert len(second["results"]) == 1 and second["next"] is None
    assert cursor_of(second["previous"]) == {"o": ["100"], "r": ["1"]}
    everything = keys(first) + keys(second)
    assert sorted(everything) == [f"c{n:03}" for n in range(101)]


def test_a_bad_cursor_is_drf_404(companies: Emulator) -> None:
    """``decode_cursor``: base64 that does not decode, or an offset that is no positive
    number; characters outside base64's alphabet are dropped first."""
    bad = f"{GROUPS}/?group_type_index=0&cursor=abc"  # incorrect padding
    answer = action(companies, "GET", bad, "groups_list", status=404)
    assert answer == {**NOT_FOUND, "detail": "Invalid cursor"}
    path = f"{GROUPS}/?group_type_index=0&cursor=bm90LWEtY3Vyc29y%21%21"  # "not-a-cursor!!"
    assert len(action(companies, "GET", path, "groups_list")["results"]) == 3  # no o, r, p
    negative = base64.b64encode(b"o=-1").decode()
    assert action(
        companies,
        "GET",
        f"{GROUPS}/?group_type_index=0&cursor={negative}",
        "groups_list",
        status=404,
    )


# -- find --------------------------------------------------------------------------------------------
def test_find(companies: Emulator) -> None:
    """``FindGroupSerializer``: the group and its ``notebook`` (none is linked)."""
    path = f"{GROUPS}/find/?group_type_index=0&group_key=initech"
    assert action(companies, "GET", path, "groups_find_retrieve") == {
        "group_type_index": 0,
        "group_key": "initech",
        "group_properties": {"name": "Initech", "plan": "free"},
        "created_at": "2026-06-15T10:00:01Z",
        "notebook": None,
    }
    assert companies.groups.find(0, "initech")["group_key"] == "initech"
    missing = f"{GROUPS}/find/?group_type_index=1&group_key=initech"
    assert action(companies, "GET", missing, "groups_find_retrieve", status=404) == NOT_FOUND
    with pytest.raises(NotFound):
        companies.groups.find(0, "INITECH")


@pytest.mark.parametrize("query", ["group_type_index=0", "group_key=acme"])
def test_find_reads_both_parameters_unguarded(companies: Emulator, query: str) -> None:
    """``request.GET["group_key"]`` and the queryset's ``request.GET["group_type_index"]``."""
    answer = action(companies, "GET", f"{GROUPS}/find/?{query}", "groups_find_retrieve", status=500)
    assert answer == SERVER_ERROR


# -- create ------------------------------------------------------------------------------------------
def test_create(companies: Emulator) -> None:
    """``create``: the group (201), a ``$groupidentify`` event by the project's uuid without a
    person profile, and one ``create_group`` activity per property."""
    body = {"group_type_index": 0, "group_key": "globex", "group_properties": {"plan": "pro"}}
    created = action(companies, "POST", f"{GROUPS}/", "groups_create", status=201, json=body)
    assert created == {
        "group_type_index": 0,
        "group_key": "globex",
        "group_properties": {"plan": "pro"},
        "created_at": "2026-06-15T10:00:03Z",
    }
    event = companies.events.find("$groupidentify")[-1]
    assert event["distinct_id"] == companies.store.projects[1].uuid
    assert event["properties"] == {
        "$group_type": "company",
        "$group_key": "globex",
        "$group_set": {"plan": "pro"},
        "$process_person_profile": False,
    }
    entries = companies.activity_log.all("Group")
    assert [(e["activity"], e["detail"]["name"]) for e in entries] == [("create_group", "plan")]
    assert entries[0]["detail"]["changes"] == [
        {"type": "Group", "action": "created", "field": None, "before": None, "after": "pro"}
    ]
    assert entries[0]["user"]["email"] == "ada@example.com"
    again = action(companies, "POST", f"{GROUPS}/", "groups_create", status=400, json=body)
    assert again == {
        "type": "validation_error",
        "code": "invalid_input",
        "detail": "A group with this key already exists",
        "attr": "detail",
    }


@pytest.mark.parametrize(
    ("body", "attr", "code", "detail"),
    [
        ({"group_key": "x"}, "group_type_index", "required", "This field is required."),
        (
            {"group_type_index": "a", "group_key": "x"},
            "group_type_index",
            "invalid_input",
            "A valid integer is required.",
        ),
        ({"group_type_index": 0}, "group_key", "required", "This field is required."),
        (
            {"group_type_index": 0, "group_key": " "},
            "group_key",
            "blank",
            "This field may not be blank.",
        ),
        (
            {"group_type_index": 0, "group_key": "k" * 401},
            "group_key",
            "max_length",
            "Ensure this field has no more than 400 characters.",
        ),
    ],
)
def test_create_validation(
    companies: Emulator, body: dict[str, Any], attr: str, code: str, detail: str
) -> None:
    """``CreateGroupSerializer``: the model's ``IntegerField`` and ``CharField(max_length=400)``."""
    answer = action(companies, "POST", f"{GROUPS}/", "groups_create", status=400, json=body)
    assert answer == {"type": "validation_error", "code": code, "detail": detail, "attr": attr}


def test_create_of_an_unknown_type_saves_then_404(companies: Emulator) -> None:
    """The row is saved before ``trigger_group_identify`` looks the group type up."""
    body = {"group_type_index": 3, "group_key": "lost"}
    assert (
        action(companies, "POST", f"{GROUPS}/", "groups_create", status=404, json=body) == NOT_FOUND
    )
    assert keys(companies.groups.list(3)) == ["lost"]
    assert companies.activity_log.all("Group") == []


# -- update_property / delete_property ---------------------------------------------------------------
def test_update_property(companies: Emulator) -> None:
    """Sets one key; the ``$groupidentify`` sets only it; ``created`` then ``changed``."""
    path = f"{GROUPS}/update_property/?group_type_index=0&group_key=acme"
    operation = "groups_update_property_create"
    answer = action(companies, "POST", path, operation, json={"key": "seats", "value": 5})
    assert answer["group_properties"] == {"name": "Acme Corp", "plan": "pro", "seats": 5}
    action(companies, "POST", path, operation, json={"key": "seats", "value": 6})
    assert companies.events.find("$groupidentify")[-1]["properties"]["$group_set"] == {"seats": 6}
    entries = companies.activity_log.all("Group")
    assert [e["detail"]["changes"][0]["action"] for e in entries] == ["changed", "created"]
    assert entries[0]["detail"]["changes"][0]["before"] == 5
    assert {e["item_id"] for e in entries} == {"1"}  # the group's primary key
    assert companies.groups.find(0, "acme")["group_properties"]["seats"] == 6
    assert companies.groups.update_property(0, "acme", 1, True)["group_properties"]["1"] is True


@pytest.mark.parametrize(
    ("body", "attr"), [({}, "value"), ({"key": "a"}, "value"), ({"value": 1, "key": None}, "key")]
)
def test_update_property_requires_value_then_key(
    companies: Emulator, body: dict[str, Any], attr: str
) -> None:
    """The 400 ``update_property`` builds by hand: ``code`` and ``detail`` swapped."""
    path = f"{GROUPS}/update_property/?group_type_index=0&group_key=acme"
    answer = action(companies, "POST", path, "groups_update_property_create", status=400, json=body)
    assert answer == {
        "attr": attr,
        "code": "This field is required.",
        "detail": "required",
        "type": "validation_error",
    }


def test_write_actions_find_the_group_first(companies: Emulator) -> None:
    """``get_object``: a missing ``group_key`` is ``""`` (404), a missing type index 500."""
    for name in ("update_property", "delete_property"):
        operation = f"groups_{name}_create"
        missing = f"{GROUPS}/{name}/?group_type_index=0"
        assert action(companies, "POST", missing, operation, status=404, json={}) == NOT_FOUND
        no_type = f"{GROUPS}/{name}/?group_key=acme"
        assert action(companies, "POST", no_type, operation, status=500, json={}) == SERVER_ERROR


def test_delete_property(companies: Emulator) -> None:
    path = f"{GROUPS}/delete_property/?group_type_index=0&group_key=acme"
    operation = "groups_delete_property_create"
    answer = action(companies, "POST", path, operation, json={"$unset": "plan"})
    assert answer["group_properties"] == {"name": "Acme Corp"}
    event = companies.events.find("$delete_group_property")[-1]
    assert event["properties"] == {
        "$group_type": "company",
        "$group_key": "acme",
        "$group_unset": ["plan"],
        "$process_person_profile": False,
    }
    [entry] = companies.activity_log.all("Group")
    assert (entry["activity"], entry["detail"]["name"]) == ("update_property", "plan")
    assert entry["detail"]["changes"] == [
        {"type": "Group", "action": "deleted", "field": None, "before": "pro", "after": None}
    ]
    required = action(companies, "POST", path, operation, status=400, json={})
    assert required["attr"] == "$unset" and required["detail"] == "required"
    # ``group.group_properties[request.data["$unset"]]``: a key the group lacks is a KeyError
    gone = action(companies, "POST", path, operation, status=500, json={"$unset": "plan"})
    assert gone == SERVER_ERROR
    with pytest.raises(ServerError):
        companies.groups.delete_property(0, "acme", "nope")


# -- activity ----------------------------------------------------------------------------------------
def test_activity_of_one_group(companies: Emulator) -> None:
    """``load_activity(scope="Group", item_ids=[group.pk])`` paged by ``limit``/``page``."""
    companies.groups.update_property(0, "acme", "a", 1)
    companies.groups.update_property(0, "acme", "b", 2)
    companies.groups.update_property(0, "hooli", "c", 3)
    path = f"{GROUPS}/activity/?group_type_index=0&group_key=acme&limit=1"
    page = action(companies, "GET", path, "groups_activity_retrieve")
    assert [e["detail"]["name"] for e in page["results"]] == ["b"]
    assert page["total_count"] == 2
    assert page["next"] == f"http://localhost{path}&page=2"
    assert page["results"][0]["user"] == {"first_name": "System", "email": None, "is_system": True}
    missing = f"{GROUPS}/activity/?group_type_index=0&group_key=nope"
    assert action(companies, "GET", missing, "groups_activity_retrieve", status=404) == NOT_FOUND


# -- related -----------------------------------------------------------------------------------------
@pytest.fixture
def shared(frozen: Emulator) -> Emulator:
    """Ada and Bob use acme's web project; Cy uses initech; an old event and a personless one
    do not count."""
    for group_type, key in (("company", "acme"), ("company", "initech"), ("project", "web")):
        frozen.persons.set_group(group_type, key, {"name": key})
    capture = frozen.events.capture
    capture("$pageview", "ada", {"$groups": {"company": "acme", "project": "web"}})
    frozen.clock.advance(1)
    capture("$pageview", "bob", {"$groups": {"company": "acme"}})
    capture("$pageview", "cy", {"$groups": {"company": "initech", "project": "web"}})
    capture(
        "$pageview",
        "ghost",
        {"$groups": {"company": "acme"}, "$process_person_profile": False},
    )
    old = "2026-03-17T10:00:00Z"  # 90 days before the last event: outside the window
    capture("$pageview", "dan", {"$groups": {"company": "acme"}}, timestamp=old)
    capture("$pageview", "ada", {"$groups": {"company": "nope", "project": ""}})
    frozen.clock.advance(1)
    return frozen


def test_related_of_a_group(shared: Emulator) -> None:
    """Its persons (by their current distinct ids), then the groups of the other types on its
    events, in the last 90 days."""
    path = f"{GROUPS}/related/?group_type_index=0&id=acme"
    answer = action(shared, "GET", path, "groups_related_retrieve")
    ada, bob = shared.persons.get("ada"), shared.persons.get("bob")
    assert ada is not None and bob is not None
    assert [(a["type"], a["id"]) for a in answer] == [
        ("person", ada.uuid),
        ("person", bob.uuid),
        ("group", "web"),
    ]
    assert answer[2] == {
        "id": "web",
        "type": "group",
        "group_type_index": 1,
        "group_key": "web",
        "created_at": "2026-06-15T10:00:00Z",
        "matched_recordings": [],
        "properties": {"name": "web"},
        "value_at_data_point": None,
    }
    assert answer[0]["distinct_ids"] == ["ada"] and answer[0]["value_at_data_point"] is None
    assert shared.groups.related(0, "acme") == answer
    web = [(a["type"], a.get("group_key")) for a in shared.groups.related(1, "web")]
    assert web == [("person", None), ("person", None), ("group", "acme"), ("group", "initech")]


def test_related_of_a_person(shared: Emulator) -> None:
    """No type index: ``id`` is a person's uuid; only groups, of every type, that exist."""
    ada = shared.persons.get("ada")
    assert ada is not None
    answer = action(shared, "GET", f"{GROUPS}/related/?id={ada.uuid}", "groups_related_retrieve")
    assert [(a["group_type_index"], a["group_key"]) for a in answer] == [(0, "acme"), (1, "web")]


def test_related_parameters(shared: Emulator) -> None:
    operation = "groups_related_retrieve"
    assert action(shared, "GET", f"{GROUPS}/related/", operation, status=500) == SERVER_ERROR
    for index in ("5", "x", ""):
        path = f"{GROUPS}/related/?group_type_index={index}&id=acme"
        assert action(shared, "GET", path, operation, status=400) == {
            "type": "validation_error",
            "code": "invalid_input",
            "detail": "group_type_index is required to be at least 0 and less than 5",
            "attr": None,
        }
    # ClickHouse cannot read a person id that is no UUID
    not_uuid = f"{GROUPS}/related/?id=ada"
    assert action(shared, "GET", not_uuid, operation, status=500) == SERVER_ERROR
    assert action(shared, "GET", f"{GROUPS}/related/?group_type_index=0&id=none", operation) == []


def test_activity_follows_the_group_through_a_state_file(companies: Emulator) -> None:
    """Groups keep their ids (the activity log's ``item_id``) in exported state."""
    companies.groups.update_property(0, "hooli", "a", 1)
    copy = Emulator()
    copy.import_state(companies.export_state())
    copy.groups.update_property(0, "hooli", "b", 2)
    entries = copy.activity_log.all("Group")
    assert [e["item_id"] for e in entries] == ["3", "3"]
    copy.persons.set_group("company", "new")
    assert copy.store.state(PersonsTables).groups[(1, 0, "new")].id == 5
