"""The ``channel_lookups``, ``sessions`` and ``events`` seed sections (``docs/sessions.md``).

``sessions`` takes computed property dicts as given, ``events`` takes raw events and derives
every property; ``channel_lookups`` extends the channel lookup table and loads first, so events
of the same document already use it. A session id may appear in only one form. The same
parsers check what ``emulator.sessions.add(...)`` / ``ingest(...)`` are given.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING
from typing import Any

from phemu.resources.events.models import SEEDED_SECTION
from phemu.resources.sessions import channel_lookups
from phemu.resources.sessions.catalogue import BY_NAME
from phemu.resources.sessions.catalogue import DATETIME_KEYS
from phemu.resources.sessions.models import SESSIONS
from phemu.resources.sessions.models import NewEvent
from phemu.resources.sessions.models import Session
from phemu.resources.sessions.models import SessionsBackend
from phemu.resources.sessions.models import json_value
from phemu.resources.sessions.value_index import sort_key
from phemu.seed import RecordReader
from phemu.seed import SeedSection
from phemu.seed import iter_records

if TYPE_CHECKING:
    from phemu.emulator import Emulator


def parse_sessions(emulator: Emulator, records: list[dict[str, Any]]) -> list[tuple[int, Session]]:
    """Computed-form sessions: catalogue keys as given; missing keys are null."""
    backend = SessionsBackend.of(emulator)
    parsed = []
    for r in iter_records(emulator, "sessions", records, "session_id", "session"):
        project = r.project()
        sid = r.raw("session_id")
        if not isinstance(sid, str) or not sid:
            raise r.error("'session_id' must be a non-empty string")
        distinct_id = r.text("distinct_id", nullable=True)
        given = r.mapping("properties")
        unknown = [k for k in given if k not in BY_NAME]
        if unknown:
            raise r.error(
                f"unknown session properties {', '.join(map(repr, unknown))} "
                "(keys must be names from the v2 catalogue, e.g. '$entry_utm_source')"
            )
        # Copied so later changes to the caller's objects cannot reach the stored session.
        props: dict[str, Any] = {
            k: copy.deepcopy(v) if isinstance(v, (dict, list)) else v for k, v in given.items()
        }
        for name in DATETIME_KEYS:
            if props.get(name) is not None:
                props[name] = r.parse_instant(props[name], repr(name))
        if sid in backend.derived(project).events:
            raise r.error(
                f"session {sid!r} is already seeded from raw events; a session id may appear "
                "in only one form"
            )
        key = sort_key(sid, props.get("$start_timestamp"))
        parsed.append((project, Session(sid, distinct_id, props, key, True)))
    return parsed


def _event(r: RecordReader, project: int) -> NewEvent:
    name = r.raw("event")
    if not isinstance(name, str) or not name:
        raise r.error("'event' must be a non-empty string")
    if r.raw("timestamp") is None:
        raise r.error("'timestamp' is required")
    moment = r.instant("timestamp")
    props = r.mapping("properties")
    sid = props.get("$session_id")
    if sid is not None and not isinstance(sid, str):
        raise r.error(f"properties.$session_id must be a string, not {sid!r}")
    distinct_id = r.raw("distinct_id")
    if distinct_id is not None and not isinstance(distinct_id, (str, int)):
        raise r.error("'distinct_id' must be a string")
    return NewEvent(
        project=project,
        session_id=sid or None,
        timestamp=moment,
        event=name,
        distinct_id=None if distinct_id is None else str(distinct_id),
        uuid=r.text("uuid", nullable=True),
        properties=props,
        record={**r.record, "properties": dict(props)},
    )


def parse_events(emulator: Emulator, records: list[dict[str, Any]]) -> list[NewEvent]:
    """Raw events, checked. Events without a ``$session_id`` (absent, null or empty) are kept
    but build no session, as in PostHog; any other malformed event is an error naming it."""
    table = SessionsBackend.of(emulator).table
    parsed = []
    for r in iter_records(emulator, "events", records, "uuid"):
        project = r.project()
        event = _event(r, project)
        sid = event.session_id
        existing = table.project(project).sessions.get(sid) if sid is not None else None
        if existing is not None and existing.computed:
            raise r.error(
                f"session {sid!r} is already seeded in computed form; a session id may appear "
                "in only one form"
            )
        parsed.append(event)
    return parsed


def load_sessions(emulator: Emulator, records: list[dict[str, Any]]) -> None:
    SessionsBackend.of(emulator).add_sessions(parse_sessions(emulator, records))


def load_events(emulator: Emulator, records: list[dict[str, Any]]) -> None:
    SessionsBackend.of(emulator).add_events(parse_events(emulator, records))


def load_channel_lookups(emulator: Emulator, records: list[dict[str, Any]]) -> None:
    SessionsBackend.of(emulator).extend_lookups(channel_lookups.parse_seeded(records))


def export_session(project: int, session: Session) -> dict[str, Any]:
    return {
        "project": project,
        "session_id": session.session_id,
        "distinct_id": session.distinct_id,
        "properties": {k: json_value(v) for k, v in session.properties.items()},
    }


def export_sessions(emulator: Emulator) -> list[dict[str, Any]]:
    return [
        export_session(project, s)
        for project, sessions in sorted(SessionsBackend.of(emulator).table.projects.items())
        for s in sessions.sessions.values()
        if s.computed
    ]


def export_one_session(emulator: Emulator, key: Any) -> dict[str, Any] | None:
    project, session_id = key
    sessions = SessionsBackend.of(emulator).table.projects.get(project)
    found = None if sessions is None else sessions.sessions.get(session_id)
    return None if found is None or not found.computed else export_session(project, found)


def export_events(emulator: Emulator) -> list[dict[str, Any]]:
    """The seeded raw events of the event store, as their seeds gave them."""
    from phemu.resources.events.models import EventsBackend

    return [event.export_seeded() for event in EventsBackend.of(emulator).seeded_records()]


def inspect_sessions(emulator: Emulator) -> list[dict[str, Any]]:
    """Every session of the store for the web inspector: the seeded and the derived alike, so
    the table agrees with the summary's count (the ``sessions`` export holds only the seeded)."""
    backend = SessionsBackend.of(emulator)
    with emulator.store.lock:
        for project in list(backend.table.projects):
            backend.derived(project)
    return [
        {
            "project": project,
            "session_id": s.session_id,
            "distinct_id": s.distinct_id,
            "from": "seed" if s.computed else "events",
            "start": json_value(s.properties.get("$start_timestamp")),
            "entry_url": s.properties.get("$entry_current_url"),
        }
        for project, sessions in sorted(backend.table.projects.items())
        for s in sessions.sessions.values()
    ]


SECTIONS = (
    SeedSection("channel_lookups", load_channel_lookups, channel_lookups.export_seeded),
    SeedSection(
        SESSIONS,
        load_sessions,
        export_sessions,
        inspect=inspect_sessions,
        export_one=export_one_session,
        identify=lambda record: (record.get("project"), record.get("session_id")),
    ),
    SeedSection(SEEDED_SECTION, load_events, export_events, append_only=True),
)
