"""The ``persons``, ``group_types`` and ``groups`` seed sections (and the state export)."""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

from phemu.errors import SeedError
from phemu.resources.persons.models import GROUP_SEQUENCE
from phemu.resources.persons.models import GROUP_TYPES
from phemu.resources.persons.models import GROUPS
from phemu.resources.persons.models import MAX_GROUP_TYPES
from phemu.resources.persons.models import PERSON_SEQUENCE
from phemu.resources.persons.models import PERSONS
from phemu.resources.persons.models import Group
from phemu.resources.persons.models import GroupTypeMeta
from phemu.resources.persons.models import Person
from phemu.resources.persons.models import PersonsBackend
from phemu.resources.persons.models import PersonsTables
from phemu.seed import SeedSection
from phemu.seed import exported
from phemu.seed import iter_records
from phemu.serialization import format_datetime

if TYPE_CHECKING:
    from phemu.emulator import Emulator


def load_persons(emulator: Emulator, records: list[dict[str, Any]]) -> None:
    """``{"project", "distinct_ids", "properties"?, "is_identified"?, "created_at"?, "uuid"?,
    "id"?, "version"?}``."""
    backend = PersonsBackend.of(emulator)
    for r in iter_records(emulator, PERSONS, records):
        record, label = r.record, r.label
        project = r.project()
        ids = record.get("distinct_ids")
        if not isinstance(ids, list) or not ids or not all(isinstance(d, (str, int)) for d in ids):
            raise SeedError(f"{label}: 'distinct_ids' must be a non-empty list of strings")
        properties = r.mapping("properties")
        created = r.instant("created_at", default_now=False)
        version = r.integer("version") or 0
        pk = r.id(PERSON_SEQUENCE) if r.has("id") else None
        try:
            backend.create(
                [str(d) for d in ids],
                project=project,
                properties=properties,
                is_identified=bool(record.get("is_identified", False)),
                created_at=created,
                uuid_=record.get("uuid"),
                pk=pk,
                version=version,
            )
        except ValueError as error:
            raise SeedError(f"{label}: {error}") from None


def export_person(person: Person) -> dict[str, Any]:
    return {
        "id": person.id,
        "project": person.project,
        "uuid": person.uuid,
        "distinct_ids": list(person.distinct_ids),
        "properties": dict(person.properties),
        "is_identified": person.is_identified,
        "version": person.version,
        "created_at": format_datetime(person.created_at),
    }


def export_persons(emulator: Emulator) -> list[dict[str, Any]]:
    tables = emulator.store.state(PersonsTables)
    return [export_person(p) for p in sorted(tables.persons.values(), key=lambda p: p.id)]


def export_one_person(emulator: Emulator, key: Any) -> dict[str, Any] | None:
    return exported(emulator.store.state(PersonsTables).persons.get(key), export_person)


def load_group_types(emulator: Emulator, records: list[dict[str, Any]]) -> None:
    """``{"project", "group_type_index", "group_type", "name_singular"?, "name_plural"?,
    "default_columns"?, "detail_dashboard"?, "created_at"?}``: the group types a project has
    seen, in the order PostHog numbered them (groups and ``$groups`` register them too)."""
    tables = emulator.store.state(PersonsTables)
    backend = PersonsBackend.of(emulator)
    for r in iter_records(emulator, GROUP_TYPES, records, "group_type", "group type"):
        project = r.project()
        index, name = r.integer("group_type_index"), r.text("group_type", blank=False)
        if index is None or not 0 <= index < MAX_GROUP_TYPES:
            raise r.error(f"'group_type_index' must be 0 to {MAX_GROUP_TYPES - 1}")
        types = tables.group_types.setdefault(project, {})
        clash = next((i for i, known in types.items() if known == name and i != index), None)
        if clash is not None:
            raise r.error(f"group type {name!r} already has index {clash}")
        types[index] = name
        columns = r.record.get("default_columns")
        if columns is not None and not (
            isinstance(columns, list) and all(isinstance(c, str) for c in columns)
        ):
            raise r.error("'default_columns' must be a list of strings")
        backend.update_group_type(
            project,
            index,
            name_singular=r.record.get("name_singular"),
            name_plural=r.record.get("name_plural"),
            detail_dashboard=r.integer("detail_dashboard"),
            default_columns=columns,
            created_at=r.instant("created_at") if r.has("created_at") else emulator.clock.now(),
        )


def export_one_group_type(emulator: Emulator, key: Any) -> dict[str, Any] | None:
    project, index = key
    tables = emulator.store.state(PersonsTables)
    name = tables.group_types.get(project, {}).get(index)
    if name is None:
        return None
    meta = tables.group_type_meta.get((project, index), GroupTypeMeta())
    return {
        "project": project,
        "group_type_index": index,
        "group_type": name,
        "name_singular": meta.name_singular,
        "name_plural": meta.name_plural,
        "detail_dashboard": meta.detail_dashboard,
        "default_columns": meta.default_columns,
        "created_at": format_datetime(meta.created_at),
    }


def export_group_types(emulator: Emulator) -> list[dict[str, Any]]:
    tables = emulator.store.state(PersonsTables)
    found = (
        export_one_group_type(emulator, (project, index))
        for project, types in sorted(tables.group_types.items())
        for index in sorted(types)
    )
    return [record for record in found if record is not None]


def load_groups(emulator: Emulator, records: list[dict[str, Any]]) -> None:
    """``{"project", "group_type" (or "group_type_index"), "group_key", "properties"?,
    "created_at"?, "id"?}``; a group type is named, or numbered when its mapping was deleted."""
    backend = PersonsBackend.of(emulator)
    tables = emulator.store.state(PersonsTables)
    for r in iter_records(emulator, GROUPS, records):
        record, label = r.record, r.label
        group_type, group_key = record.get("group_type"), record.get("group_key")
        if group_type is None and r.has("group_type_index") and isinstance(group_key, str):
            index = r.integer("group_type_index")
            if index is None or not 0 <= index < MAX_GROUP_TYPES:
                raise r.error(f"'group_type_index' must be 0 to {MAX_GROUP_TYPES - 1}")
            project = r.project()
            with emulator.store.lock:
                group = tables.groups.get((project, index, group_key)) or backend.add_group(
                    project, index, group_key, {}, emulator.clock.now()
                )
                backend.save_group(group, dict(r.mapping("properties")))
        elif not isinstance(group_type, str) or not isinstance(group_key, (str, int)):
            raise SeedError(f"{label}: 'group_type' and 'group_key' are required strings")
        else:
            try:
                group = backend.set_group(
                    group_type,
                    str(group_key),
                    record.get("properties") or {},
                    project=r.project(),
                )
            except ValueError as error:
                raise SeedError(f"{label}: {error}") from None
        if r.has("created_at"):
            group.created_at = r.instant("created_at")
        if r.has("id"):  # the activity log names groups by id
            group.id = r.id(GROUP_SEQUENCE)


def export_group(tables: PersonsTables, group: Group) -> dict[str, Any]:
    name = tables.group_types.get(group.project, {}).get(group.group_type_index)
    return {
        "id": group.id,
        "project": group.project,
        **({"group_type": name} if name is not None else {}),
        "group_type_index": group.group_type_index,
        "group_key": group.group_key,
        "properties": dict(group.properties),
        "created_at": format_datetime(group.created_at),
    }


def export_groups(emulator: Emulator) -> list[dict[str, Any]]:
    tables = emulator.store.state(PersonsTables)
    return [export_group(tables, g) for g in sorted(tables.groups.values(), key=lambda g: g.id)]


def export_one_group(emulator: Emulator, key: Any) -> dict[str, Any] | None:
    tables = emulator.store.state(PersonsTables)
    return exported(tables.groups.get(key), lambda g: export_group(tables, g))


def _group_key(record: Any) -> Any:
    return (record.get("project"), record.get("group_type_index"), record.get("group_key"))


SECTIONS = (
    SeedSection(
        PERSONS,
        load_persons,
        export_persons,
        export_one=export_one_person,
        identify=lambda record: record.get("uuid"),
    ),
    SeedSection(
        GROUP_TYPES,
        load_group_types,
        export_group_types,
        export_one=export_one_group_type,
        identify=lambda record: (record.get("project"), record.get("group_type_index")),
    ),
    SeedSection(
        GROUPS, load_groups, export_groups, export_one=export_one_group, identify=_group_key
    ),
)
