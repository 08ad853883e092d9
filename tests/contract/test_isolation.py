"""Isolation: keys scoped to a project or an organization, and users of another organization,
can neither read, change, nor infer objects of projects they cannot reach (issue 9).

Table-driven over every route of the emulator (``emulator.routes.routes``) and every method.
The only status differences allowed are PostHog's own, at the project level
(``posthog/permissions.py``: an unknown project is 404 ``Project not found.``, a project of
another organization 403); at the object level an attacker must get the same answer for an
existing object as for an id that does not exist.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from phemu.routing import Route
from tests.contract import _stats
from tests.contract.routes import METHODS
from tests.contract.routes import all_routes
from tests.contract.routes import error_body
from tests.contract.routes import has_pk
from tests.contract.routes import is_generic
from tests.contract.routes import route_params
from tests.contract.routes import segment
from tests.contract.routes import suite_routes
from tests.contract.routes import url
from tests.contract.world import ADA_UUID
from tests.contract.world import BOB_KEY
from tests.contract.world import BOB_ORG_A_KEY
from tests.contract.world import DEFAULT_KEY
from tests.contract.world import EVE_KEY
from tests.contract.world import ORG_A
from tests.contract.world import ORG_B
from tests.contract.world import OWNERS
from tests.contract.world import TEAM1_KEY
from tests.contract.world import World
from tests.contract.world import build_world
from tests.contract.world import create_victims

#: schema-driven routes checked per run (every one with PHEMU_ALL_OPERATIONS=1)
GENERIC_SAMPLE = 16
ROUTES = all_routes()
NESTED = [r for r in suite_routes(GENERIC_SAMPLE) if r.nested]
MISSING_ID = 999_999

NO_ACCESS = "You don't have access to the project."
NO_KEY_ACCESS = "This action does not support personal API key access"

#: (attacker key, victim project, the exact 403 detail PostHog answers on every nested route)
NESTED_ATTACKS = [
    pytest.param(EVE_KEY, 1, NO_ACCESS, id="other-org-user"),
    pytest.param(DEFAULT_KEY, 7, NO_ACCESS, id="owner-of-A-into-B"),
    pytest.param(
        TEAM1_KEY,
        2,
        "API key does not have access to the requested project: ID 2.",
        id="scoped-team",
    ),
    pytest.param(
        TEAM1_KEY,
        7,
        "API key does not have access to the requested project: ID 7.",
        id="scoped-team-other-org",
    ),
    pytest.param(
        BOB_ORG_A_KEY,
        7,
        f"API key does not have access to the requested organization: ID {ORG_B}.",
        id="scoped-org",
    ),
]


@pytest.fixture(scope="module")
def victims() -> tuple[World, dict[tuple[str, int], Any]]:
    world = build_world()
    created: dict[tuple[str, int], Any] = dict(create_victims(world))
    created.update(create_generic_victims(world, NESTED))
    return world, created


def create_generic_victims(world: World, routes: list[Route]) -> dict[tuple[str, int], str]:
    """One record per sampled schema-driven collection in projects 1, 2 and 7, through the
    generic backend (as their owners would create it), keyed by the route's endpoint."""
    from phemu.openapi.index import operation_index
    from phemu.resources.generic import OperationRoute

    backend = world.emulator.generic
    created: dict[tuple[str, int], str] = {}
    for route in routes:
        if not (isinstance(route, OperationRoute) and is_generic(route)):
            continue
        op = next(iter(route.schema_ops.values()))
        if op.lookup is None or op.parents:
            continue  # url() gives every path variable the same value; parents would differ
        model = operation_index().resources[op.resource]
        for project in OWNERS:
            place = backend.where(model, project=project)
            record = backend.insert(model, place, {}, None)
            created[(route.endpoint, project)] = record.key
    return created


def _call(world: World, method: str, path: str, key: str, body: Any = None) -> tuple[int, bytes]:
    client = world.emulator.client()
    kwargs: dict[str, Any] = {"headers": world.headers(key)}
    if method in ("POST", "PUT", "PATCH"):
        kwargs["json"] = body if body is not None else {"name": "pwned", "deleted": True}
    response = client.open(path, method=method, **kwargs)
    return response.status_code, response.get_data()


def stored(emulator: Any) -> dict[str, Any]:
    """The exported store, less the keys' ``last_used_at``: PostHog's authentication stamps it
    before any permission check, so a refused request moves it too (hourly)."""
    state = emulator.export_state()
    for key in state["personal_api_keys"]:
        key.pop("last_used_at")
    return dict(state)


@pytest.mark.parametrize(("attacker", "victim", "detail"), NESTED_ATTACKS)
@pytest.mark.parametrize("route", route_params(NESTED))
def test_nested_routes_refuse_other_projects(
    victims: tuple[World, dict[tuple[str, int], Any]],
    route: Route,
    attacker: str,
    victim: int,
    detail: str,
) -> None:
    world, created = victims
    before = (stored(world.emulator), world.emulator.outbox.entries())
    existing = created.get((route.endpoint, victim), created.get((segment(route), victim), 1))
    for prefix in route.prefixes:
        for method in METHODS:
            # A method the route does not map, or an operation PostHog's schema gives no scope,
            # is refused to every key before the project is looked at (posthog/permissions.py),
            # which reveals nothing about it either.
            refused = not route.maps(method) or route.required_scopes(method) is None
            refusal = NO_KEY_ACCESS if refused else detail
            expected = json.dumps(error_body(403, refusal), separators=(",", ":")).encode()
            answers = set()
            for pk in (existing, MISSING_ID):
                path = url(route, project=victim, pk=pk, prefix=prefix)
                status, raw = _call(world, method, path, attacker)
                _stats.count("isolation", f"{method} {route.endpoint}", status)
                assert status == 403, (method, path, status, raw)
                if method != "HEAD":
                    assert json.loads(raw) == json.loads(expected), (method, path, raw)
                answers.add((status, raw))
                if not has_pk(route):
                    break
            # Existing and missing objects are indistinguishable to the attacker.
            assert len(answers) == 1, (method, route.endpoint, answers)
    assert (stored(world.emulator), world.emulator.outbox.entries()) == before
    _stats.properties["isolation"].update(
        {"403 on every nested route and method", "existing == missing object", "store unchanged"}
    )


def test_victim_objects_exist_for_their_owners(
    victims: tuple[World, dict[tuple[str, int], Any]],
) -> None:
    """The comparison above is meaningful: owners do see the objects the attackers cannot."""
    world, created = victims
    details = {
        segment(r): r
        for r in NESTED
        # the object's own detail route, not one of its ``@action``s (``.../<pk>/stats/``)
        if has_pk(r) and "GET" in r.handlers and not is_generic(r) and r.path.endswith(">/")
    }
    details.update({r.endpoint: r for r in NESTED if is_generic(r) and _readable(r)})
    for (name, project), pk in created.items():
        route = details.get(name)
        if route is None:
            continue  # a schema route without a retrieve a personal key may call
        prefix = route.prefixes[0]
        path = url(route, project=project, pk=pk, prefix=prefix)
        status, raw = _call(world, "GET", path, OWNERS[project])
        assert status == 200, (name, project, raw)
        missing = url(route, project=project, pk=MISSING_ID, prefix=prefix)
        status, _ = _call(world, "GET", missing, OWNERS[project])
        assert status == 404


def _readable(route: Route) -> bool:
    from phemu.resources.generic import OperationRoute

    assert isinstance(route, OperationRoute)
    op = route.operation(None, "GET")
    return op is not None and op.kind == "retrieve" and op.scopes is not None


def _same_as_missing(world: World, key: str, path: str, missing: str) -> None:
    """The answer for someone else's object equals the answer for an object that does not exist."""
    for method in METHODS:
        got = _call(world, method, path, key)
        ref = _call(world, method, missing, key)
        _stats.count("isolation", f"{method} {path.split('/')[2]} (non-nested)", got[0])
        assert got == ref, (method, path, got, ref)
        assert got[0] in (403, 404, 405) or (method == "OPTIONS" and got[0] == 200), (
            method,
            path,
            got,
        )


def test_project_detail_of_another_organization_is_invisible(world: World) -> None:
    _same_as_missing(world, EVE_KEY, "/api/projects/1/", f"/api/projects/{MISSING_ID}/")
    _same_as_missing(world, DEFAULT_KEY, "/api/projects/7/", f"/api/projects/{MISSING_ID}/")
    _same_as_missing(world, TEAM1_KEY, "/api/projects/7/", f"/api/projects/{MISSING_ID}/")


def test_project_detail_outside_scoped_organizations(world: World) -> None:
    """``scoped_organizations`` narrows what the key sees: project 7 is either invisible (404 like
    a missing id) or refused with PostHog's restriction message; never readable."""
    status, raw = _call(world, "GET", "/api/projects/7/", BOB_ORG_A_KEY)
    restriction = error_body(
        403, f"API key does not have access to the requested organization: ID {ORG_B}."
    )
    missing = _call(world, "GET", f"/api/projects/{MISSING_ID}/", BOB_ORG_A_KEY)
    assert (status, raw) == missing or (status == 403 and json.loads(raw) == restriction)


def test_project_detail_outside_scoped_teams(world: World) -> None:
    status, raw = _call(world, "GET", "/api/projects/2/", TEAM1_KEY)
    assert status == 403
    assert json.loads(raw) == error_body(
        403, "API key does not have access to the requested project: ID 2."
    )


def test_organization_of_someone_else_is_invisible(world: World) -> None:
    missing = "/api/organizations/01928a6e-3c1d-7000-8000-00000000ffff/"
    _same_as_missing(world, EVE_KEY, f"/api/organizations/{ORG_A}/", missing)
    _same_as_missing(world, DEFAULT_KEY, f"/api/organizations/{ORG_B}/", missing)


def test_organization_routes_refuse_scoped_keys(world: World) -> None:
    scoped_teams = error_body(
        403, "API keys with scoped projects are only supported on project-based endpoints."
    )
    for org in (ORG_A, "@current"):
        status, raw = _call(world, "GET", f"/api/organizations/{org}/", TEAM1_KEY)
        assert (status, json.loads(raw)) == (403, scoped_teams)
    # An organization the owner is not a member of stays invisible, whatever the key.
    missing = "/api/organizations/01928a6e-3c1d-7000-8000-00000000ffff/"
    _same_as_missing(world, TEAM1_KEY, f"/api/organizations/{ORG_B}/", missing)
    status, raw = _call(world, "GET", f"/api/organizations/{ORG_B}/", BOB_ORG_A_KEY)
    assert status == 403
    assert json.loads(raw) == error_body(
        403, f"API key does not have access to the requested organization: ID {ORG_B}."
    )


def test_secret_token_actions_of_someone_elses_project_are_invisible(world: World) -> None:
    """No scope on these actions (``posthog/api/project.py``): every key gets the same 403,
    whoever's project and organization the path names."""
    missing = "/api/organizations/01928a6e-3c1d-7000-8000-00000000ffff/projects/7/"
    for action in ("rotate_secret_token", "delete_secret_token_backup"):
        path = f"/api/organizations/{ORG_B}/projects/7/{action}/"
        _same_as_missing(world, DEFAULT_KEY, path, f"{missing}{action}/")
        _same_as_missing(world, EVE_KEY, f"/api/organizations/{ORG_A}/projects/1/{action}/", path)


def test_members_of_someone_elses_organization_are_invisible(world: World) -> None:
    missing = "/api/organizations/01928a6e-3c1d-7000-8000-00000000ffff/members/"
    _same_as_missing(world, EVE_KEY, f"/api/organizations/{ORG_A}/members/", missing)
    _same_as_missing(
        world,
        EVE_KEY,
        f"/api/organizations/{ORG_A}/members/{ADA_UUID}/",
        f"{missing}{ADA_UUID}/",
    )
    _same_as_missing(
        world,
        EVE_KEY,
        f"/api/organizations/{ORG_A}/members/{ADA_UUID}/scoped_api_keys/",
        f"{missing}{ADA_UUID}/scoped_api_keys/",
    )
    status, raw = _call(world, "GET", f"/api/organizations/{ORG_A}/members/", TEAM1_KEY)
    assert (status, json.loads(raw)) == (
        403,
        error_body(
            403, "API keys with scoped projects are only supported on project-based endpoints."
        ),
    )


def test_users_of_someone_else_are_invisible(world: World) -> None:
    _same_as_missing(
        world,
        EVE_KEY,
        f"/api/users/{ADA_UUID}/",
        "/api/users/01928a6e-3c1d-7000-8000-00000000ffff/",
    )


def test_project_lists_show_only_reachable_projects(world: World) -> None:
    client = world.emulator.client()

    def ids(key: str) -> list[int]:
        response = client.get("/api/projects/?limit=1000", headers=world.headers(key))
        assert response.status_code == 200
        return [p["id"] for p in json.loads(response.get_data())["results"]]

    assert ids(EVE_KEY) == [7]
    assert ids(DEFAULT_KEY) == [1, 2]
    assert ids(BOB_ORG_A_KEY) == [1, 2]
    response = client.get("/api/projects/", headers=world.headers(TEAM1_KEY))
    assert response.status_code == 403
    assert json.loads(response.get_data()) == error_body(
        403, "API keys with scoped projects are only supported on project-based endpoints."
    )


MISSING_ORG = "01928a6e-3c1d-7000-8000-00000000ffff"
MISSING_UUID = "01928a6e-3c1d-7000-8000-00000000fffe"


def test_personal_api_keys_show_only_the_key_itself(world: World) -> None:
    client = world.emulator.client()
    ada_key = json.loads(
        client.get("/api/personal_api_keys/@current/", headers=world.headers(DEFAULT_KEY)).data
    )["id"]
    eve = json.loads(
        client.get("/api/personal_api_keys/@current/", headers=world.headers(EVE_KEY)).data
    )
    assert eve["id"] != ada_key and eve["user_id"] != 1
    # Another user's key is invisible: the same answers as for a key that does not exist.
    _same_as_missing(
        world,
        EVE_KEY,
        f"/api/personal_api_keys/{ada_key}/",
        f"/api/personal_api_keys/{MISSING_UUID}/",
    )


def test_organization_list_and_projects_show_only_reachable_ones(world: World) -> None:
    client = world.emulator.client()

    def ids(key: str, path: str) -> list[Any]:
        response = client.get(path, headers=world.headers(key))
        assert response.status_code == 200, response.data
        return [item["id"] for item in json.loads(response.data)["results"]]

    assert ids(EVE_KEY, "/api/organizations/") == [ORG_B]
    assert ids(BOB_ORG_A_KEY, "/api/organizations/") == [ORG_A]
    assert sorted(ids(BOB_KEY, "/api/organizations/")) == sorted([ORG_A, ORG_B])
    assert ids(EVE_KEY, "/api/organizations/@current/projects/") == [7]
    status, raw = _call(world, "GET", "/api/organizations/", TEAM1_KEY)
    assert (status, json.loads(raw)) == (
        403,
        error_body(
            403, "API keys with scoped projects are only supported on project-based endpoints."
        ),
    )
    for suffix in ("projects/", "projects/1/"):
        _same_as_missing(
            world,
            EVE_KEY,
            f"/api/organizations/{ORG_A}/{suffix}",
            f"/api/organizations/{MISSING_ORG}/{suffix}",
        )


#: schema-driven routes outside projects: organization collections and the user's own routes
TOP_LEVEL_GENERIC = [r for r in suite_routes(GENERIC_SAMPLE * 2) if is_generic(r) and not r.nested]


@pytest.mark.parametrize("route", route_params(TOP_LEVEL_GENERIC))
def test_schema_routes_outside_projects_hide_other_organizations(
    world: World, route: Route
) -> None:
    """Eve (organization B) asking about organization A, or about Ada, gets exactly what she
    gets for an organization or user that does not exist."""

    def concrete(owner: str) -> str:
        def value(name: str) -> str:
            if name in ("organization_id", "id") and route.path.startswith("/api/organizations/"):
                return (
                    owner
                    if name == "organization_id" or "<organization_id>" not in route.path
                    else "1"
                )
            if name in ("uuid",):
                return owner
            return "1"

        return re.sub(r"<([A-Za-z_0-9]+)>", lambda m: value(m.group(1)), route.path)

    if route.path.startswith("/api/organizations/<"):
        _same_as_missing(world, EVE_KEY, concrete(ORG_A), concrete(MISSING_ORG))
    elif "<uuid>" in route.path:
        _same_as_missing(world, EVE_KEY, concrete(ADA_UUID), concrete(MISSING_UUID))


def test_every_route_is_covered() -> None:
    """A new route is either nested (covered by the table above), schema-driven (the test
    above), or one of the known top-level routes with its own test here; anything else must get
    a test before it lands."""
    top_level = {r.endpoint for r in ROUTES if not r.nested and not is_generic(r)}
    assert top_level <= {
        "projects.list",
        "projects.retrieve",
        "users.retrieve",
        "organizations.retrieve",
        "organizations.list",
        "organization_projects.list",
        "organization_projects.detail",
        "organization_projects.rotate_secret_token",
        "organization_projects.delete_secret_token_backup",
        "personal_api_keys.list",
        "personal_api_keys.detail",
        "personal_api_keys.roll",
        "organization_members.list",
        "organization_members.detail",
        "organization_members.scoped_api_keys",
        *CAPTURE_ROUTES,
        "flags.evaluate",
        "flags.decide",
        "flags.definitions",
        "feature_flags.legacy_local_evaluation",
    }


CAPTURE_ROUTES = {
    "capture.batch",
    "capture.e",
    "capture.i_v0_e",
    "capture.capture",
    "capture.track",
}


def _token(world: World, project: int) -> str:
    return world.emulator.store.projects[project].api_token


def test_captured_events_land_only_in_the_tokens_project(world: World) -> None:
    client = world.emulator.client()
    for project in (1, 7):
        body = {
            "api_key": _token(world, project),
            "batch": [
                {
                    "event": f"e{project}",
                    "distinct_id": "same-id",
                    "properties": {"$set": {"p": project}},
                }
            ],
        }
        assert client.post("/batch/", json=body).status_code == 200
    events = world.emulator.events
    assert [e["event"] for e in events.all(1)] == ["e1"]
    assert [e["event"] for e in events.all(7)] == ["e7"]
    assert world.emulator.persons.get("same-id", project=1).properties == {"p": 1}
    assert world.emulator.persons.get("same-id", project=7).properties == {"p": 7}
    listed = client.get("/api/projects/1/events/", headers=world.headers(DEFAULT_KEY)).get_json()
    assert [e["event"] for e in listed["results"]] == ["e1"]
    refused = client.get("/api/projects/7/events/", headers=world.headers(DEFAULT_KEY))
    assert refused.status_code == 403


def test_flags_evaluate_only_the_tokens_project(world: World) -> None:
    client = world.emulator.client()
    rollout = {"groups": [{"properties": [], "rollout_percentage": 100}]}
    for project in (1, 7):
        world.emulator.feature_flags.create(
            project=project, key=f"only-in-{project}", filters=rollout
        )
    for project in (1, 7):
        body = {"token": _token(world, project), "distinct_id": "u"}
        flags = client.post("/flags/?v=2", json=body).get_json()["flags"]
        assert set(flags) == {f"only-in-{project}"}


@pytest.mark.parametrize(
    ("key", "project", "status"),
    [
        (EVE_KEY, 1, 401),  # another organization's user
        (DEFAULT_KEY, 7, 401),  # owner of A asking for B
        (TEAM1_KEY, 2, 401),  # a key scoped to project 1
        (TEAM1_KEY, 1, 200),
        (EVE_KEY, 7, 200),
    ],
)
def test_definitions_need_a_key_that_reaches_the_project(
    world: World, key: str, project: int, status: int
) -> None:
    path = f"/flags/definitions?token={_token(world, project)}&send_cohorts"
    response = world.emulator.client().get(path, headers=world.headers(key))
    assert response.status_code == status
    legacy = world.emulator.client().get(
        f"/api/feature_flag/local_evaluation/?token={_token(world, project)}",
        headers=world.headers(key),
    )
    assert legacy.status_code == (200 if status == 200 else legacy.status_code)
    if status != 200:
        assert legacy.status_code in (403, 404)
        assert "victim-flag" not in legacy.get_data(as_text=True)
