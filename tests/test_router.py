"""Routing: both prefixes, @current, optional trailing slash, unknown paths
(``posthog/api/routing.py``)."""

from __future__ import annotations

import pytest

from tests.conftest import add_other_org
from tests.conftest import body

ENDPOINT_NOT_FOUND = (
    b'{"type":"invalid_request","code":"not_found","detail":"Endpoint not found.","attr":null}'
)
PROJECT_NOT_FOUND = (
    b'{"type":"invalid_request","code":"not_found","detail":"Project not found.","attr":null}'
)


@pytest.mark.parametrize(
    "path",
    [
        "/api/projects/1/nonsense/",
        "/api/projects/1/subscriptions/1/extra/",
        "/api//projects/",
        "/api/projects//",
        "/api/nothing",
        "/",
        "/some/page",
        "/API/projects/",
    ],
)
@pytest.mark.parametrize("method", ["GET", "POST", "DELETE", "TRACE"])
def test_unknown_paths_are_endpoint_not_found_without_auth(client, path, method):
    response = client.open(path, method=method)
    assert response.status_code == 404
    assert response.data == ENDPOINT_NOT_FOUND
    assert response.headers["Content-Type"] == "application/json"


def test_unknown_paths_are_flagged_in_the_journal_with_near_misses(emulator, client, auth):
    client.get("/api/project/", headers=auth)
    entry = emulator.requests()[-1]
    assert entry.unknown_route is True
    assert entry.endpoint is None
    assert "/api/projects/" in entry.near_misses


@pytest.mark.parametrize("path", ["/api/projects/", "/api/projects"])
def test_trailing_slash_is_optional_and_never_redirects(client, auth, path):
    response = client.get(path, headers=auth)
    assert response.status_code == 200
    assert body(response)["count"] == 1


@pytest.mark.parametrize("path", ["/api/projects/1/", "/api/projects/1", "/api/projects/@current"])
def test_project_detail_with_and_without_slash_and_current(client, auth, path):
    response = client.get(path, headers=auth)
    assert response.status_code == 200
    assert body(response)["id"] == 1


@pytest.mark.parametrize("prefix", ["projects", "environments"])
@pytest.mark.parametrize("project", ["999", "abc", "1.5", "-1", "%E2%91%A0", "@me"])
def test_unknown_or_malformed_project_is_project_not_found(widgets, auth, prefix, project):
    response = widgets.client().get(f"/api/{prefix}/{project}/widgets/", headers=auth)
    assert response.status_code == 404
    assert response.data == PROJECT_NOT_FOUND


@pytest.mark.parametrize("prefix", ["projects", "environments"])
@pytest.mark.parametrize("slash", ["/", ""])
def test_both_prefixes_and_current_serve_the_same_data(widgets, auth, prefix, slash):
    client = widgets.client()
    for project in ("1", "@current"):
        response = client.get(f"/api/{prefix}/{project}/widgets/3{slash}", headers=auth)
        assert response.status_code == 200
        assert body(response) == {"id": 3, "project": 1, "prefix": prefix}


def test_current_without_a_current_project_is_project_not_found(widgets, auth):
    widgets.store.users[1].current_project = None
    response = widgets.client().get("/api/projects/@current/widgets/", headers=auth)
    assert response.data == PROJECT_NOT_FOUND


def test_project_of_another_organization_is_403(widgets, auth):
    add_other_org(widgets)
    response = widgets.client().get("/api/environments/7/widgets/", headers=auth)
    assert response.status_code == 403
    assert response.data == (
        b'{"type":"authentication_error","code":"permission_denied",'
        b'"detail":"You don\'t have access to the project.","attr":null}'
    )


def test_paths_are_case_sensitive(client, auth):
    assert client.get("/api/Projects/", headers=auth).status_code == 404


def test_query_string_never_affects_routing(client, auth):
    assert client.get("/api/projects/?path=/api/nothing", headers=auth).status_code == 200


def test_other_organization_project_detail_is_not_found(emulator, client, auth):
    add_other_org(emulator)
    response = client.get("/api/projects/7/", headers=auth)
    assert response.status_code == 404
    assert body(response)["detail"] == "Not found."
