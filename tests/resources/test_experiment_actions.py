"""Experiment actions from stored state (``EnterpriseExperimentsViewSet`` in
``ee/clickhouse/views/experiments.py``): ``duplicate``, ``eligible_feature_flags``,
``requires_flag_implementation`` (``requires_flag_warning`` in
``ee/clickhouse/queries/experiments/utils.py``), ``stats``, ``timeseries_results`` and
``recalculate_timeseries``. Each expected answer is worked out in the test from what it wrote."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from phemu.emulator import Emulator
from tests.resources.actions_support import action

EXPERIMENTS = "/api/projects/1/experiments/"
CONTROL_TEST = [
    {"key": "control", "rollout_percentage": 50},
    {"key": "test", "rollout_percentage": 50},
]
METRIC = {
    "kind": "ExperimentMetric",
    "metric_type": "mean",
    "uuid": "m1",
    "name": "Revenue",
    "source": {"kind": "EventsNode", "event": "purchase"},
}


def _experiment(emulator: Emulator, **fields: Any) -> dict[str, Any]:
    body = {"name": "Checkout", "feature_flag_key": "checkout", **fields}
    response = emulator.client().post(EXPERIMENTS, json=body, headers=emulator.auth_headers)
    assert response.status_code == 201, response.get_json()
    return dict(response.get_json())


def _error(emulator: Emulator, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    response = emulator.client().open(path, method=method, json=body, headers=emulator.auth_headers)
    return response.status_code, response.get_json()


# -- duplicate ------------------------------------------------------------------------------------


def test_duplicate_copies_a_draft_reusing_the_flag_and_saved_metrics(frozen: Emulator) -> None:
    """``duplicate``: "<name> (Copy)", the same flag, metrics and saved metric links copied,
    dates, archive state and the holdout reset; the answer is the serializer's, status 201."""
    holdout = frozen.experiment_holdouts.create(
        name="H", filters=[{"properties": [], "rollout_percentage": 10}]
    )
    shared = frozen.experiment_saved_metrics.create(name="Shared", query=METRIC)
    source = _experiment(
        frozen,
        description="d",
        metrics=[METRIC],
        holdout_id=holdout["id"],
        exposure_criteria={"filterTestAccounts": True},
        saved_metrics_ids=[{"id": shared["id"], "metadata": {"type": "secondary"}}],
        start_date="2026-06-01T00:00:00Z",
        end_date="2026-06-10T00:00:00Z",
    )
    frozen.experiments.update(source["id"], archived=True)

    copy = action(
        frozen, "POST", f"{EXPERIMENTS}{source['id']}/duplicate/", "experiments_duplicate_create",
        status=201, json={},
    )  # fmt: skip

    assert copy["name"] == "Checkout (Copy)" and copy["id"] != source["id"]
    assert copy["feature_flag"]["id"] == source["feature_flag"]["id"]
    assert (copy["start_date"], copy["end_date"], copy["archived"]) == (None, None, False)
    assert copy["holdout"] is None and copy["holdout_id"] is None
    assert copy["description"] == "d" and copy["exposure_criteria"] == {"filterTestAccounts": True}
    assert [m["uuid"] for m in copy["metrics"]] == ["m1"]
    # the fingerprint follows the copy's (missing) start date
    assert copy["metrics"][0]["fingerprint"] != source["metrics"][0]["fingerprint"]
    assert [(s["saved_metric"], s["metadata"]) for s in copy["saved_metrics"]] == [
        (shared["id"], {"type": "secondary"})
    ]
    assert frozen.experiments.get(copy["id"])["name"] == "Checkout (Copy)"


def test_duplicate_names_count_up_and_skip_deleted_ones(frozen: Emulator) -> None:
    """The loop over live names: ``(Copy)``, ``(Copy) 1``, ``(Copy) 2``; a soft-deleted
    experiment's name is free again."""
    source = _experiment(frozen)
    path = f"{EXPERIMENTS}{source['id']}/duplicate/"
    names = [frozen.experiments.duplicate(source["id"])["name"] for _ in range(3)]
    assert names == ["Checkout (Copy)", "Checkout (Copy) 1", "Checkout (Copy) 2"]
    first = next(e for e in frozen.experiments.all() if e["name"] == "Checkout (Copy)")
    frozen.experiments.update(first["id"], deleted=True)
    again = action(frozen, "POST", path, "experiments_duplicate_create", status=201, json={})
    assert again["name"] == "Checkout (Copy)"


def test_duplicate_onto_another_flag_takes_its_variants(frozen: Emulator) -> None:
    """A ``feature_flag_key`` naming a live flag: the copy uses it and its variants become
    ``parameters.feature_flag_variants``; a new key creates a flag from the parameters."""
    source = _experiment(frozen, parameters={"feature_flag_variants": CONTROL_TEST})
    three = [
        {"key": "control", "rollout_percentage": 34},
        {"key": "a", "rollout_percentage": 33},
        {"key": "b", "rollout_percentage": 33},
    ]
    other = frozen.feature_flags.create(
        key="other",
        filters={"groups": [{"rollout_percentage": 100}], "multivariate": {"variants": three}},
    )
    path = f"{EXPERIMENTS}{source['id']}/duplicate/"
    onto = action(
        frozen, "POST", path, "experiments_duplicate_create", status=201,
        json={"feature_flag_key": "other"},
    )  # fmt: skip
    assert onto["feature_flag"]["id"] == other["id"]
    assert onto["parameters"]["feature_flag_variants"] == three
    fresh = action(
        frozen, "POST", path, "experiments_duplicate_create", status=201,
        json={"feature_flag_key": "brand-new"},
    )  # fmt: skip
    assert fresh["feature_flag_key"] == "brand-new" and fresh["feature_flag"]["active"] is False
    assert fresh["parameters"]["feature_flag_variants"] == CONTROL_TEST


def test_duplicate_refusals_are_the_serializers(frozen: Emulator) -> None:
    """The copy goes through ``ExperimentSerializer``: a flag that cannot run an experiment is
    its 400; an unknown or deleted experiment is a 404; nothing is written on refusal."""
    source = _experiment(frozen)
    frozen.feature_flags.create(key="plain", filters={"groups": [{"rollout_percentage": 100}]})
    before = len(frozen.experiments.all())
    status, body = _error(
        frozen, "POST", f"{EXPERIMENTS}{source['id']}/duplicate/", {"feature_flag_key": "plain"}
    )
    assert (status, body["detail"]) == (400, "Feature flag is not eligible for experiments.")
    assert _error(frozen, "POST", f"{EXPERIMENTS}999/duplicate/", {})[0] == 404
    assert len(frozen.experiments.all()) == before


# -- eligible_feature_flags ------------------------------------------------------------------------


def _flag(emulator: Emulator, key: str, variants: list[dict[str, Any]] | None, **more: Any) -> int:
    filters: dict[str, Any] = {"groups": [{"rollout_percentage": 100}]}
    if variants is not None:
        filters["multivariate"] = {"variants": variants}
    return int(
        emulator.feature_flags.create(key=key, name=key.upper(), filters=filters, **more)["id"]
    )


def test_eligible_flags_are_multivariate_with_control_first(frozen: Emulator) -> None:
    """At least two variants, ``control`` first, not deleted, not a survey's own flag; newest
    first; ``{"results", "count"}`` without links."""
    a = _flag(frozen, "alpha", CONTROL_TEST)
    _flag(frozen, "boolean", None)
    _flag(frozen, "test-first", list(reversed(CONTROL_TEST)))
    _flag(frozen, "lonely", [{"key": "control", "rollout_percentage": 100}])
    gone = _flag(frozen, "gone", CONTROL_TEST)
    frozen.feature_flags.update(gone, deleted=True)
    frozen.advance_time(seconds=1)
    b = _flag(frozen, "beta", CONTROL_TEST, active=False)
    frozen.surveys.create(
        name="S", type="popover", questions=[{"type": "open", "question": "Q?"}],
        targeting_flag_filters={"groups": [{"properties": [], "rollout_percentage": 50}]},
    )  # fmt: skip

    body = action(
        frozen, "GET", f"{EXPERIMENTS}eligible_feature_flags/",
        "experiments_eligible_feature_flags_retrieve",
    )  # fmt: skip
    assert set(body) == {"results", "count"}
    assert [f["id"] for f in body["results"]] == [b, a] and body["count"] == 2
    assert body["results"][0] == frozen.feature_flags.get(b)


def test_eligible_flags_filter_order_and_page(frozen: Emulator) -> None:
    """``search`` (key or name), ``active``, ``created_by_id``, ``order``, ``limit`` (at most
    100) and ``offset`` (at least 0); ``count`` is the filtered total."""
    keys = ["one", "two", "three", "four"]
    for key in keys:
        _flag(frozen, key, CONTROL_TEST, active=key != "two", created_by=1)
        frozen.advance_time(seconds=1)

    def page(query: str) -> dict[str, Any]:
        path = f"{EXPERIMENTS}eligible_feature_flags/?{query}"
        return dict(action(frozen, "GET", path, "experiments_eligible_feature_flags_retrieve"))

    assert [f["key"] for f in page("search=T")["results"]] == ["three", "two"]  # key or name
    assert [f["key"] for f in page("active=false")["results"]] == ["two"]
    assert page("created_by_id=1")["count"] == 4 and page("created_by_id=2")["count"] == 0
    assert [f["key"] for f in page("order=key")["results"]] == sorted(keys)
    window = page("order=created_at&limit=2&offset=1")
    assert [f["key"] for f in window["results"]] == ["two", "three"] and window["count"] == 4
    assert len(page("limit=500")["results"]) == 4 and page("offset=-3")["count"] == 4
    assert page("limit=0")["results"] == []
    assert page("has_evaluation_tags=true")["count"] == 0
    assert page("has_evaluation_tags=false")["count"] == 4


def test_eligible_flags_answer_their_own_error_body(frozen: Emulator) -> None:
    """``int()`` of ``limit``/``offset`` failing: ``{"error": "Invalid limit or offset"}``."""
    for query in ("limit=ten", "offset=1.5"):
        status, body = _error(frozen, "GET", f"{EXPERIMENTS}eligible_feature_flags/?{query}")
        assert (status, body) == (400, {"error": "Invalid limit or offset"})


# -- requires_flag_implementation -------------------------------------------------------------------


def _requires(emulator: Emulator, query: str) -> Any:
    body = action(
        emulator, "GET", f"{EXPERIMENTS}requires_flag_implementation/?{query}",
        "experiments_requires_flag_implementation_retrieve",
    )  # fmt: skip
    return body


def _events(*names: str) -> str:
    return "events=" + quote(json.dumps([{"id": n, "type": "events"} for n in names]))


def test_requires_flag_until_an_event_carries_a_feature_property(frozen: Emulator) -> None:
    """True unless one of the filter's events of the last week (from midnight 7 days ago)
    carries a ``$feature/...`` property; no entities at all is true."""
    assert _requires(frozen, "") == {"result": True}
    frozen.events.capture("purchase", "u1", {"plan": "pro"})
    assert _requires(frozen, _events("purchase")) == {"result": True}
    frozen.events.capture("signup", "u1", {"$feature/checkout": "test"})
    assert _requires(frozen, _events("purchase")) == {"result": True}  # another event
    assert _requires(frozen, _events("purchase", "signup")) == {"result": False}


def test_requires_flag_reads_only_the_last_week(frozen: Emulator) -> None:
    """``date_from: -7d`` starts at midnight seven days ago; an older event does not count."""
    frozen.events.capture("signup", "u1", {"$feature/x": "a"}, timestamp="2026-06-07T23:59:59Z")
    assert _requires(frozen, _events("signup")) == {"result": True}
    frozen.events.capture("signup", "u2", {"$feature/x": "a"}, timestamp="2026-06-08T00:00:00Z")
    assert _requires(frozen, _events("signup")) == {"result": False}


def test_requires_flag_reads_action_steps_and_refuses_unknown_actions(frozen: Emulator) -> None:
    """Actions contribute their steps' events (``Entity.get_action``); an unknown one is
    ``Action ID <id> does not exist!``."""
    created = (
        frozen.client()
        .post(
            "/api/projects/1/actions/",
            json={"name": "Bought", "steps": [{"event": "purchase"}]},
            headers=frozen.auth_headers,
        )
        .get_json()
    )
    frozen.events.capture("purchase", "u1", {"$feature/checkout": "control"})
    actions = "actions=" + quote(json.dumps([{"id": created["id"], "type": "actions"}]))
    assert _requires(frozen, actions) == {"result": False}
    missing = "actions=" + quote(json.dumps([{"id": 987654, "type": "actions"}]))
    status, body = _error(frozen, "GET", f"{EXPERIMENTS}requires_flag_implementation/?{missing}")
    assert (status, body["detail"]) == (400, "Action ID 987654 does not exist!")


# -- stats ---------------------------------------------------------------------------------------


def test_stats_count_launches_running_and_completed(frozen: Emulator) -> None:
    """Windows of 30 days before today (2026-06-15): launched 2026-05-16..today, previous
    2026-04-16..2026-05-15; archived and deleted experiments are left out."""
    dates = {
        "recent": ("2026-06-01T00:00:00Z", None),
        "recent-done": ("2026-05-20T00:00:00Z", "2026-06-10T00:00:00Z"),
        "previous": ("2026-04-20T00:00:00Z", None),
        "edge": ("2026-05-16T00:00:00Z", None),  # the first day of the last window
        "older": ("2026-01-01T00:00:00Z", "2026-05-01T00:00:00Z"),
        "archived": ("2026-06-02T00:00:00Z", None),
        "deleted": ("2026-06-03T00:00:00Z", None),
        "draft": (None, None),
    }
    for name, (start, end) in dates.items():
        created = _experiment(frozen, name=name, feature_flag_key=f"f-{name}")
        if start:
            frozen.experiments.update(created["id"], start_date=start, end_date=end)
        if name in ("archived", "deleted"):
            frozen.experiments.update(created["id"], **{name: True})

    body = action(frozen, "GET", f"{EXPERIMENTS}stats/", "experiments_stats_retrieve")

    assert body == {
        "launched_last_30d": 3,  # recent, recent-done, edge
        "launched_previous_30d": 1,  # previous
        "percent_change": 200.0,
        "active_experiments": 3,  # recent, previous, edge
        "completed_last_30d": 1,  # recent-done
    }


def test_stats_of_an_empty_project(frozen: Emulator) -> None:
    body = action(frozen, "GET", f"{EXPERIMENTS}stats/", "experiments_stats_retrieve")
    assert body == {
        "launched_last_30d": 0,
        "launched_previous_30d": 0,
        "percent_change": 0.0,
        "active_experiments": 0,
        "completed_last_30d": 0,
    }


# -- timeseries ------------------------------------------------------------------------------------


def test_timeseries_needs_its_parameters_and_a_started_experiment(frozen: Emulator) -> None:
    draft = _experiment(frozen)
    path = f"{EXPERIMENTS}{draft['id']}/timeseries_results/"
    for query, message in (
        ("", "metric_uuid query parameter is required"),
        ("?metric_uuid=m1", "fingerprint query parameter is required"),
        ("?metric_uuid=m1&fingerprint=abc", "Experiment has not been started yet"),
    ):
        status, body = _error(frozen, "GET", path + query)
        assert (status, body["detail"], body["attr"]) == (400, message, None)
    assert _error(frozen, "GET", f"{EXPERIMENTS}999/timeseries_results/?metric_uuid=m1")[0] == 404


def test_timeseries_without_computed_results_is_pending(frozen: Emulator) -> None:
    """No ``ExperimentMetricResult`` rows (phemu runs no ClickHouse jobs): every day from the
    start to today (or the end) is null and the status ``pending``; ``created_at`` and
    ``updated_at`` are the experiment's, in Python's ``isoformat``."""
    started = _experiment(frozen, metrics=[METRIC], start_date="2026-06-12T08:00:00Z")
    body = action(
        frozen, "GET", f"{EXPERIMENTS}{started['id']}/timeseries_results/?metric_uuid=m1&fingerprint=f",
        "experiments_timeseries_results_retrieve",
    )  # fmt: skip
    assert body == {
        "experiment_id": started["id"],
        "metric_uuid": "m1",
        "status": "pending",
        "timeseries": {d: None for d in ("2026-06-12", "2026-06-13", "2026-06-14", "2026-06-15")},
        "errors": None,
        "computed_at": None,
        "created_at": "2026-06-15T10:00:00+00:00",
        "updated_at": "2026-06-15T10:00:00+00:00",
        "recalculation_status": None,
        "recalculation_created_at": None,
    }
    frozen.experiments.update(started["id"], end_date="2026-06-13T00:00:00Z")
    ended = (
        frozen.client()
        .get(
            f"{EXPERIMENTS}{started['id']}/timeseries_results/?metric_uuid=m1&fingerprint=f",
            headers=frozen.auth_headers,
        )
        .get_json()
    )
    assert list(ended["timeseries"]) == ["2026-06-12", "2026-06-13"]


def test_recalculation_is_requested_once_per_fingerprint(frozen: Emulator) -> None:
    """``recalculate_timeseries``: 201 with a new ``pending`` request, then 200 with the same
    one while it is active; ``timeseries_results`` for that fingerprint reports it."""
    started = _experiment(frozen, start_date="2026-06-14T00:00:00Z")
    path = f"{EXPERIMENTS}{started['id']}/recalculate_timeseries/"
    body = {"metric": METRIC, "fingerprint": "f1"}
    first = action(
        frozen, "POST", path, "experiments_recalculate_timeseries_create", status=201, json=body
    )
    assert first["status"] == "pending" and first["metric_uuid"] == "m1"
    assert (first["experiment_id"], first["fingerprint"]) == (started["id"], "f1")
    assert first["created_at"] == "2026-06-15T10:00:00+00:00" and len(first["id"]) == 36
    frozen.advance_time(seconds=60)
    again = action(
        frozen, "POST", path, "experiments_recalculate_timeseries_create", status=200, json=body
    )
    assert again == first
    other = action(
        frozen, "POST", path, "experiments_recalculate_timeseries_create", status=201,
        json={"metric": METRIC, "fingerprint": "f2"},
    )  # fmt: skip
    assert other["id"] != first["id"]
    series = (
        frozen.client()
        .get(
            f"{EXPERIMENTS}{started['id']}/timeseries_results/?metric_uuid=m1&fingerprint=f1",
            headers=frozen.auth_headers,
        )
        .get_json()
    )
    assert (series["recalculation_status"], series["recalculation_created_at"]) == (
        "pending",
        first["created_at"],
    )


def test_recalculation_refusals(frozen: Emulator) -> None:
    draft = _experiment(frozen)
    path = f"{EXPERIMENTS}{draft['id']}/recalculate_timeseries/"
    for body, message in (
        ({"fingerprint": "f"}, "metric is required"),
        ({"metric": {}, "fingerprint": "f"}, "metric is required"),
        ({"metric": METRIC}, "fingerprint is required"),
        ({"metric": METRIC, "fingerprint": "f"},
         "Cannot recalculate timeseries for experiment that hasn't started"),
    ):  # fmt: skip
        status, answer = _error(frozen, "POST", path, body)
        assert (status, answer["detail"]) == (400, message)


def test_recalculation_stores_a_scalar_fingerprint_as_text(frozen: Emulator) -> None:
    """``fingerprint`` is a ``CharField``: Django stores ``str()`` of a number, the answer
    echoes the request's value, and the text names the same request."""
    started = _experiment(frozen, start_date="2026-06-14T00:00:00Z")
    path = f"{EXPERIMENTS}{started['id']}/recalculate_timeseries/"
    first = action(
        frozen, "POST", path, "experiments_recalculate_timeseries_create", status=201,
        json={"metric": METRIC, "fingerprint": 123},
    )  # fmt: skip
    assert first["fingerprint"] == 123
    again = action(
        frozen, "POST", path, "experiments_recalculate_timeseries_create", status=200,
        json={"metric": METRIC, "fingerprint": "123"},
    )  # fmt: skip
    assert again["id"] == first["id"]
