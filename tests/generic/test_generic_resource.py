"""The generic resource's behaviour: places, ids, pagination, deletes, actions, tiers, seeds."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from phemu.emulator import Emulator
from phemu.errors import SeedError
from phemu.errors import ValidationError
from tests.conftest import ADA
from tests.conftest import DEFAULT_ORG
from tests.conftest import add_other_org
from tests.generic.support import NOW
from tests.generic.support import body

FLAGS = "/api/projects/1/feature_flags/"
NOT_FOUND = {"type": "invalid_request", "code": "not_found", "detail": "Not found.", "attr": None}


@pytest.fixture
def emulator() -> Emulator:
    emu = Emulator(load_entrypoints=False)
    emu.freeze_time(NOW)
    yield emu
    emu.check()


def get(emulator: Emulator, path: str) -> Any:
    response = emulator.client().get(path, headers=emulator.auth_headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return body(response)


def test_python_api_and_http_share_the_records(emulator: Emulator) -> None:
    created = emulator.generic.create("feature_flags", {"key": "beta"})
    assert get(emulator, f"{FLAGS}{created['id']}/")["key"] == "beta"
    emulator.generic.update("feature_flags", created["id"], {"name": "Beta"})
    assert [f["name"] for f in get(emulator, FLAGS)["results"]] == ["Beta"]
    assert emulator.generic.get("feature_flags", created["id"])["name"] == "Beta"
    with pytest.raises(ValidationError) as caught:
        emulator.generic.create("feature_flags", {})
    assert (caught.value.attr, caught.value.detail) == ("key", "This field is required.")
    with pytest.raises(KeyError, match="not a collection"):
        emulator.generic.create("feature_flag", {"key": "x"})


def test_records_belong_to_their_project(emulator: Emulator) -> None:
    emulator.load_seed({"projects": [{"id": 2, "name": "Second"}]})
    flag = emulator.generic.create("feature_flags", {"key": "only-in-1"})
    assert get(emulator, "/api/projects/2/feature_flags/")["count"] == 0
    response = emulator.client().get(
        f"/api/projects/2/feature_flags/{flag['id']}/", headers=emulator.auth_headers
    )
    assert (response.status_code, body(response)) == (404, NOT_FOUND)
    for bad in ("999", "abc", "1.0"):
        response = emulator.client().get(f"{FLAGS}{bad}/", headers=emulator.auth_headers)
        assert (response.status_code, body(response)) == (404, NOT_FOUND)


def test_prefixes_follow_posthogs_router(emulator: Emulator) -> None:
    client, headers = emulator.client(), emulator.auth_headers
    # hog_functions is registered under both prefixes (same records)...
    created = client.post("/api/environments/1/hog_functions/", json={"name": "f"}, headers=headers)
    assert created.status_code == 201, created.get_data(as_text=True)
    listed = get(emulator, "/api/projects/1/hog_functions/")["results"]
    assert [f["id"] for f in listed] == [body(created)["id"]]
    # ...feature_flags only under /api/projects/, error_tracking only under /api/environments/.
    assert client.get("/api/environments/1/feature_flags/", headers=headers).status_code == 404
    assert (
        client.get("/api/projects/1/error_tracking/releases/", headers=headers).status_code == 404
    )
    assert (
        client.get("/api/environments/1/error_tracking/releases/", headers=headers).status_code
        == 200
    )
    assert client.get("/api/projects/@current/feature_flags/", headers=headers).status_code == 200


def test_ids_as_the_schema_types_them(emulator: Emulator) -> None:
    client, headers = emulator.client(), emulator.auth_headers
    first = body(client.post("/api/projects/1/actions/", json={"name": "a"}, headers=headers))
    second = body(client.post("/api/projects/1/actions/", json={"name": "b"}, headers=headers))
    assert (first["id"], second["id"]) == (1, 2)  # integer sequence per resource
    survey = body(
        client.post(
            "/api/projects/1/surveys/", json={"name": "s", "type": "popover"}, headers=headers
        )
    )
    assert len(survey["id"]) == 36 and survey["id"].count("-") == 4  # UUID
    notebook = body(client.post("/api/projects/1/notebooks/", json={}, headers=headers))
    assert len(notebook["short_id"]) == 8
    assert (
        get(emulator, f"/api/projects/1/notebooks/{notebook['short_id']}/")["short_id"]
        == (notebook["short_id"])
    )


def test_limit_offset_pages_with_the_viewsets_default(emulator: Emulator) -> None:
    for n in range(101):
        emulator.generic.create("actions", {"name": f"a{n}"})
        emulator.generic.create("annotations", {"content": f"n{n}"})
    actions = get(emulator, "/api/projects/1/actions/")
    assert (actions["count"], len(actions["results"])) == (101, 100)
    assert actions["next"] == "http://localhost/api/projects/1/actions/?limit=100&offset=100"
    assert actions["results"][0]["name"] == "a100"  # newest first
    annotations = get(emulator, "/api/projects/1/annotations/")  # AnnotationsLimitOffsetPagination
    assert (len(annotations["results"]), annotations["next"]) == (101, None)
    page = get(emulator, "/api/projects/1/actions/?limit=10&offset=95")
    assert [a["name"] for a in page["results"]] == [f"a{n}" for n in range(5, -1, -1)]
    assert page["previous"] == "http://localhost/api/projects/1/actions/?limit=10&offset=85"


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
    survey = emulator.generic.create("surveys", {"name": "s", "type": "popover"})
    response = client.delete(f"/api/projects/1/surveys/{survey['id']}/", headers=headers)
    assert (response.status_code, response.get_data()) == (204, b"")
    assert get(emulator, "/api/projects/1/surveys/")["count"] == 0
    flag = emulator.generic.create("feature_flags", {"key": "k"})
    response = client.delete(f"{FLAGS}{flag['id']}/", headers=headers)
    assert (response.status_code, response.get_data()) == (405, b"")
    assert "Content-Type" not in response.headers
    assert get(emulator, FLAGS)["count"] == 1
    client.patch(f"{FLAGS}{flag['id']}/", json={"deleted": True}, headers=headers)
    assert get(emulator, FLAGS)["count"] == 0
    assert get(emulator, f"{FLAGS}{flag['id']}/")["deleted"] is True
    assert [f["key"] for f in emulator.generic.list("feature_flags", deleted=True)] == ["k"]


def test_activity_comes_from_the_writes(emulator: Emulator) -> None:
    client, headers = emulator.client(), emulator.auth_headers
    flag = body(client.post(FLAGS, json={"key": "k"}, headers=headers))
    client.patch(f"{FLAGS}{flag['id']}/", json={"name": "Renamed"}, headers=headers)
    page = get(emulator, f"{FLAGS}{flag['id']}/activity/")
    assert [e["activity"] for e in page["results"]] == ["updated", "created"]
    assert (page["total_count"], page["next"], page["previous"]) == (2, None, None)
    updated = page["results"][0]
    assert (updated["scope"], updated["item_id"], updated["user"]) == ("FeatureFlag", "1", ADA)
    assert updated["detail"]["changes"] == [
        {
            "type": "FeatureFlag",
            "action": "changed",
            "field": "name",
            "before": "",
            "after": "Renamed",
        }
    ]
    assert updated["created_at"] == NOW
    assert get(emulator, f"{FLAGS}activity/")["total_count"] == 2
    assert [e["activity"] for e in get(emulator, "/api/projects/1/activity_log/")] == [
        "updated",
        "created",
    ]
    response = client.get(f"{FLAGS}999/activity/", headers=headers)
    assert (response.status_code, response.get_data()) == (404, b"")


def test_bulk_keys_reads_the_stored_flags(emulator: Emulator) -> None:
    # PostHog's schema gives bulk_keys no personal-API-key scope: keys are refused...
    response = emulator.client().post(
        f"{FLAGS}bulk_keys/", json={"ids": [1]}, headers=emulator.auth_headers
    )
    assert (response.status_code, body(response)["detail"]) == (
        403,
        "This action does not support personal API key access",
    )
    # ...so its derived answer (for the callers PostHog lets in) is checked on the action itself.
    from werkzeug.test import EnvironBuilder

    from phemu.openapi.index import operation_index
    from phemu.resources.generic.actions import ActionCall
    from phemu.resources.generic.actions import bulk_keys

    for key in ("a", "b"):
        emulator.generic.create("feature_flags", {"key": key})
    model = emulator.generic.model("feature_flags")
    op = operation_index().by_id["feature_flags_bulk_keys_create"]
    request = EnvironBuilder(path=f"{FLAGS}bulk_keys/").get_request()

    def answer(ids: list[Any]) -> tuple[int, Any]:
        place = emulator.generic.where(model, project=1)
        call = ActionCall(emulator.generic, model, op, place, None, None, {"ids": ids}, request)
        return bulk_keys(call)

    assert answer([1, "2", 9, "x"]) == (
        200,
        {"keys": {"1": "a", "2": "b"}, "warning": "Invalid flag IDs ignored: ['x']"},
    )
    assert answer(["x"]) == (400, {"error": "Invalid flag IDs provided"})
    assert answer([]) == (200, {"keys": {}})


def test_shaped_answers_are_the_schema_minimum(emulator: Emulator) -> None:
    flag = emulator.generic.create("feature_flags", {"key": "k"})
    status = get(emulator, f"{FLAGS}{flag['id']}/status/")
    assert status == {}  # documented without a response schema
    metric = get(emulator, "/api/environments/1/web_vitals/")
    assert metric == {}
    assert [e.tier for e in emulator.requests()] == ["shaped", "shaped"]


def test_journal_marks_every_answer_with_its_tier(emulator: Emulator) -> None:
    client, headers = emulator.client(), emulator.auth_headers
    client.get("/api/projects/1/subscriptions/", headers=headers)
    client.get(FLAGS, headers=headers)
    client.get(f"{FLAGS}local_evaluation/", headers=headers)
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
                {"resource": "feature_flags", "project": 1, "key": "seeded"},
                {"resource": "organizations/roles", "organization": DEFAULT_ORG, "name": "R"},
            ]
        }
    )
    assert [f["key"] for f in get(emulator, FLAGS)["results"]] == ["seeded"]
    state = emulator.export_state()
    assert [r["resource"] for r in state["generic"]] == ["feature_flags", "organizations/roles"]
    copy = Emulator(load_entrypoints=False, default_seed=False)
    copy.import_state(state)
    assert copy.export_state() == state
    assert copy.generic.list("feature_flags")[0]["key"] == "seeded"
    with pytest.raises(SeedError, match=r"generic\[0\].*key: This field is required"):
        emulator.load_seed({"generic": [{"resource": "feature_flags"}]})
    with pytest.raises(SeedError, match="not a collection"):
        emulator.load_seed({"generic": [{"resource": "flags", "key": "x"}]})
    emulator.reset()
    assert emulator.generic.list("feature_flags") == []


def test_inspector_lists_generic_records(emulator: Emulator) -> None:
    emulator.generic.create("feature_flags", {"key": "visible-in-inspector"})
    page = emulator.client().get("/_phemu/").get_data(as_text=True)
    assert "feature_flags" in page and "visible-in-inspector" in page
