"""Scopes, key restrictions, membership and the order of checks (``posthog/permissions.py``;
README.md, "Platform behaviour")."""

from __future__ import annotations

import pytest

from phemu.auth import has_scope
from tests.conftest import OTHER_ORG
from tests.conftest import add_key
from tests.conftest import add_other_org
from tests.conftest import bearer
from tests.conftest import body


def denied(detail: str) -> dict[str, object]:
    return {
        "type": "authentication_error",
        "code": "permission_denied",
        "detail": detail,
        "attr": None,
    }


@pytest.mark.parametrize(
    ("scopes", "required", "ok"),
    [
        (["*"], "subscription:write", True),
        (["subscription:read"], "subscription:read", True),
        (["subscription:write"], "subscription:read", True),
        (["subscription:read"], "subscription:write", False),
        (["dashboard:write"], "subscription:read", False),
        ([], "project:read", False),
    ],
)
def test_scope_derivation(scopes, required, ok):
    assert has_scope(scopes, required) is ok


def test_missing_read_scope(widgets):
    headers = add_key(widgets, "phx_dash", scopes=["dashboard:read"])
    response = widgets.client().get("/api/projects/1/widgets/", headers=headers)
    assert response.status_code == 403
    assert response.data == (
        b'{"type":"authentication_error","code":"permission_denied",'
        b'"detail":"API key missing required scope \'widget:read\'","attr":null}'
    )


@pytest.mark.parametrize(
    ("method", "url"),
    [("PATCH", "/api/projects/1/widgets/1/"), ("DELETE", "/api/projects/1/widgets/1/"),
     ("POST", "/api/projects/1/widgets/"), ("PATCH", "/api/projects/1/widgets/")],
)  # fmt: skip
def test_mapped_write_methods_need_write_scope(widgets, method, url):
    """Every method with an action needs the write scope, the list's PATCH included (DRF's
    ``patch`` action, ``posthog/permissions.py``), even where a 405 follows."""
    headers = add_key(widgets, "phx_read", scopes=["widget:read"])
    response = widgets.client().open(url, method=method, headers=headers)
    assert body(response) == denied("API key missing required scope 'widget:write'")


@pytest.mark.parametrize(
    ("method", "url"),
    [("POST", "/api/projects/1/widgets/1/"), ("PUT", "/api/projects/1/widgets/1/"),
     ("PUT", "/api/projects/1/widgets/"), ("DELETE", "/api/projects/1/widgets/"),
     ("TRACE", "/api/projects/1/widgets/"), ("HEAD", "/api/projects/1/jsononly/")],
)  # fmt: skip
def test_unmapped_methods_refuse_personal_api_keys(widgets, method, url):
    """APIScopePermission (``posthog/permissions.py``) finds no action, hence no required scope,
    and answers "This action does not support personal API key access" whatever the key's
    scopes."""
    for headers in (widgets.auth_headers, add_key(widgets, "phx_read", scopes=["widget:read"])):
        response = widgets.client().open(url, method=method, headers=headers)
        assert response.status_code == 403
        if method != "HEAD":
            assert body(response) == denied("This action does not support personal API key access")


def test_read_scope_covers_head_and_options(widgets):
    headers = add_key(widgets, "phx_read", scopes=["widget:read"])
    client = widgets.client()
    assert client.head("/api/projects/1/widgets/", headers=headers).status_code == 200
    options = client.options("/api/projects/1/widgets/", headers=headers)
    assert options.status_code == 200
    assert options.headers["Allow"] == "GET, POST, HEAD, OPTIONS"


def test_scoped_teams_refuse_other_projects(widgets):
    widgets.load_seed({"version": 1, "projects": [{"id": 2, "name": "Second"}]})
    headers = add_key(widgets, "phx_team2", scopes=[], scoped_teams=[2])
    response = widgets.client().get("/api/projects/1/widgets/", headers=headers)
    assert body(response) == denied("API key does not have access to the requested project: ID 1.")


def test_scoped_teams_refuse_non_project_endpoints(emulator, client):
    headers = add_key(emulator, "phx_team1", scoped_teams=[1])
    detail = "API keys with scoped projects are only supported on project-based endpoints."
    assert body(client.get("/api/projects/", headers=headers)) == denied(detail)
    assert body(client.get("/api/organizations/@current/", headers=headers)) == denied(detail)
    # Project-based and user endpoints stay open to it.
    assert client.get("/api/projects/1/", headers=headers).status_code == 200
    assert client.get("/api/users/@me/", headers=headers).status_code == 200


def test_scoped_organizations(widgets):
    add_other_org(widgets)
    widgets.store.users[1].memberships[OTHER_ORG] = 1
    headers = add_key(widgets, "phx_org", scoped_organizations=[OTHER_ORG])
    client = widgets.client()
    response = client.get("/api/projects/1/widgets/", headers=headers)
    assert body(response) == denied(
        "API key does not have access to the requested organization: "
        "ID 01928a6e-3c1d-7000-8000-0000000000aa."
    )
    assert client.get("/api/projects/7/widgets/", headers=headers).status_code == 200
    # The project list is narrowed, not refused; @current outside the scope is 404.
    listed = body(client.get("/api/projects/", headers=headers))
    assert [p["id"] for p in listed["results"]] == [7]
    assert client.get("/api/projects/@current/", headers=headers).status_code == 404


def test_organization_disallowing_personal_api_keys(widgets):
    org = widgets.store.organizations["01928a6e-3c1d-7000-8000-0000000000aa"]
    org.members_can_use_personal_api_keys = False
    widgets.store.users[1].memberships[org.id] = 1
    response = widgets.client().get("/api/projects/1/widgets/", headers=widgets.auth_headers)
    assert body(response) == denied(
        "Organization 'Default organization' does not allow using personal API keys. "
        "Contact an admin to enable personal API keys for this organization."
    )
    widgets.store.users[1].memberships[org.id] = 8
    assert (
        widgets.client().get("/api/projects/1/widgets/", headers=widgets.auth_headers).status_code
        == 200
    )


# PostHog's order of checks (README.md, "Platform behaviour"), on the neutral widget routes.
def test_order_unknown_path_before_auth(widgets):
    assert (
        body(widgets.client().get("/api/projects/1/nonsense/"))["detail"] == "Endpoint not found."
    )


def test_order_auth_before_project(widgets):
    assert widgets.client().get("/api/projects/999/widgets/").status_code == 401


def test_order_project_before_scope(widgets):
    headers = add_key(widgets, "phx_none", scopes=[])
    response = widgets.client().get("/api/projects/999/widgets/", headers=headers)
    assert body(response)["detail"] == "Project not found."


def test_order_restriction_before_scope(widgets):
    headers = add_key(widgets, "phx_t2", scopes=[], scoped_teams=[2])
    response = widgets.client().get("/api/projects/1/widgets/", headers=headers)
    assert (
        body(response)["detail"] == "API key does not have access to the requested project: ID 1."
    )


def test_order_scope_before_membership(widgets):
    add_other_org(widgets)
    headers = add_key(widgets, "phx_dashonly", scopes=["dashboard:read"])
    response = widgets.client().get("/api/projects/7/widgets/", headers=headers)
    assert body(response)["detail"] == "API key missing required scope 'widget:read'"
    star = widgets.client().get("/api/projects/7/widgets/", headers=widgets.auth_headers)
    assert body(star)["detail"] == "You don't have access to the project."


def test_order_forbid_destroy_after_scope_and_without_lookup(widgets):
    client = widgets.client()
    read_only = add_key(widgets, "phx_ro", scopes=["widget:read"])
    assert client.delete("/api/projects/1/widgets/5/", headers=read_only).status_code == 403
    response = client.delete("/api/projects/1/widgets/99999/", headers=widgets.auth_headers)
    assert response.status_code == 405
    assert response.data == b""
    assert "Content-Type" not in response.headers
    assert response.headers["Allow"] == "GET, PATCH, DELETE, HEAD, OPTIONS"


def test_order_unmapped_method_after_authentication_before_the_project(widgets):
    client = widgets.client()
    assert client.put("/api/projects/1/widgets/").status_code == 401
    response = client.put("/api/projects/999/widgets/", headers=widgets.auth_headers)
    assert response.status_code == 403
    assert body(response) == denied("This action does not support personal API key access")
    assert response.headers["Allow"] == "GET, POST, HEAD, OPTIONS"


def test_order_list_patch_405_after_checks(widgets):
    response = widgets.client().patch("/api/projects/1/widgets/", headers=widgets.auth_headers)
    assert response.status_code == 405
    assert response.data == (
        b'{"type":"invalid_request","code":"method_not_allowed",'
        b'"detail":"Method \\"PATCH\\" not allowed.","attr":null}'
    )
    assert response.headers["Allow"] == "GET, POST, HEAD, OPTIONS"
    missing = widgets.client().patch("/api/projects/999/widgets/", headers=widgets.auth_headers)
    assert missing.status_code == 404


def test_order_throttle_after_permissions(widgets):
    from phemu.emulator import Emulator
    from tests.platform_plugin import WidgetPlugin

    emu = Emulator(
        load_entrypoints=False, plugins=[WidgetPlugin()], rate_limits={"burst": "1/minute"}
    )
    emu.freeze_time("2026-06-15T10:00:00Z")
    client = emu.client()
    assert client.get("/api/projects/1/widgets/", headers=emu.auth_headers).status_code == 200
    assert client.get("/api/projects/1/widgets/").status_code == 401
    limited = client.get("/api/projects/1/widgets/", headers=emu.auth_headers)
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "60"
    assert body(limited) == {
        "type": "throttled_error",
        "code": "throttled",
        "detail": "Request was throttled. Expected available in 60 seconds.",
        "attr": None,
    }


def test_throttle_example_of_platform_section_8(widgets):
    from phemu.emulator import Emulator
    from tests.platform_plugin import WidgetPlugin

    emu = Emulator(
        load_entrypoints=False, plugins=[WidgetPlugin()], rate_limits={"burst": "3/minute"}
    )
    client = emu.client()
    for moment in ("10:00:00", "10:00:20", "10:00:40"):
        emu.freeze_time(f"2026-06-15T{moment}Z")
        assert client.get("/api/projects/1/widgets/", headers=emu.auth_headers).status_code == 200
    emu.freeze_time("2026-06-15T10:00:48Z")
    response = client.get("/api/projects/1/widgets/", headers=emu.auth_headers)
    assert response.headers["Retry-After"] == "12"
    assert body(response)["detail"] == "Request was throttled. Expected available in 12 seconds."
    emu.freeze_time("2026-06-15T10:00:59Z")
    response = client.get("/api/projects/1/widgets/", headers=emu.auth_headers)
    assert body(response)["detail"] == "Request was throttled. Expected available in 1 second."
    emu.freeze_time("2026-06-15T10:01:00Z")
    assert client.get("/api/projects/1/widgets/", headers=emu.auth_headers).status_code == 200


def test_other_users_key_cannot_see_our_projects(emulator, client):
    eve = add_other_org(emulator)
    listed = body(client.get("/api/projects/", headers=eve))
    assert [p["id"] for p in listed["results"]] == [7]
    assert client.get("/api/projects/1/", headers=eve).status_code == 404
    assert bearer("phx_eve") == eve
