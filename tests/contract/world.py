"""A two-organization world for the isolation and hostile-input suites.

Organization A (the default seed) owns projects 1 and 2; organization B owns project 7.

| key | owner | restriction | may reach |
| --- | --- | --- | --- |
| ``DEFAULT_KEY`` | ada (A, owner) | none | 1, 2 |
| ``TEAM1_KEY`` | ada | ``scoped_teams: [1]`` | 1 |
| ``EVE_KEY`` | eve (B, owner) | none | 7 |
| ``BOB_KEY`` | bob (A member and B member) | none | 1, 2, 7 |
| ``BOB_ORG_A_KEY`` | bob | ``scoped_organizations: [A]`` | 1, 2 |
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from phemu.emulator import Emulator
from tests.contract.routes import all_routes
from tests.contract.routes import segment
from tests.contract.routes import url

ORG_A = "01928a6e-3c1d-7000-8000-0000000000aa"
ORG_B = "01928a6e-3c1d-7000-8000-0000000000bb"
DEFAULT_KEY = "phx_phemuDefaultPersonalApiKey000000000000000000"
TEAM1_KEY = "phx_contract_ada_scoped_to_project_1"
EVE_KEY = "phx_contract_eve_of_organization_b"
BOB_KEY = "phx_contract_bob_member_of_both"
BOB_ORG_A_KEY = "phx_contract_bob_scoped_to_org_a"
ADA_UUID = "01928a6e-3c1d-7000-8000-000000000101"
EVE_UUID = "01928a6e-3c1d-7000-8000-000000000301"

SECOND_ORG = {
    "version": 1,
    "organizations": [{"id": ORG_B, "name": "Organization B", "slug": "organization-b"}],
    "projects": [
        {"id": 2, "organization": ORG_A, "name": "Second project of A"},
        {"id": 7, "organization": ORG_B, "name": "Secret project of B"},
    ],
    "users": [
        {
            "email": "eve@example.com",
            "uuid": EVE_UUID,
            "organizations": [{"id": ORG_B, "level": 15}],
            "current_project": 7,
        },
        {
            "email": "bob@example.com",
            "organizations": [{"id": ORG_A, "level": 1}, {"id": ORG_B, "level": 1}],
            "current_project": 1,
        },
    ],
    "personal_api_keys": [
        {"user": "ada@example.com", "value": TEAM1_KEY, "scopes": ["*"], "scoped_teams": [1]},
        {"user": "eve@example.com", "value": EVE_KEY, "scopes": ["*"]},
        {"user": "bob@example.com", "value": BOB_KEY, "scopes": ["*"]},
        {
            "user": "bob@example.com",
            "value": BOB_ORG_A_KEY,
            "scopes": ["*"],
            "scoped_organizations": [ORG_A],
        },
    ],
}


@dataclass
class World:
    emulator: Emulator
    #: project id -> organization id
    projects: dict[int, str] = field(default_factory=dict)

    def headers(self, key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}"}


def build_world(*, frozen_at: str = "2026-06-15T10:00:00Z", profile: str = "docs") -> World:
    emulator = Emulator(profile=profile)
    emulator.freeze_time(frozen_at)
    emulator.load_seed(SECOND_ORG)
    return World(emulator=emulator, projects={1: ORG_A, 2: ORG_A, 7: ORG_B})


#: bodies the legitimate owner uses to create a victim object, by resource segment; ``{insight}``
#: is replaced by the insight created first in the same project.
CREATE_BODIES: dict[str, dict[str, Any]] = {
    "dashboards": {"name": "victim dashboard"},
    "insights": {"name": "victim insight"},
    "subscriptions": {
        "insight": "{insight}",
        "target_type": "email",
        "target_value": "victim@example.com",
        "frequency": "daily",
        "start_date": "2026-01-01T00:00:00Z",
    },
    "feature_flags": {
        "key": "victim-flag",
        "filters": {"groups": [{"properties": [], "rollout_percentage": 100}]},
    },
    "cohorts": {"name": "victim cohort", "is_static": True},
    "annotations": {"content": "victim annotation", "scope": "project"},
    "experiments": {"name": "victim experiment", "feature_flag_key": "victim-experiment"},
    "surveys": {"name": "victim survey", "type": "popover"},
}
OWNERS = {1: DEFAULT_KEY, 2: DEFAULT_KEY, 7: EVE_KEY}


def create_victims(world: World) -> dict[tuple[str, int], int]:
    """Create one object per creatable resource in projects 1, 2 and 7, as their owners."""
    client = world.emulator.client()
    created: dict[tuple[str, int], int] = {}
    nested = [r for r in all_routes() if r.nested]
    collections = {
        segment(r): r for r in nested if "POST" in r.handlers and r.path == f"/{segment(r)}/"
    }
    for name, template in CREATE_BODIES.items():
        route = collections.get(name)
        if route is None:
            continue
        for project, key in OWNERS.items():
            body = {
                k: (created.get(("insights", project)) if v == "{insight}" else v)
                for k, v in template.items()
            }
            response = client.post(
                url(route, project=project), json=body, headers=world.headers(key)
            )
            assert response.status_code == 201, (name, response.get_data(as_text=True))
            created[(name, project)] = json.loads(response.get_data())["id"]
    return created
