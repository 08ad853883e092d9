"""Projects, users/@me and organizations/@current (``posthog/api/project.py``,
``posthog/api/user.py``, ``posthog/api/organization.py``)."""

from __future__ import annotations

from tests.conftest import DEFAULT_ORG
from tests.conftest import add_key
from tests.conftest import add_other_org
from tests.conftest import body

PROJECT_BASIC_KEYS = [
    "id", "uuid", "organization", "project_id", "api_token", "name",
    "completed_snippet_onboarding", "has_completed_onboarding_for", "ingested_event", "is_demo",
    "timezone", "access_control",
]  # fmt: skip


def test_projects_list_shape(client, auth):
    data = body(client.get("/api/projects/", headers=auth, base_url="http://testserver"))
    assert data["count"] == 1 and data["next"] is None and data["previous"] is None
    item = data["results"][0]
    assert list(item) == PROJECT_BASIC_KEYS
    assert item["id"] == item["project_id"] == 1
    assert item["name"] == "Default project"
    assert item["organization"] == DEFAULT_ORG


def test_projects_list_search_and_order(emulator, client, auth):
    emulator.load_seed(
        {"version": 1, "projects": [{"id": 5, "name": "Staging"}, {"id": 3, "name": "Prod STAGE"}]}
    )
    all_ids = [p["id"] for p in body(client.get("/api/projects/", headers=auth))["results"]]
    assert all_ids == [1, 3, 5]
    found = body(client.get("/api/projects/?search=stag", headers=auth))["results"]
    assert [p["id"] for p in found] == [3, 5]


def test_project_detail_fields(client, auth):
    data = body(client.get("/api/projects/1/", headers=auth))
    assert list(data)[:3] == ["id", "organization", "name"]
    assert data["effective_membership_level"] == 15
    assert data["project_id"] == 1
    assert data["session_recording_retention_period"] == "30d"
    assert data["created_at"] == "2026-01-01T00:00:00Z"


def test_project_detail_unknown_and_non_integer_are_not_found(client, auth):
    for path in ("/api/projects/999/", "/api/projects/abc/"):
        response = client.get(path, headers=auth)
        assert response.status_code == 404
        assert body(response)["detail"] == "Not found."


def test_project_detail_is_read_only(client, auth):
    """ProjectViewSet is a ModelViewSet (``posthog/api/project.py``): PUT/PATCH/DELETE are
    mapped (write scope, then 405 here: not emulated); POST on a detail has no action, so a
    personal API key gets 403 (``posthog/permissions.py``)."""
    response = client.post("/api/projects/1/", headers=auth)
    assert response.status_code == 403
    assert body(response)["detail"] == "This action does not support personal API key access"
    for method in ("PUT", "PATCH", "DELETE"):
        response = client.open("/api/projects/1/", method=method, headers=auth)
        assert response.status_code == 405
        assert body(response)["detail"] == f'Method "{method}" not allowed.'
        assert response.headers["Allow"] == "GET, PUT, PATCH, DELETE, HEAD, OPTIONS"


def test_users_me(client, auth):
    data = body(client.get("/api/users/@me/", headers=auth))
    assert data["email"] == "ada@example.com"
    assert data["team"]["id"] == 1
    assert data["organization"]["id"] == DEFAULT_ORG
    assert data["organizations"][0]["membership_level"] == 15
    assert next(iter(data)) == "date_joined" and list(data)[-1] == "role_at_organization"
    assert client.get(f"/api/users/{data['uuid']}/", headers=auth).status_code == 200
    assert client.get("/api/users/someone-else/", headers=auth).status_code == 404


def test_users_me_needs_user_read(emulator, client):
    headers = add_key(emulator, "phx_proj", scopes=["project:read"])
    response = client.get("/api/users/@me/", headers=headers)
    assert body(response)["detail"] == "API key missing required scope 'user:read'"


def test_organization_current(client, auth):
    data = body(client.get("/api/organizations/@current/", headers=auth))
    assert data["id"] == DEFAULT_ORG
    assert data["member_count"] == 1
    assert [p["id"] for p in data["projects"]] == [1]
    assert data["teams"] == data["projects"]
    assert client.get(f"/api/organizations/{DEFAULT_ORG}/", headers=auth).status_code == 200


def test_organization_of_someone_else_is_not_found(emulator, client, auth):
    add_other_org(emulator)
    response = client.get("/api/organizations/01928a6e-3c1d-7000-8000-0000000000bb/", headers=auth)
    assert body(response)["detail"] == "Not found."


def test_current_organization_missing(emulator, client, auth):
    emulator.store.users[1].current_project = None
    response = client.get("/api/organizations/@current/", headers=auth)
    assert response.status_code == 404
    assert body(response)["detail"] == "Current organization not found."
