"""The ``group_usage_metrics`` seed section (and the state export): ``{"project",
"group_type_index", "name", "filters", "format"?, "interval"?, "display"?, "id"?}``, checked by
the serializer's rules."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING
from typing import Any

from phemu.errors import PostHogError
from phemu.resources.groups.metrics import SECTION
from phemu.resources.groups.metrics import Metric
from phemu.resources.groups.metrics import MetricsTables
from phemu.resources.groups.metrics import validate
from phemu.seed import SeedSection
from phemu.seed import exported
from phemu.seed import iter_records

if TYPE_CHECKING:
    from phemu.emulator import Emulator


def load_metrics(emulator: Emulator, records: list[dict[str, Any]]) -> None:
    store = emulator.store
    metrics = store.state(MetricsTables).metrics
    for r in iter_records(emulator, SECTION, records, "name", "metric"):
        index = r.integer("group_type_index")
        if index is None:
            raise r.error("'group_type_index' is required")
        try:
            fields = validate(
                {k: v for k, v in r.record.items() if k not in ("id", "project")}, partial=False
            )
            key = str(uuid.UUID(str(r.record["id"]))) if r.has("id") else store.new_uuid()
        except (PostHogError, ValueError) as error:
            raise r.error(str(error)) from None
        metric = Metric(
            id=key,
            project=r.project(),
            group_type_index=index,
            seq=store.next_id(SECTION),
            **fields,
        )
        metrics[metric.id] = metric
        store.changed(SECTION, metric.id)


def export_metrics(emulator: Emulator) -> list[dict[str, Any]]:
    metrics = emulator.store.state(MetricsTables).metrics.values()
    return [m.export() for m in sorted(metrics, key=lambda m: m.seq)]


def export_one_metric(emulator: Emulator, key: Any) -> dict[str, Any] | None:
    return exported(emulator.store.state(MetricsTables).metrics.get(key), Metric.export)


SECTIONS = (SeedSection(SECTION, load_metrics, export_metrics, export_one=export_one_metric),)
