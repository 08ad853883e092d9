"""A feature flag's usage dashboard: ``_create_usage_dashboard`` and
``_update_feature_flag_dashboard`` (``posthog/api/feature_flag.py``) over
``create_feature_flag_dashboard`` / ``update_feature_flag_dashboard``
(``posthog/helpers/dashboard_templates.py``). The schema checks of the rendered dashboard and
insights are in ``tests/generic/test_every_operation.py``."""

from __future__ import annotations

import json
from typing import Any

import pytest

from phemu.emulator import Emulator

FLAGS = "/api/projects/1/feature_flags/"
ROLLOUT = {"groups": [{"properties": [], "rollout_percentage": 100}]}


def post(emulator: Emulator, auth: dict[str, str], **body: Any) -> Any:
    return emulator.client().post(FLAGS, json=body, headers=auth)


def insights_of(emulator: Emulator, board: int) -> list[dict[str, Any]]:
    return [t["insight"] for t in emulator.dashboards.get(board)["tiles"]]


def test_the_generated_dashboard_and_insights(frozen: Emulator, auth: dict[str, str]) -> None:
    flag = post(frozen, auth, key="checkout", filters=ROLLOUT).get_json()
    board = frozen.dashboards.get(flag["usage_dashboard"])
    assert board["created_by"]["email"] == "ada@example.com"
    assert board["created_at"] == flag["created_at"] == "2026-06-15T10:00:00Z"
    total, unique = insights_of(frozen, board["id"])
    assert total["description"] == (
        "Shows the number of total calls made on feature flag with key: checkout"
    )
    assert unique["description"] == (
        "Shows the number of unique user calls made on feature flag per variant with key: checkout"
    )
    assert "math" not in total["query"]["source"]["series"][0]
    assert unique["query"]["source"]["series"][0]["math"] == "dau"
    assert total["query"]["source"]["trendsFilter"]["display"] == "ActionsLineGraph"
    assert unique["query"]["source"]["trendsFilter"]["display"] == "ActionsTable"
    # ``Insight.objects.create``: no ``InsightViewed`` row, nothing saved, the flag's author.
    assert total["last_viewed_at"] is None and total["saved"] is False
    assert total["created_by"]["email"] == total["last_modified_by"]["email"] == "ada@example.com"
    tiles = frozen.dashboards.get(board["id"])["tiles"]
    assert tiles[1]["layouts"] == {
        "sm": {"i": "22", "x": 6, "y": 0, "w": 6, "h": 5, "minW": 3, "minH": 5},
        "xs": {"w": 1, "h": 5, "x": 0, "y": 5, "i": "22", "minW": 1, "minH": 5},
    }


def test_each_flag_the_serializer_creates_gets_its_own(frozen: Emulator) -> None:
    # Experiments and surveys create their flags through ``FeatureFlagSerializer`` too
    # (``creation_context`` set, ``_should_create_usage_dashboard`` left at its default).
    frozen.feature_flags.create(key="a", filters=ROLLOUT)
    frozen.experiments.create(name="Exp", feature_flag_key="exp-flag")
    names = [d["name"] for d in frozen.dashboards.list()]
    assert names == ["Generated Dashboard: a Usage", "Generated Dashboard: exp-flag Usage"]
    assert len(frozen.insights.list()) == 4


@pytest.mark.parametrize("value", [False, "false", 0])
def test_asking_for_none(frozen: Emulator, auth: dict[str, str], value: Any) -> None:
    response = post(
        frozen, auth, key="quiet", filters=ROLLOUT, _should_create_usage_dashboard=value
    )
    assert response.status_code == 201
    assert response.get_json()["usage_dashboard"] is None
    assert frozen.dashboards.list() == [] and frozen.insights.list() == []


@pytest.mark.parametrize(
    ("value", "detail", "code"),
    [
        (None, "This field may not be null.", "null"),
        ("maybe", "Must be a valid boolean.", "invalid_input"),
    ],
)
def test_a_bad_switch_is_refused(
    frozen: Emulator, auth: dict[str, str], value: Any, detail: str, code: str
) -> None:
    response = post(frozen, auth, key="x", filters=ROLLOUT, _should_create_usage_dashboard=value)
    assert response.status_code == 400
    body = response.get_json()
    assert (body["detail"], body["code"], body["attr"]) == (
        detail,
        code,
        "_should_create_usage_dashboard",
    )
    assert frozen.feature_flags.all() == [] and frozen.dashboards.list() == []


def test_seeded_flags_get_none(emulator: Emulator) -> None:
    # Seeds store flags as the model does (no serializer ``create``), as PostHog's own
    # ``FeatureFlag.objects.create`` callers do; an export keeps the link.
    emulator.load_seed({"feature_flags": [{"key": "seeded", "filters": ROLLOUT}]})
    assert emulator.feature_flags.all()[0]["usage_dashboard"] is None
    assert emulator.dashboards.list() == []
    emulator.feature_flags.create(key="made", filters=ROLLOUT)
    exported = emulator.export_state()
    copy = Emulator(load_entrypoints=False, default_seed=False)
    copy.import_state(json.loads(json.dumps(exported)))
    assert copy.export_state() == exported
    made = copy.feature_flags.by_key("made")
    assert made is not None and made.usage_dashboard is not None
    assert copy.dashboards.get(made.usage_dashboard)["tiles"][0]["color"] == "blue"


def test_a_key_change_follows_into_untouched_insights(
    frozen: Emulator, auth: dict[str, str]
) -> None:
    flag = post(frozen, auth, key="old", filters=ROLLOUT).get_json()
    board = flag["usage_dashboard"]
    total, unique = insights_of(frozen, board)
    frozen.insights.update(unique["id"], description="Mine now")
    frozen.advance_time(minutes=5)
    patched = frozen.client().patch(f"{FLAGS}{flag['id']}/", json={"key": "new"}, headers=auth)
    assert patched.status_code == 200
    total_after, unique_after = insights_of(frozen, board)
    assert total_after["description"].endswith("with key: new")
    condition = total_after["query"]["source"]["properties"]["values"][0]["values"][0]
    assert condition["value"] == "new"
    # ``insight.save()`` outside the serializer: ``updated_at`` moves, the author does not.
    assert total_after["updated_at"] == "2026-06-15T10:05:00Z"
    assert total_after["last_modified_at"] == total["last_modified_at"]
    # An edited description means somebody changed the insight: PostHog leaves it alone.
    assert unique_after["description"] == "Mine now"
    kept = unique_after["query"]["source"]["properties"]["values"][0]["values"][0]
    assert kept["value"] == "old"
    # The dashboard's own name and description are not rewritten.
    assert frozen.dashboards.get(board)["name"] == "Generated Dashboard: old Usage"


def test_deleting_the_flag_keeps_the_dashboard(frozen: Emulator, auth: dict[str, str]) -> None:
    flag = post(frozen, auth, key="gone", filters=ROLLOUT).get_json()
    deleted = frozen.client().patch(f"{FLAGS}{flag['id']}/", json={"deleted": True}, headers=auth)
    assert deleted.status_code == 200
    assert [d["id"] for d in frozen.dashboards.list()] == [flag["usage_dashboard"]]
