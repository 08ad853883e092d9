"""``ExperimentSerializer``'s validation and derived values, in its field order
(``ee/clickhouse/views/experiments.py``, the November 2025 serializer), and PostHog's metric
fingerprint (``posthog/hogql_queries/experiments/experiment_metric_fingerprint.py``)."""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from datetime import timezone
from typing import Any

from phemu import fields
from phemu.errors import Msg
from phemu.errors import ServerError
from phemu.errors import ValidationError

TYPES = ("web", "product", "")
CONCLUSIONS = ("won", "lost", "inconclusive", "stopped_early", "invalid", "")
DEFAULT_VARIANTS = [
    {"key": "control", "name": "Control Group", "rollout_percentage": 50},
    {"key": "test", "name": "Test Variant", "rollout_percentage": 50},
]
#: The keys ``update`` accepts (``expected_keys``); anything else is refused.
UPDATABLE = frozenset(
    {
        "name",
        "description",
        "start_date",
        "end_date",
        "filters",
        "parameters",
        "archived",
        "deleted",
        "secondary_metrics",
        "holdout",
        "exposure_criteria",
        "metrics",
        "metrics_secondary",
        "stats_config",
        "conclusion",
        "conclusion_comment",
        "primary_metrics_ordered_uuids",
        "secondary_metrics_ordered_uuids",
    }
)
_IGNORED_IN_FINGERPRINT = ("uuid", "name", "kind", "fingerprint")
#: ``ExperimentEventExposureConfig`` (posthog/schema.py): its fields, extra ones forbidden.
_EXPOSURE_EVENT_FIELDS = frozenset({"kind", "event", "properties", "response"})


@dataclass(frozen=True)
class Lookups:
    """What validation reads: whether a holdout (``ExperimentHoldout.objects.all()``, any
    project) and a saved metric exist."""

    holdout: Callable[[int], bool]
    #: the id of the saved metric an id names (as Django casts it), ``None`` if none
    saved_metric: Callable[[Any], int | None]


def validate(
    data: Mapping[str, Any], *, creating: bool, partial: bool, lookups: Lookups
) -> dict[str, Any]:
    """The fields in ``Meta.fields`` order, then ``validate``'s date check."""
    values: dict[str, Any] = {}
    required = creating or not partial
    if "name" in data or required:
        values["name"] = fields.parse_text(
            fields.require(data, "name"), "name", allow_blank=False, max_length=400
        )
    if "description" in data:
        values["description"] = fields.nullable(
            data, "description", lambda v, n: fields.parse_text(v, n, max_length=400)
        )
    for name in ("start_date", "end_date"):
        if name in data:
            values[name] = fields.nullable(data, name, fields.parse_datetime)
    if "feature_flag_key" in data or required:
        values["feature_flag_key"] = fields.parse_text(
            fields.require(data, "feature_flag_key"), "feature_flag_key", allow_blank=False
        )
    if "holdout_id" in data:
        raw = data["holdout_id"]
        values["holdout"] = (
            None if raw is None else fields.parse_pk(raw, "holdout_id", lookups.holdout)
        )
    if "parameters" in data:
        values["parameters"] = validate_parameters(data["parameters"])
    if "secondary_metrics" in data:
        values["secondary_metrics"] = copy.deepcopy(data["secondary_metrics"])
    if "saved_metrics_ids" in data:
        values["saved_metrics_ids"] = validate_saved_metrics(
            data["saved_metrics_ids"], lookups.saved_metric
        )
    if "filters" in data:
        fields.not_null(data["filters"], "filters")
        values["filters"] = copy.deepcopy(data["filters"])
    if "archived" in data:
        fields.not_null(data["archived"], "archived")
        values["archived"] = fields.parse_bool(data["archived"], "archived")
    if "deleted" in data:
        values["deleted"] = (
            None if data["deleted"] is None else fields.parse_bool(data["deleted"], "deleted")
        )
    if "type" in data:
        values["type"] = (
            None if data["type"] is None else fields.parse_choice(data["type"], "type", TYPES)
        )
    if "exposure_criteria" in data:
        values["exposure_criteria"] = validate_exposure_criteria(data["exposure_criteria"])
    for name in ("metrics", "metrics_secondary", "stats_config"):
        if name in data:
            values[name] = copy.deepcopy(data[name])
    if "conclusion" in data:
        values["conclusion"] = (
            None
            if data["conclusion"] is None
            else fields.parse_choice(data["conclusion"], "conclusion", CONCLUSIONS)
        )
    if "conclusion_comment" in data:
        values["conclusion_comment"] = fields.nullable(
            data, "conclusion_comment", fields.parse_text
        )
    for name in ("primary_metrics_ordered_uuids", "secondary_metrics_ordered_uuids"):
        if name in data:
            values[name] = copy.deepcopy(data[name])
    start, end = values.get("start_date"), values.get("end_date")
    if start and end and start >= end:
        raise ValidationError(Msg.EXPERIMENT_END_BEFORE_START)
    return values


def validate_parameters(value: Any) -> Any:
    if not value:
        return copy.deepcopy(value)
    if not isinstance(value, dict):
        raise ServerError()  # ``value.get`` on a non-dict: PostHog's generic 500
    variants = value.get("feature_flag_variants", [])
    if not isinstance(variants, list):
        raise ServerError()
    if len(variants) >= 21:
        raise ValidationError(Msg.EXPERIMENT_TOO_MANY_VARIANTS, attr="parameters")
    if variants:
        if not all(isinstance(v, dict) and "key" in v for v in variants):
            raise ServerError()  # ``variant["key"]``: a KeyError in PostHog
        if "control" not in [v["key"] for v in variants]:
            raise ValidationError(Msg.EXPERIMENT_NEEDS_CONTROL, attr="parameters")
    return copy.deepcopy(value)


def validate_saved_metrics(value: Any, find: Callable[[Any], int | None]) -> Any:
    if value is None:
        return None
    if isinstance(value, (str, dict)) or not isinstance(value, list):
        raise ValidationError(
            Msg.NOT_A_LIST.format(type=type(value).__name__),
            code="not_a_list",
            attr="saved_metrics_ids",
        )
    for item in value:
        if not isinstance(item, dict):
            raise ValidationError(Msg.EXPERIMENT_SAVED_METRIC_OBJECT, attr="saved_metrics_ids")
        if "id" not in item:
            raise ValidationError(Msg.EXPERIMENT_SAVED_METRIC_ID, attr="saved_metrics_ids")
        if "metadata" in item and not isinstance(item["metadata"], dict):
            raise ValidationError(Msg.EXPERIMENT_METADATA_OBJECT, attr="saved_metrics_ids")
        if "metadata" in item and "type" not in item["metadata"]:
            raise ValidationError(Msg.EXPERIMENT_METADATA_TYPE, attr="saved_metrics_ids")
    # ``filter(id__in=ids).count() != len(value)``: a repeated id counts once.
    found = {find(item["id"]) for item in value}
    if None in found or len(found) != len(value):
        raise ValidationError(Msg.EXPERIMENT_SAVED_METRIC_MISSING, attr="saved_metrics_ids")
    for item in value:
        # ``ExperimentToSavedMetricSerializer``: ``metadata`` is a non-null JSONField.
        if item.get("metadata") is None:
            raise ValidationError(Msg.NULL, code="null", attr="metadata")
    return copy.deepcopy(value)


def validate_exposure_criteria(value: Any) -> Any:
    if not value:
        return copy.deepcopy(value)
    if not isinstance(value, dict):
        raise ServerError()
    if "filterTestAccounts" in value and not isinstance(value["filterTestAccounts"], bool):
        raise ValidationError(Msg.EXPERIMENT_FILTER_TEST_ACCOUNTS, attr="exposure_criteria")
    if "exposure_config" in value:
        config = value["exposure_config"]
        if not _valid_exposure_config(config):
            raise ValidationError(Msg.EXPERIMENT_INVALID_EXPOSURE, attr="exposure_criteria")
    return copy.deepcopy(value)


def _valid_exposure_config(config: Any) -> bool:
    """``ActionsNode`` (an ``id``) or ``ExperimentEventExposureConfig`` (an ``event`` string and
    a ``properties`` list, nothing else)."""
    if not isinstance(config, dict):
        return False
    if config.get("kind") == "ActionsNode":
        return isinstance(config.get("id"), int) and not isinstance(config.get("id"), bool)
    return (
        isinstance(config.get("event"), str)
        and isinstance(config.get("properties"), list)
        and set(config) <= _EXPOSURE_EVENT_FIELDS
        and config.get("kind", "ExperimentEventExposureConfig") == "ExperimentEventExposureConfig"
    )


def flag_eligible(filters: Mapping[str, Any]) -> None:
    """``validate_existing_feature_flag_for_experiment``."""
    variants = (filters.get("multivariate") or {}).get("variants", [])
    if len(variants) > 1:
        if variants[0].get("key") != "control":
            raise ValidationError(Msg.EXPERIMENT_FLAG_CONTROL_FIRST)
        return
    raise ValidationError(Msg.EXPERIMENT_FLAG_NOT_ELIGIBLE)


def fingerprint(
    metric: Any, start_date: datetime | None, stats_config: Any, exposure_criteria: Any
) -> str:
    """``compute_metric_fingerprint``: SHA-256 of the metric (minus its identity) and what its
    results depend on, as compact sorted JSON."""
    if not isinstance(metric, dict):
        raise ServerError()
    clean = {k: v for k, v in copy.deepcopy(metric).items() if k not in _IGNORED_IN_FINGERPRINT}
    start = start_date.astimezone(timezone.utc).isoformat() if start_date is not None else None
    data: dict[str, Any] = {"metric": clean, "start_date": start, "stats_config": stats_config}
    if exposure_criteria:
        data["exposure_criteria"] = exposure_criteria
    text = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def with_fingerprints(
    metrics: Any, start_date: datetime | None, stats_config: Any, exposure_criteria: Any
) -> Any:
    if not metrics:
        return metrics
    if not isinstance(metrics, list):
        raise ServerError()
    stamped = []
    for metric in metrics:
        digest = fingerprint(metric, start_date, stats_config, exposure_criteria)
        stamped.append({**metric, "fingerprint": digest})
    return stamped
