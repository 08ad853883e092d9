"""Project secret API keys (``phs_...``): the team's ``secret_api_token`` and its backup.

PostHog's facts, by file:
- ``posthog/models/team/team.py``: ``secret_api_token`` / ``secret_api_token_backup`` are
  nullable without a default (a new project has none); ``rotate_secret_token_and_save`` makes a
  new token, keeps the current one as the backup and logs masked values (``created`` for a first
  token); ``delete_secret_token_backup_and_save`` does nothing without a backup.
- ``posthog/models/utils.py``: ``generate_random_token_secret`` is ``phs_`` and 35 random bytes in
  base 62; ``mask_key_value`` shows ``phs_...`` and the last four characters.
- ``posthog/api/project.py`` / ``posthog/api/team.py``: ``rotate_secret_token`` and
  ``delete_secret_token_backup`` are PATCH actions without ``required_scopes`` (personal API keys
  get 403) behind ``TeamMemberStrictManagementPermission`` (admins); they answer the project
  (``ProjectBackwardCompat``) or the environment (``Team``).
- ``posthog/auth.py`` (``ProjectSecretAPIKeyAuthentication``): a ``phs_`` bearer token or the
  body's ``secret_api_key``, never the query string; an unknown key is not refused there, the
  personal API key authenticator then refuses it.
- ``posthog/permissions.py`` (``ProjectSecretAPITokenPermission``): only ``local_evaluation``
  (nested and legacy) and ``remote_config``, and only for the key's own project (403).
- ``rust/feature-flags/src/api/flag_definitions.rs``, ``auth.rs``, ``errors.rs``: definitions
  take the secret token or its backup from the bearer header; refusals are DRF-shaped JSON.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from phemu.emulator import Emulator
from phemu.errors import PermissionDenied
from phemu.errors import SeedError
from phemu.openapi.index import component
from tests.conftest import NO_KEY_ACCESS
from tests.conftest import bearer
from tests.generic.support import schema_errors
from tests.resources.actions_support import action

SECRET = "phs_phemuDefaultProjectSecretKey0000000000000000"
TOKEN = "phc_phemuDefaultProjectToken0000000000000000000"
OTHER_SECRET = "phs_otherProjectSecret0000000000000001"
NOT_AUTHENTICATED = {
    "type": "authentication_error",
    "code": "not_authenticated",
    "detail": "Authentication credentials were not provided.",
    "attr": None,
}
INVALID_PERSONAL_KEY = {
    "type": "authentication_error",
    "code": "authentication_failed",
    "detail": "Personal API key found in request Authorization header is invalid.",
    "attr": None,
}
INVALID_SECRET = {
    "type": "authentication_error",
    "code": "authentication_failed",
    "detail": "Secret API token is invalid.",
    "attr": None,
}
NOT_PERMITTED = {
    "type": "authentication_error",
    "code": "permission_denied",
    "detail": "You do not have permission to perform this action.",
    "attr": None,
}
LOCAL = "/api/projects/1/feature_flags/local_evaluation/"
DEFINITIONS = f"/flags/definitions?token={TOKEN}"
SECRET_SHAPE = re.compile(r"phs_[0-9a-zA-Z]{1,48}")


@pytest.fixture
def two(emulator: Emulator) -> Emulator:
    """Project 2 in the same organization, with a secret of its own."""
    emulator.load_seed(
        {"projects": [{"id": 2, "name": "Second", "secret_api_token": OTHER_SECRET}]}
    )
    return emulator


def secret_schema_errors(name: str, rendered: dict[str, Any]) -> list[str]:
    """The schema's complaints about the two secret fields (``week_start_day: null`` and a few
    other fields of phemu's project render disagree with the published schema already)."""
    assert {"secret_api_token", "secret_api_token_backup"} <= set(rendered)
    return [e for e in schema_errors(component(name), rendered) if "secret" in e]


def get(emulator: Emulator, path: str, headers: dict[str, str], **kwargs: Any) -> Any:
    response = emulator.client().get(path, headers=headers, **kwargs)
    return response.status_code, response.get_json()


# -- the fields ------------------------------------------------------------------------------


def test_projects_render_their_secret_and_backup(emulator: Emulator) -> None:
    detail = emulator.client().get("/api/projects/1/", headers=emulator.auth_headers).get_json()
    assert (detail["secret_api_token"], detail["secret_api_token_backup"]) == (SECRET, None)
    shown = emulator.organization_projects.get(1)
    assert (shown["secret_api_token"], shown["secret_api_token_backup"]) == (SECRET, None)
    assert secret_schema_errors("ProjectBackwardCompat", shown) == []


def test_a_new_project_has_no_secret_until_one_is_rotated_in(emulator: Emulator) -> None:
    created = emulator.organization_projects.create(name="Fresh")
    assert (created["secret_api_token"], created["secret_api_token_backup"]) == (None, None)
    rotated = emulator.organization_projects.rotate_secret_token(created["id"])
    assert SECRET_SHAPE.fullmatch(rotated["secret_api_token"])
    assert rotated["secret_api_token_backup"] is None
    entry = emulator.activity_log.all("Team", project=created["id"])[0]
    assert entry["detail"]["changes"] == [
        {
            "type": "Team",
            "action": "created",
            "field": "secret_api_token",
            "before": {"secret_api_token": None},
            "after": {"secret_api_token": "phs_..." + rotated["secret_api_token"][-4:]},
        }
    ]


def test_rotation_is_deterministic_per_seed() -> None:
    first, second = Emulator(load_entrypoints=False), Emulator(load_entrypoints=False)
    assert (
        first.organization_projects.rotate_secret_token(1)["secret_api_token"]
        == second.organization_projects.rotate_secret_token(1)["secret_api_token"]
    )
    other = Emulator(load_entrypoints=False, random_seed=7)
    assert (
        other.organization_projects.rotate_secret_token(1)["secret_api_token"]
        != first.organization_projects.get(1)["secret_api_token"]
    )


def test_seeds_set_the_secrets_and_state_keeps_them(emulator: Emulator) -> None:
    emulator.load_seed(
        {
            "projects": [
                {"id": 3, "secret_api_token": "phs_three", "secret_api_token_backup": "phs_old3"}
            ]
        }
    )
    state = emulator.export_state()
    saved = next(p for p in state["projects"] if p["id"] == 3)
    assert (saved["secret_api_token"], saved["secret_api_token_backup"]) == (
        "phs_three",
        "phs_old3",
    )
    restored = Emulator(load_entrypoints=False, seeds=[state])
    assert restored.organization_projects.get(3)["secret_api_token_backup"] == "phs_old3"
    assert (
        get(restored, "/api/projects/3/feature_flags/local_evaluation/", bearer("phs_old3"))[0]
        == 200
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("phx_notasecret", "'secret_api_token' must be 'phs_' followed by letters and digits"),
        ("phs_with-dash", "'secret_api_token' must be 'phs_' followed by letters and digits"),
        (7, "'secret_api_token' must be 'phs_' followed by letters and digits"),
        (SECRET, "'secret_api_token' is already a secret API token of project 1"),
    ],
)
def test_seed_secrets_are_checked(emulator: Emulator, value: Any, message: str) -> None:
    with pytest.raises(SeedError, match=re.escape(message)):
        emulator.load_seed({"projects": [{"id": 4, "secret_api_token": value}]})


# -- rotate_secret_token / delete_secret_token_backup ------------------------------------------


def test_rotation_moves_the_secret_to_the_backup_and_both_authenticate(emulator: Emulator) -> None:
    rotated = emulator.organization_projects.rotate_secret_token(1)
    new = rotated["secret_api_token"]
    assert SECRET_SHAPE.fullmatch(new) and rotated["secret_api_token_backup"] == SECRET
    for secret in (new, SECRET):
        assert get(emulator, LOCAL, bearer(secret))[0] == 200
        assert get(emulator, DEFINITIONS, bearer(secret))[0] == 200
    entry = emulator.activity_log.all("Team")[0]
    assert (entry["activity"], entry["item_id"], entry["detail"]["name"]) == (
        "updated",
        "1",
        "Default project",
    )
    assert entry["detail"]["changes"] == [
        {
            "type": "Team",
            "action": "changed",
            "field": "secret_api_token",
            "before": {"secret_api_token": "phs_...0000", "secret_api_token_backup": None},
            "after": {
                "secret_api_token": f"phs_...{new[-4:]}",
                "secret_api_token_backup": "phs_...0000",
            },
        }
    ]

    again = emulator.organization_projects.rotate_secret_token(1)
    assert again["secret_api_token_backup"] == new
    assert get(emulator, LOCAL, bearer(SECRET)) == (401, INVALID_PERSONAL_KEY)  # expired
    assert get(emulator, DEFINITIONS, bearer(SECRET)) == (401, INVALID_SECRET)


def test_deleting_the_backup_ends_it(emulator: Emulator) -> None:
    new = emulator.organization_projects.rotate_secret_token(1)["secret_api_token"]
    shown = emulator.organization_projects.delete_secret_token_backup(1)
    assert (shown["secret_api_token"], shown["secret_api_token_backup"]) == (new, None)
    assert get(emulator, LOCAL, bearer(SECRET)) == (401, INVALID_PERSONAL_KEY)
    assert get(emulator, DEFINITIONS, bearer(SECRET)) == (401, INVALID_SECRET)
    assert get(emulator, LOCAL, bearer(new))[0] == 200
    assert emulator.activity_log.all("Team")[0]["detail"]["changes"] == [
        {
            "type": "Team",
            "action": "deleted",
            "field": "secret_api_token_backup",
            "before": "phs_...0000",
            "after": None,
        }
    ]
    logged = len(emulator.activity_log.all("Team"))
    emulator.organization_projects.delete_secret_token_backup(1)  # nothing to delete
    assert len(emulator.activity_log.all("Team")) == logged


def test_the_environment_answer_is_the_team(emulator: Emulator) -> None:
    team = emulator.organization_projects.rotate_secret_token(1, environment=True)
    assert team["id"] == 1 and team["secret_api_token_backup"] == SECRET
    assert secret_schema_errors("Team", team) == []
    assert (
        emulator.organization_projects.delete_secret_token_backup(1, environment=True)[
            "secret_api_token_backup"
        ]
        is None
    )


def test_only_admins_rotate(emulator: Emulator) -> None:
    emulator.load_seed(
        {
            "users": [
                {"email": "bob@example.com", "organizations": [{"id": _org(emulator), "level": 1}]}
            ]
        }
    )
    for call in (
        emulator.organization_projects.rotate_secret_token,
        emulator.organization_projects.delete_secret_token_backup,
    ):
        with pytest.raises(PermissionDenied, match="You don't have sufficient permissions"):
            call(1, by="bob@example.com")
    assert emulator.organization_projects.get(1)["secret_api_token"] == SECRET


def _org(emulator: Emulator) -> str:
    return str(emulator.organization_projects.get(1)["organization"])


@pytest.mark.parametrize(
    ("path", "operation"),
    [
        (
            "/api/organizations/@current/projects/1/rotate_secret_token/",
            "rotate_secret_token_partial_update",
        ),
        (
            "/api/organizations/@current/projects/1/delete_secret_token_backup/",
            "delete_secret_token_backup_partial_update",
        ),
        (
            "/api/projects/1/environments/1/rotate_secret_token/",
            "environments_rotate_secret_token_partial_update",
        ),
        (
            "/api/projects/1/environments/1/delete_secret_token_backup/",
            "environments_delete_secret_token_backup_partial_update",
        ),
    ],
)
def test_the_actions_refuse_personal_api_keys(
    emulator: Emulator, path: str, operation: str
) -> None:
    assert action(emulator, "PATCH", path, operation, status=403) == NO_KEY_ACCESS
    assert action(emulator, "PATCH", path, operation, status=401, headers={}) == NOT_AUTHENTICATED
    assert emulator.organization_projects.get(1)["secret_api_token"] == SECRET


# -- where a secret key authenticates ------------------------------------------------------------


def test_local_evaluation_takes_the_header_or_the_body(emulator: Emulator) -> None:
    emulator.feature_flags.create(
        key="on", filters={"groups": [{"properties": [], "rollout_percentage": 100}]}
    )
    status, answer = get(emulator, LOCAL, bearer(SECRET))
    assert status == 200 and [f["key"] for f in answer["flags"]] == ["on"]
    assert get(emulator, LOCAL, {}, json={"secret_api_key": SECRET}) == (status, answer)
    assert get(
        emulator, "/api/projects/@current/feature_flags/local_evaluation/", bearer(SECRET)
    ) == (
        status,
        answer,
    )
    # Not the query string, and no other personal-key source either.
    assert get(emulator, f"{LOCAL}?secret_api_key={SECRET}", {}) == (401, NOT_AUTHENTICATED)
    assert get(emulator, LOCAL, {}, json={"personal_api_key": SECRET}) == (
        401,
        {**INVALID_PERSONAL_KEY, "detail": "Personal API key found in request body is invalid."},
    )
    assert get(emulator, LOCAL, bearer("phs_unknown")) == (401, INVALID_PERSONAL_KEY)


def test_remote_config_takes_the_secret(emulator: Emulator) -> None:
    flag = emulator.feature_flags.create(
        key="config",
        is_remote_configuration=True,
        filters={
            "groups": [{"properties": [], "rollout_percentage": 100}],
            "payloads": {"true": '{"a": 1}'},
        },
    )
    path = f"/api/projects/1/feature_flags/{flag['id']}/remote_config/"
    assert get(emulator, path, bearer(SECRET)) == (200, '{"a": 1}')


def test_a_secret_reaches_only_its_own_project(two: Emulator) -> None:
    assert get(two, LOCAL, bearer(OTHER_SECRET)) == (403, NOT_PERMITTED)
    assert (
        get(two, "/api/projects/2/feature_flags/local_evaluation/", bearer(OTHER_SECRET))[0] == 200
    )
    assert get(two, "/api/projects/999/feature_flags/local_evaluation/", bearer(SECRET))[0] == 404
    legacy = "/api/feature_flag/local_evaluation/"
    assert get(two, f"{legacy}?token={TOKEN}", bearer(SECRET))[0] == 200
    assert get(two, legacy, bearer(OTHER_SECRET))[0] == 200  # the key's project
    assert get(two, f"{legacy}?token={TOKEN}", bearer(OTHER_SECRET)) == (403, NOT_PERMITTED)
    assert get(two, DEFINITIONS, bearer(OTHER_SECRET)) == (401, INVALID_SECRET)


@pytest.mark.parametrize(
    "path",
    [
        "/api/projects/1/feature_flags/",
        "/api/projects/1/",
        "/api/projects/1/feature_flags/1/status/",
        "/api/users/@me/",
    ],
)
def test_everywhere_else_a_secret_is_an_unknown_personal_key(emulator: Emulator, path: str) -> None:
    assert get(emulator, path, bearer(SECRET)) == (401, INVALID_PERSONAL_KEY)


def test_definitions_refusals(emulator: Emulator) -> None:
    assert get(emulator, DEFINITIONS, {})[0:2] == (401, NOT_AUTHENTICATED)
    # The flags service strips exactly "Bearer " (auth.rs, extract_bearer_token).
    assert get(emulator, DEFINITIONS, {"Authorization": f"bearer {SECRET}"}) == (
        401,
        NOT_AUTHENTICATED,
    )
    assert get(emulator, DEFINITIONS, bearer("phs_unknown")) == (401, INVALID_SECRET)
    assert get(emulator, DEFINITIONS, bearer("phx_unknown")) == (401, INVALID_PERSONAL_KEY)
    assert get(emulator, DEFINITIONS, bearer(SECRET))[0] == 200
