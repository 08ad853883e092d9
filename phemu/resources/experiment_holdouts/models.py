"""Holdout records, their table and ``ExperimentHoldoutsBackend``
(``emulator.experiment_holdouts``), after ``ExperimentHoldoutSerializer`` and
``ExperimentHoldoutViewSet`` (``ee/clickhouse/views/experiment_holdouts.py``).

A holdout's ``filters`` are flag groups; on create each gets ``variant: holdout-<id>``.
Experiments created with the holdout copy them into their flag's ``holdout_groups``; changing
the filters rewrites the flag of every experiment in the holdout, and deleting the holdout
clears those ``holdout_groups`` and detaches the experiments (``on_delete=SET_NULL``).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from typing import Any

from phemu import fields
from phemu.errors import Msg
from phemu.errors import ValidationError
from phemu.resources.experiment_holdouts import rules
from phemu.resources.experiments import named

SEQUENCE = "experiment_holdout"


@dataclass(slots=True, kw_only=True)
class Holdout:
    id: int
    project: int
    name: str
    created_at: datetime
    updated_at: datetime
    description: str | None = None
    filters: Any = field(default_factory=list)
    created_by: int | None = None


@dataclass
class HoldoutTables:
    holdouts: dict[int, Holdout] = field(default_factory=dict)


class ExperimentHoldoutsBackend(named.NamedBackend[Holdout]):
    """Create, change, delete and read holdouts (the only writer of their table)."""

    label = "holdout"

    @property
    def _tables(self) -> HoldoutTables:
        return self.store.state(HoldoutTables)

    def _table(self) -> dict[int, Holdout]:
        return self._tables.holdouts

    # -- reads ---------------------------------------------------------------------------------
    def in_project(self, project: int) -> list[Holdout]:
        """The viewset's ``ordering = "-created_at"``."""
        found = [h for h in self._tables.holdouts.values() if h.project == project]
        return sorted(found, key=lambda h: (h.created_at, h.id), reverse=True)

    def render(self, holdout: Holdout) -> dict[str, Any]:
        store = self.emulator.store
        return {
            **named.render_common(store, holdout),
            "filters": copy.deepcopy(holdout.filters),
            **named.render_stamps(store, holdout),
        }

    # -- writes --------------------------------------------------------------------------------
    def save(
        self,
        project: int,
        holdout: Holdout | None,
        body: Any,
        *,
        user_id: int | None,
        partial: bool,
    ) -> Holdout:
        emulator = self.emulator
        with emulator.store.lock:
            data = fields.expect_object(body)
            values = named.parse_common(data, required=holdout is None or not partial)
            if "filters" in data:
                values["filters"] = fields.storable_json(rules.validate_filters(data["filters"]))
            now = emulator.clock.now()
            if holdout is None:
                if not values.get("filters"):
                    raise ValidationError(Msg.HOLDOUT_FILTERS_REQUIRED)
                holdout = Holdout(
                    id=emulator.store.next_id(SEQUENCE),
                    project=project,
                    created_at=now,
                    updated_at=now,
                    created_by=user_id,
                    **values,
                )
                holdout.filters = rules.with_variant(holdout.id, holdout.filters)
                self._tables.holdouts[holdout.id] = holdout
                return holdout
            filters = values.get("filters")
            if filters and filters != holdout.filters:
                values["filters"] = rules.with_variant(holdout.id, filters)
                emulator.experiments.set_holdout_groups(
                    holdout.id, values["filters"], user_id=user_id
                )
            for name, value in values.items():
                setattr(holdout, name, value)
            holdout.updated_at = now
            return holdout

    def destroy(self, pk: int, *, user_id: int | None = None) -> None:
        """``ExperimentHoldoutViewSet.destroy``: the flags of the holdout's experiments lose
        their ``holdout_groups``, then the row goes (the experiments' ``holdout`` is nulled)."""
        with self.emulator.store.lock:
            if pk not in self._tables.holdouts:
                raise KeyError(f"holdout {pk} does not exist")
            self.emulator.experiments.set_holdout_groups(pk, None, user_id=user_id)
            self.emulator.experiments.forget_holdout(pk)
            del self._tables.holdouts[pk]

    # -- seeds and state files -----------------------------------------------------------------
    def load(self, records: list[dict[str, Any]]) -> None:
        """Records use the API's field names plus ``project``, ``id``, ``created_by``,
        ``created_at``; stored ``filters`` keep their ``variant``."""

        def save(project: int, body: dict[str, Any], user_id: int | None) -> Holdout:
            created = self.save(project, None, body, user_id=user_id, partial=False)
            if "filters" in body:
                created.filters = copy.deepcopy(body["filters"])
            return created

        named.load_named(
            self.emulator, "experiment_holdouts", records, save, self._tables.holdouts, SEQUENCE
        )

    def export(self) -> list[dict[str, Any]]:
        store = self.emulator.store
        return [
            {**named.export_common(store, h), "filters": copy.deepcopy(h.filters)}
            for h in sorted(self._tables.holdouts.values(), key=lambda h: h.id)
        ]
