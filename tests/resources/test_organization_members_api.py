"""Organization members: ``OrganizationMemberSerializer`` / ``OrganizationMemberViewSet``
(``posthog/api/organization_member.py``), ``OrganizationMembership.validate_update``
(``posthog/models/organization.py``) and ``User.leave`` (``posthog/models/user.py``). Bodies
validate against the published ``OrganizationMember`` components."""

from __future__ import annotations

from typing import Any

from tests.contract.world import BOB_KEY
from tests.contract.world import ORG_A
from tests.contract.world import World
from tests.contract.world import build_world
from tests.openapi import assert_valid

MEMBERS = f"/api/organizations/{ORG_A}/members/"


def error(response: Any) -> tuple[int, str, str | None]:
    body = response.get_json()
    return response.status_code, body["detail"], body["attr"]


def _uuids(world: World) -> tuple[str, str]:
    users = {u.email: u.uuid for u in world.emulator.store.users.values()}
    return users["ada@example.com"], users["bob@example.com"]


def test_list_renders_users_and_levels() -> None:
    world = build_world()
    client = world.emulator.client()
    listed = client.get(MEMBERS, headers=world.emulator.auth_headers).json
    assert_valid(listed, "PaginatedOrganizationMemberList")
    ada, bob = _uuids(world)
    assert [(m["user"]["uuid"], m["level"]) for m in listed["results"]] == [(bob, 1), (ada, 15)]
    assert listed["results"][1]["joined_at"] == "2026-01-01T00:00:00Z"
    current = client.get(
        "/api/organizations/@current/members/", headers=world.emulator.auth_headers
    )
    assert current.json == listed
    denied = client.get(
        MEMBERS, headers={"Authorization": "Bearer phx_contract_eve_of_organization_b"}
    )
    assert error(denied) == (404, "Not found.", None)


def test_level_changes_follow_validate_update() -> None:
    world = build_world()
    client = world.emulator.client()
    admin = world.emulator.auth_headers
    ada, bob = _uuids(world)
    promoted = client.patch(f"{MEMBERS}{bob}/", json={"level": 8}, headers=admin)
    assert promoted.status_code == 200
    assert_valid(promoted.json, "OrganizationMember")
    assert promoted.json["level"] == 8
    assert error(client.patch(f"{MEMBERS}{bob}/", json={"level": 3}, headers=admin)) == (
        400,
        '"3" is not a valid choice.',
        "level",
    )
    assert error(client.patch(f"{MEMBERS}{ada}/", json={"level": 1}, headers=admin)) == (
        403,
        "You can't change your own access level.",
        None,
    )
    bob_headers = world.headers(BOB_KEY)
    assert error(client.patch(f"{MEMBERS}{ada}/", json={"level": 1}, headers=bob_headers)) == (
        403,
        "You can only edit others with level lower or equal to you.",
        None,
    )
    world.emulator.load_seed(
        {"users": [{"email": "cy@example.com", "organizations": [{"id": ORG_A, "level": 1}]}]}
    )
    cy = next(u.uuid for u in world.emulator.store.users.values() if u.email == "cy@example.com")
    assert error(client.patch(f"{MEMBERS}{cy}/", json={"level": 15}, headers=bob_headers)) == (
        403,
        "You can only pass on organization ownership if you're its owner.",
        None,
    )
    # Passing ownership on makes the old owner an admin.
    handed = client.patch(f"{MEMBERS}{bob}/", json={"level": 15}, headers=admin)
    assert handed.json["level"] == 15
    levels = {
        m["user"]["uuid"]: m["level"] for m in client.get(MEMBERS, headers=admin).json["results"]
    }
    assert levels == {ada: 8, bob: 15, cy: 1}


def test_delete_is_leaving_and_the_owner_cannot_leave() -> None:
    world = build_world()
    client = world.emulator.client()
    admin = world.emulator.auth_headers
    ada, bob = _uuids(world)
    assert error(client.delete(f"{MEMBERS}{ada}/", headers=admin)) == (
        400,
        "Cannot leave the organization as its owner!",
        None,
    )
    gone = client.delete(f"{MEMBERS}{bob}/", headers=admin)
    assert (gone.status_code, gone.data) == (204, b"")
    assert [m["user"]["uuid"] for m in client.get(MEMBERS, headers=admin).json["results"]] == [ada]
    assert client.get("/api/projects/1/", headers=world.headers(BOB_KEY)).status_code == 404
    state = world.emulator.export_state()
    other = build_world().emulator
    other.import_state(state)
    assert other.export_state() == state
