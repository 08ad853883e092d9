"""Holdouts, saved metrics and web experiments over HTTP, hand-written after PostHog's
serializers: ``ExperimentHoldoutSerializer`` / ``ExperimentHoldoutViewSet``
(``ee/clickhouse/views/experiment_holdouts.py``), ``ExperimentSavedMetricSerializer``
(``ee/clickhouse/views/experiment_saved_metrics.py``), ``WebExperimentsAPISerializer`` /
``WebExperimentViewSet`` (``posthog/api/web_experiment.py``, ``WebExperiment`` a proxy of
``Experiment`` in ``posthog/models/web_experiment.py``), and how experiments use the first two
(``ExperimentSerializer`` in ``ee/clickhouse/views/experiments.py``)."""

from __future__ import annotations

from typing import Any

import pytest

from phemu.emulator import Emulator
from tests.resources.actions_support import action

P1 = "/api/projects/1"
HOLDOUTS = f"{P1}/experiment_holdouts/"
METRICS = f"{P1}/experiment_saved_metrics/"
WEB = f"{P1}/web_experiments/"
GROUP = {"properties": [], "rollout_percentage": 10}
MEAN = {
    "kind": "ExperimentMetric",
    "metric_type": "mean",
    "uuid": "m1",
    "source": {"kind": "EventsNode", "event": "purchase"},
}
VARIANTS = {
    "control": {"rollout_percentage": 50},
    "test": {"rollout_percentage": 50, "transforms": [{"selector": "h1", "text": "Hi"}]},
}


def _call(emulator: Emulator, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    response = emulator.client().open(path, method=method, json=body, headers=emulator.auth_headers)
    return response.status_code, response.get_json() if response.get_data() else None


def _refused(emulator: Emulator, method: str, path: str, body: Any) -> tuple[str, Any]:
    status, answer = _call(emulator, method, path, body)
    assert status == 400, answer
    return answer["detail"], answer["attr"]


# -- holdouts ------------------------------------------------------------------------------------


def test_holdout_create_names_its_variant_and_renders_the_serializer(frozen: Emulator) -> None:
    created = action(
        frozen, "POST", HOLDOUTS, "experiment_holdouts_create", status=201,
        json={"name": "Global", "description": "5%", "filters": [GROUP]},
    )  # fmt: skip
    assert created["filters"] == [{**GROUP, "variant": f"holdout-{created['id']}"}]
    assert (created["name"], created["description"]) == ("Global", "5%")
    assert created["created_by"]["email"] == "ada@example.com"
    assert created["created_at"] == created["updated_at"] == "2026-06-15T10:00:00Z"
    listed = action(frozen, "GET", HOLDOUTS, "experiment_holdouts_list")
    assert listed["results"] == [created]
    got = action(frozen, "GET", f"{HOLDOUTS}{created['id']}/", "experiment_holdouts_retrieve")
    assert got == created


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ([], "Filters are required to create an holdout group"),
        ([{"properties": []}], "Rollout percentage must be present."),
        ([{"rollout_percentage": None}], "Rollout percentage must be present."),
        ([{"rollout_percentage": 101}], "Rollout percentage must be between 0 and 100."),
        ([{"rollout_percentage": -1}], "Rollout percentage must be between 0 and 100."),
        (["group"], "Rollout percentage must be present."),
    ],
)
def test_holdout_filters_are_checked(frozen: Emulator, filters: Any, message: str) -> None:
    detail, attr = _refused(frozen, "POST", HOLDOUTS, {"name": "H", "filters": filters})
    assert detail == message
    assert attr == (None if filters == [] else "filters")
    assert frozen.experiment_holdouts.all() == []


def test_holdout_name_rules(frozen: Emulator) -> None:
    assert _refused(frozen, "POST", HOLDOUTS, {"filters": [GROUP]}) == (
        "This field is required.",
        "name",
    )
    assert _refused(frozen, "POST", HOLDOUTS, {"name": "x" * 401, "filters": [GROUP]}) == (
        "Ensure this field has no more than 400 characters.",
        "name",
    )


def test_experiments_in_a_holdout_carry_it_on_their_flags(frozen: Emulator) -> None:
    """An experiment created with ``holdout_id`` copies the holdout's groups into its new
    flag's ``holdout_groups``; changing the holdout's filters rewrites them; deleting the
    holdout clears them and detaches the experiment; a launched experiment keeps its
    holdout."""
    holdout = frozen.experiment_holdouts.create(name="H", filters=[GROUP], created_by=1)
    status, experiment = _call(
        frozen, "POST", f"{P1}/experiments/",
        {"name": "E", "feature_flag_key": "e", "holdout_id": holdout["id"]},
    )  # fmt: skip
    assert status == 201
    assert experiment["holdout"] == holdout and experiment["holdout_id"] == holdout["id"]
    assert experiment["feature_flag"]["filters"]["holdout_groups"] == holdout["filters"]
    flag_id = experiment["feature_flag"]["id"]

    changed = action(
        frozen, "PATCH", f"{HOLDOUTS}{holdout['id']}/", "experiment_holdouts_partial_update",
        json={"filters": [{"properties": [], "rollout_percentage": 20}]},
    )  # fmt: skip
    wanted = [{"properties": [], "rollout_percentage": 20, "variant": f"holdout-{holdout['id']}"}]
    assert changed["filters"] == wanted
    assert frozen.feature_flags.get(flag_id)["filters"]["holdout_groups"] == wanted

    frozen.experiments.update(experiment["id"], start_date="2026-06-15T00:00:00Z")
    assert _refused(
        frozen, "PATCH", f"{P1}/experiments/{experiment['id']}/", {"holdout_id": None}
    ) == (
        "Can't update holdout on running Experiment",
        None,
    )

    action(
        frozen, "DELETE", f"{HOLDOUTS}{holdout['id']}/", "experiment_holdouts_destroy", status=204
    )
    assert frozen.feature_flags.get(flag_id)["filters"]["holdout_groups"] is None
    after = frozen.experiments.get(experiment["id"])
    assert after["holdout"] is None and after["holdout_id"] is None
    assert _call(frozen, "GET", f"{HOLDOUTS}{holdout['id']}/")[0] == 404


def test_a_draft_changes_its_holdout_on_its_flag(frozen: Emulator) -> None:
    first = frozen.experiment_holdouts.create(name="A", filters=[GROUP])
    experiment = frozen.experiments.create(name="E", feature_flag_key="e")
    status, body = _call(
        frozen, "PATCH", f"{P1}/experiments/{experiment['id']}/", {"holdout_id": first["id"]}
    )
    assert status == 200 and body["holdout_id"] == first["id"]
    assert body["feature_flag"]["filters"]["holdout_groups"] == first["filters"]
    assert _refused(
        frozen, "PATCH", f"{P1}/experiments/{experiment['id']}/", {"holdout_id": 999}
    ) == (
        'Invalid pk "999" - object does not exist.',
        "holdout_id",
    )


# -- saved metrics ---------------------------------------------------------------------------------


def test_saved_metrics_crud_in_name_order(frozen: Emulator) -> None:
    b = action(
        frozen, "POST", METRICS, "experiment_saved_metrics_create", status=201,
        json={"name": "beta", "query": MEAN, "tags": ["core", "core", "x"]},
    )  # fmt: skip
    a = action(
        frozen, "POST", METRICS, "experiment_saved_metrics_create", status=201,
        json={"name": "Alpha", "description": "d", "query": MEAN},
    )  # fmt: skip
    assert b["tags"] == ["core", "x"] and a["tags"] == []
    listed = action(frozen, "GET", METRICS, "experiment_saved_metrics_list")
    assert [m["name"] for m in listed["results"]] == ["Alpha", "beta"]  # Lower("name")
    renamed = action(
        frozen, "PATCH", f"{METRICS}{a['id']}/", "experiment_saved_metrics_partial_update",
        json={"name": "zeta"},
    )  # fmt: skip
    assert renamed["name"] == "zeta" and renamed["query"] == MEAN
    action(frozen, "DELETE", f"{METRICS}{a['id']}/", "experiment_saved_metrics_destroy", status=204)
    assert [m["id"] for m in frozen.experiment_saved_metrics.all()] == [b["id"]]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({}, "Query is required to create a saved metric"),
        (
            {"kind": "TrendsQuery"},
            "Metric query kind must be 'ExperimentMetric', 'ExperimentTrendsQuery' or "
            "'ExperimentFunnelsQuery'",
        ),
        ({"kind": "ExperimentMetric"}, "ExperimentMetric requires a metric_type"),
        (
            {"kind": "ExperimentMetric", "metric_type": "median"},
            "ExperimentMetric metric_type must be 'mean', 'funnel', or 'ratio'",
        ),
        (
            {"kind": "ExperimentMetric", "metric_type": "ratio", "numerator": {}, "extra": 1},
            "[{'type': 'missing', 'loc': ('denominator',), 'msg': 'Field required', 'input': "
            "{'kind': 'ExperimentMetric', 'metric_type': 'ratio', 'numerator': {}, 'extra': 1}}, "
            "{'type': 'extra_forbidden', 'loc': ('extra',), 'msg': 'Extra inputs are not "
            "permitted', 'input': 1}]",
        ),
        (
            {"kind": "ExperimentTrendsQuery"},
            "[{'type': 'missing', 'loc': ('count_query',), 'msg': 'Field required', 'input': "
            "{'kind': 'ExperimentTrendsQuery'}}]",
        ),
    ],
)
def test_saved_metric_queries_are_checked(frozen: Emulator, query: Any, message: str) -> None:
    assert _refused(frozen, "POST", METRICS, {"name": "m", "query": query}) == (message, "query")


def test_experiments_link_saved_metrics(frozen: Emulator) -> None:
    """``saved_metrics_ids``: each id must exist (``Saved metric does not exist``) and carry
    ``metadata``; the experiment renders the links with the metric's query (date range and
    fingerprint added); deleting the metric removes the link (CASCADE)."""
    metric = frozen.experiment_saved_metrics.create(name="Shared", query=MEAN)
    ids = [{"id": metric["id"], "metadata": {"type": "primary"}}]
    status, created = _call(
        frozen, "POST", f"{P1}/experiments/",
        {"name": "E", "feature_flag_key": "e", "saved_metrics_ids": ids},
    )  # fmt: skip
    assert status == 201
    [link] = created["saved_metrics"]
    assert (link["experiment"], link["saved_metric"], link["name"]) == (
        created["id"],
        metric["id"],
        "Shared",
    )
    assert link["metadata"] == {"type": "primary"}
    assert link["query"]["fingerprint"] and link["query"]["source"] == MEAN["source"]
    for body, message in (
        ([{"id": 999, "metadata": {"type": "primary"}}], "Saved metric does not exist"),
        (ids + ids, "Saved metric does not exist"),
    ):
        assert _refused(
            frozen, "PATCH", f"{P1}/experiments/{created['id']}/", {"saved_metrics_ids": body}
        ) == (message, "saved_metrics_ids")
    assert _refused(
        frozen, "PATCH", f"{P1}/experiments/{created['id']}/",
        {"saved_metrics_ids": [{"id": metric["id"]}]},
    ) == ("This field may not be null.", "metadata")  # fmt: skip
    frozen.experiment_saved_metrics.destroy(metric["id"])
    assert frozen.experiments.get(created["id"])["saved_metrics"] == []


# -- web experiments -------------------------------------------------------------------------------


def test_web_experiment_creates_its_flag(frozen: Emulator) -> None:
    created = action(
        frozen, "POST", WEB, "web_experiments_create", status=201,
        json={"name": "Hero Banner", "variants": VARIANTS},
    )  # fmt: skip
    assert set(created) == {"id", "name", "created_at", "feature_flag_key", "variants"}
    key = created["feature_flag_key"]
    prefix = "hero-banner-web-experiment-feature-"
    assert key.startswith(prefix) and len(key) == len(prefix) + 10
    assert set(key[len(prefix) :]) <= set("0123456789abcdef")
    assert created["variants"] == VARIANTS
    flag = next(f for f in frozen.feature_flags.all() if f["key"] == key)
    assert (flag["name"], flag["active"]) == ("Feature Flag for Experiment Hero Banner", False)
    assert flag["filters"]["multivariate"] == {
        "variants": [
            {"key": "control", "rollout_percentage": 50},
            {"key": "test", "rollout_percentage": 50},
        ]
    }
    # a WebExperiment is an Experiment of type "web"
    experiment = frozen.experiments.get(created["id"])
    assert (experiment["type"], experiment["description"], experiment["start_date"]) == (
        "web",
        "",
        None,
    )
    assert experiment["stats_config"] == {"method": "bayesian"}


def test_web_experiment_variants_follow_the_flag(frozen: Emulator) -> None:
    """The answer's rollouts are the flag's; a PUT with new variants rewrites the flag."""
    created = frozen.web_experiments.create(name="Hero", variants=VARIANTS)
    flag = next(f for f in frozen.feature_flags.all() if f["key"] == created["feature_flag_key"])
    variants = flag["filters"]["multivariate"]["variants"]
    moved = [{**variants[0], "rollout_percentage": 80}, {**variants[1], "rollout_percentage": 20}]
    frozen.feature_flags.update(
        flag["id"], filters={**flag["filters"], "multivariate": {"variants": moved}}
    )
    got = action(frozen, "GET", f"{WEB}{created['id']}/", "web_experiments_retrieve")
    assert got["variants"]["control"] == {"rollout_percentage": 80}
    assert got["variants"]["test"]["transforms"] == VARIANTS["test"]["transforms"]

    three = {**VARIANTS, "other": {"rollout_percentage": 0}}
    three["control"] = {"rollout_percentage": 50}
    updated = action(
        frozen, "PUT", f"{WEB}{created['id']}/", "web_experiments_update",
        json={"name": "Hero 2", "variants": three},
    )  # fmt: skip
    assert updated["name"] == "Hero 2" and list(updated["variants"]) == ["control", "test", "other"]
    rewritten = frozen.feature_flags.get(flag["id"])["filters"]
    assert [v["key"] for v in rewritten["multivariate"]["variants"]] == ["control", "test", "other"]


@pytest.mark.parametrize(
    ("variants", "message"),
    [
        ({"test": {"rollout_percentage": 100}}, "Experiment should contain a control variant"),
        (["control"], "Experiment variants should be a dictionary of keys -> transforms"),
        ({}, "Experiment should contain a control variant"),
        (
            {"control": {}},
            "Experiment variant 'control' does not have any rollout percentage",
        ),
        (
            {"control": {"rollout_percentage": 50}, "b": {"rollout_percentage": 50,
                                                          "transforms": [{"text": "x"}]}},
            "Experiment transform [$0] variant 'b' does not have a valid selector",
        ),
    ],
)  # fmt: skip
def test_web_experiment_variants_are_checked(frozen: Emulator, variants: Any, message: str) -> None:
    assert _refused(frozen, "POST", WEB, {"name": "W", "variants": variants}) == (message, None)
    assert frozen.web_experiments.all() == []


def test_web_experiment_patch_without_variants_is_refused(frozen: Emulator) -> None:
    """``validate`` runs on every write and reads ``attrs.get("variants")``."""
    created = frozen.web_experiments.create(name="Hero", variants=VARIANTS)
    assert _refused(frozen, "PATCH", f"{WEB}{created['id']}/", {"name": "x"}) == (
        "Experiment does not have any variants",
        None,
    )


def test_web_experiment_flag_rules_apply_and_delete_keeps_the_flag(frozen: Emulator) -> None:
    """The flag goes through the flags serializer (rollouts must sum to 100); ``DELETE``
    removes the experiment for good and leaves its flag; the list hides soft-deleted ones."""
    bad = {"control": {"rollout_percentage": 50}, "test": {"rollout_percentage": 20}}
    status, body = _call(frozen, "POST", WEB, {"name": "W", "variants": bad})
    assert status == 400 and body["attr"] == "filters"
    created = frozen.web_experiments.create(name="Hero", variants=VARIANTS)
    hidden = frozen.web_experiments.create(name="Hidden", variants=VARIANTS)
    frozen.experiments.update(hidden["id"], deleted=True)
    listed = action(frozen, "GET", WEB, "web_experiments_list")
    assert [e["id"] for e in listed["results"]] == [created["id"]]
    assert _call(frozen, "GET", f"{WEB}{hidden['id']}/")[0] == 200  # detail routes see it
    action(frozen, "DELETE", f"{WEB}{created['id']}/", "web_experiments_destroy", status=204)
    assert frozen.experiments.get(created["id"]) is None
    assert any(f["key"] == created["feature_flag_key"] for f in frozen.feature_flags.all())
    product = frozen.experiments.create(name="P", feature_flag_key="p")
    assert _call(frozen, "GET", f"{WEB}{product['id']}/")[0] == 404  # not of type web


def test_a_web_typed_experiment_is_a_web_experiment(frozen: Emulator) -> None:
    """``ExperimentSerializer.create`` copies a ``web`` experiment's variant rollouts onto it,
    and ``WebExperiment`` (the experiments of type ``web``) lists it."""
    status, created = _call(
        frozen, "POST", f"{P1}/experiments/", {"name": "W", "feature_flag_key": "w", "type": "web"}
    )
    assert status == 201
    listed = action(frozen, "GET", WEB, "web_experiments_list")
    assert listed["results"] == [
        {
            "id": created["id"],
            "name": "W",
            "created_at": created["created_at"],
            "feature_flag_key": "w",
            "variants": {"control": {"rollout_percentage": 50}, "test": {"rollout_percentage": 50}},
        }
    ]
