"""Saved (shared) metric records, their table and ``ExperimentSavedMetricsBackend``
(``emulator.experiment_saved_metrics``), after ``ExperimentSavedMetricSerializer`` and its
viewset (``ee/clickhouse/views/experiment_saved_metrics.py``): listed by name, case
insensitively (``order_by(Lower("name"))``); deleting one removes it from every experiment
that used it (``on_delete=CASCADE`` of ``ExperimentToSavedMetric``).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from typing import Any

from phemu import fields
from phemu.context import has_list
from phemu.resources.experiment_saved_metrics import rules
from phemu.resources.experiments import named

SEQUENCE = "experiment_saved_metric"


@dataclass(slots=True, kw_only=True)
class SavedMetric:
    id: int
    project: int
    name: str
    query: Any
    created_at: datetime
    updated_at: datetime
    description: str | None = None
    tags: list[str] = field(default_factory=list)
    created_by: int | None = None


@dataclass
class SavedMetricTables:
    saved_metrics: dict[int, SavedMetric] = field(default_factory=dict)


class ExperimentSavedMetricsBackend(named.NamedBackend[SavedMetric]):
    """Create, change, delete and read saved metrics (the only writer of their table)."""

    label = "saved metric"

    @property
    def _tables(self) -> SavedMetricTables:
        return self.store.state(SavedMetricTables)

    def _table(self) -> dict[int, SavedMetric]:
        return self._tables.saved_metrics

    # -- reads ---------------------------------------------------------------------------------
    def in_project(self, project: int) -> list[SavedMetric]:
        found = [m for m in self._tables.saved_metrics.values() if m.project == project]
        return sorted(found, key=lambda m: (m.name.lower(), m.id))

    def render(self, metric: SavedMetric) -> dict[str, Any]:
        store = self.emulator.store
        return {
            **named.render_common(store, metric),
            "query": copy.deepcopy(metric.query),
            **named.render_stamps(store, metric),
            "tags": list(metric.tags),
        }

    # -- writes --------------------------------------------------------------------------------
    def save(
        self,
        project: int,
        metric: SavedMetric | None,
        body: Any,
        *,
        user_id: int | None,
        partial: bool,
    ) -> SavedMetric:
        emulator = self.emulator
        with emulator.store.lock:
            data = fields.expect_object(body)
            required = metric is None or not partial
            values = named.parse_common(data, required=required)
            if "query" in data or required:
                query = fields.require(data, "query")
                values["query"] = fields.storable_json(copy.deepcopy(rules.validate_query(query)))
            if has_list(data, "tags", partial=partial):
                values["tags"] = fields.parse_tags(data)
            now = emulator.clock.now()
            if metric is None:
                metric = SavedMetric(
                    id=emulator.store.next_id(SEQUENCE),
                    project=project,
                    created_at=now,
                    updated_at=now,
                    created_by=user_id,
                    **values,
                )
                self._tables.saved_metrics[metric.id] = metric
                return metric
            for name, value in values.items():
                setattr(metric, name, value)
            metric.updated_at = now
            return metric

    def destroy(self, pk: int, *, user_id: int | None = None) -> None:
        with self.emulator.store.lock:
            if pk not in self._tables.saved_metrics:
                raise KeyError(f"saved metric {pk} does not exist")
            self.emulator.experiments.forget_saved_metric(pk)
            del self._tables.saved_metrics[pk]

    # -- seeds and state files -----------------------------------------------------------------
    def load(self, records: list[dict[str, Any]]) -> None:
        """Records use the API's field names plus ``project``, ``id``, ``created_by``,
        ``created_at``."""
        named.load_named(
            self.emulator,
            "experiment_saved_metrics",
            records,
            lambda project, body, user_id: self.save(
                project, None, body, user_id=user_id, partial=False
            ),
            self._tables.saved_metrics,
            SEQUENCE,
        )

    def export(self) -> list[dict[str, Any]]:
        store = self.emulator.store
        return [
            {
                **named.export_common(store, m),
                "query": copy.deepcopy(m.query),
                "tags": list(m.tags),
            }
            for m in sorted(self._tables.saved_metrics.values(), key=lambda m: m.id)
        ]
