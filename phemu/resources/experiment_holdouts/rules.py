"""``ExperimentHoldoutSerializer.validate_filters`` and ``create``'s check
(``ee/clickhouse/views/experiment_holdouts.py``)."""

from __future__ import annotations

from typing import Any

from phemu import fields
from phemu.errors import Msg
from phemu.errors import ServerError
from phemu.errors import ValidationError


def validate_filters(value: Any) -> Any:
    """Every group needs a ``rollout_percentage`` between 0 and 100. PostHog iterates the
    value as given: a string's characters and an object's keys are items too, and an item it
    cannot test (a number, ``null``) or read (a string naming the field) is its 500."""
    fields.not_null(value, "filters")
    if isinstance(value, (bool, int, float)):
        raise ServerError()  # ``for filter in 5``: TypeError
    for item in value:
        if isinstance(item, dict):
            if "rollout_percentage" not in item or item["rollout_percentage"] is None:
                raise ValidationError(Msg.HOLDOUT_ROLLOUT_PRESENT, attr="filters")
            rollout = item["rollout_percentage"]
            if not isinstance(rollout, (int, float)):
                raise ServerError()  # ``"10" < 0``: TypeError
            if rollout < 0 or rollout > 100:
                raise ValidationError(Msg.HOLDOUT_ROLLOUT_RANGE, attr="filters")
            continue
        if not isinstance(item, (str, list)):
            raise ServerError()  # ``"rollout_percentage" in 5``: TypeError
        if "rollout_percentage" in item:
            raise ServerError()  # ``item.get``: AttributeError
        raise ValidationError(Msg.HOLDOUT_ROLLOUT_PRESENT, attr="filters")
    return value


def with_variant(holdout_id: int, filters: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``_get_filters_with_holdout_id``: each group names the holdout's variant."""
    return [{**group, "variant": f"holdout-{holdout_id}"} for group in filters]
