"""The generic resource's behaviour: places, ids, pagination, deletes, actions, tiers, seeds."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from phemu.emulator import Emulator
from phemu.errors import SeedError
from phemu.errors import ValidationError
from phemu.openapi.index import operation_index
from tests.conftest import DEFAULT_ORG
from tests.conftest import add_other_org
from tests.conftest import body
from tests.generic.support import NOW

FEATURES = "/api/projects/1/early_access_feature/"
ACTIONS = "/api/projects/1/actions/"
FEATURE = {"name": "beta", "stage": "beta"}
NOT_FOUND = {"type": "invalid_request", "code": "not_found", "detail": "Not found.", "attr": None}


def get(emulator: Emulator, path: str) -> Any:
    response = emulator.client().get(path, headers=emulator.auth_headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return body(response)


def test_python_api_and_http_share_the_records(emulator: Emulator) -> None:
    created = emulator.generic.create("early_access_feature", FEATURE)
    assert get(emulator, f"{FEATURES}{created['id']}/")["name"] == "beta"
    emulator.generic.update("early_access_feature", created["id"], {"description": "d"})
    assert [f["description"] for f in get(emulator, FEATURES)["results"]] == ["d"]
    assert emulator.generic.get("early_access_feature", created["id"])["description"] == "d"
    with pytest.raises(ValidationError) as caught:
        emulator.generic.create("early_access_feature", {})
    assert (caught.value.attr, caught.value.detail) == ("name", "This field is required.")
    with pytest.raises(KeyError, match="not a collection"):
        emulator.generic.create("early_access_features", FEATURE)


def test_records_belong_to_their_project(emulator: Emulator) -> None:
    emulator.load_seed({"projects": [{"id": 2, "name": "Second"}]})
    action = emulator.generic.create("actions", {"name": "only-in-1"})
    assert get(emulator, "/api/projects/2/actions/")["count"] == 0
    response = emulator.client().get(
        f"/api/projects/2/actions/{action['id']}/", headers=emulator.auth_headers
    )
    assert (response.status_code, body(response)) == (404, NOT_FOUND)
    for bad in ("999", "abc", "1.5"):
        response = emulator.client().get(f"{ACTIONS}{bad}/", headers=emulator.auth_headers)
        assert (response.status_code, body(response)) == (404, NOT_FOUND)


def test_prefixes_follow_posthogs_router(emulator: Emulator) -> None:
    client, headers = emulator.client(), emulator.auth_headers
    # hog_functions is registered under both prefixes (same records)...
    created = client.post("/api/environments/1/hog_functions/", json={"name": "f"}, headers=headers)
    assert created.status_code == 201, created.get_data(as_text=True)
    listed = get(emulator, "/api/projects/1/hog_functions/")["results"]
    assert [f["id"] for f in listed] == [body(created)["id"]]
    # ...actions only under /api/projects/, error_tracking only under /api/environments/.
    assert client.get("/api/environments/1/actions/", headers=headers).status_code == 404
    assert (
        client.get("/api/projects/1/error_tracking/releases/", headers=headers).status_code == 404
    )
    assert (
        client.get("/api/environments/1/error_tracking/releases/", headers=headers).status_code
        == 200
    )
    assert client.get("/api/projects/@current/actions/", headers=headers).status_code == 200


def test_ids_as_the_schema_types_them(emulator: Emulator) -> None:
    client, headers = emulator.client(), emulator.auth_headers
    first = body(client.post(ACTIONS, json={"name": "a"}, headers=headers))
    second = body(client.post(ACTIONS, json={"name": "b"}, headers=headers))
    assert (first["id"], second["id"]) == (1, 2)  # integer sequence per resource
    feature = body(client.post(FEATURES, json=FEATURE, headers=headers))
    assert len(feature["id"]) == 36 and feature["id"].count("-") == 4  # UUID
    notebook = body(client.post("/api/projects/1/notebooks/", json={}, headers=headers))
    assert len(notebook["short_id"]) == 8
    assert (
        get(emulator, f"/api/projects/1/notebooks/{notebook['short_id']}/")["short_id"]
        == (notebook["short_id"])
    )


def test_limit_offset_pages_with_the_viewsets_default(emulator: Emulator) -> None:
    for n in range(101):
        emulator.generic.create("actions", {"name": f"a{n}"})
    actions = get(emulator, ACTIONS)
    assert (actions["count"], len(actions["results"])) == (101, 100)
    assert actions["next"] == "http://localhost/api/projects/1/actions/?limit=100&offset=100"
    assert actions["results"][0]["name"] == "a100"  # newest first
    page = get(emulator, f"{ACTIONS}?limit=10&offset=95")
    assert [a["name"] for a in page["results"]] == [f"a{n}" for n in range(5, -1, -1)]
    assert page["previous"] == "http://localhost/api/projects/1/actions/?limit=10&offset=85"
    # AnnotationsLimitOffsetPagination (posthog/api/annotation.py), were annotations generic:
    assert operation_index().by_id["annotations_list"].page_size == 1000


def test_cursor_pages_where_the_schema_has_no_count(emulator: Emulator) -> None:
    batch = "00000000-0000-4000-8000-00000000b001"
    model = emulator.generic.model("batch_exports/runs")
    place = emulator.generic.where(model, project=1, parents=[batch])
    for _ in range(105):
        emulator.generic.insert(model, place, {}, None)
    path = f"/api/projects/1/batch_exports/{batch}/runs/"
    first = get(emulator, path)
    assert list(first) == ["next", "previous", "results"]
    assert (len(first["results"]), first["previous"]) == (100, None)
    cursor = base64.b64encode(b"o=100").decode().replace("=", "%3D")
    assert first["next"] == f"http://localhost{path}?cursor={cursor}"
    second = get(emulator, first["next"].removeprefix("http://localhost"))
    assert (len(second["results"]), second["next"]) == (5, None)
    assert second["previous"] == f"http://localhost{path}"
    response = emulator.client().get(f"{path}?cursor=%%%", headers=emulator.auth_headers)
    assert (response.status_code, body(response)["detail"]) == (404, "Invalid cursor")


def test_delete_204_removes_and_405_soft_deletes(emulator: Emulator) -> None:
    client, headers = emulator.client(), emulator.auth_headers
    feature = emulator.generic.create("early_access_feature", FEATURE)
    response = client.delete(f"{FEATURES}{feature['id']}/", headers=headers)
    assert (response.status_code, response.get_data()) == (204, b"")
    assert get(emulator, FEATURES)["count"] == 0
    action = emulator.generic.create("actions", {"name": "k"})
    response = client.delete(f"{ACTIONS}{action['id']}/", headers=headers)
    assert (response.status_code, response.get_data()) == (405, b"")
    assert "Content-Type" not in response.headers
    assert get(emulator, ACTIONS)["count"] == 1
    client.patch(f"{ACTIONS}{action['id']}/", json={"deleted": True}, headers=headers)
    assert get(emulator, ACTIONS)["count"] == 0
    assert get(emulator, f"{ACTIONS}{action['id']}/")["deleted"] is True
    assert [a["name"] for a in emulator.generic.list("actions", deleted=True)] == ["k"]


def test_activity_comes_from_the_writes(emulator: Emulator) -> None:
    client, headers = emulator.client(), emulator.auth_headers
    notebooks = "/api/projects/1/notebooks/"
    notebook = body(client.post(notebooks, json={"title": "Plan"}, headers=headers))
    path = f"{notebooks}{notebook['short_id']}/"
    client.patch(path, json={"title": "Renamed"}, headers=headers)
    page = get(emulator, f"{path}activity/")
    assert [e["activity"] for e in page["results"]] == ["updated", "created"]
    assert (page["total_count"], page["next"], page["previous"]) == (2, None, None)
    updated = page["results"][0]
    assert (updated["scope"], updated["item_id"]) == ("Notebook", notebook["short_id"])
    assert updated["user"] == {"first_name": "Ada", "email": "ada@example.com"}
    assert updated["detail"]["changes"] == [
        {
            "type": "Notebook",
            "action": "changed",
            "field": "title",
            "before": "Plan",
            "after": "Renamed",
        }
    ]
    assert updated["created_at"] == NOW
    # The project's journal holds every resource's entries (emulator.activity_log).
    assert [e["activity"] for e in get(emulator, "/api/projects/1/activity_log/")] == [
        "updated",
        "created",
    ]
    response = client.get(f"{notebooks}nope1234/activity/", headers=headers)
    assert (response.status_code, response.get_data()) == (404, b"")


def test_shaped_answers_are_the_schema_minimum(emulator: Emulator) -> None:
    client, headers = emulator.client(), emulator.auth_headers
    export = body(
        client.post(
            "/api/projects/1/exports/", json={"export_format": "image/png"}, headers=headers
        )
    )
    assert get(emulator, f"/api/projects/1/exports/{export['id']}/content/") == {}
    assert get(emulator, "/api/environments/1/web_vitals/") == {}
    assert [e.tier for e in emulator.requests()] == ["stateful", "shaped", "shaped"]


def test_journal_marks_every_answer_with_its_tier(emulator: Emulator) -> None:
    client, headers = emulator.client(), emulator.auth_headers
    client.get("/api/projects/1/subscriptions/", headers=headers)
    client.get(ACTIONS, headers=headers)
    client.get("/api/environments/1/web_vitals/", headers=headers)
    client.get("/api/projects/1/nothing_here/", headers=headers)
    assert [e.tier for e in emulator.requests()] == ["exact", "stateful", "shaped", None]


def test_organization_collections_resolve_current(emulator: Emulator) -> None:
    client, headers = emulator.client(), emulator.auth_headers
    created = client.post(
        "/api/organizations/@current/roles/", json={"name": "Analysts"}, headers=headers
    )
    assert created.status_code == 201, created.get_data(as_text=True)
    roles = get(emulator, f"/api/organizations/{DEFAULT_ORG}/roles/")["results"]
    assert [r["name"] for r in roles] == ["Analysts"]
    other = add_other_org(emulator)
    response = client.get(f"/api/organizations/{DEFAULT_ORG}/roles/", headers=other)
    assert (response.status_code, body(response)) == (404, NOT_FOUND)


def test_seed_documents_and_state_files_hold_generic_records(emulator: Emulator) -> None:
    emulator.load_seed(
        {
            "generic": [
                {"resource": "actions", "project": 1, "name": "seeded"},
                {"resource": "organizations/roles", "organization": DEFAULT_ORG, "name": "R"},
            ]
        }
    )
    assert [a["name"] for a in get(emulator, ACTIONS)["results"]] == ["seeded"]
    state = emulator.export_state()
    assert [r["resource"] for r in state["generic"]] == ["actions", "organizations/roles"]
    copy = Emulator(load_entrypoints=False, default_seed=False)
    copy.import_state(state)
    assert copy.export_state() == state
    assert copy.generic.list("actions")[0]["name"] == "seeded"
    with pytest.raises(SeedError, match=r"generic\[0\].*name: This field is required"):
        emulator.load_seed({"generic": [{"resource": "early_access_feature", "stage": "beta"}]})
    with pytest.raises(SeedError, match="not a collection"):
        emulator.load_seed({"generic": [{"resource": "flags", "key": "x"}]})
    emulator.reset()
    assert emulator.generic.list("actions") == []


def test_inspector_lists_generic_records(emulator: Emulator) -> None:
    emulator.generic.create("actions", {"name": "visible-in-inspector"})
    page = emulator.client().get("/_phemu/").get_data(as_text=True)
    assert "actions" in page and "visible-in-inspector" in page
