"""Sessions: the session record, the per-project tables and :class:`SessionsBackend`, the only
code that writes them (``docs/sessions.md``).

Sessions are added two ways: in computed form (catalogue properties as given) or derived from
raw events (``derivation.py``), as PostHog's ingestion would. The raw events, seeded or captured,
live in the one event store (``phemu/resources/events``); derivation is lazy:
:meth:`SessionsBackend.derived`, the one reader of events here, catches up with the events
stored since it last ran, so adding events costs no derivation until sessions are read. Each
project's sessions, its sessions' events (records of the event store) and the index that makes
``sessions/values`` cheap live in :class:`~phemu.resources.sessions.value_index.ProjectSessions`.
"""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from typing import Any

from phemu.resources._base import Backend
from phemu.resources.sessions import channel_lookups
from phemu.resources.sessions.catalogue import BY_NAME
from phemu.resources.sessions.channel_type import EMPTY
from phemu.resources.sessions.channel_type import SHIPPED
from phemu.resources.sessions.channel_type import ChannelLookups
from phemu.resources.sessions.derivation import CHANNEL_INPUT_KEYS
from phemu.resources.sessions.derivation import Event
from phemu.resources.sessions.derivation import channel_of
from phemu.resources.sessions.derivation import derive
from phemu.resources.sessions.value_index import ProjectSessions
from phemu.resources.sessions.value_index import SortKey
from phemu.resources.sessions.value_index import sort_key
from phemu.serialization import format_datetime

#: The seed section of computed-form sessions (``seed.py``).
SESSIONS = "sessions"


@dataclass(frozen=True, slots=True)
class Session:
    """One session's properties (derived or seeded); immutable, so checkpoints can share it."""

    session_id: str
    distinct_id: str | None
    properties: Mapping[str, Any]
    key: SortKey
    computed: bool  # seeded in computed form (else derived from events)


@dataclass(frozen=True, slots=True)
class NewEvent:
    """A checked raw event waiting to be stored: its project and ``$session_id`` (or ``None``)."""

    project: int
    session_id: str | None
    timestamp: datetime
    event: str
    distinct_id: str | None
    uuid: str | None
    properties: Mapping[str, Any]
    record: Mapping[str, Any]


@dataclass
class SessionsState:
    projects: dict[int, ProjectSessions] = field(default_factory=dict)
    #: per project, the ``seq`` of the last stored event :meth:`SessionsBackend.derived` read
    synced: dict[int, int] = field(default_factory=dict)

    def project(self, project_id: int) -> ProjectSessions:
        found = self.projects.get(project_id)
        if found is None:
            found = self.projects[project_id] = ProjectSessions()
        return found


def json_value(value: Any) -> Any:
    return format_datetime(value) if isinstance(value, datetime) else value


class SessionsBackend(Backend):
    """``emulator.sessions``: add sessions (computed or from raw events) and read them back.

    Adding is all or nothing, with the checks and messages of the ``sessions`` / ``events``
    seed sections (a :class:`~phemu.errors.SeedError` naming the bad record).
    """

    #: The ``channel_lookups=`` option (configuration: kept across ``reset()``).
    configured: ChannelLookups = EMPTY

    @property
    def table(self) -> SessionsState:
        return self.store.state(SessionsState)

    # -- the Python API ---------------------------------------------------------------------
    def ingest(self, events: Iterable[Mapping[str, Any]], *, project: int = 1) -> None:
        """Add raw events (``{"event", "timestamp", "distinct_id", "properties", "uuid"}``) to the
        event store; the sessions they touch are derived again when next read. Events without
        ``project`` go to ``project``."""
        from phemu.resources.sessions.seed import parse_events

        records = [{"project": project, **e} for e in events]
        with self.store.lock:
            self.add_events(parse_events(self.emulator, records))

    def add(self, sessions: Iterable[Mapping[str, Any]], *, project: int = 1) -> None:
        """Add sessions in computed form (``{"session_id", "distinct_id", "properties"}``)."""
        from phemu.resources.sessions.seed import parse_sessions

        records = [{"project": project, **s} for s in sessions]
        with self.store.lock:
            self.add_sessions(parse_sessions(self.emulator, records))

    def properties(self, session_id: str, *, project: int = 1) -> dict[str, Any] | None:
        """Every catalogue property of a session (plus ``distinct_id``), or ``None``."""
        with self.store.lock:
            found = self.derived(project).sessions.get(session_id)
        if found is None:
            return None
        return {
            **{name: json_value(found.properties.get(name)) for name in BY_NAME},
            "distinct_id": found.distinct_id,
        }

    # -- the operations seeds and the Python API share ------------------------------------------
    def add_sessions(self, sessions: list[tuple[int, Session]]) -> None:
        """Store checked computed-form sessions (``(project, session)`` pairs)."""
        batches: dict[int, list[Session]] = {}
        for project, session in sessions:
            batches.setdefault(project, []).append(session)
        for project, batch in batches.items():
            self.table.project(project).upsert(batch)
            self.store.changed(SESSIONS, *((project, s.session_id) for s in batch))

    def add_events(self, events: list[NewEvent]) -> None:
        """Store checked raw events in the event store, as given; their sessions are derived
        when next read."""
        from phemu.resources.events.models import EventsBackend

        store = EventsBackend.of(self.emulator)
        for new in events:
            store.add_seeded(
                new.project,
                event=new.event,
                distinct_id=new.distinct_id,
                properties=dict(new.properties),
                timestamp=new.timestamp,
                uuid=new.uuid,
                record=new.record,
            )

    def derived(self, project: int) -> ProjectSessions:
        """The project's sessions, derived up to the last stored event (call under the lock).

        Reads the events stored since the last call (``EventsBackend.after``), appends them to
        their sessions' event lists and derives each touched session once. Events without a
        string ``$session_id`` and events of sessions seeded in computed form build no session
        (that form wins, as in seeds).
        """
        from phemu.resources.events.models import EventsBackend

        table = self.table
        sessions = table.project(project)
        new = EventsBackend.of(self.emulator).after(project, table.synced.get(project, 0))
        if not new:
            return sessions
        table.synced[project] = new[-1].seq
        touched: dict[str, list[Event]] = {}
        for event in new:
            sid = event.properties.get("$session_id")
            if not sid or not isinstance(sid, str):
                continue
            existing = sessions.sessions.get(sid)
            if existing is None or not existing.computed:
                touched.setdefault(sid, []).append(event)
        lookups = self.lookups()
        derived: list[Session] = []
        for sid, new_events in touched.items():
            stored = sessions.events.get(sid, ()) + tuple(new_events)
            sessions.events[sid] = stored
            props = derive(stored, lookups)
            distinct_id = props.pop("distinct_id")
            key = sort_key(sid, props["$start_timestamp"])
            derived.append(Session(sid, distinct_id, props, key, False))
        sessions.upsert(derived)
        return sessions

    def extend_lookups(self, seeded: Iterable[ChannelLookups]) -> None:
        """Add seeded channel lookup entries, then re-derive ``$channel_type`` of event-built
        sessions (computed-form sessions keep the channel they were given).

        Only the channel is recomputed, from the stored entry properties, once per distinct
        combination of inputs.
        """
        if not channel_lookups.add_seeded(self.store, seeded):
            return
        for project in list(self.store.projects):
            self.derived(project)  # pending events derive with the new table: nothing to redo
        lookups = self.lookups()
        memo: dict[tuple[Any, ...], str] = {}
        inputs_of = operator.itemgetter(*CHANNEL_INPUT_KEYS)
        for sessions in self.table.projects.values():
            changed = []
            for session in sessions.sessions.values():
                if session.computed:
                    continue
                inputs = inputs_of(session.properties)
                channel = memo.get(inputs)
                if channel is None:
                    channel = memo[inputs] = channel_of(session.properties, lookups)
                if channel != session.properties["$channel_type"]:
                    props = {**session.properties, "$channel_type": channel}
                    changed.append(dataclasses.replace(session, properties=props))
            sessions.upsert(changed)

    def lookups(self) -> ChannelLookups:
        """The lookup table derivation uses now: shipped, then configured, then seeded."""
        return SHIPPED.extended(self.configured).extended(channel_lookups.seeded(self.store))

    def top_values(self, project: int, key: str, search: str | None) -> list[str]:
        """The stored values ``sessions/values`` answers for a stored string key."""
        with self.store.lock:
            return self.derived(project).top_values(key, search)

    def inspect(self) -> dict[str, Any]:
        with self.store.lock:
            for project in list(self.table.projects):
                self.derived(project)
            return {
                str(project): {
                    "sessions": len(s.sessions),
                    "events": sum(map(len, s.events.values())),
                }
                for project, s in self.table.projects.items()
            }
