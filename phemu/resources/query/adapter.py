"""The emulator's records as the query engine reads them (``phemu.query.records``).

from phemu.resources.persons.models import PersonsTables
The one module that knows where events, persons and sessions are stored. Today events and
sessions live in the sessions resource (``phemu/resources/sessions/``) and persons do not
exist yet, so the persons tables are empty until ingestion adds them.
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
    """One project's events and sessions from the sessions resource."""

    def __init__(
        self, sessions: ProjectSessions, token: object, persons: PersonsTables, project: int
    ) -> None:
        self._sessions = sessions
        self._token = token
        self._persons = persons
        self._project = project

    @property
    def events_revision(self) -> Hashable:
        return self._token

    @property
    def event_count(self) -> int:
        return sum(map(len, self._sessions.events.values())) + len(self._sessions.orphans)

    def events_after(self, seq: int) -> Iterator[EventRecord]:
        every: Iterable[Any] = (
            event for events in self._sessions.events.values() for event in events
        )
        for source in (every, self._sessions.orphans):
            for event in source:
                if event.seq > seq:
                    yield EventRecord(
                        uuid=event.uuid,
                        event=event.event,
                        distinct_id=event.distinct_id,
                        properties=event.properties,
                        timestamp=event.timestamp,
                        seq=event.seq,
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


def project_data(emulator: Emulator, project: int) -> SessionsProjectData:
    """The records of ``project`` (call under ``emulator.store.lock``)."""
    state = emulator.store.state(SessionsState)
    sessions = state.project(project)
    persons = emulator.store.state(PersonsTables)
    token = emulator.store.state(Tokens).token(sessions)
    return SessionsProjectData(sessions, token, persons, project)
