"""The per-project event store, and ``emulator.events`` for assertions.

This is the one store of events: captured events and the raw events seed documents give
(``events`` section of ``phemu/resources/sessions/seed.py``) both live here, and everything derived
from events reads them through :meth:`EventsBackend.after` (session derivation, definitions, the
query engine's adapter), each keeping its own position (the highest ``seq`` it has read). Capture
therefore only appends; the readers catch up when they are next asked.

A captured event is stored after PostHog's ingestion steps that matter to a test: the timestamp
is corrected for client clock skew with ``sent_at`` (``plugin-server/src/worker/ingestion/
timestamps.ts``, ``parseEventTimestamp``), the person rules run (``phemu/resources/persons``) and
the event gets its ``person_id``. Seeded events are stored as given (no person rules).

Records are never changed once stored, so store checkpoints share them instead of copying.
"""

from __future__ import annotations

import bisect
import json
import operator
import uuid as uuid_module
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from datetime import tzinfo
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
#: The seed sections of captured events (``seed.py``) and of seeded raw events
#: (``phemu/resources/sessions/seed.py``): both are only ever appended to (``Store.appended``),
#: or cleared (``Store.rewritten``).
SECTION, SEEDED_SECTION = "captured_events", "events"
#: The namespace of the UUIDs given to seeded events that have none (a fixed, phemu-chosen UUID).
_SEEDED = uuid_module.UUID("0b5e7c1a-4d2f-4e8b-9c3a-6f1d2e7a8b90")
_SEQ = operator.attrgetter("seq")


@dataclass(slots=True, kw_only=True)
class EventRecord:
    uuid: str
    event: str
    #: ``None`` only for seeded raw events that name no distinct id
    distinct_id: str | None
    properties: dict[str, Any]
    timestamp: datetime
    project: int
    #: global storage order: the tie-breaker for equal timestamps and every reader's position
    seq: int
    person_id: str
    elements_chain: str = ""
    #: when the event was ingested (server clock); ``None`` for seeded events
    created_at: datetime | None = None
    #: the record exactly as a seed document gave it (seeded events only), for the state export
    seeded: Mapping[str, Any] | None = None
    #: The person's properties when the event was ingested: PostHog writes them on the event
    #: (``person_properties``), and HogQL's ``person.properties`` reads them under the default
    #: ``personsOnEventsMode`` (docs/query.md).
    person_properties: dict[str, Any] = field(default_factory=dict)

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
        """The ``captured_events`` seed record: :meth:`to_dict`, the person's properties at
        ingestion and when it was ingested (HogQL's ``created_at``)."""
        return {
            **self.to_dict(),
            "person_properties": self.person_properties,
            "created_at": format_datetime(self.created_at),
        }

    def export_seeded(self) -> dict[str, Any]:
        """The ``events`` seed record of a seeded raw event: as its seed gave it."""
        return {
            **{k: v for k, v in (self.seeded or {}).items() if k != "timestamp"},
            "project": self.project,
            "timestamp": format_datetime(self.timestamp),
        }


@dataclass
class EventTables:
    #: per project, in ``seq`` order
    projects: dict[int, list[EventRecord]] = field(default_factory=dict)
    next_seq: int = 0
    #: per project, bumped whenever events are removed (readers holding a position start over)
    generations: dict[int, int] = field(default_factory=dict)

    def of(self, project: int) -> list[EventRecord]:
        return self.projects.setdefault(project, [])

    def __deepcopy__(self, memo: dict[int, Any]) -> EventTables:
        # Store checkpoints deep-copy every state before a seed; stored records never change, so
        # the copy shares them (a checkpoint of a million events costs a list copy, not a copy
        # of every event).
        return EventTables(
            {project: list(records) for project, records in self.projects.items()},
            self.next_seq,
            dict(self.generations),
        )


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
                person = persons.by_uuid(person_id)
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
                    person_properties=dict(person.properties) if person is not None else {},
                )
                tables.of(project).append(record)
                store.appended(SECTION, EventRecord.export, record)
                stored.append(record)
        return stored

    def add_seeded(
        self,
        project: int,
        *,
        event: str,
        distinct_id: str | None,
        properties: dict[str, Any],
        timestamp: datetime,
        uuid: str | None,
        record: Mapping[str, Any],
    ) -> EventRecord:
        """Store one checked raw event of a seed document as given: no person rules, no clock
        skew. It belongs to the person its distinct id names now, or is personless. Call under
        ``store.lock``."""
        tables = self._tables
        tables.next_seq += 1
        seq = tables.next_seq
        stored = EventRecord(
            uuid=uuid if uuid is not None else str(uuid_module.uuid5(_SEEDED, f"{project}:{seq}")),
            event=event,
            distinct_id=distinct_id,
            properties=properties,
            timestamp=timestamp,
            project=project,
            seq=seq,
            person_id=self._persons.person_id_for(project, distinct_id or ""),
            seeded=record,
        )
        tables.of(project).append(stored)
        self.store.appended(SEEDED_SECTION, EventRecord.export_seeded, stored)
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
                    person_properties=dict(raw.get("person_properties") or {}),
                )
            except (KeyError, TypeError, ValueError) as error:
                raise SeedError(f"{label}: not a captured event ({error})") from None
            tables.next_seq += 1
            tables.of(project).append(record)
            store.appended(SECTION, EventRecord.export, record)

    def export(self) -> list[dict[str, Any]]:
        """Captured events (the ``captured_events`` section), oldest first."""
        return [r.export() for r in sorted(self._iter_all(), key=_SEQ) if r.seeded is None]

    def seeded_records(self) -> list[EventRecord]:
        """Seeded raw events, oldest first (the ``events`` section exports them)."""
        return [r for r in sorted(self._iter_all(), key=_SEQ) if r.seeded is not None]

    def clear(self, project: int | None = None) -> None:
        """Forget events (of one project, or all); persons, sessions and definitions stay."""
        store = self._emulator.store
        with store.lock:
            tables = self._tables
            for known in [project] if project is not None else list(tables.projects):
                if tables.projects.pop(known, None) is not None:
                    tables.generations[known] = tables.generations.get(known, 0) + 1
            store.rewritten(SECTION)
            store.rewritten(SEEDED_SECTION)

    def delete_for(self, project: int, distinct_ids: Iterable[str]) -> int:
        """Remove the events of these distinct ids (a deleted person's); how many went."""
        gone = set(distinct_ids)
        with self._emulator.store.lock:
            tables = self._tables
            records = tables.projects.get(project, [])
            kept = [r for r in records if r.distinct_id not in gone]
            removed = len(records) - len(kept)
            if removed:
                tables.projects[project] = kept
                tables.generations[project] = tables.generations.get(project, 0) + 1
                self._emulator.store.rewritten(SECTION)
                self._emulator.store.rewritten(SEEDED_SECTION)
            return removed

    # -- reads ---------------------------------------------------------------------------------
    def _iter_all(self) -> Iterator[EventRecord]:
        for records in self._tables.projects.values():
            yield from records

    def records(self, project: int = 1) -> list[EventRecord]:
        """The project's events in storage order (the store's own records; do not mutate)."""
        return list(self._tables.projects.get(project, ()))

    def after(self, project: int, seq: int) -> list[EventRecord]:
        """The project's events stored after position ``seq``, in order: the one way derived
        data (sessions, definitions, the query engine) reads new events. Call under
        ``store.lock``."""
        records = self._tables.projects.get(project)
        if not records or records[-1].seq <= seq:
            return []
        return records[bisect.bisect_right(records, seq, key=_SEQ) :]

    def count(self, project: int = 1) -> int:
        return len(self._tables.projects.get(project, ()))

    def generation(self, project: int) -> int:
        """Changes whenever events of ``project`` are removed (positions must start over)."""
        return self._tables.generations.get(project, 0)

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

    def property_values(
        self,
        key: str,
        *,
        project: int = 1,
        event_names: Sequence[str] = (),
        value: str | None = None,
    ) -> list[dict[str, str]]:
        """What ``GET events/values/?key=`` answers (``EventViewSet.values``,
        ``posthog/api/event.py``): ``key=custom_event`` names the events other than PostHog's
        own (``GET_CUSTOM_EVENTS``); any other key gives up to 10 distinct values of that event
        property (``get_property_values_for_key``, ``posthog/queries/property_values.py``).

        The values are those of events from the start of the day seven days ago (in the
        project's time zone) to the end of today (UTC), of the named events if any, whose raw
        text contains ``value`` (``ILIKE``, shortest first). Each is read back as PostHog does:
        JSON where it parses, arrays flattened, then ``convert_property_value``. ClickHouse's
        ``DISTINCT`` keeps no order; phemu keeps the order of first sight.
        """
        from phemu.resources.sessions.like import like_matcher  # sessions import this module

        with self._emulator.store.lock:
            records = self.records(project)
        if key == "custom_event":
            names = dict.fromkeys(r.event for r in records if r.event not in _POSTHOG_EVENTS)
            return [{"name": name} for name in names]
        if not key:
            return []
        now = self._emulator.clock.now()
        zone = project_zone(self._emulator, project)
        start = (now.astimezone(zone) - timedelta(days=7)).replace(tzinfo=None)
        since = datetime(start.year, start.month, start.day, tzinfo=timezone.utc)
        today = now.astimezone(timezone.utc)
        until = datetime(today.year, today.month, today.day, 23, 59, 59, tzinfo=timezone.utc)
        wanted = set(event_names)
        matches = like_matcher(value) if value else None
        found: dict[str, None] = {}
        for record in records:
            if key not in record.properties or not since <= record.timestamp <= until:
                continue
            if wanted and record.event not in wanted:
                continue
            text = raw_text(record.properties[key])
            if matches is None or matches(text.lower()):
                found[text] = None
        texts = list(found)
        if matches is not None:
            texts.sort(key=len)
        return [{"name": name} for name in property_value_names(texts[:10])]


#: ``GET_CUSTOM_EVENTS`` (``posthog/models/event/sql.py``) leaves these out.
_POSTHOG_EVENTS = frozenset({"$autocapture", "$pageview", "$identify", "$pageleave", "$screen"})


def raw_text(value: Any) -> str:
    """``replaceRegexpAll(JSONExtractRaw(properties, key), '^"|"$', '')``: the property's JSON
    text, one surrounding double quote removed from each end (escapes inside stay)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.removeprefix('"').removesuffix('"')


def property_value_names(texts: Iterable[str]) -> list[str]:
    """How PostHog's value endpoints finish (``posthog/api/event.py``, ``values``): each text
    read as JSON where it parses, arrays spread (``flatten``), then ``convert_property_value``."""
    parsed: list[Any] = []
    for text in texts:
        try:
            parsed.append(json.loads(text))
        except ValueError:
            parsed.append(text)
    return [convert_property_value(item) for item in _flatten(parsed)]


def convert_property_value(value: Any) -> str:
    """``convert_property_value`` (``posthog/utils.py``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    return str(value)


def _flatten(items: list[Any], depth: int = 10) -> Iterator[Any]:
    """``flatten`` (``posthog/utils.py``): nested lists, at most ten levels deep."""
    for item in items:
        if isinstance(item, list) and depth > 0:
            yield from _flatten(item, depth - 1)
        else:
            yield item


def project_zone(emulator: Emulator, project: int) -> tzinfo:
    """The project's time zone (``Team.timezone_info``); UTC when it names none phemu knows."""
    # zoneinfo (and the tz search path it reads) is imported by the first project that needs
    # its zone, not with the engine.
    from zoneinfo import ZoneInfo
    from zoneinfo import ZoneInfoNotFoundError

    found = emulator.store.projects.get(project)
    try:
        return ZoneInfo(found.timezone) if found is not None else timezone.utc
    except (ZoneInfoNotFoundError, ValueError):
        return timezone.utc
