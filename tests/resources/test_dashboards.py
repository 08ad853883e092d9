"""Dashboards through HTTP (``posthog/api/dashboards/dashboard.py``), with byte-exact error
bodies."""

from __future__ import annotations

import json
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
from tests.resources.boards_support import tile_body

T0 = "2026-06-15T10:00:00Z"
NOT_FOUND = '{"type":"invalid_request","code":"not_found","detail":"Not found.","attr":null}'
BASE = "/api/projects/1/dashboards/"


def post(client, auth, data: Any, url: str = BASE):
    return client.post(url, json=data, headers=auth)


def make(client, auth, **fields: Any) -> dict[str, Any]:
    response = post(client, auth, fields)
    assert response.status_code == 201, response.get_data(as_text=True)
    return body(response)


# -- create ---------------------------------------------------------------------------------------


def test_create_empty_body_gives_defaults(frozen, client, auth):
    """Every field of PostHog's ``DashboardSerializer`` (``posthog/api/dashboards/dashboard.py``;
    the published ``Dashboard`` schema), in its order, with the model's defaults."""
    response = post(client, auth, {})
    assert response.status_code == 201
    assert response.headers["Content-Type"] == "application/json"
    assert list(body(response)) == list(dashboard_body())
    assert body(response) == dashboard_body()


def test_create_with_every_field_and_ignored_keys(frozen, client, auth):
    data = {
        "name": "  Growth  ",
        "description": "",
        "pinned": "true",
        "tags": ["b", "a", "b", 7],
        "tiles": [{"insight": 1}],
        "id": 99,
        "created_at": "2020-01-01T00:00:00Z",
        "unknown": 1,
    }
    created = make(client, auth, **data)
    assert created["id"] == 1
    assert created["name"] == "Growth"
    assert created["pinned"] is True
    assert created["tags"] == ["b", "a", "7"]
    assert created["tiles"] == []
    assert created["created_at"] == T0


def test_create_accepts_form_bodies(frozen, client, auth):
    response = client.post(
        BASE, data={"name": "Growth", "pinned": "t", "tags": ["x", "y", "x"]}, headers=auth
    )
    assert response.status_code == 201
    assert (body(response)["name"], body(response)["pinned"], body(response)["tags"]) == (
        "Growth", True, ["x", "y"],
    )  # fmt: skip


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            {"name": "x" * 401},
            invalid("max_length", "Ensure this field has no more than 400 characters.", "name"),
        ),
        ({"name": True}, invalid("invalid_input", "Not a valid string.", "name")),
        ({"name": {"a": 1}}, invalid("invalid_input", "Not a valid string.", "name")),
        ({"description": None}, invalid("null", "This field may not be null.", "description")),
        ({"description": []}, invalid("invalid_input", "Not a valid string.", "description")),
        ({"pinned": None}, invalid("null", "This field may not be null.", "pinned")),
        ({"pinned": "maybe"}, invalid("invalid_input", "Must be a valid boolean.", "pinned")),
        ({"deleted": 2}, invalid("invalid_input", "Must be a valid boolean.", "deleted")),
        (
            {"tags": "a"},
            invalid("not_a_list", 'Expected a list of items but got type "str".', "tags"),
        ),
        (
            {"tags": {"a": 1}},
            invalid("not_a_list", 'Expected a list of items but got type "dict".', "tags"),
        ),
        ({"tags": None}, invalid("null", "This field may not be null.", "tags")),
        ({"tags": ["ok", True]}, invalid("invalid_input", "Not a valid string.", "tags__1")),
        ({"tags": [None]}, invalid("null", "This field may not be null.", "tags__0")),
        ({"tags": ["a", " "]}, invalid("blank", "This field may not be blank.", "tags__1")),
        # First error in field order: name, description, pinned, deleted, tags.
        (
            {"tags": 1, "pinned": "x", "name": "x" * 401},
            invalid("max_length", "Ensure this field has no more than 400 characters.", "name"),
        ),
        (
            {"tags": 1, "deleted": "x"},
            invalid("invalid_input", "Must be a valid boolean.", "deleted"),
        ),
    ],
)
def test_field_errors(client, auth, data, expected):
    response = post(client, auth, data)
    assert response.status_code == 400
    assert response.get_data(as_text=True) == expected
    assert body(client.get(BASE, headers=auth))["count"] == 0


def test_name_of_exactly_400_characters_and_null_name(client, auth):
    assert make(client, auth, name="x" * 400)["name"] == "x" * 400
    assert make(client, auth, name=None)["name"] is None


def test_non_object_bodies(client, auth):
    response = post(client, auth, [1])
    assert response.get_data(as_text=True) == invalid(
        "invalid_input", "Invalid data. Expected a dictionary, but got list.", None
    )
    response = client.post(BASE, data="null", content_type="application/json", headers=auth)
    assert response.get_data(as_text=True) == invalid("null", "No data provided", None)


# -- list, retrieve -----------------------------------------------------------------------------


def test_list_order_pinned_then_name_nulls_last_then_id(client, auth):
    for name, pinned in [("b", False), (None, False), ("a", False), ("z", True), (None, True),
                         ("c", True), ("a", False)]:  # fmt: skip
        make(client, auth, name=name, pinned=pinned)
    listed = body(client.get(BASE, headers=auth))
    assert [(d["id"], d["name"]) for d in listed["results"]] == [
        (6, "c"), (4, "z"), (5, None), (3, "a"), (7, "a"), (1, "b"), (2, None),
    ]  # fmt: skip
    assert listed["count"] == 7
    assert "tiles" not in listed["results"][0]
    # DashboardBasicSerializer: no filters, variables, colours, persisted_* or tiles.
    assert list(listed["results"][0]) == list(dashboard_body(detail=False))


def test_list_paginates_and_ignores_other_parameters(client, auth):
    for index in range(3):
        make(client, auth, name=f"d{index}")
    page = body(client.get(BASE + "?limit=2&search=zzz&pinned=true", headers=auth))
    assert page["count"] == 3
    assert (
        page["next"]
        == "http://localhost/api/projects/1/dashboards/?limit=2&offset=2&pinned=true&search=zzz"
    )
    assert [d["name"] for d in page["results"]] == ["d0", "d1"]


def test_retrieve_and_both_prefixes_with_or_without_slash(frozen, client, auth):
    created = make(client, auth, name="Growth")
    assert created["last_accessed_at"] is None
    for url in ("/api/projects/1/dashboards/1/", "/api/projects/1/dashboards/1",
                "/api/environments/1/dashboards/1/", "/api/projects/@current/dashboards/1"):  # fmt: skip
        response = client.get(url, headers=auth)
        assert response.status_code == 200, url
        assert body(response) == created | {"last_accessed_at": T0}
    assert body(client.get("/api/environments/1/dashboards", headers=auth))["count"] == 1


@pytest.mark.parametrize("pk", ["999", "abc", "1.0", "-1"])
def test_unknown_or_malformed_ids_are_not_found(client, auth, pk):
    make(client, auth)
    response = client.get(f"{BASE}{pk}/", headers=auth)
    assert (response.status_code, response.get_data(as_text=True)) == (404, NOT_FOUND)
    response = client.patch(f"{BASE}{pk}/", json={"name": "x"}, headers=auth)
    assert (response.status_code, response.get_data(as_text=True)) == (404, NOT_FOUND)


def test_isolation_between_projects(emulator, client, auth):
    emulator.load_seed({"projects": [{"id": 2, "organization": DEFAULT_ORG, "name": "Second"}]})
    response = post(client, auth, {"name": "In 2"}, "/api/projects/2/dashboards/")
    assert response.status_code == 201
    assert body(client.get(BASE, headers=auth))["count"] == 0
    for method in ("get", "patch"):
        response = getattr(client, method)(f"{BASE}1/", json={}, headers=auth)
        assert (response.status_code, response.get_data(as_text=True)) == (404, NOT_FOUND)
    eve = add_other_org(emulator)
    response = client.get("/api/projects/7/dashboards/", headers=auth)
    assert body(response)["detail"] == "You don't have access to the project."
    assert body(client.get("/api/projects/7/dashboards/", headers=eve))["count"] == 0


# -- PATCH, soft delete, restore ----------------------------------------------------------------


def test_patch_changes_only_the_keys_sent(frozen, client, auth):
    make(client, auth, name="Growth", description="d", tags=["a"])
    response = client.patch(f"{BASE}1/", json={"pinned": True, "tags": []}, headers=auth)
    assert response.status_code == 200
    assert body(response) == dashboard_body(name="Growth", description="d", pinned=True)
    response = client.patch(f"{BASE}1/", json={"name": "x" * 401, "pinned": False}, headers=auth)
    assert response.get_data(as_text=True) == invalid(
        "max_length", "Ensure this field has no more than 400 characters.", "name"
    )
    assert body(client.get(f"{BASE}1/", headers=auth))["pinned"] is True


def test_patch_accepts_forms(client, auth):
    make(client, auth)
    response = client.patch(f"{BASE}1/", data={"name": "F", "pinned": "on"}, headers=auth)
    assert (body(response)["name"], body(response)["pinned"]) == ("F", True)


def test_soft_delete_hides_everywhere(client, auth):
    make(client, auth, name="Growth")
    response = client.patch(f"{BASE}1/", json={"deleted": True}, headers=auth)
    assert response.status_code == 200
    assert body(response)["deleted"] is True
    assert client.get(f"{BASE}1/", headers=auth).get_data(as_text=True) == NOT_FOUND
    assert body(client.get(BASE, headers=auth))["count"] == 0
    response = client.patch(f"{BASE}1/", json={"name": "again"}, headers=auth)
    assert (response.status_code, response.get_data(as_text=True)) == (404, NOT_FOUND)
    response = client.patch(f"{BASE}1/", json={"deleted": True}, headers=auth)
    assert response.status_code == 404


@pytest.mark.parametrize("value", [False, "false", 0, "f", "no", "off", "0"])
def test_restore_with_any_false_value(client, auth, value):
    make(client, auth, name="Growth")
    client.patch(f"{BASE}1/", json={"deleted": True}, headers=auth)
    response = client.patch(f"{BASE}1/", json={"deleted": value, "name": "Back"}, headers=auth)
    assert response.status_code == 200
    assert (body(response)["deleted"], body(response)["name"]) == (False, "Back")
    assert body(client.get(BASE, headers=auth))["count"] == 1


def test_restore_with_form_body(client, auth):
    make(client, auth)
    client.patch(f"{BASE}1/", json={"deleted": True}, headers=auth)
    response = client.patch(f"{BASE}1/", data={"deleted": "false"}, headers=auth)
    assert (response.status_code, body(response)["deleted"]) == (200, False)


def test_restore_lookup_rules_for_other_values(client, auth):
    make(client, auth)
    client.patch(f"{BASE}1/", json={"deleted": True}, headers=auth)
    # null and true-looking values keep the lookup narrow.
    for value in (None, True, "yes", 1):
        response = client.patch(f"{BASE}1/", json={"deleted": value}, headers=auth)
        assert (response.status_code, response.get_data(as_text=True)) == (404, NOT_FOUND)
    # Anything else widens it (PostHog's str_to_bool), and validation then speaks.
    response = client.patch(f"{BASE}1/", json={"deleted": "maybe"}, headers=auth)
    assert response.get_data(as_text=True) == invalid(
        "invalid_input", "Must be a valid boolean.", "deleted"
    )


# -- DELETE, PUT, scopes ------------------------------------------------------------------------


@pytest.mark.parametrize("pk", ["1", "999", "abc"])
def test_delete_is_an_empty_405(client, auth, pk):
    make(client, auth)
    response = client.delete(f"{BASE}{pk}/", headers=auth)
    assert response.status_code == 405
    assert response.get_data() == b""
    assert "Content-Type" not in response.headers
    assert response.headers["Allow"] == "GET, PUT, PATCH, DELETE, HEAD, OPTIONS"
    assert body(client.get(BASE, headers=auth))["count"] == 1


def test_put_is_posthogs_full_update_and_list_delete_refuses_keys(emulator, client, auth):
    # PUT is a documented operation (dashboards_update); the generic layer validates the whole
    # body against the schema and applies it through the hand-written PATCH (docs/generic.md).
    make(client, auth)
    response = client.put(f"{BASE}1/", json={"name": "x"}, headers=auth)
    assert response.status_code == 200
    assert body(response)["name"] == "x"
    assert body(client.get(f"{BASE}1/", headers=auth))["name"] == "x"
    assert response.headers["Allow"] == "GET, PUT, PATCH, DELETE, HEAD, OPTIONS"
    assert emulator.requests("PUT")[-1].tier == "stateful"
    response = client.delete(BASE, headers=auth)
    assert response.status_code == 403
    assert body(response)["detail"] == "This action does not support personal API key access"
    assert response.headers["Allow"] == "GET, POST, HEAD, OPTIONS"


def _missing(scope: str) -> str:
    return (
        '{"type":"authentication_error","code":"permission_denied",'
        f'"detail":"API key missing required scope \'{scope}\'","attr":null}}'
    )


def test_scopes(emulator, client, auth):
    make(client, auth)
    reader = add_key(emulator, "phx_reader", scopes=["dashboard:read"])
    writer = add_key(emulator, "phx_writer", scopes=["dashboard:write"])
    other = add_key(emulator, "phx_other", scopes=["insight:write"])
    assert client.get(f"{BASE}1/", headers=reader).status_code == 200
    assert client.get(BASE, headers=writer).status_code == 200
    for method in ("post", "patch", "delete", "put"):
        url = BASE if method == "post" else f"{BASE}1/"
        response = getattr(client, method)(url, json={}, headers=reader)
        assert (response.status_code, response.get_data(as_text=True)) == (
            403, _missing("dashboard:write"),
        ), method  # fmt: skip
    assert client.patch(f"{BASE}1/", json={}, headers=writer).status_code == 200
    response = client.get(BASE, headers=other)
    assert response.get_data(as_text=True) == _missing("dashboard:read")
    response = client.delete(f"{BASE}1/", headers=other)
    assert response.get_data(as_text=True) == _missing("dashboard:write")


def test_dashboards_use_the_burst_throttle_family():
    emulator = Emulator(load_entrypoints=False, rate_limits={"burst": "2/minute"})
    emulator.freeze_time(T0)
    client, auth = emulator.client(), emulator.auth_headers
    assert [client.get(BASE, headers=auth).status_code for _ in range(3)] == [200, 200, 429]
    assert client.get("/api/projects/1/insights/", headers=auth).status_code == 200


# -- tiles ---------------------------------------------------------------------------------------


def test_tiles_show_the_full_insight_in_tile_order(frozen, client, auth):
    make(client, auth, name="Board")
    ids = []
    for name in ("one", "two", "three"):
        response = client.post("/api/projects/1/insights/", json={"name": name}, headers=auth)
        ids.append(body(response)["id"])
    for pk in (ids[1], ids[0], ids[2]):
        client.patch(f"/api/projects/1/insights/{pk}/", json={"dashboards": [1]}, headers=auth)
    tiles = body(client.get(f"{BASE}1/", headers=auth))["tiles"]
    assert [(t["id"], t["insight"]["name"], t["order"]) for t in tiles] == [
        (1, "two", 0), (2, "one", 1), (3, "three", 2),
    ]  # fmt: skip
    for tile in tiles:
        insight = client.get(f"/api/projects/1/insights/{tile['insight']['id']}/", headers=auth)
        # DashboardTileSerializer (posthog/api/dashboards/dashboard.py): the tile's columns, the
        # full insight, then order, last_refresh and is_cached from the insight.
        assert tile == tile_body(tile["id"], body(insight), tile["order"])
    # A soft-deleted insight's tile disappears and the order closes up.
    client.patch(f"/api/projects/1/insights/{ids[1]}/", json={"deleted": True}, headers=auth)
    tiles = body(client.get(f"{BASE}1/", headers=auth))["tiles"]
    assert [(t["id"], t["order"]) for t in tiles] == [(2, 0), (3, 1)]


def test_deleting_a_dashboard_hides_its_tiles_until_restored(client, auth):
    make(client, auth)
    client.post("/api/projects/1/insights/", json={"dashboards": [1]}, headers=auth)
    insight = "/api/projects/1/insights/1/"
    client.patch(f"{BASE}1/", json={"deleted": True}, headers=auth)
    assert body(client.get(insight, headers=auth))["dashboards"] == []
    assert body(client.get(insight, headers=auth))["dashboard_tiles"] == []
    restored = client.patch(f"{BASE}1/", json={"deleted": False}, headers=auth)
    assert [t["id"] for t in body(restored)["tiles"]] == [1]
    assert body(client.get(insight, headers=auth))["dashboards"] == [1]


# -- seeds and the Python API -------------------------------------------------------------------


def test_seed_dashboards_with_tiles_naming_later_insights(emulator, client, auth):
    emulator.load_seed(
        {
            "dashboards": [
                {"id": 5, "project": 1, "name": "Seeded", "pinned": True, "tags": ["t"],
                 "created_by": "ada@example.com", "created_at": "2026-01-02T03:04:05Z",
                 "tiles": [8, 7]},
            ],
            "insights": [{"id": 7, "name": "seven"}, {"id": 8, "name": "eight"}],
        }
    )  # fmt: skip
    seeded = body(client.get(f"{BASE}5/", headers=auth))
    assert seeded["created_at"] == "2026-01-02T03:04:05Z"
    assert seeded["created_by"] == ADA
    assert [(t["id"], t["insight"]["id"]) for t in seeded["tiles"]] == [(1, 8), (2, 7)]
    assert make(client, auth)["id"] == 6


def test_seed_tiles_may_name_insights_of_an_earlier_document(emulator, client, auth):
    emulator.load_seed({"insights": [{"project": 1, "name": "first", "id": 3}]})
    emulator.load_seed({"dashboards": [{"project": 1, "name": "Later", "tiles": [3]}]})
    assert [t["insight"]["id"] for t in body(client.get(f"{BASE}1/", headers=auth))["tiles"]] == [3]


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"id": 4, "tiles": [99]}, "dashboards[1] (id 4) tiles[0]: insight 99 does not exist"),
        (
            {"id": 4, "name": "x" * 401},
            "dashboards[1] (id 4): 'name' is longer than 400 characters",
        ),
        ({"id": 4, "project": 42}, "dashboards[1] (id 4): project 42 does not exist"),
        ({"id": 4, "pinned": "yes"}, "dashboards[1] (id 4): 'pinned' must be true or false"),
        (
            {"id": 4, "created_by": "nobody@x"},
            "dashboards[1] (id 4): created_by 'nobody@x' is not a known user email or id",
        ),
        (
            {"id": 4, "tags": [1]},
            "dashboards[1] (id 4): 'tags' must be a list of non-empty strings",
        ),
        (
            {"id": 4, "created_at": "soon"},
            "dashboards[1] (id 4): 'created_at' is not an ISO 8601 datetime: 'soon'",
        ),
        (
            {"id": 4, "tiles": [{"id": "x", "insight": 1}]},
            "dashboards[1] (id 4) tiles[0]: 'id' must be a positive integer",
        ),
    ],
)
def test_bad_seed_record_rejects_the_whole_document(emulator, client, auth, record, message):
    before = emulator.export_state()
    with pytest.raises(SeedError) as raised:
        emulator.load_seed({"dashboards": [{"project": 1, "id": 3, "name": "fine"}, record]})
    assert str(raised.value) == message
    assert emulator.export_state() == before
    assert body(client.get(BASE, headers=auth))["count"] == 0


def test_seed_tile_across_projects_is_rejected(emulator):
    emulator.load_seed({"projects": [{"id": 2, "organization": DEFAULT_ORG}]})
    emulator.load_seed({"insights": [{"project": 2, "id": 9}]})
    with pytest.raises(SeedError) as raised:
        emulator.load_seed({"dashboards": [{"project": 1, "id": 1, "name": "x", "tiles": [9]}]})
    assert str(raised.value) == (
        "dashboards[0] (id 1) tiles[0]: dashboard 1 (project 1) and insight 9 (project 2) "
        "are in different projects"
    )


def test_export_round_trips_including_removed_tiles(frozen, client, auth):
    emulator = frozen
    make(client, auth, name="A")
    make(client, auth, name="B", tags=["x"])
    client.post("/api/projects/1/insights/", json={"dashboards": [1, 2]}, headers=auth)
    client.post("/api/projects/1/insights/", json={"dashboards": [2]}, headers=auth)
    client.patch("/api/projects/1/insights/1/", json={"dashboards": [2]}, headers=auth)
    client.patch(f"{BASE}1/", json={"deleted": True}, headers=auth)
    exported = emulator.export_state()
    assert exported["dashboards"][0]["tiles"] == [
        {"id": 1, "insight": 1, "deleted": True, "layouts": {}, "color": None}
    ]
    copy = Emulator(load_entrypoints=False, default_seed=False)
    copy.import_state(json.loads(json.dumps(exported)))
    assert copy.export_state() == exported
    # The removed tile keeps its id when the dashboard comes back on the insight.
    other = copy.client()
    other.patch(f"{BASE}1/", json={"deleted": False}, headers=auth)
    response = other.patch("/api/projects/1/insights/1/", json={"dashboards": [1, 2]}, headers=auth)
    # PostHog's tile column is a nullable boolean: ``False`` once revived, ``None`` if never
    # removed (``DashboardTile.objects.create`` leaves it unset).
    assert body(response)["dashboard_tiles"] == [
        {"id": 1, "dashboard_id": 1, "deleted": False},
        {"id": 2, "dashboard_id": 2, "deleted": None},
    ]


def test_python_api_creates_dashboards(emulator, client, auth):
    insight = emulator.insights.create(name="i")
    dashboard = emulator.dashboards.create(name="Py", pinned=True)
    emulator.insights.update(insight["id"], dashboards=[dashboard["id"]])
    assert (dashboard["id"], dashboard["name"], dashboard["deleted"]) == (1, "Py", False)
    assert [d["id"] for d in emulator.dashboards.list(1)] == [1]
    assert emulator.dashboards.create(name="Next")["id"] == 2
    seen = body(client.get(f"{BASE}1/", headers=auth))
    assert seen == emulator.dashboards.get(1)
    assert seen["created_by"] is None
    assert [t["insight"]["name"] for t in seen["tiles"]] == ["i"]
    with pytest.raises(ValidationError) as raised:
        emulator.dashboards.create(pinned="maybe")
    assert raised.value.body() == {
        "type": "validation_error",
        "code": "invalid_input",
        "detail": "Must be a valid boolean.",
        "attr": "pinned",
    }
    assert emulator.dashboards.create()["id"] == 3


def test_seed_records_name_their_project_when_there_are_several(emulator):
    emulator.load_seed({"dashboards": [{"name": "only one project: project may be left out"}]})
    emulator.load_seed({"projects": [{"id": 2, "organization": DEFAULT_ORG}]})
    with pytest.raises(SeedError) as raised:
        emulator.load_seed({"dashboards": [{"name": "where?"}]})
    assert str(raised.value) == (
        "dashboards[0]: 'project' is required when there is not exactly one project"
    )
    emulator.dashboards.create(2)
    assert len(emulator.dashboards.list(2)) == 1


def test_patch_404_comes_before_body_errors(client, auth):
    make(client, auth)
    bad = {"data": "{oops", "content_type": "application/json", "headers": auth}
    response = client.patch(f"{BASE}999/", **bad)
    assert (response.status_code, response.get_data(as_text=True)) == (404, NOT_FOUND)
    response = client.patch(f"{BASE}1/", **bad)
    assert response.status_code == 400
    assert body(response)["code"] == "parse_error"
    response = client.patch(f"{BASE}1/", data="x", content_type="text/plain", headers=auth)
    assert response.status_code == 415
