"""``/api/personal_api_keys/``, ``/api/organizations/`` and organization projects
(``phemu/resources/personal_api_keys.py``, ``phemu/resources/organization_projects/``)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from phemu.emulator import Emulator
from phemu.errors import NotFound
from phemu.errors import PermissionDenied
from phemu.errors import ValidationError
from tests.conftest import DEFAULT_ORG
from tests.conftest import OTHER_ORG
from tests.conftest import add_key
from tests.conftest import add_other_org
from tests.conftest import bearer

NOW = "2026-06-15T10:00:00Z"
SELF_ONLY = {
    "type": "authentication_error",
    "code": "permission_denied",
    "detail": "This action does not support Personal API Key access",
    "attr": None,
}
NOT_FOUND = {"type": "invalid_request", "code": "not_found", "detail": "Not found.", "attr": None}


def call(frozen: Emulator, method: str, path: str, headers: Any = None, **kw: Any) -> Any:
    response = frozen.client().open(
        path, method=method, headers=frozen.auth_headers if headers is None else headers, **kw
    )
    raw = response.get_data()
    return response.status_code, (json.loads(raw) if raw else None)


# -- personal API keys ----------------------------------------------------------------------
def test_current_key_describes_itself(frozen: Emulator) -> None:
    headers = add_key(
        frozen,
        "phx_scoped_reader_key_0123456789",
        label="ci reader",
        scopes=["feature_flag:read", "insight:write"],
        scoped_teams=[1],
        scoped_organizations=[DEFAULT_ORG],
    )
    status, key = call(frozen, "GET", "/api/personal_api_keys/@current/", headers)
    assert status == 200
    assert key == {
        "id": key["id"],
        "label": "ci reader",
        "value": None,
        "mask_value": "phx_...6789",
        "created_at": NOW,
        "last_used_at": NOW,
        "user_id": 1,
        "scopes": ["feature_flag:read", "insight:write"],
        "scoped_teams": [1],
        "scoped_organizations": [DEFAULT_ORG],
        "last_rolled_at": None,
    }
    # Its own id works too; the key needs no scope and its restrictions do not apply here.
    assert call(frozen, "GET", f"/api/personal_api_keys/{key['id']}/", headers)[1] == key


def test_a_key_may_only_read_itself(frozen: Emulator) -> None:
    other = add_key(frozen, "phx_second_key_of_ada", scopes=[])
    _, own = call(frozen, "GET", "/api/personal_api_keys/@current/", other)
    assert own["scopes"] == ["*"]  # PostHog renders an empty scope list as ["*"]
    _, default = call(frozen, "GET", "/api/personal_api_keys/@current/")
    assert call(frozen, "GET", "/api/personal_api_keys/") == (403, SELF_ONLY)
    assert call(frozen, "GET", f"/api/personal_api_keys/{own['id']}/") == (403, SELF_ONLY)
    for method in ("POST", "PATCH", "PUT", "DELETE", "OPTIONS"):
        assert call(frozen, method, f"/api/personal_api_keys/{default['id']}/") == (
            403,
            SELF_ONLY,
        )
    assert call(frozen, "POST", f"/api/personal_api_keys/{default['id']}/roll/") == (
        403,
        SELF_ONLY,
    )
    eve = add_other_org(frozen)
    assert call(frozen, "GET", f"/api/personal_api_keys/{default['id']}/", eve) == (
        404,
        NOT_FOUND,
    )
    assert call(frozen, "GET", "/api/personal_api_keys/@current/", {})[0] == 401


# -- organizations ------------------------------------------------------------------------------
def test_organizations_list_is_the_keys_organizations(frozen: Emulator) -> None:
    add_other_org(frozen)
    status, page = call(frozen, "GET", "/api/organizations/")
    assert status == 200
    assert [o["id"] for o in page["results"]] == [DEFAULT_ORG]
    _, current = call(frozen, "GET", "/api/organizations/@current/")
    assert page["results"][0] == current
    scoped = add_key(frozen, "phx_team_scoped", scoped_teams=[1])
    status, error = call(frozen, "GET", "/api/organizations/", scoped)
    assert (status, error["detail"]) == (
        403,
        "API keys with scoped projects are only supported on project-based endpoints.",
    )


def test_create_organization_makes_the_owner_its_owner(frozen: Emulator) -> None:
    status, org = call(frozen, "POST", "/api/organizations/", json={"name": "Acme Labs"})
    assert status == 201
    assert (org["name"], org["slug"], org["membership_level"]) == ("Acme Labs", "acme-labs", 15)
    _, page = call(frozen, "GET", "/api/organizations/")
    assert {o["id"] for o in page["results"]} == {DEFAULT_ORG, org["id"]}
    status, error = call(frozen, "POST", "/api/organizations/", json={})
    assert (status, error["attr"], error["code"]) == (400, "name", "required")


# -- projects of an organization ------------------------------------------------------------------
def test_organization_projects_match_the_project_routes(frozen: Emulator) -> None:
    status, page = call(frozen, "GET", "/api/organizations/@current/projects/")
    assert status == 200
    _, projects = call(frozen, "GET", "/api/projects/")
    assert page["results"] == projects["results"]
    _, detail = call(frozen, "GET", f"/api/organizations/{DEFAULT_ORG}/projects/1/")
    _, current = call(frozen, "GET", "/api/projects/@current/")
    shared = set(current) & set(detail)
    assert shared >= {"id", "name", "uuid", "api_token", "timezone", "organization"}
    assert {k: detail[k] for k in shared} == {k: current[k] for k in shared}
    for key in ("live_events_token", "secret_api_token", "product_intents"):
        assert key in detail  # ProjectBackwardCompat's required fields


def test_created_project_is_a_project_everywhere(frozen: Emulator) -> None:
    status, project = call(
        frozen,
        "POST",
        "/api/organizations/@current/projects/",
        json={"name": "Staging", "timezone": "Europe/Berlin"},
    )
    assert status == 201
    assert (project["id"], project["name"], project["timezone"]) == (2, "Staging", "Europe/Berlin")
    assert project["api_token"].startswith("phc_")
    assert call(frozen, "GET", "/api/projects/2/")[1]["name"] == "Staging"
    status, _ = call(frozen, "POST", "/api/projects/2/feature_flags/", json={"key": "x"})
    assert status == 201
    _, org = call(frozen, "GET", "/api/organizations/@current/")
    assert [p["id"] for p in org["projects"]] == [1, 2]
    status, root = call(frozen, "POST", "/api/projects/", json={"name": "Third"})
    assert (status, root["id"], root["organization"]) == (201, 3, DEFAULT_ORG)


def test_update_and_delete_a_project(frozen: Emulator) -> None:
    call(frozen, "POST", "/api/organizations/@current/projects/", json={"name": "Temp"})
    status, renamed = call(
        frozen, "PATCH", "/api/organizations/@current/projects/2/", json={"name": "Kept"}
    )
    assert (status, renamed["name"]) == (200, "Kept")
    assert call(frozen, "GET", "/api/projects/2/")[1]["name"] == "Kept"
    status, error = call(
        frozen, "PATCH", "/api/organizations/@current/projects/2/", json={"name": "n" * 201}
    )
    assert (status, error["attr"], error["code"]) == (400, "name", "max_length")
    assert call(frozen, "DELETE", "/api/organizations/@current/projects/2/") == (204, None)
    assert call(frozen, "GET", "/api/projects/2/") == (404, NOT_FOUND)
    assert call(frozen, "GET", "/api/projects/2/feature_flags/")[1]["detail"] == (
        "Project not found."
    )


def test_members_below_admin_cannot_create_or_delete_projects(frozen: Emulator) -> None:
    frozen.load_seed(
        {
            "users": [
                {
                    "email": "member@example.com",
                    "organizations": [{"id": DEFAULT_ORG, "level": 1}],
                }
            ],
            "personal_api_keys": [{"user": "member@example.com", "value": "phx_member"}],
        }
    )
    member = bearer("phx_member")
    insufficient = {
        "type": "authentication_error",
        "code": "permission_denied",
        "detail": "Your organization access level is insufficient.",
        "attr": None,
    }
    assert call(frozen, "POST", "/api/projects/", member, json={"name": "x"}) == (
        403,
        insufficient,
    )
    assert call(frozen, "DELETE", "/api/organizations/@current/projects/1/", member) == (
        403,
        insufficient,
    )
    assert call(frozen, "GET", "/api/organizations/@current/projects/1/", member)[0] == 200


def test_projects_of_other_organizations_are_invisible(frozen: Emulator) -> None:
    eve = add_other_org(frozen)
    assert call(frozen, "GET", f"/api/organizations/{OTHER_ORG}/projects/") == (404, NOT_FOUND)
    assert call(frozen, "GET", f"/api/organizations/{DEFAULT_ORG}/projects/", eve) == (
        404,
        NOT_FOUND,
    )
    assert call(frozen, "GET", f"/api/organizations/{DEFAULT_ORG}/projects/7/")[0] == 404
    reader = add_key(frozen, "phx_reader_only", scopes=["project:read"])
    assert call(frozen, "POST", "/api/projects/", reader, json={})[1]["detail"] == (
        "API key missing required scope 'project:write'"
    )
    # PostHog's schema gives PATCH on a project the read scope.
    status, _ = call(
        frozen, "PATCH", "/api/organizations/@current/projects/1/", reader, json={"name": "r"}
    )
    assert status == 200


# -- the Python API (emulator.organization_projects) ------------------------------------------
def test_python_api_answers_what_the_routes_answer(frozen: Emulator) -> None:
    api = frozen.organization_projects
    created = api.create(name="Staging", timezone="Europe/Berlin")
    assert created == call(frozen, "GET", "/api/organizations/@current/projects/2/")[1]
    assert api.get(2) == created
    assert api.list() == call(frozen, "GET", "/api/organizations/@current/projects/")[1]["results"]
    assert [p["id"] for p in api.list(DEFAULT_ORG)] == [1, 2]
    renamed = api.update(2, name="Kept")
    assert renamed == call(frozen, "GET", "/api/organizations/@current/projects/2/")[1]
    assert call(frozen, "GET", "/api/projects/2/")[1]["name"] == "Kept"
    api.delete(2)
    assert call(frozen, "GET", "/api/projects/2/") == (404, NOT_FOUND)
    with pytest.raises(NotFound):
        api.get(2)


def test_python_api_raises_the_api_errors(frozen: Emulator) -> None:
    api = frozen.organization_projects
    with pytest.raises(ValidationError) as error:
        api.update(1, name="n" * 201)
    assert (error.value.body()["attr"], error.value.body()["code"]) == ("name", "max_length")
    with pytest.raises(ValidationError) as error:
        api.create_organization()
    assert error.value.body()["attr"] == "name"
    with pytest.raises(NotFound):
        api.list(OTHER_ORG)
    frozen.load_seed(
        {"users": [{"email": "m@example.com", "organizations": [{"id": DEFAULT_ORG, "level": 1}]}]}
    )
    with pytest.raises(PermissionDenied) as denied:
        api.create(by="m@example.com", name="x")
    assert denied.value.body()["detail"] == "Your organization access level is insufficient."
    assert len(api.list()) == 1  # nothing was written


def test_python_api_organizations(frozen: Emulator) -> None:
    api = frozen.organization_projects
    org = api.create_organization(name="Acme Labs")
    assert (org["slug"], org["membership_level"]) == ("acme-labs", 15)
    assert [o["id"] for o in api.organizations()] == [DEFAULT_ORG, org["id"]]
    listed = call(frozen, "GET", "/api/organizations/")[1]["results"]
    assert api.organizations() == listed
    project = api.create(org["id"], name="Acme web")
    assert project["organization"] == org["id"]
    assert call(frozen, "GET", f"/api/projects/{project['id']}/")[1]["name"] == "Acme web"
