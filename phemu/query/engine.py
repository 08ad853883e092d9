"""The DuckDB database behind one emulator's queries, kept in step with its records.

Each project gets four DuckDB tables (``p<id>_events``, ``p<id>_persons``,
``p<id>_person_distinct_ids``, ``p<id>_sessions``). Events are appended by sequence number
before a query when the store has new ones, so a query costs DuckDB's time, not a reload;
persons and sessions are reloaded when their revision changes. Records go in as whole columns
(``unnest`` of Python lists), the fastest route measured without extra dependencies
(``benchmarks/bench_query.py``).

The database is derived data: a deep copy (store checkpoints) starts empty and fills again on
the next query.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Hashable
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from decimal import Decimal
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import duckdb

from phemu.errors import QueryNotComputed
from phemu.query.records import EventRecord
from phemu.query.records import PersonRecord
from phemu.query.records import ProjectData
from phemu.query.records import SessionRecord
from phemu.query.schema import EVENTS
from phemu.query.schema import EVENTS_HIDDEN
from phemu.query.schema import PERSON_DISTINCT_IDS
from phemu.query.schema import PERSONS
from phemu.query.schema import SESSIONS
from phemu.query.schema import physical
from phemu.query.schema import quote
from phemu.query.schema import quote_text

#: Events per INSERT: bounds the Python lists held at once while loading.
CHUNK = 100_000

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICRO = timedelta(microseconds=1)


def zone_name(moment: datetime) -> str:
    """The IANA name of an aware moment's zone (``UTC`` for a fixed UTC one)."""
    return str(getattr(moment.tzinfo, "key", "UTC"))


def _micros(moment: datetime | None, zone: ZoneInfo | None = None) -> int | None:
    """Microseconds since the epoch of ``moment``'s wall time in ``zone`` (UTC if ``None``).

    Tables hold DateTime columns as the project's wall time: ClickHouse shows and computes
    (``toStartOfDay``, ``toDate``, string comparisons) in the column's zone, which PostHog's
    printer sets to the team's (``posthog/hogql/printer.py``).
    """
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    if zone is not None:
        moment = moment.astimezone(zone).replace(tzinfo=timezone.utc)
    return (moment - _EPOCH) // _MICRO


def _json_text(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


#: Where PostHog takes person property definitions from: the ``$set`` and ``$set_once`` of
#: ingested events (``rust/property-defs-rs``), not the person records.
PERSON_UPDATES = ("$set", "$set_once")


def _learn(
    known: dict[str, str | None], data: ProjectData, parent: str, values: Mapping[str, Any]
) -> None:
    """PostHog's definition upsert: the first typed value fixes a property's type."""
    for key, value in values.items():
        if known.get(key) is None:
            known[key] = data.property_type(parent, key, value)


@dataclass
class PropertyTypes:
    """A project's property definitions as the engine knows them (``Numeric``, ``Boolean``...)."""

    events: dict[str, str | None] = field(default_factory=dict)
    persons_from_events: dict[str, str | None] = field(default_factory=dict)
    persons_from_records: dict[str, str | None] = field(default_factory=dict)

    def learn_events(self, data: ProjectData, batch: Iterable[EventRecord]) -> None:
        for event in batch:
            _learn(self.events, data, "event", event.properties)
            for update in PERSON_UPDATES:
                values = event.properties.get(update)
                if isinstance(values, Mapping):
                    _learn(self.persons_from_events, data, "person", values)

    def learn_persons(self, data: ProjectData, persons: Iterable[PersonRecord]) -> None:
        """Seeded persons stand in for the events that would have set their properties."""
        self.persons_from_records = {}
        for person in persons:
            _learn(self.persons_from_records, data, "person", person.properties)

    def event_types(self) -> dict[str, str]:
        return {k: v for k, v in self.events.items() if v is not None}

    def person_types(self) -> dict[str, str]:
        merged = {**self.persons_from_records, **self.persons_from_events}
        return {k: v for k, v in merged.items() if v is not None}


@dataclass
class _Loaded:
    events_revision: Hashable
    count: int
    seq: int
    persons_revision: Hashable
    sessions_revision: Hashable
    zone: str


def _ddl(project: int, table: str, columns: Sequence[tuple[str, str]]) -> str:
    body = ", ".join(f"{quote(name)} {duck_type}" for name, duck_type in columns)
    return f"CREATE OR REPLACE TABLE {physical(project, table)} ({body})"


_EVENT_COLUMNS = [(c.name, c.duck_type) for c in EVENTS.values()] + list(EVENTS_HIDDEN)
_TIMESTAMP_COLUMNS = {"timestamp", "created_at", "$start_timestamp", "$end_timestamp"}


class Database:
    """One in-memory DuckDB database; every method holds the database's lock."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._zone: ZoneInfo | None = None
        self._connection: duckdb.DuckDBPyConnection | None = None
        self._session_zone = "UTC"
        self._loaded: dict[int, _Loaded] = {}
        #: Per project, PostHog's property definitions: HogQL reads typed properties as their
        #: type (``posthog/hogql/transforms/property_types.py``).
        self.property_types: dict[int, PropertyTypes] = {}

    def __deepcopy__(self, memo: dict[int, Any]) -> Database:
        return Database()

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        if self._connection is None:
            self._connection = duckdb.connect(":memory:")
            self._connection.execute("SET TimeZone = 'UTC'")
            self._session_zone = "UTC"
        return self._connection

    # -- loading ----------------------------------------------------------------------------
    def sync(self, project: int, data: ProjectData, zone: str = "UTC") -> None:
        """Bring the project's tables up to date with ``data``, times as wall time in ``zone``."""
        with self._lock:
            loaded = self._loaded.get(project)
            if loaded is not None and loaded.zone != zone:
                loaded = None  # the project's time zone changed: every time column changes
            self._zone = None if zone == "UTC" else ZoneInfo(zone)
            count = data.event_count
            if (
                loaded is None
                or loaded.events_revision != data.events_revision
                or count < loaded.count
            ):
                self._create_events(project)
                self.property_types[project] = PropertyTypes()
                held, seq = 0, 0
            else:
                held, seq = loaded.count, loaded.seq
            if count > held:
                seq = max(seq, self._insert_events(project, data, data.events_after(seq)))
            persons_revision, sessions_revision = data.persons_revision, data.sessions_revision
            if loaded is None or loaded.persons_revision != persons_revision:
                self._load_persons(project, data, data.persons())
            if loaded is None or loaded.sessions_revision != sessions_revision:
                self._load_sessions(project, data.sessions())
            self._loaded[project] = _Loaded(
                data.events_revision, count, seq, persons_revision, sessions_revision, zone
            )

    def _create_events(self, project: int) -> None:
        self.connection.execute(_ddl(project, "events", _EVENT_COLUMNS))

    def _insert_events(self, project: int, data: ProjectData, events: Iterable[EventRecord]) -> int:
        """Insert events; the highest ``seq`` inserted (0 if none)."""
        batch: list[EventRecord] = []
        highest = 0
        for event in events:
            batch.append(event)
            highest = max(highest, event.seq)
            if len(batch) >= CHUNK:
                self._insert_event_batch(project, data, batch)
                batch = []
        if batch:
            self._insert_event_batch(project, data, batch)
        return highest

    def _insert_event_batch(
        self, project: int, data: ProjectData, batch: Sequence[EventRecord]
    ) -> None:
        self.property_types[project].learn_events(data, batch)
        zone = self._zone
        columns: list[list[Any]] = [
            [e.uuid for e in batch],
            [e.event for e in batch],
            [_json_text(e.properties) for e in batch],
            [_micros(e.timestamp, zone) for e in batch],
            [e.distinct_id or "" for e in batch],
            [e.elements_chain for e in batch],
            [_micros(e.created_at or e.timestamp, zone) for e in batch],
            [_text(e.properties.get("$session_id")) for e in batch],
            [_text(e.properties.get("$window_id")) for e in batch],
            [e.person_id for e in batch],
            [
                None if e.person_properties is None else _json_text(e.person_properties)
                for e in batch
            ],
            [e.seq for e in batch],
        ]
        self._insert(project, "events", _EVENT_COLUMNS, columns)

    def _insert(
        self,
        project: int,
        table: str,
        names: Sequence[tuple[str, str]],
        columns: list[list[Any]],
    ) -> None:
        """One INSERT of whole columns; timestamps travel as microseconds since the epoch."""
        selects = []
        for index, (name, _duck_type) in enumerate(names):
            value = f"unnest(${index + 1})"
            selects.append(f"make_timestamp({value})" if name in _TIMESTAMP_COLUMNS else value)
        self.connection.execute(
            f"INSERT INTO {physical(project, table)} SELECT {', '.join(selects)}", columns
        )

    def _load_persons(
        self, project: int, data: ProjectData, persons: Iterable[PersonRecord]
    ) -> None:
        person_columns = [(c.name, c.duck_type) for c in PERSONS.values()]
        pdi_columns = [(c.name, c.duck_type) for c in PERSON_DISTINCT_IDS.values()]
        self.connection.execute(_ddl(project, "persons", person_columns))
        self.connection.execute(_ddl(project, "person_distinct_ids", pdi_columns))
        rows = list(persons)
        self.property_types[project].learn_persons(data, rows)
        if not rows:
            return
        self._insert(
            project,
            "persons",
            person_columns,
            [
                [p.id for p in rows],
                [_micros(p.created_at, self._zone) for p in rows],
                [_json_text(p.properties) for p in rows],
                [p.is_identified for p in rows],
            ],
        )
        owner = {d: p.id for p in rows for d in p.distinct_ids}  # one person per distinct id
        if owner:
            self._insert(
                project,
                "person_distinct_ids",
                pdi_columns,
                [list(owner), list(owner.values())],
            )

    def _load_sessions(self, project: int, sessions: Iterable[SessionRecord]) -> None:
        columns = [(c.name, c.duck_type) for c in SESSIONS.values()]
        self.connection.execute(_ddl(project, "sessions", columns))
        rows = list(sessions)
        if not rows:
            return
        values: list[list[Any]] = [[s.session_id for s in rows], [s.distinct_id for s in rows]]
        for name, _duck_type in columns[2:]:
            column = [s.properties.get(name) for s in rows]
            if name in _TIMESTAMP_COLUMNS:
                column = [
                    _micros(v, self._zone) if isinstance(v, datetime) else None for v in column
                ]
            values.append(column)
        self._insert(project, "sessions", columns, values)

    def types_of(self, project: int) -> tuple[dict[str, str], dict[str, str]]:
        """The typed event and person properties of a loaded project."""
        types = self.property_types.get(project) or PropertyTypes()
        return types.event_types(), types.person_types()

    # -- querying ---------------------------------------------------------------------------
    def execute(self, sql: str, zone: str = "UTC") -> tuple[list[tuple[Any, ...]], list[str]]:
        """Rows and DuckDB type names; DuckDB's own errors become a 400 with its message.

        DuckDB's session zone is the project's, so text read as a time (a DateTime property,
        ``toDateTime('2024-01-01 10:00')``) means wall time there, as in ClickHouse.
        """
        with self._lock:
            try:
                if zone != self._session_zone:
                    self.connection.execute(f"SET TimeZone = {quote_text(zone)}")
                    self._session_zone = zone
                cursor = self.connection.execute(sql)
                rows = cursor.fetchall()
                types = [str(column[1]) for column in cursor.description or []]
            except duckdb.Error as error:
                raise QueryNotComputed(_first_line(str(error))) from None
        return rows, types


def _first_line(message: str) -> str:
    return message.strip().splitlines()[0] if message.strip() else "Query failed."


def json_value(value: Any, zone: ZoneInfo | None = None) -> Any:
    """A DuckDB value as PostHog's JSON renders the ClickHouse one.

    A naive time is wall time in ``zone`` (UTC if ``None``) and renders with its offset, as
    ClickHouse's zoned DateTime does; UTC renders with ``Z``.
    """
    if value is None or isinstance(value, (str, int, float)):
        return int(value) if isinstance(value, bool) else value
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(zone or timezone.utc).replace(tzinfo=None)
        if zone is None:
            return value.isoformat() + "Z"
        return value.replace(tzinfo=zone).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [json_value(v, zone) for v in value]
    if isinstance(value, dict):
        return {str(k): json_value(v, zone) for k, v in value.items()}
    if isinstance(value, timedelta):
        return value.total_seconds()
    return str(value)
