"""Event and property definitions: the records, the per-project tables and
:class:`DefinitionsBackend`, the only code that writes them (``emulator.definitions``).

Definitions are what PostHog's property-defs service upserts from ingested events
(``rust/property-defs-rs/src/types.rs``) plus what seeds declare. phemu derives them lazily:
:meth:`DefinitionsBackend.project` reads the events stored since it last ran, through the event
store's one reader (``EventsBackend.after``), and applies PostHog's upsert rules: an event
definition's ``last_seen_at`` moves at most once an hour (the service caches updates per floored
hour); a property's type is the first non-null type seen and ``is_numerical`` is decided when
the definition is created; each (event, property) pair is remembered for the ``event_names``
filter (``posthog_eventproperty``). A deleted definition comes back, with a new id, when an
event carries it again.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from typing import TYPE_CHECKING
from typing import Any

from phemu.resources._base import Backend
from phemu.resources.definitions.inference import EVENT
from phemu.resources.definitions.inference import EVENTS_WITHOUT_PROPERTIES
from phemu.resources.definitions.inference import GROUP
from phemu.resources.definitions.inference import event_name
from phemu.resources.definitions.inference import fits
from phemu.resources.definitions.inference import properties_seen
from phemu.resources.definitions.inference import property_type
from phemu.serialization import format_datetime

if TYPE_CHECKING:
    pass

#: The namespace of definition ids (a fixed, phemu-chosen UUID): ids are derived from the
#: project, kind, name and incarnation, so they do not depend on when derivation runs.
_IDS = uuid.UUID("5d0c2f7e-8a41-4b9e-a3c6-1e2f3a4b5c6d")
_HOUR = timedelta(hours=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

#: ``(name, type, coalesce(group_type_index, -1))``: PostHog's uniqueness of a property definition
PropertyKey = tuple[str, int, int]


@dataclass(slots=True, kw_only=True)
class EventDefinition:
    id: str
    name: str
    created_at: datetime | None
    last_seen_at: datetime | None


@dataclass(slots=True, kw_only=True)
class PropertyDefinition:
    id: str
    name: str
    type: int
    group_type_index: int | None
    property_type: str | None
    is_numerical: bool

    @property
    def key(self) -> PropertyKey:
        return (
            self.name,
            self.type,
            -1 if self.group_type_index is None else self.group_type_index,
        )


@dataclass
class ProjectDefinitions:
    events: dict[str, EventDefinition] = field(default_factory=dict)
    properties: dict[PropertyKey, PropertyDefinition] = field(default_factory=dict)
    #: ``posthog_eventproperty``: property name -> the event names it was seen with
    seen_with: dict[str, set[str]] = field(default_factory=dict)
    #: how often a definition was deleted, so its next incarnation gets a new id
    incarnations: dict[str, int] = field(default_factory=dict)


@dataclass
class DefinitionsTables:
    projects: dict[int, ProjectDefinitions] = field(default_factory=dict)
    #: per project, the ``seq`` of the last stored event derivation has read
    synced: dict[int, int] = field(default_factory=dict)


def _floor_hour(moment: datetime) -> datetime:
    """``get_floored_last_seen``: the start of the moment's hour (UTC)."""
    return _EPOCH + ((moment - _EPOCH) // _HOUR) * _HOUR


class DefinitionsBackend(Backend):
    """Definitions of each project; every read first catches up with the event store."""

    @property
    def _tables(self) -> DefinitionsTables:
        return self.store.state(DefinitionsTables)

    # -- derivation -----------------------------------------------------------------------------
    def catch_up(self, project: int) -> ProjectDefinitions:
        """The project's definitions, derived up to the last stored event (call under the lock)."""
        from phemu.resources.events.models import EventsBackend
        from phemu.resources.persons.models import PersonsBackend

        tables = self._tables
        defs = tables.projects.setdefault(project, ProjectDefinitions())
        new = EventsBackend.of(self.emulator).after(project, tables.synced.get(project, 0))
        if not new:
            return defs
        tables.synced[project] = new[-1].seq
        persons = PersonsBackend.of(self.emulator)
        for record in new:
            if record.event in EVENTS_WITHOUT_PROPERTIES or not fits(record.event):
                continue
            name = event_name(record.event)
            seen = record.created_at or record.timestamp
            self._see_event(project, defs, name, seen)
            for prop in properties_seen(name, record.properties):
                index = None
                if prop.type == GROUP:
                    assert prop.group_type is not None
                    index = persons.group_type_index(project, prop.group_type)
                    if index is None:
                        continue  # PostHog drops group properties of unknown group types
                defs.seen_with.setdefault(prop.name, set()).add(name)
                key = (prop.name, prop.type, -1 if index is None else index)
                known = defs.properties.get(key)
                if known is None:
                    inferred = property_type(prop.name, prop.value, seen)
                    defs.properties[key] = PropertyDefinition(
                        id=self._id(project, defs, "property", key),
                        name=prop.name,
                        type=prop.type,
                        group_type_index=index,
                        property_type=inferred,
                        is_numerical=inferred == "Numeric",
                    )
                elif known.property_type is None:
                    known.property_type = property_type(prop.name, prop.value, seen)
        return defs

    def _see_event(self, project: int, defs: ProjectDefinitions, name: str, seen: datetime) -> None:
        known = defs.events.get(name)
        if known is None:
            defs.events[name] = EventDefinition(
                id=self._id(project, defs, "event", (name, EVENT, -1)),
                name=name,
                created_at=seen,
                last_seen_at=seen,
            )
        elif known.last_seen_at is None or _floor_hour(seen) > _floor_hour(known.last_seen_at):
            known.last_seen_at = seen

    @staticmethod
    def _id(project: int, defs: ProjectDefinitions, kind: str, key: PropertyKey) -> str:
        slot = f"{kind}:{key[0]}:{key[1]}:{key[2]}"
        return str(uuid.uuid5(_IDS, f"{project}/{slot}/{defs.incarnations.get(slot, 0)}"))

    # -- writes ---------------------------------------------------------------------------------
    def declare_event(
        self,
        name: str,
        *,
        project: int = 1,
        created_at: datetime | None = None,
        last_seen_at: datetime | None = None,
        id: str | None = None,
    ) -> dict[str, Any]:
        """Add an event definition as if events had taught it (seeds); returns it rendered."""
        with self.emulator.store.lock:
            defs = self.catch_up(project)
            definition = EventDefinition(
                id=id or self._id(project, defs, "event", (name, EVENT, -1)),
                name=name,
                created_at=created_at or self.emulator.clock.now(),
                last_seen_at=last_seen_at,
            )
            defs.events[name] = definition
            return render_event(definition)

    def declare_property(
        self,
        name: str,
        *,
        project: int = 1,
        type: int = EVENT,
        group_type_index: int | None = None,
        property_type: str | None = None,
        is_numerical: bool | None = None,
        id: str | None = None,
    ) -> dict[str, Any]:
        """Add a property definition (seeds); ``is_numerical`` follows the type unless given."""
        with self.emulator.store.lock:
            defs = self.catch_up(project)
            key = (name, type, -1 if group_type_index is None else group_type_index)
            definition = PropertyDefinition(
                id=id or self._id(project, defs, "property", key),
                name=name,
                type=type,
                group_type_index=group_type_index,
                property_type=property_type,
                is_numerical=property_type == "Numeric" if is_numerical is None else is_numerical,
            )
            defs.properties[key] = definition
            return render_property(definition, None)

    def delete_event(self, project: int, definition: EventDefinition) -> None:
        with self.emulator.store.lock:
            defs = self.catch_up(project)
            if defs.events.pop(definition.name, None) is not None:
                slot = f"event:{definition.name}:{EVENT}:-1"
                defs.incarnations[slot] = defs.incarnations.get(slot, 0) + 1

    def delete_property(self, project: int, definition: PropertyDefinition) -> None:
        with self.emulator.store.lock:
            defs = self.catch_up(project)
            key = definition.key
            if defs.properties.pop(key, None) is not None:
                slot = f"property:{key[0]}:{key[1]}:{key[2]}"
                defs.incarnations[slot] = defs.incarnations.get(slot, 0) + 1

    def set_property_type(self, definition: PropertyDefinition, property_type: str | None) -> None:
        """The one change PostHog allows without its taxonomy feature: the type, and with it
        ``is_numerical`` (``PropertyDefinitionSerializer.update``)."""
        with self.emulator.store.lock:
            definition.property_type = property_type
            definition.is_numerical = property_type == "Numeric"

    # -- reads ----------------------------------------------------------------------------------
    def find_event(self, project: int, id: str) -> EventDefinition | None:
        with self.emulator.store.lock:
            return next((d for d in self.catch_up(project).events.values() if d.id == id), None)

    def find_property(self, project: int, id: str) -> PropertyDefinition | None:
        with self.emulator.store.lock:
            found = self.catch_up(project).properties.values()
            return next((d for d in found if d.id == id), None)

    def events(self, project: int = 1) -> list[dict[str, Any]]:
        """Every event definition of ``project``, by name, rendered as the API renders them."""
        with self.emulator.store.lock:
            found = sorted(self.catch_up(project).events.values(), key=lambda d: d.name)
        return [render_event(d) for d in found]

    def typescript(self, project: int = 1) -> dict[str, Any]:
        """What ``event_definitions/typescript/`` answers (``phemu/resources/definitions/
        typescript.py``)."""
        from phemu.resources.definitions.typescript import definitions

        with self.emulator.store.lock:
            names = [d.name for d in self.catch_up(project).events.values()]
        return definitions(names, self.emulator.clock.now())

    def properties(
        self, project: int = 1, *, type: int = EVENT, group_type_index: int | None = None
    ) -> list[dict[str, Any]]:
        """Property definitions of one type (``1`` event, ``2`` person, ``3`` group), by name."""
        with self.emulator.store.lock:
            found = [
                d
                for d in self.catch_up(project).properties.values()
                if d.type == type and d.group_type_index == group_type_index
            ]
        return [render_property(d, None) for d in sorted(found, key=lambda d: d.name)]

    def property(
        self, name: str, *, project: int = 1, type: int = EVENT, group_type_index: int | None = None
    ) -> dict[str, Any] | None:
        """One property definition by name (``None`` if unknown)."""
        key = (name, type, -1 if group_type_index is None else group_type_index)
        with self.emulator.store.lock:
            found = self.catch_up(project).properties.get(key)
        return None if found is None else render_property(found, None)

    def inspect(self) -> dict[str, Any]:
        return {
            str(project): {
                "event_definitions": len(d.events),
                "property_definitions": len(d.properties),
            }
            for project, d in self.all_projects()
        }

    def all_projects(self) -> Iterable[tuple[int, ProjectDefinitions]]:
        """Every project's definitions, caught up (the state export)."""
        with self.emulator.store.lock:
            for project in list(self.store.projects):
                self.catch_up(project)
            return sorted(self._tables.projects.items())


def render_event(definition: EventDefinition) -> dict[str, Any]:
    """``EventDefinitionSerializer`` (the non-enterprise one of the published schema): the
    action fields a plain definition lacks are left out as DRF leaves out read-only fields of
    missing attributes; ``tags`` comes last and empty (``TaggedItemSerializerMixin``)."""
    return {
        "id": definition.id,
        "name": definition.name,
        "created_at": format_datetime(definition.created_at),
        "last_seen_at": format_datetime(definition.last_seen_at),
        "is_action": False,
        "post_to_slack": False,
        "tags": [],
    }


def render_property(definition: PropertyDefinition, seen: bool | None) -> dict[str, Any]:
    """``PropertyDefinitionSerializer`` (``posthog/api/property_definition.py``)."""
    return {
        "id": definition.id,
        "name": definition.name,
        "is_numerical": definition.is_numerical,
        "property_type": definition.property_type,
        "is_seen_on_filtered_events": seen,
        "tags": [],
    }
