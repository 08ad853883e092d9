"""Experiments over HTTP: ``ExperimentSerializer`` / ``EnterpriseExperimentsViewSet``
(``ee/clickhouse/views/experiments.py``) and the metric fingerprint
(``posthog/hogql_queries/experiments/experiment_metric_fingerprint.py``). Bodies validate
against the published ``Experiment`` components, except ``holdout``: the schema types it as a
non-null ``ExperimentHoldout`` while PostHog answers null for an experiment without a holdout
(a nested read-only serializer drf-spectacular does not mark nullable)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from phemu.emulator import Emulator
from tests.openapi import assert_valid

EXPERIMENTS = "/api/projects/1/experiments/"
METRIC = {
    "kind": "ExperimentMetric",
    "metric_type": "mean",
    "uuid": "m1",
    "name": "Revenue",
    "source": {"kind": "EventsNode", "event": "purchase"},
}


#: Where PostHog answers null and its schema does not say so.
NULLABLE = (("Experiment", "holdout"),)


def post(emulator: Emulator, auth: dict[str, str], **body: Any) -> Any:
    return emulator.client().post(EXPERIMENTS, json=body, headers=auth)


def error(response: Any) -> tuple[int, str, str | None]:
    body = response.get_json()
    return response.status_code, body["detail"], body["attr"]


def test_create_makes_an_inactive_control_test_flag(frozen: Emulator, auth: dict[str, str]) -> None:
    """create(): a draft gets a multivariate flag (control/test, 50/50) that is off, a
    ``stats_config`` with the organization's default method, and fingerprinted metrics."""
    created = post(frozen, auth, name="Checkout", feature_flag_key="new-checkout", metrics=[METRIC])
    assert created.status_code == 201
    body = created.get_json()
    assert_valid(body, "Experiment", nullable=NULLABLE)
    flag = body["feature_flag"]
    assert (flag["key"], flag["active"], flag["name"]) == (
        "new-checkout",
        False,
        "Feature Flag for Experiment Checkout",
    )
    assert flag["filters"]["multivariate"]["variants"] == [
        {"key": "control", "name": "Control Group", "rollout_percentage": 50},
        {"key": "test", "name": "Test Variant", "rollout_percentage": 50},
    ]
    assert (
        body["stats_config"] == {"method": "bayesian"}
        and body["feature_flag_key"] == "new-checkout"
    )
    expected = hashlib.sha256(
        json.dumps(
            {
                "metric": {
                    "metric_type": "mean",
                    "source": {"kind": "EventsNode", "event": "purchase"},
                },
                "start_date": None,
                "stats_config": {"method": "bayesian"},
            },
            sort_keys=True,
            separators=(",", ":"),
        ).encode()
    ).hexdigest()
    assert body["metrics"][0]["fingerprint"] == expected
    flag_view = (
        frozen.client().get(f"/api/projects/1/feature_flags/{flag['id']}/", headers=auth).json
    )
    assert flag_view["experiment_set"] == [body["id"]]


def test_launch_turns_the_flag_on_and_the_fingerprint_follows_the_start(
    frozen: Emulator, auth: dict[str, str]
) -> None:
    """update(): a draft given a start date activates its flag; fingerprints are recomputed."""
    body = post(frozen, auth, name="E", feature_flag_key="e", metrics=[METRIC]).json
    before = body["metrics"][0]["fingerprint"]
    launched = (
        frozen.client()
        .patch(
            f"{EXPERIMENTS}{body['id']}/", json={"start_date": "2026-06-15T10:00:00Z"}, headers=auth
        )
        .json
    )
    assert launched["feature_flag"]["active"] is True
    assert launched["metrics"][0]["fingerprint"] != before
    assert frozen.feature_flags.value("e", "someone") in ("control", "test")


def test_validation_messages(emulator: Emulator, auth: dict[str, str]) -> None:
    """validate_parameters, validate, validate_existing_feature_flag_for_experiment, and the
    flag serializer's own key rule."""
    too_many = [{"key": f"v{i}", "rollout_percentage": 5} for i in range(21)]
    cases = [
        ({"feature_flag_key": "k"}, (400, "This field is required.", "name")),
        ({"name": "n"}, (400, "This field is required.", "feature_flag_key")),
        ({"name": "n", "feature_flag_key": "k", "parameters": {"feature_flag_variants": too_many}},
         (400, "Feature flag variants must be less than 21", "parameters")),
        ({"name": "n", "feature_flag_key": "k",
          "parameters": {"feature_flag_variants": [{"key": "a", "rollout_percentage": 100}]}},
         (400, "Feature flag variants must contain a control variant", "parameters")),
        ({"name": "n", "feature_flag_key": "k", "start_date": "2026-02-01T00:00:00Z",
          "end_date": "2026-01-01T00:00:00Z"}, (400, "End date must be after start date", None)),
        ({"name": "n", "feature_flag_key": "bad key"},
         (400, "Only letters, numbers, hyphens (-) & underscores (_) are allowed.", "key")),
        ({"name": "n", "feature_flag_key": "k", "holdout_id": 3},
         (400, 'Invalid pk "3" - object does not exist.', "holdout_id")),
        ({"name": "n", "feature_flag_key": "k", "exposure_criteria": {"filterTestAccounts": "yes"}},
         (400, "filterTestAccounts must be a boolean", "exposure_criteria")),
    ]  # fmt: skip
    for body, expected in cases:
        assert error(post(emulator, auth, **body)) == expected, body
    emulator.feature_flags.create(key="plain", filters={"groups": [{"rollout_percentage": 100}]})
    assert error(post(emulator, auth, name="n", feature_flag_key="plain")) == (
        400,
        "Feature flag is not eligible for experiments.",
        None,
    )


def test_update_rules_archive_and_soft_delete(emulator: Emulator, auth: dict[str, str]) -> None:
    """update(): only ``expected_keys``; a launched experiment keeps its variants; archived ones
    leave the default list; deleted ones are invisible; DELETE is the bare 405."""
    client = emulator.client()
    body = post(
        emulator, auth, name="E", feature_flag_key="e", start_date="2026-01-01T00:00:00Z"
    ).json
    detail = f"{EXPERIMENTS}{body['id']}/"
    assert error(client.patch(detail, json={"type": "web"}, headers=auth)) == (
        400,
        "Can't update keys: type on Experiment",
        None,
    )
    assert error(client.patch(detail, json={"feature_flag_key": "other"}, headers=auth)) == (
        400,
        "Can't update keys: get_feature_flag_key on Experiment",
        None,
    )
    variants = {"feature_flag_variants": [{"key": "control", "rollout_percentage": 100}]}
    assert error(client.patch(detail, json={"parameters": variants}, headers=auth)) == (
        400,
        "Can't update feature_flag_variants on Experiment",
        None,
    )
    assert client.patch(detail, json={"archived": True}, headers=auth).json["archived"] is True
    assert client.get(EXPERIMENTS, headers=auth).json["count"] == 0
    archived = client.get(f"{EXPERIMENTS}?archived=true", headers=auth).json
    assert_valid(archived, "PaginatedExperimentList", nullable=NULLABLE)
    assert [e["id"] for e in archived["results"]] == [body["id"]]
    assert client.patch(detail, json={"deleted": True}, headers=auth).status_code == 200
    assert client.get(detail, headers=auth).status_code == 404
    assert (
        client.delete(detail, headers=auth).status_code,
        client.delete(detail, headers=auth).data,
    ) == (405, b"")
    state = emulator.export_state()
    other = Emulator(load_entrypoints=False)
    other.import_state(state)
    assert other.export_state() == state
