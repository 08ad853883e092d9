"""``ExperimentSavedMetricSerializer.validate_query``
(``ee/clickhouse/views/experiment_saved_metrics.py``).

PostHog checks the query's ``kind`` (and an ``ExperimentMetric``'s ``metric_type``) by hand,
then validates it with the pydantic model of ``posthog/schema.py`` and answers a failure with
``str(e.errors())``. phemu checks the top level of that model as its published component
schema describes it (required fields, no extra fields, the ``kind``/``metric_type`` literals)
and words the errors as pydantic does (type, location, message, input) without pydantic's
documentation ``url``, as the cohort filters do; nested fields are stored as given
(``docs/deviations.md``).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from phemu.errors import Msg
from phemu.errors import ServerError
from phemu.errors import ValidationError

KINDS = ("ExperimentMetric", "ExperimentTrendsQuery", "ExperimentFunnelsQuery")
#: ``ExperimentMetricType`` -> the pydantic model PostHog validates with.
METRIC_MODELS = {
    "mean": "ExperimentMeanMetric",
    "funnel": "ExperimentFunnelMetric",
    "ratio": "ExperimentRatioMetric",
}


@cache
def _model(name: str) -> tuple[tuple[str, ...], tuple[str, ...], dict[str, tuple[Any, ...]]]:
    """(required fields, fields in the model's order, literal fields and their values)."""
    from phemu.openapi.document import components

    schema = components()[name]
    properties: dict[str, Any] = schema.get("properties", {})
    literals = {
        key: tuple(spec["enum"])
        for key, spec in properties.items()
        if isinstance(spec, dict) and isinstance(spec.get("enum"), list)
    }
    return tuple(schema.get("required", ())), tuple(properties), literals


def _errors(query: dict[str, Any], model: str) -> list[dict[str, Any]]:
    """pydantic's list: field errors in the model's field order, then the extra fields."""
    required, known, literals = _model(model)
    errors: list[dict[str, Any]] = []
    for name in known:
        if name not in query:
            if name in required:
                errors.append(
                    {"type": "missing", "loc": (name,), "msg": "Field required", "input": query}
                )
        elif name in literals and query[name] not in literals[name]:
            allowed = " or ".join(f"'{v}'" for v in literals[name])
            errors.append(
                {
                    "type": "literal_error",
                    "loc": (name,),
                    "msg": f"Input should be {allowed}",
                    "input": query[name],
                }
            )
    errors.extend(
        {
            "type": "extra_forbidden",
            "loc": (name,),
            "msg": "Extra inputs are not permitted",
            "input": query[name],
        }
        for name in query
        if name not in known
    )
    return errors


def validate_query(value: Any) -> Any:
    if not value:
        raise ValidationError(Msg.SAVED_METRIC_QUERY_REQUIRED, attr="query")
    if not isinstance(value, dict):
        raise ServerError()  # ``metric_query.get("kind")`` on a list or a string
    kind = value.get("kind")
    if kind not in KINDS:
        raise ValidationError(Msg.SAVED_METRIC_KIND, attr="query")
    if kind == "ExperimentMetric":
        if "metric_type" not in value:
            raise ValidationError(Msg.SAVED_METRIC_NEEDS_TYPE, attr="query")
        model = METRIC_MODELS.get(value["metric_type"]) if _hashable(value["metric_type"]) else None
        if model is None:
            raise ValidationError(Msg.SAVED_METRIC_TYPE, attr="query")
    else:
        model = str(kind)
    errors = _errors(value, model)
    if errors:
        raise ValidationError(str(errors), attr="query")
    return value


def _hashable(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool)) or value is None
