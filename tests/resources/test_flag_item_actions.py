"""The other actions of ``FeatureFlagViewSet`` (``posthog/api/feature_flag.py``):
``remote_config`` (``feature_flag:read``, so personal API keys read it), and
``has_active_dependents``, ``dashboard``, ``enrich_usage_dashboard`` and ``user_blast_radius``,
which name no scope: personal API keys get PostHog's 403 there, their answers are the backend's
methods of the same names."""

from __future__ import annotations

from typing import Any

import pytest

from phemu.emulator import Emulator
from phemu.errors import ValidationError
from tests.conftest import DEFAULT_ORG
from tests.conftest import NO_KEY_ACCESS
from tests.conftest import SERVER_ERROR
from tests.conftest import add_key
from tests.resources.actions_support import action

FLAGS = "/api/projects/1/feature_flags"
EVERYONE = {"groups": [{"properties": [], "rollout_percentage": 100}]}


def remote(emulator: Emulator, key: str, payload: Any = None, **fields: Any) -> dict[str, Any]:
    filters: dict[str, Any] = dict(EVERYONE)
    if payload is not None:
        filters["payloads"] = {"true": payload}
    return emulator.feature_flags.create(
        key=key, is_remote_configuration=True, filters=filters, **fields
    )


def raw(emulator: Emulator, path: str, headers: dict[str, str] | None = None) -> Any:
    return emulator.client().get(path, headers=headers or emulator.auth_headers)


# -- remote_config ---------------------------------------------------------------------------------
def test_remote_config_answers_the_true_payload_by_id_or_key(frozen: Emulator) -> None:
    flag = remote(frozen, "theme", {"color": "blue"})
    by_id = action(
        frozen,
        "GET",
        f"{FLAGS}/{flag['id']}/remote_config/",
        "feature_flags_remote_config_retrieve",
    )
    by_key = action(
        frozen, "GET", f"{FLAGS}/theme/remote_config/", "feature_flags_remote_config_retrieve"
    )
    # The payload is stored as JSON text and answered as that text (a JSON string).
    assert by_id == by_key == '{"color": "blue"}'
    assert frozen.feature_flags.remote_config("theme") == '{"color": "blue"}'


def test_remote_config_without_a_payload_is_an_empty_200(frozen: Emulator) -> None:
    """``Response(payloads.get("true") or None)``: DRF renders ``None`` as no body at all."""
    flag = remote(frozen, "bare")
    response = raw(frozen, f"{FLAGS}/{flag['id']}/remote_config/")
    assert (response.status_code, response.get_data()) == (200, b"")
    assert "Content-Type" not in response.headers
    assert frozen.requests()[-1].tier == "exact"


@pytest.mark.parametrize("which", ["not remote", "unknown id", "unknown key", "other project"])
def test_remote_config_bare_404s(frozen: Emulator, which: str) -> None:
    """``Response(status=404)`` when ``FeatureFlag.objects.get`` (id or key, in the project)
    finds nothing, or finds a flag that is not ``is_remote_configuration``."""
    frozen.load_seed(
        {"version": 1, "projects": [{"id": 2, "organization": DEFAULT_ORG, "name": "Two"}]}
    )
    plain = frozen.feature_flags.create(key="plain", filters=EVERYONE)
    elsewhere = remote(frozen, "elsewhere", '"x"', project=2)
    pk = {
        "not remote": plain["id"],
        "unknown id": 999,
        "unknown key": "nope",
        "other project": elsewhere["id"],
    }[which]
    response = raw(frozen, f"{FLAGS}/{pk}/remote_config/")
    assert (response.status_code, response.get_data()) == (404, b"")
    with pytest.raises(KeyError):
        frozen.feature_flags.remote_config(pk)
    assert frozen.feature_flags.remote_config("elsewhere", project=2) == '"x"'


def test_remote_config_of_a_soft_deleted_flag_still_answers(frozen: Emulator) -> None:
    """``FeatureFlag.objects.get`` does not filter ``deleted``."""
    flag = remote(frozen, "gone", '"still here"')
    frozen.feature_flags.update(flag["id"], deleted=True)
    assert raw(frozen, f"{FLAGS}/gone/remote_config/").get_json() == '"still here"'


def test_encrypted_payloads_are_decrypted_for_personal_api_keys(frozen: Emulator) -> None:
    """``get_decrypted_flag_payloads`` (``posthog/helpers/encrypted_flag_payloads.py``)
    decrypts for ``PersonalAPIKeyAuthentication``; without a ``"true"`` payload the
    ``decrypted["true"]`` lookup is PostHog's unguarded 500."""
    secret = remote(frozen, "secret", '"s3cr3t"', has_encrypted_payloads=True)
    assert raw(frozen, f"{FLAGS}/{secret['id']}/remote_config/").get_json() == '"s3cr3t"'
    empty = remote(frozen, "empty", None, has_encrypted_payloads=True)
    response = raw(frozen, f"{FLAGS}/{empty['id']}/remote_config/")
    assert (response.status_code, response.get_json()) == (500, SERVER_ERROR)


def test_remote_config_needs_feature_flag_read(frozen: Emulator) -> None:
    """``required_scopes=["feature_flag:read"]``; ``ProjectSecretAPITokenPermission`` lets
    every authentication but a project secret key through (``posthog/permissions.py``)."""
    remote(frozen, "scoped", "1")
    other = add_key(frozen, "phx_cohorts_only", scopes=["cohort:read"])
    response = raw(frozen, f"{FLAGS}/scoped/remote_config/", other)
    assert response.status_code == 403
    assert response.get_json()["detail"] == "API key missing required scope 'feature_flag:read'"
    reader = add_key(frozen, "phx_flags_reader", scopes=["feature_flag:read"])
    assert raw(frozen, f"{FLAGS}/scoped/remote_config/", reader).get_json() == "1"


# -- has_active_dependents ---------------------------------------------------------------------
def depends_on(flag_id: int) -> dict[str, Any]:
    prop = {"key": str(flag_id), "type": "flag", "value": True, "operator": "flag_evaluates_to"}
    return {"groups": [{"properties": [prop], "rollout_percentage": 100}]}


def test_has_active_dependents_lists_active_live_dependents_by_key(frozen: Emulator) -> None:
    """``has_active_dependents``: the serializer's dependency check (active, not deleted, other
    flags of the team with a ``flag`` filter whose key is this flag's id, ordered by key), each
    as ``{"id", "key", "name": flag.name or flag.key}`` (``posthog/api/feature_flag.py``)."""
    flags = frozen.feature_flags
    base = flags.create(key="base", filters=EVERYONE)
    assert flags.has_active_dependents(base["id"]) == {
        "has_active_dependents": False,
        "dependent_flags": [],
    }
    zed = flags.create(key="zed", name="Zed flag", filters=depends_on(base["id"]))
    alpha = flags.create(key="alpha", filters=depends_on(base["id"]))
    off = flags.create(key="off", filters=depends_on(base["id"]))
    flags.update(off["id"], active=False)
    gone = flags.create(key="gone", filters=depends_on(base["id"]))
    flags.update(gone["id"], deleted=True)
    assert flags.has_active_dependents(base["id"]) == {
        "has_active_dependents": True,
        "dependent_flags": [
            {"id": alpha["id"], "key": "alpha", "name": "alpha"},  # ``flag.name or flag.key``
            {"id": zed["id"], "key": "zed", "name": "Zed flag"},
        ],
    }
    assert flags.has_active_dependents(zed["id"])["dependent_flags"] == []


# -- dashboard and enrich_usage_dashboard -------------------------------------------------------
def tile_names(emulator: Emulator, board: int) -> list[str]:
    return [t["insight"]["name"] for t in emulator.dashboards.get(board)["tiles"]]


BASIC = ["Feature Flag Called Total Volume", "Feature Flag calls made by unique users per variant"]
ENRICHED = ["Feature Viewed Total Volume", "Feature Interaction Total Volume"]


def test_dashboard_makes_a_new_usage_dashboard_each_time(frozen: Emulator) -> None:
    """``dashboard``: ``_create_usage_dashboard`` again, then ``feature_flag.save()``:
    ``updated_at`` is ``auto_now``, ``version`` is the serializer's, and a save that changes
    only excluded fields logs no activity."""
    flags = frozen.feature_flags
    flag = flags.create(key="checkout", filters=EVERYONE)
    first = flag["usage_dashboard"]
    logged = len(
        frozen.client()
        .get(f"{FLAGS}/{flag['id']}/activity/", headers=frozen.auth_headers)
        .get_json()["results"]
    )
    frozen.advance_time(60)
    assert flags.dashboard(flag["id"]) == {"success": True}
    again = flags.get(flag["id"])
    assert again is not None
    assert again["usage_dashboard"] not in (None, first)
    assert (again["version"], again["updated_at"]) == (1, "2026-06-15T10:01:00Z")
    assert tile_names(frozen, again["usage_dashboard"]) == BASIC
    assert frozen.dashboards.get(first) is not None  # the old one stays
    activity = frozen.client().get(f"{FLAGS}/{flag['id']}/activity/", headers=frozen.auth_headers)
    assert len(activity.get_json()["results"]) == logged


def test_dashboard_adds_enriched_insights_for_enriched_flags(frozen: Emulator) -> None:
    """``dashboard``: ``add_enriched_insights_to_feature_flag_dashboard`` when
    ``has_enriched_analytics`` and the new dashboard has none yet."""
    flag = frozen.feature_flags.create(key="tour", has_enriched_analytics=True, filters=EVERYONE)
    assert tile_names(frozen, flag["usage_dashboard"]) == BASIC  # the serializer adds none
    frozen.feature_flags.dashboard(flag["id"])
    board = frozen.feature_flags.get(flag["id"])["usage_dashboard"]
    assert tile_names(frozen, board) == BASIC + ENRICHED


def test_enrich_usage_dashboard_preconditions_in_order(frozen: Emulator) -> None:
    """``enrich_usage_dashboard``'s three 400s, in its order: no ``usage_dashboard``,
    ``usage_dashboard_has_enriched_insights`` (``posthog/models/feature_flag/feature_flag.py``),
    no ``has_enriched_analytics``."""
    flags = frozen.feature_flags
    none = flags.create(key="none", filters=EVERYONE, _should_create_usage_dashboard=False)
    assert flags.enrich_usage_dashboard(none["id"]) == {
        "success": False,
        "error": "Usage dashboard not found",
    }
    plain = flags.create(key="plain", filters=EVERYONE)
    assert flags.enrich_usage_dashboard(plain["id"]) == {
        "success": False,
        "error": "No enriched analytics available for this feature flag",
    }
    flags.update(plain["id"], has_enriched_analytics=True)
    assert flags.enrich_usage_dashboard(plain["id"]) == {"success": True}
    assert flags.enrich_usage_dashboard(plain["id"]) == {
        "success": False,
        "error": "Usage dashboard already has enriched data",
    }
    assert tile_names(frozen, plain["usage_dashboard"]) == BASIC + ENRICHED


def test_the_enriched_insights(frozen: Emulator) -> None:
    """``add_enriched_insights_to_feature_flag_dashboard``
    (``posthog/helpers/dashboard_templates.py``): ``$feature_view`` and
    ``$feature_interaction`` totals and unique users, filtered on the ``feature_flag`` event
    property, on tiles without layouts or colour, created by nobody."""
    flag = frozen.feature_flags.create(key="tour", has_enriched_analytics=True, filters=EVERYONE)
    frozen.feature_flags.enrich_usage_dashboard(flag["id"])
    tiles = frozen.dashboards.get(flag["usage_dashboard"])["tiles"]
    viewed, interaction = (t["insight"] for t in tiles[2:])
    for insight in (viewed, interaction):
        assert insight["description"] == (
            "Shows the total number of times this feature was viewed and interacted with"
        )
        assert insight["created_by"] is None and insight["is_sample"] is True
        source = insight["query"]["source"]
        assert source["properties"]["values"][0]["values"] == [
            {"key": "feature_flag", "operator": "exact", "type": "event", "value": "tour"}
        ]
        assert source["breakdownFilter"] == {"breakdown_type": "event"}
    assert viewed["query"]["source"]["series"] == [
        {"event": "$feature_view", "kind": "EventsNode", "name": "Feature View - Total"},
        {
            "event": "$feature_view",
            "kind": "EventsNode",
            "math": "dau",
            "name": "Feature View - Unique users",
        },
    ]
    assert [s["event"] for s in interaction["query"]["source"]["series"]] == [
        "$feature_interaction",
        "$feature_interaction",
    ]
    assert [(t["layouts"], t["color"]) for t in tiles[2:]] == [({}, None), ({}, None)]


def test_a_removed_enriched_tile_no_longer_counts(frozen: Emulator, auth: dict[str, str]) -> None:
    """``usage_dashboard_has_enriched_insights`` reads ``dashboard.tiles``, whose manager
    leaves soft-deleted tiles out."""
    flag = frozen.feature_flags.create(key="tour", has_enriched_analytics=True, filters=EVERYONE)
    frozen.feature_flags.enrich_usage_dashboard(flag["id"])
    tiles = frozen.dashboards.get(flag["usage_dashboard"])["tiles"]
    viewed = tiles[2]["insight"]["id"]
    response = frozen.client().patch(
        f"/api/projects/1/insights/{viewed}/", json={"dashboards": []}, headers=auth
    )
    assert response.status_code == 200
    assert frozen.feature_flags.enrich_usage_dashboard(flag["id"]) == {"success": True}


# -- user_blast_radius -------------------------------------------------------------------------
@pytest.fixture
def people(frozen: Emulator) -> Emulator:
    for n in range(10):
        plan = "pro" if n < 3 else "free"
        frozen.events.capture("$identify", f"user-{n}", {"$set": {"plan": plan, "n": n}})
    return frozen


def prop(key: str, value: Any, operator: str = "exact", **extra: Any) -> dict[str, Any]:
    return {"key": key, "value": value, "operator": operator, "type": "person", **extra}


def test_blast_radius_counts_persons_matching_the_condition(people: Emulator) -> None:
    """``get_user_blast_radius`` (``posthog/models/feature_flag/user_blast_radius.py``): the
    persons whose properties match, out of ``persons_seen_so_far``; the rollout is ignored."""
    radius = people.feature_flags.user_blast_radius
    pro = {"properties": [prop("plan", ["pro"])], "rollout_percentage": 10}
    assert radius(pro) == {"users_affected": 3, "total_users": 10}
    both = {"properties": [prop("plan", ["free"]), prop("n", "5", "gt")]}
    assert radius(both) == {"users_affected": 4, "total_users": 10}
    assert radius({"properties": []}) == {"users_affected": 10, "total_users": 10}
    assert radius(None) == {"users_affected": 10, "total_users": 10}  # ``condition or {}``
    missing = {"properties": [prop("company", "x", "is_not")]}
    assert radius(missing) == {"users_affected": 10, "total_users": 10}


def test_blast_radius_of_a_cohort_condition(people: Emulator) -> None:
    """A cohort filter counts the cohort's persons (HogQL's ``person_id IN COHORT``)."""
    cohort = people.cohorts.create(
        name="Pros",
        filters={
            "properties": {
                "type": "OR",
                "values": [{"type": "AND", "values": [prop("plan", "pro")]}],
            }
        },
    )
    condition = {"properties": [{"key": "id", "value": cohort["id"], "type": "cohort"}]}
    assert people.feature_flags.user_blast_radius(condition) == {
        "users_affected": 3,
        "total_users": 10,
    }


def test_blast_radius_of_a_static_cohort(people: Emulator) -> None:
    """A static cohort counts its listed persons (``person_static_cohort``); ``not_in``
    counts the others."""
    cohort = people.cohorts.create(name="Chosen", is_static=True)
    chosen = [people.persons.get(f"user-{n}") for n in (1, 4)]
    people.cohorts.add_persons(cohort["id"], [p.uuid for p in chosen if p is not None])
    radius = people.feature_flags.user_blast_radius
    member = {"key": "id", "value": cohort["id"], "type": "cohort"}
    assert radius({"properties": [member]})["users_affected"] == 2
    other = {**member, "operator": "not_in"}
    assert radius({"properties": [other]})["users_affected"] == 8


def test_blast_radius_needs_a_condition(people: Emulator) -> None:
    """``"condition" not in request.data``: a ``ValidationError`` (``posthog/api/feature_flag.py``)."""
    with pytest.raises(ValidationError) as raised:
        people.feature_flags.user_blast_radius()
    assert raised.value.body() == {
        "type": "validation_error",
        "code": "invalid_input",
        "detail": "Missing condition for which to get blast radius",
        "attr": None,
    }


def test_blast_radius_of_groups(frozen: Emulator) -> None:
    """With ``group_type_index``: groups of that type out of ``groups_seen_so_far``; every
    filter must carry that index (``$group_key`` takes it), else PostHog's ValidationError
    (``posthog/models/feature_flag/user_blast_radius.py``)."""
    persons = frozen.persons
    persons.set_group("company", "acme", {"size": 50})
    persons.set_group("company", "initech", {"size": 5})
    persons.set_group("company", "hooli", {"size": 500})
    persons.set_group("project", "p1", {"size": 500})
    radius = frozen.feature_flags.user_blast_radius
    big = {"key": "size", "value": "10", "operator": "gt", "type": "group", "group_type_index": 0}
    assert radius({"properties": [big]}, group_type_index=0) == {
        "users_affected": 2,
        "total_users": 3,
    }
    assert radius({"properties": []}, group_type_index=1) == {
        "users_affected": 1,
        "total_users": 1,
    }
    key = {"key": "$group_key", "value": "acme", "operator": "exact", "type": "group"}
    assert radius({"properties": [key]}, group_type_index=0)["users_affected"] == 1
    with pytest.raises(ValidationError) as raised:
        radius({"properties": [big]}, group_type_index=1)
    assert raised.value.detail == "Invalid group type index for feature flag condition."


@pytest.mark.parametrize(
    ("method", "path", "operation"),
    [
        ("POST", "user_blast_radius/", "feature_flags_user_blast_radius_create"),
        ("POST", "{id}/has_active_dependents/", "feature_flags_has_active_dependents_create"),
        ("POST", "{id}/dashboard/", "feature_flags_dashboard_create"),
        ("POST", "{id}/enrich_usage_dashboard/", "feature_flags_enrich_usage_dashboard_create"),
    ],
)
def test_personal_api_keys_are_refused(
    frozen: Emulator, method: str, path: str, operation: str
) -> None:
    flag = frozen.feature_flags.create(key="any", filters=EVERYONE)
    url = f"{FLAGS}/{path.format(id=flag['id'])}"
    assert action(frozen, method, url, operation, status=403, json={}) == NO_KEY_ACCESS
