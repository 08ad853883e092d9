"""Routes, scopes and profiles of the AI endpoints (docs/ai.md, "Routes and profiles";
``posthog/permissions.py``)."""

from __future__ import annotations

import json

import pytest

from phemu.emulator import Emulator
from tests.conftest import add_key
from tests.conftest import add_other_org
from tests.resources.ai_support import error
from tests.resources.ai_support import rules_emulator

PATHS = [
    f"/api/{prefix}/{project}/session_recordings/ai/{action}{slash}"
    for prefix in ("projects", "environments")
    for project in ("1", "@current")
    for action in ("filters", "regex")
    for slash in ("/", "")
]
BODIES = {
    "filters": {"messages": [{"role": "user", "content": "/login"}]},
    "regex": {"regex": "urls that contain /pricing"},
}
NOT_FOUND = error("invalid_request", "not_found", "Endpoint not found.")
NOT_AUTHENTICATED = error(
    "authentication_error", "not_authenticated", "Authentication credentials were not provided."
)
BAD_KEY = error(
    "authentication_error",
    "authentication_failed",
    "Personal API key found in request Authorization header is invalid.",
)
NO_KEY_ACCESS = error(
    "authentication_error",
    "permission_denied",
    "This action does not support personal API key access",
)


def denied(scope: str) -> dict[str, object]:
    return error(
        "authentication_error", "permission_denied", f"API key missing required scope '{scope}'"
    )


def body_of(response) -> object:
    return json.loads(response.get_data()) if response.get_data() else None


def action_of(path: str) -> str:
    return "filters" if "/filters" in path else "regex"


# -- docs profile ---------------------------------------------------------------------------
@pytest.fixture
def docs() -> Emulator:
    return rules_emulator()


@pytest.mark.parametrize("path", PATHS)
def test_docs_serves_both_prefixes_with_and_without_slash(docs, path):
    response = docs.client().post(path, json=BODIES[action_of(path)], headers=docs.auth_headers)
    assert response.status_code == 200, body_of(response)
    assert response.headers["Allow"] == "POST, OPTIONS"
    assert response.headers["Content-Type"] == "application/json"
    assert "Deprecation" not in response.headers


@pytest.mark.parametrize(
    "scopes",
    [
        ["session_recording:read"],
        ["session_recording:write"],
        ["*"],
        ["insight:read", "session_recording:read"],
    ],
)
@pytest.mark.parametrize("action", ["filters", "regex"])
def test_post_needs_only_the_read_scope(docs, scopes, action):
    headers = add_key(docs, "phx_scoped", scopes=scopes)
    path = f"/api/projects/1/session_recordings/ai/{action}/"
    assert docs.client().post(path, json=BODIES[action], headers=headers).status_code == 200


@pytest.mark.parametrize(
    "scopes", [[], ["insight:read"], ["session_recording_playlist:read"], ["query:read"]]
)
@pytest.mark.parametrize("action", ["filters", "regex"])
def test_post_without_the_scope_is_denied(docs, scopes, action):
    headers = add_key(docs, "phx_scoped", scopes=scopes)
    path = f"/api/projects/1/session_recordings/ai/{action}/"
    response = docs.client().post(path, json=BODIES[action], headers=headers)
    assert response.status_code == 403
    assert body_of(response) == denied("session_recording:read")


@pytest.mark.parametrize("action", ["filters", "regex"])
def test_patch_needs_write_then_405(docs, action):
    """DRF calls a PATCH on a non-detail route the ``patch`` action, a write action in
    ``posthog/permissions.py``: the write scope, then 405 (no handler)."""
    path = f"/api/projects/1/session_recordings/ai/{action}/"
    reader = add_key(docs, "phx_reader", scopes=["session_recording:read"])
    response = docs.client().patch(path, headers=reader)
    assert response.status_code == 403
    assert body_of(response) == denied("session_recording:write")
    response = docs.client().patch(path, headers=docs.auth_headers)
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST, OPTIONS"
    assert body_of(response) == error(
        "invalid_request", "method_not_allowed", 'Method "PATCH" not allowed.'
    )


@pytest.mark.parametrize("action", ["filters", "regex"])
@pytest.mark.parametrize("method", ["GET", "HEAD", "PUT", "DELETE"])
def test_unmapped_methods_refuse_personal_api_keys(docs, action, method):
    """``@action(methods=["POST"])``: any other method has no action, so APIScopePermission
    (``posthog/permissions.py``) finds no required scope and refuses the key, whatever its
    scopes, before the project is looked up."""
    keys = (docs.auth_headers, add_key(docs, "phx_no_scopes", scopes=[]))
    for path in (
        f"/api/projects/1/session_recordings/ai/{action}/",
        f"/api/projects/999/session_recordings/ai/{action}/",
    ):
        for headers in keys:
            response = docs.client().open(path, method=method, headers=headers)
            assert response.status_code == 403
            assert response.headers["Allow"] == "POST, OPTIONS"
            if method != "HEAD":
                assert body_of(response) == error(
                    "authentication_error",
                    "permission_denied",
                    "This action does not support personal API key access",
                )


@pytest.mark.parametrize("action", ["filters", "regex"])
def test_options_needs_read_and_answers(docs, action):
    path = f"/api/projects/1/session_recordings/ai/{action}/"
    client = docs.client()
    response = client.options(path, headers=add_key(docs, "phx_none", scopes=[]))
    assert body_of(response) == denied("session_recording:read")
    options = client.options(path, headers=docs.auth_headers)
    assert options.status_code == 200
    assert options.headers["Allow"] == "POST, OPTIONS"


@pytest.mark.parametrize("action", ["filters", "regex"])
def test_docs_check_order(docs, action):
    client = docs.client()
    body = BODIES[action]
    path = f"/api/projects/999/session_recordings/ai/{action}/"
    assert body_of(client.post(path, json=body)) == NOT_AUTHENTICATED
    assert (
        body_of(client.post(path, json=body, headers={"Authorization": "Bearer nope"})) == BAD_KEY
    )
    no_scope = add_key(docs, "phx_none", scopes=[])
    response = client.post(path, json=body, headers=no_scope)
    assert response.status_code == 404
    assert body_of(response)["detail"] == "Project not found."
    other = add_other_org(docs)
    response = client.post(
        f"/api/projects/1/session_recordings/ai/{action}/", json=body, headers=other
    )
    assert body_of(response)["detail"] == "You don't have access to the project."
    # Validation comes only after every platform check.
    response = client.post(
        f"/api/projects/1/session_recordings/ai/{action}/", json={}, headers=no_scope
    )
    assert body_of(response) == denied("session_recording:read")


def test_unknown_ai_paths_are_endpoint_not_found(docs):
    client = docs.client()
    for path in (
        "/api/projects/1/session_recordings/ai/sql/",
        "/api/projects/1/session_recordings/ai/regex/extra/",
    ):
        response = client.post(path, json={}, headers=docs.auth_headers)
        assert (response.status_code, body_of(response)) == (404, NOT_FOUND)
    # `ai/` alone is PostHog's recording detail route (`session_recordings/{id}/`, id "ai"),
    # which maps no POST: the scope permission refuses the key before dispatch.
    response = client.post(
        "/api/projects/1/session_recordings/ai/", json={}, headers=docs.auth_headers
    )
    assert response.status_code == 403
    assert body_of(response)["detail"] == "This action does not support personal API key access"


def test_throttle_family_is_clickhouse():
    emu = rules_emulator(rate_limits={"clickhouse_burst": "2/minute"})
    emu.freeze_time("2026-06-15T10:00:00Z")
    client = emu.client()
    statuses = [
        client.post(
            "/api/projects/1/session_recordings/ai/regex/",
            json={"regex": "/a"},
            headers=emu.auth_headers,
        ).status_code
        for _ in range(3)
    ]
    assert statuses == [200, 200, 429]
    # The projects endpoint is in the other family and still admitted.
    assert client.get("/api/projects/", headers=emu.auth_headers).status_code == 200


# -- cloud profile --------------------------------------------------------------------------
@pytest.fixture
def cloud() -> Emulator:
    emu = rules_emulator(profile="cloud")
    yield emu
    emu.check()


@pytest.mark.parametrize("path", [p for p in PATHS if "/filters" in p])
@pytest.mark.parametrize("method", ["POST", "GET", "OPTIONS", "PUT", "DELETE"])
def test_cloud_filters_is_absent_before_authentication(cloud, path, method):
    client = cloud.client()
    for headers in ({}, cloud.auth_headers, {"Authorization": "Bearer nope"}):
        response = client.open(path, method=method, json=BODIES["filters"], headers=headers)
        assert (response.status_code, body_of(response)) == (404, NOT_FOUND)
        assert "Deprecation" not in response.headers and "Link" not in response.headers
        assert "Allow" not in response.headers


@pytest.mark.parametrize("path", [p for p in PATHS if "/regex" in p])
def test_cloud_regex_authenticates_then_refuses_every_key(cloud, path):
    client = cloud.client()
    response = client.post(path, json=BODIES["regex"])
    assert (response.status_code, body_of(response)) == (401, NOT_AUTHENTICATED)
    response = client.post(path, json=BODIES["regex"], headers={"Authorization": "Bearer nope"})
    assert (response.status_code, body_of(response)) == (401, BAD_KEY)
    for scopes in (["*"], ["session_recording:read"], ["session_recording:write"], []):
        headers = add_key(cloud, f"phx_{len(scopes)}_{scopes[:1]}", scopes=scopes)
        for method in ("POST", "GET", "OPTIONS", "PATCH"):
            response = client.open(path, method=method, json=BODIES["regex"], headers=headers)
            assert (response.status_code, body_of(response)) == (403, NO_KEY_ACCESS), method


def test_cloud_regex_refuses_before_project_resolution(cloud):
    for project in ("999", "abc"):
        response = cloud.client().post(
            f"/api/projects/{project}/session_recordings/ai/regex/",
            json={},
            headers=cloud.auth_headers,
        )
        assert (response.status_code, body_of(response)) == (403, NO_KEY_ACCESS)


def test_cloud_regex_key_in_query_string_is_refused_too(cloud):
    response = cloud.client().post(
        "/api/projects/1/session_recordings/ai/regex/?personal_api_key="
        "phx_phemuDefaultPersonalApiKey000000000000000000",
        json={"regex": "x"},
    )
    assert (response.status_code, body_of(response)) == (403, NO_KEY_ACCESS)


def test_cloud_regex_on_environments_carries_deprecation_headers(cloud):
    client = cloud.client()
    response = client.post(
        "/api/environments/1/session_recordings/ai/regex?x=1",
        json=BODIES["regex"],
        headers=cloud.auth_headers,
    )
    assert response.status_code == 403
    assert response.headers["Deprecation"] == "true"
    assert response.headers["Link"] == (
        '</api/projects/1/session_recordings/ai/regex?x=1>; rel="successor-version"'
    )
    unauthenticated = client.post("/api/environments/1/session_recordings/ai/regex/", json={})
    assert unauthenticated.status_code == 401
    assert unauthenticated.headers["Deprecation"] == "true"
    projects = client.post(
        "/api/projects/1/session_recordings/ai/regex/", json={}, headers=cloud.auth_headers
    )
    assert "Deprecation" not in projects.headers and "Link" not in projects.headers


def test_cloud_never_calls_the_responders(cloud):
    cloud.ai.queue_regex({"result": "success", "data": {"output": "x"}})
    cloud.client().post(
        "/api/projects/1/session_recordings/ai/regex/",
        json={"regex": "x"},
        headers=cloud.auth_headers,
    )
    assert cloud.ai.pending() == {"filters": 0, "regex": 1}


def test_cloud_journal_marks_filters_as_unknown_route(cloud):
    cloud.client().post("/api/projects/1/session_recordings/ai/filters/", json={})
    entry = cloud.requests()[-1]
    assert entry.status == 404 and entry.unknown_route and entry.endpoint is None
