"""The ``event_definitions`` and ``property_definitions`` seed sections (and the state export).

Seeds declare definitions no event has taught yet (a tracking plan), or pin their ids. The
export holds every definition, declared or derived, so a state round trip keeps their ids.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING
from typing import Any

from phemu.resources.definitions.inference import GROUP
from phemu.resources.definitions.inference import TYPES
from phemu.resources.definitions.models import DefinitionsBackend
from phemu.resources.definitions.models import render_event
from phemu.resources.definitions.responses import TYPES as PROPERTY_TYPES
from phemu.seed import RecordReader
from phemu.seed import iter_records

if TYPE_CHECKING:
    from phemu.emulator import Emulator

_TYPE_NAMES = {number: name for name, number in TYPES.items()}


def _common(r: RecordReader) -> tuple[int, str, str | None]:
    """The fields both sections share: ``project``, ``name`` and an optional UUID ``id``."""
    project = r.project()
    name = r.text("name", max_length=400)
    ident = r.text("id", nullable=True)
    if ident is not None:
        try:
            uuid.UUID(ident)
        except ValueError:
            raise r.error("'id' must be a UUID") from None
    return project, name, ident


def load_events(emulator: Emulator, records: list[dict[str, Any]]) -> None:
    """``{"name", "project"?, "id"?, "created_at"?, "last_seen_at"?}``."""
    backend = DefinitionsBackend.of(emulator)
    for r in iter_records(emulator, "event_definitions", records, "name"):
        r.reject_unknown(("project", "name", "id", "created_at", "last_seen_at"))
        project, name, ident = _common(r)
        backend.declare_event(
            name,
            project=project,
            created_at=r.instant("created_at"),
            last_seen_at=r.instant("last_seen_at", default_now=False),
            id=ident,
        )


def load_properties(emulator: Emulator, records: list[dict[str, Any]]) -> None:
    """``{"name", "project"?, "type"? (event, person, group, session), "group_type_index"?,
    "property_type"?, "is_numerical"?, "id"?}``."""
    # Imported on first use, as the list rules are: ``import phemu.emulator`` stays cheap.
    from phemu.resources.definitions.taxonomy import GROUP_TYPES_LIMIT

    backend = DefinitionsBackend.of(emulator)
    known = ("project", "name", "id", "type", "group_type_index", "property_type", "is_numerical")
    for r in iter_records(emulator, "property_definitions", records, "name"):
        r.reject_unknown(known)
        project, name, ident = _common(r)
        kind = r.text("type", "event")
        if kind not in TYPES:
            raise r.error(f"'type' must be one of {', '.join(TYPES)}")
        index = r.integer("group_type_index")
        if TYPES[kind] == GROUP and (index is None or not 0 <= index < GROUP_TYPES_LIMIT):
            raise r.error("a group property needs 'group_type_index' 0 to 4")
        if TYPES[kind] != GROUP and index is not None:
            raise r.error("only group properties have a 'group_type_index'")
        property_type = r.text("property_type", nullable=True)
        if property_type is not None and property_type not in PROPERTY_TYPES:
            raise r.error(f"'property_type' must be one of {', '.join(PROPERTY_TYPES)}")
        numerical = r.flag("is_numerical") if r.raw("is_numerical") is not None else None
        backend.declare_property(
            name,
            project=project,
            type=TYPES[kind],
            group_type_index=index,
            property_type=property_type,
            is_numerical=numerical,
            id=ident,
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
