"""``groups_types/<group_type_index>/metrics/``: ``GroupUsageMetricViewSet`` (a ``ModelViewSet``,
``posthog/api/group.py``) over ``GroupUsageMetric`` (``posthog/models/group_usage_metric.py``).

``GroupUsageMetricSerializer`` has ``id``, ``name``, ``format``, ``interval``, ``display`` and
``filters``; the metric's project and group type index come from the URL. The model's unique
``(team, group_type_index, name)`` has no validator in the serializer (``team`` is not one of its
fields), so a taken name fails at the insert: PostHog's 500. PostHog compiles ``filters`` to
bytecode on save and keeps a failure in a column the serializer does not show, so any JSON is
accepted.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from typing import Any

from phemu.fields import expect_object
from phemu.fields import parse_choice
from phemu.fields import parse_int
from phemu.fields import parse_text
from phemu.fields import require

FORMATS = ("numeric", "currency")
DISPLAYS = ("number", "sparkline")
#: ``name = CharField(max_length=255)``
NAME_MAX_LENGTH = 255
SECTION = "group_usage_metrics"


@dataclass(slots=True, kw_only=True)
class Metric:
    id: str
    project: int
    group_type_index: int
    name: str
    format: str = "numeric"
    interval: int = 7
    display: str = "number"
    filters: Any = None
    seq: int = 0

    def render(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "format": self.format,
            "interval": self.interval,
            "display": self.display,
            "filters": self.filters,
        }

    def export(self) -> dict[str, Any]:
        return {"project": self.project, "group_type_index": self.group_type_index, **self.render()}


@dataclass
class MetricsTables:
    metrics: dict[str, Metric] = field(default_factory=dict)


def validate(body: Any, *, partial: bool) -> dict[str, Any]:
    """``GroupUsageMetricSerializer``'s fields in order: ``name`` and ``filters`` are required
    (not in a PATCH), ``format``, ``interval`` and ``display`` have the model's defaults."""
    data = expect_object(body)
    fields: dict[str, Any] = {}
    if "name" in data or not partial:
        value = require(data, "name")
        fields["name"] = parse_text(value, "name", allow_blank=False, max_length=NAME_MAX_LENGTH)
    if "format" in data:
        fields["format"] = parse_choice(require(data, "format"), "format", FORMATS)
    if "interval" in data:
        fields["interval"] = parse_int(require(data, "interval"), "interval")
    if "display" in data:
        fields["display"] = parse_choice(require(data, "display"), "display", DISPLAYS)
    if "filters" in data or not partial:
        fields["filters"] = require(data, "filters")
    return fields
