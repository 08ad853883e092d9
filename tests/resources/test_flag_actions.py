"""``feature_flags/my_flags/`` and ``feature_flags/evaluation_reasons/`` (``FeatureFlagViewSet``
in ``posthog/api/feature_flag.py``). Neither action names a scope, so personal API keys get
PostHog's 403; their answers are the backend's ``my_flags`` and ``evaluation_reasons``, checked
here against rollouts hashed in the test (SHA1 of ``key.distinct_id``, PostHog's bucketing)."""

from __future__ import annotations

import hashlib

import pytest

from phemu.emulator import Emulator
from phemu.errors import ValidationError
from tests.conftest import NO_KEY_ACCESS
from tests.resources.actions_support import action

PRO = {"key": "plan", "value": ["pro"], "operator": "exact", "type": "person"}


def in_rollout(key: str, distinct_id: str, percentage: float) -> bool:
    digest = hashlib.sha1(f"{key}.{distinct_id}".encode()).hexdigest()
    return int(digest[:15], 16) / 0xFFFFFFFFFFFFFFF <= percentage / 100


@pytest.fixture
def flags(frozen: Emulator) -> Emulator:
    make = frozen.feature_flags.create
    make(key="pro-only", filters={"groups": [{"properties": [PRO], "rollout_percentage": 100}]})
    frozen.advance_time(1)
    make(key="half", filters={"groups": [{"properties": [], "rollout_percentage": 50}]})
    frozen.advance_time(1)
    make(
        key="off", active=False, filters={"groups": [{"properties": [], "rollout_percentage": 100}]}
    )
    frozen.advance_time(1)
    make(
        key="two-sets",
        filters={
            "groups": [
                {"properties": [PRO], "rollout_percentage": 100},
                {"properties": [], "rollout_percentage": 100},
            ]
        },
    )
    for n in range(20):
        plan = "pro" if n % 3 == 0 else "free"
        frozen.events.capture("$identify", f"user-{n}", {"$set": {"plan": plan}})
    return frozen


@pytest.mark.parametrize("n", range(20))
def test_evaluation_reasons(flags: Emulator, n: int) -> None:
    distinct_id = f"user-{n}"
    pro = n % 3 == 0
    half = in_rollout("half", distinct_id, 50)
    assert flags.feature_flags.evaluation_reasons(distinct_id) == {
        "two-sets": {
            "value": True,
            "evaluation": {"reason": "condition_match", "condition_index": 0 if pro else 1},
        },
        "half": {
            "value": half,
            "evaluation": {
                "reason": "condition_match" if half else "out_of_rollout_bound",
                "condition_index": 0,
            },
        },
        "pro-only": {
            "value": pro,
            "evaluation": {
                "reason": "condition_match" if pro else "no_condition_match",
                "condition_index": 0,
            },
        },
        "off": {"value": False, "evaluation": {"reason": "disabled", "condition_index": None}},
    }


def test_the_rollout_splits_these_users() -> None:
    """The parametrized users above fall on both sides of the 50% rollout."""
    assert {in_rollout("half", f"user-{n}", 50) for n in range(20)} == {True, False}


def test_evaluation_reasons_need_a_distinct_id(flags: Emulator) -> None:
    with pytest.raises(ValidationError) as raised:
        flags.feature_flags.evaluation_reasons("")
    assert raised.value.body() == {
        "type": "validation_error",
        "code": "invalid_input",
        "detail": "distinct_id is required",
        "attr": None,
    }


def test_my_flags_lists_every_flag_newest_first_with_its_value(flags: Emulator) -> None:
    found = flags.feature_flags.my_flags("user-3")
    assert [row["feature_flag"]["key"] for row in found] == ["two-sets", "off", "half", "pro-only"]
    assert {row["feature_flag"]["key"]: row["value"] for row in found} == {
        "two-sets": True,
        "off": False,
        "half": in_rollout("half", "user-3", 50),
        "pro-only": True,
    }
    assert list(found[0]["feature_flag"]) == [
        "id", "team_id", "name", "key", "filters", "deleted", "active",
        "ensure_experience_continuity", "has_encrypted_payloads", "version",
        "evaluation_runtime", "evaluation_tags",
    ]  # fmt: skip


def test_my_flags_without_flags_is_empty(frozen: Emulator) -> None:
    assert frozen.feature_flags.my_flags("anyone") == []


@pytest.mark.parametrize(
    ("path", "operation"),
    [
        ("my_flags/", "feature_flags_my_flags_retrieve"),
        ("evaluation_reasons/?distinct_id=user-1", "feature_flags_evaluation_reasons_retrieve"),
    ],
)
def test_personal_api_keys_are_refused(flags: Emulator, path: str, operation: str) -> None:
    answer = action(flags, "GET", f"/api/projects/1/feature_flags/{path}", operation, status=403)
    assert answer == NO_KEY_ACCESS
