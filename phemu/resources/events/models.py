"""The per-project event store of ingested events, and ``emulator.events`` for assertions.

An event is stored after PostHog's ingestion steps that matter to a test: the timestamp is
corrected for client clock skew with ``sent_at`` (``plugin-server/src/worker/ingestion/
timestamps.ts``, ``parseEventTimestamp``), the person rules run (``phemu/resources/persons``) and
the event gets its ``person_id``. Every event is also handed to ``phemu/resources/sessions.py``,
whose store the query engine reads (``phemu/resources/query/adapter.py``) and whose session
derivation uses the events with a ``$session_id``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta
from typing import TYPE_CHECKING
from typing import Any

from phemu.clock import parse_instant
from phemu.errors import SeedError
from phemu.resources._base import Backend
from phemu.serialization import format_datetime

if TYPE_CHECKING:
    from phemu.emulator import Emulator
    from phemu.resources.persons.models import PersonsBackend

_MISSING = object()
#: The seed section of captured events (``seed.py``).
SECTION = "captured_events"


@dataclass(slots=True, kw_only=True)
class EventRecord:
    uuid: str
    event: str
    distinct_id: str
    properties: dict[str, Any]
    timestamp: datetime
    project: int
    seq: int
    person_id: str
    elements_chain: str = ""
    created_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        """The record as plain JSON values (Python API, control plane and state export)."""
        return {
            "uuid": self.uuid,
            "event": self.event,
            "distinct_id": self.distinct_id,
            "properties": self.properties,
            "timestamp": format_datetime(self.timestamp),
            "project": self.project,
            "person_id": self.person_id,
            "elements_chain": self.elements_chain,
        }

    def export(self) -> dict[str, Any]:
        """The seed record: :meth:`to_dict` and when it was ingested (HogQL's ``created_at``)."""
        return {**self.to_dict(), "created_at": format_datetime(self.created_at)}


@dataclass
class EventTables:
    projects: dict[int, list[EventRecord]] = field(default_factory=dict)
    next_seq: int = 0

    def of(self, project: int) -> list[EventRecord]:
        return self.projects.setdefault(project, [])


def event_time(event: Mapping[str, Any], now: datetime) -> datetime:
    """When the event happened, in server time (PostHog's ``parseEventTimestamp``).

    A client timestamp is shifted by the client's clock skew (``now - sent_at``); ``offset``
    (milliseconds before sending) is used when there is no timestamp; otherwise the event
    happened ``now``. Unparseable values fall back to ``now``.
    """
    properties = event.get("properties") or {}
    sent_at = _instant(event.get("sent_at"))
    if properties.get("$ignore_sent_at"):
        sent_at = None
    timestamp = _instant(event.get("timestamp"))
    if timestamp is not None:
        return now + (timestamp - sent_at) if sent_at is not None else timestamp
    offset = event.get("offset")
    if isinstance(offset, (int, float)) and not isinstance(offset, bool):
        return now - timedelta(milliseconds=offset)
    return now


def _instant(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return parse_instant(value)
    except (ValueError, OverflowError):
        return None


class EventsBackend(Backend):
    """Ingestion into the event store, and the questions tests ask of it (``emulator.events``)."""

    def __init__(self, emulator: Emulator) -> None:
        super().__init__(emulator)
        self._emulator = emulator

    @property
    def _tables(self) -> EventTables:
        return self._emulator.store.state(EventTables)

    @property
    def _persons(self) -> PersonsBackend:
        from phemu.resources.persons.models import PersonsBackend

        return PersonsBackend(self._emulator)

    # -- writes --------------------------------------------------------------------------------
    def ingest(self, project: int, events: Iterable[Mapping[str, Any]]) -> list[EventRecord]:
        """Store normalised events (``event``, ``distinct_id``, ``properties``, optional ``uuid``,
        ``timestamp``, ``sent_at``, ``offset``) in order, applying the person rules."""
        emulator = self._emulator
        store = emulator.store
        now = emulator.clock.now()
        stored: list[EventRecord] = []
        with store.lock:
            tables = self._tables
            persons = self._persons
            for event in events:
                properties = dict(event.get("properties") or {})
                at = event_time(event, now)
                person_id = persons.process(project, {**event, "properties": properties}, at)
                tables.next_seq += 1
                record = EventRecord(
                    uuid=str(event.get("uuid") or store.new_uuid()),
                    event=str(event["event"]),
                    distinct_id=str(event["distinct_id"]),
                    properties=properties,
                    timestamp=at,
                    project=project,
                    seq=tables.next_seq,
                    person_id=person_id,
                    elements_chain=str(event.get("elements_chain") or ""),
                    created_at=now,
                )
                tables.of(project).append(record)
                store.appended(SECTION, EventRecord.export, record)
                stored.append(record)
            self._derive_sessions(project, stored)
        return stored

    def capture(
        self,
        event: str,
        distinct_id: str,
        properties: Mapping[str, Any] | None = None,
        *,
        project: int = 1,
        timestamp: str | datetime | None = None,
        uuid: str | None = None,
    ) -> dict[str, Any]:
        """Ingest one event as if an SDK had captured it; returns the stored event."""
        if project not in self._emulator.store.projects:
            raise ValueError(f"project {project!r} does not exist")
        message: dict[str, Any] = {
            "event": event,
            "distinct_id": distinct_id,
            "properties": dict(properties or {}),
            "uuid": uuid,
        }
        if timestamp is not None:
            message["timestamp"] = format_datetime(parse_instant(timestamp))
        return self.ingest(project, [message])[0].to_dict()

    def _derive_sessions(self, project: int, records: list[EventRecord]) -> None:
        from phemu.resources.sessions.seed import load_events

        raw = [
            {
                "project": project,
                "uuid": r.uuid,
                "event": r.event,
                "distinct_id": r.distinct_id,
                "timestamp": format_datetime(r.timestamp),
                "properties": r.properties,
            }
            for r in records
        ]
        if not raw:
            return
        try:
            load_events(self._emulator, raw)  # one derivation per touched session
        except SeedError:
            # A session seeded in computed form keeps that form, as in seeds: retry one by one
            # so the other events still derive their sessions.
            for record in raw:
                with contextlib.suppress(SeedError):
                    load_events(self._emulator, [record])

    def load(self, records: list[dict[str, Any]]) -> None:
        """Restore exported events as they were (persons come from their own section)."""
        from phemu.seed import iter_records

        tables = self._tables
        store = self._emulator.store
        for r in iter_records(self._emulator, SECTION, records, "uuid"):
            raw, label = r.record, r.label
            project = r.project()
            try:
                record = EventRecord(
                    uuid=str(raw["uuid"]),
                    event=str(raw["event"]),
                    distinct_id=str(raw["distinct_id"]),
                    properties=dict(raw.get("properties") or {}),
                    timestamp=parse_instant(raw["timestamp"]),
                    project=project,
                    seq=tables.next_seq + 1,
                    person_id=str(raw["person_id"]),
                    elements_chain=str(raw.get("elements_chain") or ""),
                    created_at=r.instant("created_at", default_now=False),
                )
            except (KeyError, TypeError, ValueError) as error:
                raise SeedError(f"{label}: not a captured event ({error})") from None
            tables.next_seq += 1
            tables.of(project).append(record)
            store.appended(SECTION, EventRecord.export, record)

    def export(self) -> list[dict[str, Any]]:
        return [r.export() for r in sorted(self._iter_all(), key=lambda r: r.seq)]

    def clear(self, project: int | None = None) -> None:
        """Forget captured events (of one project, or all); persons stay."""
        store = self._emulator.store
        with store.lock:
            tables = self._tables
            if project is None:
                tables.projects.clear()
            else:
                tables.projects.pop(project, None)
            store.rewritten(SECTION)

    # -- reads ---------------------------------------------------------------------------------
    def _iter_all(self) -> Iterator[EventRecord]:
        for records in self._tables.projects.values():
            yield from records

    def records(self, project: int = 1) -> list[EventRecord]:
        """The project's events in ingestion order (the store's own records; do not mutate)."""
        return list(self._tables.projects.get(project, ()))

    def all(self, project: int = 1) -> list[dict[str, Any]]:
        """Every captured event of ``project``, oldest first, as plain dicts."""
        return [r.to_dict() for r in self.records(project)]

    def find(
        self,
        event: str | None = None,
        *,
        distinct_id: str | None = None,
        project: int = 1,
        **properties: Any,
    ) -> list[dict[str, Any]]:
        """Captured events matching a name, a distinct id and property values (all optional)."""
        found = []
        for record in self.records(project):
            if event is not None and record.event != event:
                continue
            if distinct_id is not None and record.distinct_id != distinct_id:
                continue
            if any(record.properties.get(k, _MISSING) != v for k, v in properties.items()):
                continue
            found.append(record.to_dict())
        return found

    def captured(self, event: str, *, project: int = 1, **properties: Any) -> bool:
        """Whether ``event`` was captured with these property values (``plan="pro"``)."""
        return bool(self.find(event, project=project, **properties))

    def names(self, project: int = 1) -> list[str]:
        """Distinct event names in first-seen order."""
        return list(dict.fromkeys(r.event for r in self.records(project)))
