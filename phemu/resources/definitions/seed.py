"""The ``event_definitions`` and ``property_definitions`` seed sections (and the state export).

Seeds declare definitions no event has taught yet (a tracking plan), or pin their ids. The
export holds every definition, declared or derived, so a state round trip keeps their ids.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING
from typing import Any

from phemu.clock import parse_instant
from phemu.errors import SeedError
from phemu.resources.definitions.inference import GROUP
from phemu.resources.definitions.inference import TYPES
from phemu.resources.definitions.models import DefinitionsBackend
from phemu.resources.definitions.models import render_event
from phemu.resources.definitions.responses import TYPES as PROPERTY_TYPES
from phemu.resources.definitions.taxonomy import GROUP_TYPES_LIMIT
from phemu.seed import where

if TYPE_CHECKING:
    from datetime import datetime

    from phemu.emulator import Emulator

_TYPE_NAMES = {number: name for name, number in TYPES.items()}


def _common(emulator: Emulator, section: str, position: int, record: Any) -> tuple[str, int, str]:
    label = where(section, position, record if isinstance(record, dict) else {})
    if not isinstance(record, dict):
        raise SeedError(f"{label}: a definition must be an object")
    project = record.get("project", 1)
    if project not in emulator.store.projects:
        raise SeedError(f"{label}: 'project' must be the id of an existing project")
    name = record.get("name")
    if not isinstance(name, str) or len(name) > 400:
        raise SeedError(f"{label}: 'name' must be a string of at most 400 characters")
    ident = record.get("id")
    if ident is not None:
        try:
            uuid.UUID(str(ident))
        except ValueError:
            raise SeedError(f"{label}: 'id' must be a UUID") from None
    return label, project, name


def _instant(record: dict[str, Any], key: str, label: str) -> datetime | None:
    value = record.get(key)
    if value is None:
        return None
    try:
        return parse_instant(value)
    except (TypeError, ValueError, OverflowError):
        raise SeedError(f"{label}: {key!r} is not an ISO 8601 datetime: {value!r}") from None


def load_events(emulator: Emulator, records: list[dict[str, Any]]) -> None:
    """``{"name", "project"?, "id"?, "created_at"?, "last_seen_at"?}``."""
    backend = DefinitionsBackend.of(emulator)
    for position, record in enumerate(records):
        label, project, name = _common(emulator, "event_definitions", position, record)
        backend.declare_event(
            name,
            project=project,
            created_at=_instant(record, "created_at", label),
            last_seen_at=_instant(record, "last_seen_at", label),
            id=record.get("id"),
        )


def load_properties(emulator: Emulator, records: list[dict[str, Any]]) -> None:
    """``{"name", "project"?, "type"? (event, person, group, session), "group_type_index"?,
    "property_type"?, "is_numerical"?, "id"?}``."""
    backend = DefinitionsBackend.of(emulator)
    for position, record in enumerate(records):
        label, project, name = _common(emulator, "property_definitions", position, record)
        kind = record.get("type", "event")
        if kind not in TYPES:
            raise SeedError(f"{label}: 'type' must be one of {', '.join(TYPES)}")
        index = record.get("group_type_index")
        if TYPES[kind] == GROUP:
            if (
                isinstance(index, bool)
                or not isinstance(index, int)
                or not 0 <= index < GROUP_TYPES_LIMIT
            ):
                raise SeedError(f"{label}: a group property needs 'group_type_index' 0 to 4")
        elif index is not None:
            raise SeedError(f"{label}: only group properties have a 'group_type_index'")
        property_type = record.get("property_type")
        if property_type is not None and property_type not in PROPERTY_TYPES:
            raise SeedError(f"{label}: 'property_type' must be one of {', '.join(PROPERTY_TYPES)}")
        numerical = record.get("is_numerical")
        if numerical is not None and not isinstance(numerical, bool):
            raise SeedError(f"{label}: 'is_numerical' must be a boolean")
        backend.declare_property(
            name,
            project=project,
            type=TYPES[kind],
            group_type_index=index,
            property_type=property_type,
            is_numerical=numerical,
            id=record.get("id"),
        )


def export_events(emulator: Emulator) -> list[dict[str, Any]]:
    return [
        {
            "project": project,
            **{
                k: v
                for k, v in render_event(d).items()
                if k in ("id", "name", "created_at", "last_seen_at")
            },
        }
        for project, defs in DefinitionsBackend.of(emulator).all_projects()
        for d in sorted(defs.events.values(), key=lambda d: d.name)
    ]


def export_properties(emulator: Emulator) -> list[dict[str, Any]]:
    return [
        {
            "project": project,
            "id": d.id,
            "name": d.name,
            "type": _TYPE_NAMES[d.type],
            **({"group_type_index": d.group_type_index} if d.group_type_index is not None else {}),
            "property_type": d.property_type,
            "is_numerical": d.is_numerical,
        }
        for project, defs in DefinitionsBackend.of(emulator).all_projects()
        for d in sorted(defs.properties.values(), key=lambda d: d.key)
    ]
