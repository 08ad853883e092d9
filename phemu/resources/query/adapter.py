"""The emulator's records as the query engine reads them (``phemu.query.records``).

The one module that knows where events, persons and sessions are stored. Events and sessions
live in the sessions resource (``phemu/resources/sessions/``, seeded raw events and a copy of
every captured one); captured events keep their ingestion facts (``person_id``, the person's
properties at ingestion) in ``phemu/resources/events``; persons live in
``phemu/resources/persons``. Property types come from the events package's definition rules
(``phemu/resources/events/definitions.py``).
"""

from __future__ import annotations

import weakref
from collections.abc import Hashable
from collections.abc import Iterable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from typing import TYPE_CHECKING
from typing import Any

from phemu.query.records import EventRecord
from phemu.query.records import PersonRecord
from phemu.query.records import SessionRecord
from phemu.resources.events.definitions import SKIP_PROPERTIES
from phemu.resources.events.definitions import property_type
from phemu.resources.events.models import EventTables
from phemu.resources.persons.models import PersonsBackend
from phemu.resources.persons.models import PersonsTables
from phemu.resources.sessions.models import SessionsState
from phemu.resources.sessions.value_index import ProjectSessions

if TYPE_CHECKING:
    from phemu.emulator import Emulator


@dataclass
class Tokens:
    """A revision token per live ``ProjectSessions`` object (a new object is new data).

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


class SessionsProjectData:
    """One project's events, persons and sessions."""

    def __init__(self, emulator: Emulator, sessions: ProjectSessions, project: int) -> None:
        store = emulator.store
        self._emulator = emulator
        self._sessions = sessions
        self._token = store.state(Tokens).token(sessions)
        self._persons = store.state(PersonsTables)
        self._captured = store.state(EventTables)
        self._project = project

    @property
    def events_revision(self) -> Hashable:
        return self._token

    @property
    def event_count(self) -> int:
        return sum(map(len, self._sessions.events.values())) + len(self._sessions.orphans)

    def events_after(self, seq: int) -> Iterator[EventRecord]:
        """New events; a captured one carries its ingestion facts, a seeded one the person id
        PostHog would have given it (its person's, else the personless id of its distinct id)."""
        captured = {r.uuid: r for r in self._captured.projects.get(self._project, ())}
        persons = PersonsBackend.of(self._emulator)
        person_ids: dict[str, str] = {}
        every: Iterable[Any] = (
            event for events in self._sessions.events.values() for event in events
        )
        for source in (every, self._sessions.orphans):
            for event in source:
                if event.seq <= seq:
                    continue
                record = captured.get(event.uuid) if event.uuid is not None else None
                distinct_id = str(event.distinct_id or "")
                if record is None and distinct_id not in person_ids:
                    person_ids[distinct_id] = persons.person_id_for(self._project, distinct_id)
                yield EventRecord(
                    uuid=event.uuid,
                    event=event.event,
                    distinct_id=event.distinct_id,
                    properties=event.properties,
                    timestamp=event.timestamp,
                    seq=event.seq,
                    person_id=record.person_id if record is not None else person_ids[distinct_id],
                    elements_chain=record.elements_chain if record is not None else "",
                    person_properties=record.person_properties if record is not None else None,
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


def project_data(emulator: Emulator, project: int) -> SessionsProjectData:
    """The records of ``project`` (call under ``emulator.store.lock``)."""
    sessions = emulator.store.state(SessionsState).project(project)
    return SessionsProjectData(emulator, sessions, project)
