"""The emulator's records as the query engine reads them (``phemu.query.records``).

The one module that knows where events, persons and sessions are stored: events (captured and
seeded) in the event store of ``phemu/resources/events``, sessions in
``phemu/resources/sessions/`` (derived from that store when read), persons in
``phemu/resources/persons``. Property types follow the definitions' inference rules
(``phemu/resources/definitions/inference.py``).
"""

from __future__ import annotations

import weakref
from collections.abc import Hashable
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from typing import TYPE_CHECKING
from typing import Any

from phemu.query.records import EventRecord
from phemu.query.records import PersonRecord
from phemu.query.records import SessionRecord
from phemu.resources.definitions.inference import EVENT
from phemu.resources.definitions.inference import PERSON
from phemu.resources.definitions.inference import SKIP_PROPERTIES
from phemu.resources.definitions.inference import property_type
from phemu.resources.definitions.models import DefinitionsBackend
from phemu.resources.events.models import EventsBackend
from phemu.resources.events.models import EventTables
from phemu.resources.persons.models import PersonsBackend
from phemu.resources.persons.models import PersonsTables
from phemu.resources.sessions.models import SessionsBackend
from phemu.resources.sessions.value_index import ProjectSessions

if TYPE_CHECKING:
    from phemu.emulator import Emulator


@dataclass
class Tokens:
    """A revision token per live state object (a new object is new data).

    Store checkpoints and resets replace the object, so its identity marks a revision; the
    weak reference guards against a new object reusing a freed one's ``id``.
    """

    by_id: dict[int, tuple[weakref.ref[Any], object]] = field(default_factory=dict)

    def __deepcopy__(self, memo: dict[int, Any]) -> Tokens:
        return Tokens()

    def token(self, owner: object) -> object:
        found = self.by_id.get(id(owner))
        if found is not None and found[0]() is owner:
            return found[1]
        token = object()
        self.by_id[id(owner)] = (weakref.ref(owner), token)
        return token


class StoreProjectData:
    """One project's events, persons and sessions as the emulator stores them."""

    def __init__(
        self,
        emulator: Emulator,
        events: EventsBackend,
        events_token: Hashable,
        sessions: ProjectSessions,
        token: object,
        persons: PersonsTables,
        project: int,
    ) -> None:
        self._emulator = emulator
        self._events = events
        self._events_token = events_token
        self._sessions = sessions
        self._token = token
        self._persons = persons
        self._project = project

    @property
    def events_revision(self) -> Hashable:
        return self._events_token

    @property
    def event_count(self) -> int:
        return self._events.count(self._project)

    def events_after(self, seq: int) -> Iterator[EventRecord]:
        """New events; a captured one carries its ingestion facts (``person_id``, the person's
        properties then), a seeded one the person id PostHog would give it now (its person's,
        else the personless id of its distinct id) and no person properties."""
        persons = PersonsBackend.of(self._emulator)
        person_ids: dict[str, str] = {}
        for event in self._events.after(self._project, seq):
            person_id = event.person_id
            if event.seeded is not None:
                distinct_id = event.distinct_id or ""
                if distinct_id not in person_ids:
                    person_ids[distinct_id] = persons.person_id_for(self._project, distinct_id)
                person_id = person_ids[distinct_id]
            yield EventRecord(
                uuid=event.uuid,
                event=event.event,
                distinct_id=event.distinct_id,
                properties=event.properties,
                timestamp=event.timestamp,
                seq=event.seq,
                person_id=person_id,
                elements_chain=event.elements_chain,
                created_at=event.created_at,
                person_properties=None if event.seeded is not None else event.person_properties,
            )

    @property
    def persons_revision(self) -> Hashable:
        return (id(self._persons), self._persons.revision)

    def persons(self) -> Iterable[PersonRecord]:
        return [
            PersonRecord(
                p.uuid, tuple(p.distinct_ids), dict(p.properties), p.created_at, p.is_identified
            )
            for p in self._persons.persons.values()
            if p.project == self._project
        ]

    @property
    def sessions_revision(self) -> Hashable:
        return (self._token, tuple(map(id, self._sessions.sessions.values())))

    def sessions(self) -> Iterable[SessionRecord]:
        return [
            SessionRecord(s.session_id, s.distinct_id, s.properties)
            for s in self._sessions.sessions.values()
        ]

    def property_type(self, parent: str, key: str, value: Any) -> str | None:
        if parent == "event" and key in SKIP_PROPERTIES:
            return None
        return property_type(key, value, self._emulator.clock.now())

    def declared_types(self) -> tuple[Mapping[str, str], Mapping[str, str]]:
        definitions = DefinitionsBackend.of(self._emulator).catch_up(self._project)
        found: dict[int, dict[str, str]] = {EVENT: {}, PERSON: {}}
        for definition in definitions.properties.values():
            kind = found.get(definition.type)
            if kind is not None and definition.property_type is not None:
                kind[definition.name] = definition.property_type
        return found[EVENT], found[PERSON]


def project_data(emulator: Emulator, project: int) -> StoreProjectData:
    """The records of ``project`` (call under ``emulator.store.lock``)."""
    events = EventsBackend.of(emulator)
    sessions = SessionsBackend.of(emulator).derived(project)
    persons = emulator.store.state(PersonsTables)
    tokens = emulator.store.state(Tokens)
    events_token = (tokens.token(emulator.store.state(EventTables)), events.generation(project))
    return StoreProjectData(
        emulator, events, events_token, sessions, tokens.token(sessions), persons, project
    )
