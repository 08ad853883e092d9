"""Cohorts as flag evaluation needs them: static lists of persons and property cohorts.

Only the Python API and seeds exist so far (``emulator.cohorts.create(...)``); the ``cohorts/``
HTTP resource with PostHog's serializer rules is still to come. A property cohort's ``filters``
are PostHog's ``{"properties": {"type": "OR"|"AND", "values": [...]}}``; behavioural (event)
filters are refused, as the feature flag serializer refuses them
(``posthog/api/feature_flag.py``, ``behavioral_cohort_found``).
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from typing import TYPE_CHECKING
from typing import Any

from phemu.resources._base import Backend
from phemu.resources.feature_flags.evaluation import CohortSpec
from phemu.serialization import format_datetime

if TYPE_CHECKING:
    from phemu.emulator import Emulator


@dataclass(slots=True, kw_only=True)
class Cohort:
    id: int
    project: int
    name: str
    is_static: bool
    filters: dict[str, Any]
    distinct_ids: list[str]
    created_at: datetime
    deleted: bool = False

    @property
    def properties(self) -> dict[str, Any]:
        group = self.filters.get("properties")
        return dict(group) if isinstance(group, Mapping) else {}

    def is_behavioral(self) -> bool:
        return any(f.get("type") == "behavioral" for f in _flat(self.properties))


def _flat(group: Mapping[str, Any]) -> Iterable[Mapping[str, Any]]:
    for item in group.get("values") or []:
        if isinstance(item, Mapping) and "values" in item:
            yield from _flat(item)
        elif isinstance(item, Mapping):
            yield item


@dataclass
class CohortTables:
    cohorts: dict[int, Cohort] = field(default_factory=dict)


class CohortsBackend(Backend):
    """``emulator.cohorts``: create and read cohorts (no HTTP routes yet)."""

    def __init__(self, emulator: Emulator) -> None:
        super().__init__(emulator)
        self._emulator = emulator

    @property
    def _tables(self) -> CohortTables:
        return self._emulator.store.state(CohortTables)

    def create(
        self,
        name: str,
        *,
        project: int = 1,
        properties: Mapping[str, Any] | None = None,
        distinct_ids: Iterable[str] = (),
        is_static: bool | None = None,
        id: int | None = None,
        created_at: datetime | None = None,
        deleted: bool = False,
    ) -> Cohort:
        """A property cohort (``properties``: PostHog's AND/OR group) or a static one
        (``distinct_ids``: its members, resolved to persons when flags are evaluated)."""
        if project not in self._emulator.store.projects:
            raise ValueError(f"project {project!r} does not exist")
        members = [str(d) for d in distinct_ids]
        static = bool(members) if is_static is None else is_static
        group = dict(properties or {})
        if group and "values" not in group:
            raise ValueError(
                "properties must be a property group: {'type': 'AND', 'values': [...]}"
            )
        store = self._emulator.store
        with store.lock:
            if id is None:
                id = store.next_id("cohort")
            else:
                store.bump_id("cohort", id)
            cohort = Cohort(
                id=id,
                project=project,
                name=name,
                is_static=static,
                filters={"properties": group} if group else {},
                distinct_ids=members,
                created_at=created_at or self._emulator.clock.now(),
                deleted=deleted,
            )
            self._tables.cohorts[id] = cohort
            store.changed(SECTION, id)
        return cohort

    def get(self, id: int) -> Cohort | None:
        return self._tables.cohorts.get(id)

    def live(self, project: int) -> list[Cohort]:
        return [c for c in self._tables.cohorts.values() if c.project == project and not c.deleted]

    def specs(self, project: int) -> dict[str, CohortSpec]:
        """What the flag engine needs: static members as person uuids, property groups as given."""
        persons = self._emulator.persons
        specs = {}
        for cohort in self.live(project):
            members = frozenset(
                person.uuid
                for person in (persons.get(d, project=project) for d in cohort.distinct_ids)
                if person is not None
            )
            specs[str(cohort.id)] = CohortSpec(
                id=cohort.id,
                is_static=cohort.is_static,
                members=members,
                properties=cohort.properties,
            )
        return specs

    def load(self, records: list[dict[str, Any]]) -> None:
        from phemu.errors import SeedError
        from phemu.seed import iter_records

        for r in iter_records(self._emulator, SECTION, records):
            record, label = r.record, r.label
            project = r.project()
            created = r.instant("created_at")
            deleted = r.flag("deleted")
            try:
                self.create(
                    str(record.get("name") or ""),
                    project=project,
                    properties=(record.get("filters") or {}).get("properties"),
                    distinct_ids=record.get("distinct_ids") or (),
                    is_static=record.get("is_static"),
                    id=record.get("id"),
                    created_at=created,
                    deleted=deleted,
                )
            except (ValueError, TypeError, AttributeError) as error:
                raise SeedError(f"{label}: {error}") from None

    def export(self) -> list[dict[str, Any]]:
        return [_export(c) for c in sorted(self._tables.cohorts.values(), key=lambda c: c.id)]

    def export_one(self, pk: int) -> dict[str, Any] | None:
        from phemu.seed import exported

        return exported(self._tables.cohorts.get(pk), _export)


#: The seed section of cohorts (``seed.py``).
SECTION = "cohorts"


def _export(cohort: Cohort) -> dict[str, Any]:
    return {
        "id": cohort.id,
        "project": cohort.project,
        "name": cohort.name,
        "is_static": cohort.is_static,
        "filters": cohort.filters,
        "distinct_ids": list(cohort.distinct_ids),
        "deleted": cohort.deleted,
        "created_at": format_datetime(cohort.created_at),
    }
