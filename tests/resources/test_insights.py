"""Insights through HTTP (``posthog/api/insight.py``), with byte-exact error bodies."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from phemu.emulator import Emulator
from phemu.errors import SeedError
from phemu.errors import ValidationError
from tests.conftest import ADA
from tests.conftest import DEFAULT_ORG
from tests.conftest import add_key
from tests.conftest import add_other_org
from tests.conftest import body
from tests.conftest import invalid
from tests.resources.boards_support import dashboard_body
from tests.resources.boards_support import insight_body
from tests.resources.boards_support import tile_body

T0 = "2026-06-15T10:00:00Z"
NOT_FOUND = '{"type":"invalid_request","code":"not_found","detail":"Not found.","attr":null}'
BASE = "/api/projects/1/insights/"
BOARDS = "/api/projects/1/dashboards/"
#: ``InsightSerializer``'s fields in order (posthog/api/insight.py).
KEYS = list(insight_body())


def make(client, auth, **fields: Any) -> dict[str, Any]:
    response = client.post(BASE, json=fields, headers=auth)
    assert response.status_code == 201, response.get_data(as_text=True)
    return body(response)


def board(client, auth, url: str = BOARDS, **fields: Any) -> int:
    response = client.post(url, json=fields, headers=auth)
    assert response.status_code == 201, response.get_data(as_text=True)
    return int(body(response)["id"])


# -- a worked example ------------------------------------------------------------------------------


def test_reference_example(frozen, client, auth):
    for _ in range(6):  # ids 1-6 used, as if other insights existed
        make(client, auth)
    client.patch(f"{BASE}1/", json={"deleted": True}, headers=auth)
    response = client.post(
        BASE, json={"name": "Weekly signups", "query": {"kind": "InsightVizNode"}}, headers=auth
    )
    assert response.status_code == 201
    created = body(response)
    assert list(created) == KEYS
    assert re.fullmatch(r"[A-Za-z0-9]{8}", created["short_id"])
    assert created == insight_body(
        id=7, short_id=created["short_id"], name="Weekly signups", query={"kind": "InsightVizNode"}
    )
    board(client, auth)
    board(client, auth)
    growth = client.post(BOARDS, json={"name": "Growth"}, headers=auth)
    assert body(growth) == dashboard_body(id=3, name="Growth")
    patched = client.patch(f"{BASE}7/", json={"dashboards": [3]}, headers=auth)
    assert patched.status_code == 200
    assert body(patched)["dashboards"] == [3]
    assert body(patched)["dashboard_tiles"] == [{"id": 1, "dashboard_id": 3, "deleted": None}]
    detail = body(client.get(f"{BOARDS}3/", headers=auth))
    assert detail["tiles"] == [tile_body(1, body(patched), 0)]
    assert detail["tiles"][0]["insight"]["short_id"] == created["short_id"]
    deleted = client.delete(f"{BOARDS}3/", headers=auth)
    assert (deleted.status_code, deleted.get_data()) == (405, b"")
    assert client.patch(f"{BOARDS}3/", json={"deleted": True}, headers=auth).status_code == 200
    gone = client.get(f"{BOARDS}3/", headers=auth)
    assert (gone.status_code, gone.get_data(as_text=True)) == (404, NOT_FOUND)


# -- short_id --------------------------------------------------------------------------------------


def test_short_ids_are_deterministic_per_seed_and_unique():
    def short_ids(seed: int) -> list[str]:
        emulator = Emulator(load_entrypoints=False, random_seed=seed)
        client, auth = emulator.client(), emulator.auth_headers
        return [make(client, auth)["short_id"] for _ in range(20)]

    first = short_ids(3)
    assert first == short_ids(3)
    assert first != short_ids(4)
    assert len(set(first)) == 20
    assert all(re.fullmatch(r"[A-Za-z0-9]{8}", s) for s in first)


def test_short_id_retries_on_a_collision(emulator, client, auth, monkeypatch):
    emulator.load_seed({"insights": [{"project": 1, "short_id": "AAAAAAAA"}]})
    draws = iter(["AAAAAAAA", "AAAAAAAA", "BBBBBBBB"])
    monkeypatch.setattr(emulator.store, "random_token", lambda length, alphabet: next(draws))
    assert make(client, auth)["short_id"] == "BBBBBBBB"


def test_short_id_is_read_only(client, auth):
    created = make(client, auth, short_id="ZZZZZZZZ", id=50, filters={"insight": "TRENDS"})
    assert created["short_id"] != "ZZZZZZZZ"
    assert (created["id"], created["filters"]) == (1, {})


# -- create: body and field rules ------------------------------------------------------------------


def test_insights_accept_json_only(client, auth):
    response = client.post(BASE, data={"name": "x"}, headers=auth)
    assert response.status_code == 415
    assert response.get_data(as_text=True) == (
        '{"type":"invalid_request","code":"unsupported_media_type","detail":'
        '"Unsupported media type \\"application/x-www-form-urlencoded\\" in request.","attr":null}'
    )
    make(client, auth)
    response = client.patch(f"{BASE}1/", data={"name": "x"}, content_type="multipart/form-data",
                            headers=auth)  # fmt: skip
    assert response.status_code == 415


def test_query_is_stored_verbatim(client, auth):
    query = {
        "kind": "DataTableNode",
        "source": {"kind": "HogQLQuery", "query": "select 1"},
        "n": [1, None],
    }
    assert make(client, auth, query=query)["query"] == query
    assert make(client, auth, query="anything")["query"] == "anything"
    assert make(client, auth, query=None)["query"] is None


def test_text_fields_and_flags(client, auth):
    created = make(client, auth, name=" n ", derived_name="d" * 400, description="x",
                   tags=["b", "a", "b"], favorited=True, saved="yes")  # fmt: skip
    assert (created["name"], created["derived_name"], created["description"]) == (
        "n",
        "d" * 400,
        "x",
    )
    assert (created["tags"], created["favorited"], created["saved"]) == (["b", "a"], True, True)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"name": "x" * 401}, invalid("max_length", "Ensure this field has no more than 400 characters.", "name")),
        ({"derived_name": "x" * 401}, invalid("max_length", "Ensure this field has no more than 400 characters.", "derived_name")),
        ({"description": "x" * 401}, invalid("max_length", "Ensure this field has no more than 400 characters.", "description")),
        ({"name": []}, invalid("invalid_input", "Not a valid string.", "name")),
        ({"deleted": None}, invalid("null", "This field may not be null.", "deleted")),
        ({"favorited": "sometimes"}, invalid("invalid_input", "Must be a valid boolean.", "favorited")),
        ({"saved": None}, invalid("null", "This field may not be null.", "saved")),
        ({"tags": 5}, invalid("not_a_list", 'Expected a list of items but got type "int".', "tags")),
        ({"tags": ["a", {}]}, invalid("invalid_input", "Not a valid string.", "tags__1")),
        ({"dashboards": 5}, invalid("not_a_list", 'Expected a list of items but got type "int".', "dashboards")),
        ({"dashboards": "1"}, invalid("not_a_list", 'Expected a list of items but got type "str".', "dashboards")),
        ({"dashboards": None}, invalid("null", "This field may not be null.", "dashboards")),
        ({"dashboards": [99]}, invalid("does_not_exist", 'Invalid pk "99" - object does not exist.', "dashboards")),
        ({"dashboards": ["99"]}, invalid("does_not_exist", 'Invalid pk "99" - object does not exist.', "dashboards")),
        ({"dashboards": [1, 99]}, invalid("does_not_exist", 'Invalid pk "99" - object does not exist.', "dashboards")),
        ({"dashboards": ["abc"]}, invalid("incorrect_type", "Incorrect type. Expected pk value, received str.", "dashboards")),
        ({"dashboards": [True]}, invalid("incorrect_type", "Incorrect type. Expected pk value, received bool.", "dashboards")),
        ({"dashboards": [[1]]}, invalid("incorrect_type", "Incorrect type. Expected pk value, received list.", "dashboards")),
        # A soft-deleted dashboard does not exist for the field.
        ({"dashboards": [2]}, invalid("does_not_exist", 'Invalid pk "2" - object does not exist.', "dashboards")),
        # Another project's dashboard passes the field and fails at save.
        ({"dashboards": [1, 3]}, invalid("invalid_input", "Dashboard not found", None)),
        # First error in PostHog's field order.
        ({"saved": "x", "description": "x" * 401, "dashboards": [99], "name": "x" * 401},
         invalid("max_length", "Ensure this field has no more than 400 characters.", "name")),
        ({"saved": "x", "description": "x" * 401, "dashboards": [99], "deleted": "x"},
         invalid("invalid_input", "Must be a valid boolean.", "deleted")),
        ({"saved": "x", "description": "x" * 401, "dashboards": [99]},
         invalid("does_not_exist", 'Invalid pk "99" - object does not exist.', "dashboards")),
        ({"saved": "x", "tags": "t", "description": "x" * 401},
         invalid("max_length", "Ensure this field has no more than 400 characters.", "description")),
        ({"saved": "x", "favorited": "x", "tags": "t"},
         invalid("not_a_list", 'Expected a list of items but got type "str".', "tags")),
        # Field errors come before the project check.
        ({"dashboards": [3], "saved": "x"}, invalid("invalid_input", "Must be a valid boolean.", "saved")),
    ],
)  # fmt: skip
def test_field_errors(emulator, client, auth, data, expected):
    emulator.load_seed({"projects": [{"id": 2, "organization": DEFAULT_ORG, "name": "Second"}]})
    board(client, auth)
    board(client, auth, deleted=True)
    board(client, auth, "/api/projects/2/dashboards/")
    response = client.post(BASE, json=data, headers=auth)
    assert response.status_code == 400
    assert response.get_data(as_text=True) == expected
    assert body(client.get(BASE, headers=auth))["count"] == 0
    assert emulator.export_state()["dashboards"][0]["tiles"] == []


def test_create_places_the_insight_on_dashboards(client, auth):
    board(client, auth)
    board(client, auth)
    created = make(client, auth, dashboards=[2, 1, 2])
    assert created["dashboards"] == [2, 1]
    assert created["dashboard_tiles"] == [
        {"id": 1, "dashboard_id": 2, "deleted": None},
        {"id": 2, "dashboard_id": 1, "deleted": None},
    ]
    assert make(client, auth, dashboards=[])["dashboards"] == []


# -- list ------------------------------------------------------------------------------------------


def test_list_by_id_without_deleted(client, auth):
    for name in ("c", "a", "b"):
        make(client, auth, name=name)
    client.patch(f"{BASE}2/", json={"deleted": True}, headers=auth)
    listed = body(client.get(BASE, headers=auth))
    assert [i["id"] for i in listed["results"]] == [1, 3]
    # The list annotates last_viewed_at (Max over InsightViewed, written when the API created
    # the insight); the detail does not (posthog/api/insight.py).
    detail = body(client.get(f"{BASE}1/", headers=auth))
    assert detail["last_viewed_at"] is None
    assert listed["results"][0] == detail | {"last_viewed_at": listed["results"][0]["created_at"]}
    page = body(client.get(BASE + "?limit=1&offset=1&basic=true", headers=auth))
    assert (page["count"], page["previous"]) == (
        2,
        "http://localhost/api/projects/1/insights/?basic=true&limit=1",
    )


def test_short_id_filter(emulator, client, auth):
    emulator.load_seed({"projects": [{"id": 2, "organization": DEFAULT_ORG, "name": "Second"}]})
    emulator.load_seed({"insights": [{"project": 1, "short_id": "Abcdefg1", "name": "mine"}]})
    emulator.load_seed({"insights": [{"project": 1, "short_id": "Abcdefg2", "deleted": True}]})
    emulator.load_seed({"insights": [{"project": 2, "short_id": "Abcdefg3"}]})
    emulator.load_seed(
        {"insights": [{"project": 2, "short_id": "Abcdefg1", "name": "same short id elsewhere"}]}
    )

    def names(query: str) -> list[str]:
        return [i["name"] for i in body(client.get(BASE + query, headers=auth))["results"]]

    assert names("?short_id=Abcdefg1") == ["mine"]
    assert names("?short_id=abcdefg1") == []
    assert names("?short_id=Abcdefg2") == []
    assert names("?short_id=Abcdefg3") == []
    assert names("?short_id=") == ["mine"]


def test_search_filter(emulator, client, auth):
    emulator.insights.create(name="Weekly Signups")
    emulator.insights.create(derived_name="signup funnel")
    emulator.insights.create(description="All SIGNUPS by week")
    emulator.insights.create(name="Revenue", tags=["signup"])
    emulator.insights.create()

    def ids(query: str) -> list[int]:
        return [i["id"] for i in body(client.get(BASE + query, headers=auth))["results"]]

    assert ids("?search=signup") == [1, 2, 3]
    assert ids("?search=WEEK") == [1, 3]
    assert ids("?search=nothing") == []
    # An empty search still needs a non-null text column (Django's icontains on NULL).
    assert ids("?search=") == [1, 2, 3, 4]
    assert ids(
        "?search=week&short_id=" + body(client.get(f"{BASE}3/", headers=auth))["short_id"]
    ) == [3]


# -- retrieve, PATCH, soft delete, restore ---------------------------------------------------------


@pytest.mark.parametrize("pk", ["999", "abc", "1.0"])
def test_unknown_ids_are_not_found(client, auth, pk):
    make(client, auth)
    for method in ("get", "patch"):
        response = getattr(client, method)(f"{BASE}{pk}/", json={}, headers=auth)
        assert (response.status_code, response.get_data(as_text=True)) == (404, NOT_FOUND)


def test_isolation_between_projects(emulator, client, auth):
    emulator.load_seed({"projects": [{"id": 2, "organization": DEFAULT_ORG, "name": "Second"}]})
    response = client.post("/api/environments/2/insights", json={"name": "two"}, headers=auth)
    assert response.status_code == 201
    assert body(client.get(BASE, headers=auth))["count"] == 0
    for method in ("get", "patch"):
        response = getattr(client, method)(f"{BASE}1/", json={"deleted": False}, headers=auth)
        assert (response.status_code, response.get_data(as_text=True)) == (404, NOT_FOUND)
    assert body(client.get("/api/environments/2/insights/1", headers=auth))["name"] == "two"
    eve = add_other_org(emulator)
    assert body(client.get("/api/projects/7/insights/", headers=eve))["count"] == 0
    response = client.get("/api/projects/7/insights/", headers=auth)
    assert body(response)["detail"] == "You don't have access to the project."


def test_patch_replaces_the_tile_set_and_revives_tiles(client, auth):
    for _ in range(3):
        board(client, auth)
    make(client, auth, dashboards=[1, 2])

    def patch(data: dict[str, Any]) -> dict[str, Any]:
        response = client.patch(f"{BASE}1/", json=data, headers=auth)
        assert response.status_code == 200, response.get_data(as_text=True)
        return body(response)

    assert patch({"dashboards": [2, 3]})["dashboard_tiles"] == [
        {"id": 2, "dashboard_id": 2, "deleted": None},
        {"id": 3, "dashboard_id": 3, "deleted": None},
    ]
    assert body(client.get(f"{BOARDS}1/", headers=auth))["tiles"] == []
    # Tile 1 comes back (``deleted`` false now); the others were never removed.
    assert [(t["id"], t["deleted"]) for t in patch({"dashboards": [1, 2, 3]})["dashboard_tiles"]] == [
        (1, False), (2, None), (3, None),
    ]  # fmt: skip
    assert patch({"dashboards": []})["dashboards"] == []
    assert patch({"name": "kept off"})["dashboards"] == []


def test_patch_validation_and_project_check(emulator, client, auth):
    emulator.load_seed({"projects": [{"id": 2, "organization": DEFAULT_ORG}]})
    board(client, auth)
    board(client, auth, "/api/projects/2/dashboards/")
    make(client, auth, dashboards=[1], name="before")
    response = client.patch(f"{BASE}1/", json={"dashboards": [2], "name": "after"}, headers=auth)
    assert response.get_data(as_text=True) == invalid("invalid_input", "Dashboard not found", None)
    response = client.patch(f"{BASE}1/", json={"dashboards": [9]}, headers=auth)
    assert response.get_data(as_text=True) == invalid(
        "does_not_exist", 'Invalid pk "9" - object does not exist.', "dashboards"
    )
    unchanged = body(client.get(f"{BASE}1/", headers=auth))
    assert (unchanged["name"], unchanged["dashboards"]) == ("before", [1])
    response = client.patch(f"{BASE}1/", json=[], headers=auth)
    assert response.get_data(as_text=True) == invalid(
        "invalid_input", "Invalid data. Expected a dictionary, but got list.", None
    )


def test_soft_delete_ignores_dashboards_and_hides_tiles(client, auth):
    board(client, auth)
    board(client, auth)
    make(client, auth, dashboards=[1])
    response = client.patch(f"{BASE}1/", json={"deleted": True, "dashboards": [2]}, headers=auth)
    assert response.status_code == 200
    assert (body(response)["deleted"], body(response)["dashboards"]) == (True, [])
    assert body(client.get(f"{BOARDS}1/", headers=auth))["tiles"] == []
    assert body(client.get(f"{BOARDS}2/", headers=auth))["tiles"] == []
    assert client.get(f"{BASE}1/", headers=auth).get_data(as_text=True) == NOT_FOUND
    assert body(client.get(BASE, headers=auth))["count"] == 0
    response = client.patch(f"{BASE}1/", json={"name": "x"}, headers=auth)
    assert response.status_code == 404


@pytest.mark.parametrize("value", ["false", 0, "f", None, "no"])
def test_restore_needs_the_json_literal_false(client, auth, value):
    make(client, auth)
    client.patch(f"{BASE}1/", json={"deleted": True}, headers=auth)
    response = client.patch(f"{BASE}1/", json={"deleted": value}, headers=auth)
    assert (response.status_code, response.get_data(as_text=True)) == (404, NOT_FOUND)


def test_restore_with_false(client, auth):
    board(client, auth)
    make(client, auth, dashboards=[1], name="x")
    client.patch(f"{BASE}1/", json={"deleted": True}, headers=auth)
    response = client.patch(f"{BASE}1/", json={"deleted": False, "name": "back"}, headers=auth)
    assert response.status_code == 200
    assert (body(response)["deleted"], body(response)["name"]) == (False, "back")
    # PostHog soft-deleted the tiles with the insight; restoring does not bring them back.
    assert body(response)["dashboards"] == []
    assert body(client.get(BASE, headers=auth))["count"] == 1
    again = client.patch(f"{BASE}1/", json={"dashboards": [1]}, headers=auth)
    assert body(again)["dashboard_tiles"] == [{"id": 1, "dashboard_id": 1, "deleted": False}]


def test_last_modified_moves_when_a_material_field_is_sent(frozen, emulator, client, auth):
    """``posthog/api/insight.py``: ``if validated_data.keys() & Insight.MATERIAL_INSIGHT_FIELDS``
    moves ``last_modified_at``/``_by``, whether or not the value changes."""
    emulator.load_seed({"users": [{"email": "bob@example.com", "organizations": [DEFAULT_ORG]}]})
    emulator.load_seed({"personal_api_keys": [{"user": "bob@example.com", "value": "phx_bob2"}]})
    bob = {"Authorization": "Bearer phx_bob2"}
    make(client, auth, name="n", description="d", query={"a": 1})
    emulator.advance_time(hours=1)
    for data in ({"favorited": True}, {"saved": True}, {"tags": ["x"]}, {"deleted": False},
                 {"order": 1}):  # fmt: skip
        response = client.patch(f"{BASE}1/", json=data, headers=bob)
        assert body(response)["last_modified_at"] == T0, data
        assert body(response)["last_modified_by"]["email"] == "ada@example.com"
    for index, data in enumerate(
        ({"name": "n"}, {"derived_name": "dn"}, {"description": "d", "query": {"a": 1}},
         {"query": None})
    ):  # fmt: skip
        emulator.advance_time(minutes=1)
        response = client.patch(f"{BASE}1/", json=data, headers=bob if index % 2 == 0 else auth)
        expected_at = f"2026-06-15T11:0{index + 1}:00Z"
        assert body(response)["last_modified_at"] == expected_at, data
        expected_by = "bob@example.com" if index % 2 == 0 else "ada@example.com"
        assert body(response)["last_modified_by"]["email"] == expected_by
        assert body(response)["created_by"] == ADA
        assert body(response)["created_at"] == T0


# -- DELETE, PUT, scopes, throttle -----------------------------------------------------------------


@pytest.mark.parametrize("pk", ["1", "999", "abc"])
def test_delete_is_an_empty_405(client, auth, pk):
    make(client, auth)
    response = client.delete(f"{BASE}{pk}", headers=auth)
    assert (response.status_code, response.get_data()) == (405, b"")
    assert "Content-Type" not in response.headers
    assert response.headers["Allow"] == "GET, PUT, PATCH, DELETE, HEAD, OPTIONS"
    assert body(client.get(BASE, headers=auth))["count"] == 1


def test_put_is_posthogs_full_update_after_the_write_scope(emulator, client, auth):
    # PUT is a documented operation (insights_update); the generic layer validates the whole
    # body against the schema and applies it through the hand-written PATCH (docs/generic.md).
    make(client, auth)
    response = client.put(f"{BASE}1/", json={"name": "Renamed"}, headers=auth)
    assert response.status_code == 200
    assert body(response)["name"] == "Renamed"
    assert body(client.get(f"{BASE}1/", headers=auth))["name"] == "Renamed"
    assert response.headers["Allow"] == "GET, PUT, PATCH, DELETE, HEAD, OPTIONS"
    assert emulator.requests("PUT")[-1].tier == "stateful"
    reader = add_key(emulator, "phx_reader", scopes=["insight:read"])
    response = client.put(f"{BASE}1/", json={}, headers=reader)
    assert response.get_data(as_text=True) == (
        '{"type":"authentication_error","code":"permission_denied",'
        '"detail":"API key missing required scope \'insight:write\'","attr":null}'
    )


def test_scopes(emulator, client, auth):
    make(client, auth)
    reader = add_key(emulator, "phx_reader", scopes=["insight:read"])
    writer = add_key(emulator, "phx_writer", scopes=["insight:write"])
    boards_only = add_key(emulator, "phx_boards", scopes=["dashboard:write"])
    assert client.get(f"{BASE}1/", headers=reader).status_code == 200
    assert client.get(BASE, headers=writer).status_code == 200
    for method in ("post", "patch", "delete"):
        url = BASE if method == "post" else f"{BASE}1/"
        response = getattr(client, method)(url, json={}, headers=reader)
        assert response.status_code == 403
        assert body(response)["detail"] == "API key missing required scope 'insight:write'"
    assert client.patch(f"{BASE}1/", json={}, headers=writer).status_code == 200
    response = client.get(BASE, headers=boards_only)
    assert body(response)["detail"] == "API key missing required scope 'insight:read'"


def test_insights_use_the_clickhouse_throttle_family():
    emulator = Emulator(load_entrypoints=False, rate_limits={"clickhouse_burst": "2/minute"})
    emulator.freeze_time(T0)
    client, auth = emulator.client(), emulator.auth_headers
    statuses = [client.get(BASE, headers=auth).status_code for _ in range(2)]
    response = client.post(BASE, json={}, headers=auth)
    assert [*statuses, response.status_code] == [200, 200, 429]
    assert response.headers["Retry-After"] == "60"
    assert client.get(BOARDS, headers=auth).status_code == 200


# -- seeds and the Python API ----------------------------------------------------------------------


def test_seed_insights_with_every_field(emulator, client, auth):
    emulator.load_seed(
        {
            "dashboards": [{"id": 4, "name": "B"}],
            "insights": [
                {"id": 10, "project": 1, "short_id": "Seeded01", "name": "n", "derived_name": "d",
                 "query": {"kind": "TrendsQuery"}, "description": "x", "tags": ["a", "a", "b"],
                 "favorited": True, "saved": True, "dashboards": [4], "created_by": 1,
                 "last_modified_by": "ada@example.com", "created_at": "2026-01-01T00:00:00Z",
                 "last_modified_at": "2026-02-01T00:00:00.5Z", "order": 3,
                 "updated_at": "2026-02-02T00:00:00Z", "last_viewed_at": "2026-02-03T00:00:00Z"},
                {"id": 11, "created_by": None, "created_at": "2026-03-01T00:00:00Z"},
            ],
        }
    )  # fmt: skip
    seeded = body(client.get(f"{BASE}10/", headers=auth))
    assert seeded == insight_body(
        id=10, short_id="Seeded01", name="n", derived_name="d", query={"kind": "TrendsQuery"},
        order=3, dashboards=[4], dashboard_tiles=[{"id": 1, "dashboard_id": 4, "deleted": None}],
        created_at="2026-01-01T00:00:00Z", description="x", updated_at="2026-02-02T00:00:00Z",
        tags=["a", "b"], favorited=True, saved=True,
        last_modified_at="2026-02-01T00:00:00.500000Z",
    )  # fmt: skip
    listed = body(client.get(BASE, headers=auth))["results"]
    assert [i["last_viewed_at"] for i in listed] == ["2026-02-03T00:00:00Z", None]
    plain = body(client.get(f"{BASE}11/", headers=auth))
    assert (plain["created_by"], plain["last_modified_by"]) == (None, None)
    assert plain["user_access_level"] == "manager"  # Ada is an owner of the organization
    assert (
        plain["updated_at"]
        == plain["last_modified_at"]
        == plain["created_at"]
        == "2026-03-01T00:00:00Z"
    )
    assert make(client, auth)["id"] == 12


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"id": 5, "short_id": "short"}, "insights[1] (id 5): 'short_id' must be 8 characters from A-Z, a-z and 0-9"),
        ({"id": 5, "short_id": "Abcdefg-"}, "insights[1] (id 5): 'short_id' must be 8 characters from A-Z, a-z and 0-9"),
        ({"id": 5, "short_id": "Abcdefgh"}, "insights[1] (id 5): short_id 'Abcdefgh' is already used by insight 4 in project 1"),
        ({"id": 5, "dashboards": [99]}, "insights[1] (id 5) dashboards[0]: dashboard 99 does not exist"),
        ({"id": 5, "dashboards": [8]}, "insights[1] (id 5) dashboards[0]: dashboard 8 (project 2) and insight 5 (project 1) are in different projects"),
        ({"id": 5, "dashboards": 8}, "insights[1] (id 5): 'dashboards' must be a list"),
        ({"id": 5, "description": "x" * 401}, "insights[1] (id 5): 'description' is longer than 400 characters"),
        ({"id": 5, "name": 3}, "insights[1] (id 5): 'name' must be a string or null"),
        ({"id": 5, "saved": 1}, "insights[1] (id 5): 'saved' must be true or false"),
        ({"id": 5, "filters": []}, "insights[1] (id 5): 'filters' must be an object"),
        ({"id": 5, "last_modified_by": 77}, "insights[1] (id 5): last_modified_by 77 is not a known user email or id"),
        ({"id": True}, "insights[1] (id True): 'id' must be a positive integer"),
    ],
)  # fmt: skip
def test_bad_seed_record_rejects_the_whole_document(emulator, client, auth, record, message):
    emulator.load_seed({"projects": [{"id": 2, "organization": DEFAULT_ORG}]})
    emulator.load_seed({"dashboards": [{"project": 2, "id": 8}]})
    before = emulator.export_state()
    with pytest.raises(SeedError) as raised:
        emulator.load_seed(
            {
                "dashboards": [{"id": 3, "project": 1, "tiles": [4]}],
                "insights": [
                    {"id": 4, "project": 1, "short_id": "Abcdefgh"},
                    {"project": 1, **record},
                ],
            }
        )
    assert str(raised.value) == message
    assert emulator.export_state() == before
    assert body(client.get(BASE, headers=auth))["count"] == 0


def test_export_round_trips(frozen, client, auth):
    emulator = frozen
    board(client, auth, tags=["t"])
    make(client, auth, name="a", dashboards=[1], query={"k": [1, 2]}, tags=["x"])
    make(client, auth, name="b", deleted=True)
    exported = emulator.export_state()
    assert exported["insights"][0]["dashboards"] == [1]
    copy = Emulator(load_entrypoints=False, default_seed=False)
    copy.import_state(json.loads(json.dumps(exported)))
    assert copy.export_state() == exported
    assert body(copy.client().get(f"{BASE}1/", headers=auth)) == body(
        client.get(f"{BASE}1/", headers=auth)
    )


def test_python_api_creates_insights(emulator, client, auth):
    dashboard = emulator.dashboards.create(name="B")
    insight = emulator.insights.create(
        name="Py", dashboards=[dashboard["id"]], created_by="ada@example.com"
    )
    assert (insight["id"], insight["deleted"], len(insight["short_id"])) == (1, False, 8)
    assert [i["id"] for i in emulator.insights.list(1)] == [1]
    seen = body(client.get(f"{BASE}1/", headers=auth))
    assert seen == emulator.insights.get(insight["id"]) == insight
    assert (seen["name"], seen["dashboards"], seen["created_by"]) == ("Py", [1], ADA)
    with pytest.raises(ValidationError) as raised:
        emulator.insights.create(dashboards=[42])
    assert raised.value.attr == "dashboards"
    assert emulator.insights.create()["id"] == 2


def test_patch_404_comes_before_body_errors(client, auth):
    make(client, auth)
    response = client.patch(f"{BASE}999/", data={"name": "x"}, headers=auth)
    assert (response.status_code, response.get_data(as_text=True)) == (404, NOT_FOUND)
    response = client.patch(f"{BASE}1/", data={"name": "x"}, headers=auth)
    assert response.status_code == 415
    client.patch(f"{BASE}1/", json={"deleted": True}, headers=auth)
    response = client.patch(f"{BASE}1/", data="{bad", content_type="application/json", headers=auth)
    assert (response.status_code, response.get_data(as_text=True)) == (404, NOT_FOUND)
