"""The ``persons`` and ``groups`` seed sections (and the state export)."""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

from phemu.errors import SeedError
from phemu.resources.persons.models import PersonsBackend
from phemu.resources.persons.models import PersonsTables
from phemu.seed import iter_records
from phemu.serialization import format_datetime

if TYPE_CHECKING:
    from phemu.emulator import Emulator


def load_persons(emulator: Emulator, records: list[dict[str, Any]]) -> None:
    """``{"project", "distinct_ids", "properties"?, "is_identified"?, "created_at"?, "uuid"?}``."""
    backend = PersonsBackend.of(emulator)
    for r in iter_records(emulator, "persons", records):
        record, label = r.record, r.label
        project = r.project()
        ids = record.get("distinct_ids")
        if not isinstance(ids, list) or not ids or not all(isinstance(d, (str, int)) for d in ids):
            raise SeedError(f"{label}: 'distinct_ids' must be a non-empty list of strings")
        properties = r.mapping("properties")
        created = r.instant("created_at", default_now=False)
        try:
            backend.create(
                [str(d) for d in ids],
                project=project,
                properties=properties,
                is_identified=bool(record.get("is_identified", False)),
                created_at=created,
                uuid_=record.get("uuid"),
            )
        except ValueError as error:
            raise SeedError(f"{label}: {error}") from None


def export_persons(emulator: Emulator) -> list[dict[str, Any]]:
    tables = emulator.store.state(PersonsTables)
    return [
        {
            "project": p.project,
            "uuid": p.uuid,
            "distinct_ids": list(p.distinct_ids),
            "properties": dict(p.properties),
            "is_identified": p.is_identified,
            "created_at": format_datetime(p.created_at),
        }
        for p in sorted(tables.persons.values(), key=lambda p: p.id)
    ]


def load_groups(emulator: Emulator, records: list[dict[str, Any]]) -> None:
    """``{"project", "group_type", "group_key", "properties"?}``."""
    backend = PersonsBackend.of(emulator)
    for r in iter_records(emulator, "groups", records):
        record, label = r.record, r.label
        group_type, group_key = record.get("group_type"), record.get("group_key")
        if not isinstance(group_type, str) or not isinstance(group_key, (str, int)):
            raise SeedError(f"{label}: 'group_type' and 'group_key' are required strings")
        try:
            backend.set_group(
                group_type,
                str(group_key),
                record.get("properties") or {},
                project=r.project(),
            )
        except ValueError as error:
            raise SeedError(f"{label}: {error}") from None


def export_groups(emulator: Emulator) -> list[dict[str, Any]]:
    tables = emulator.store.state(PersonsTables)
    return [
        {
            "project": g.project,
            "group_type": tables.group_types[g.project][g.group_type_index],
            "group_key": g.group_key,
            "properties": dict(g.properties),
        }
        for g in tables.groups.values()
    ]
