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

#: Events per INSERT: bounds the Python lists held at once while loading.
CHUNK = 100_000

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICRO = timedelta(microseconds=1)


def _micros(moment: datetime | None) -> int | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
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


def _ddl(project: int, table: str, columns: Sequence[tuple[str, str]]) -> str:
    body = ", ".join(f"{quote(name)} {duck_type}" for name, duck_type in columns)
    return f"CREATE OR REPLACE TABLE {physical(project, table)} ({body})"


_EVENT_COLUMNS = [(c.name, c.duck_type) for c in EVENTS.values()] + list(EVENTS_HIDDEN)
_TIMESTAMP_COLUMNS = {"timestamp", "created_at", "$start_timestamp", "$end_timestamp"}


class Database:
    """One in-memory DuckDB database; every method holds the database's lock."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._connection: duckdb.DuckDBPyConnection | None = None
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
            self._connection.execute("SET TimeZone = 'UTC'")  # times are UTC (docs/query.md)
        return self._connection

    # -- loading ----------------------------------------------------------------------------
    def sync(self, project: int, data: ProjectData) -> None:
        """Bring the project's tables up to date with ``data``."""
        with self._lock:
            loaded = self._loaded.get(project)
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
                data.events_revision, count, seq, persons_revision, sessions_revision
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
        columns: list[list[Any]] = [
            [e.uuid for e in batch],
            [e.event for e in batch],
            [_json_text(e.properties) for e in batch],
            [_micros(e.timestamp) for e in batch],
            [e.distinct_id or "" for e in batch],
            [e.elements_chain for e in batch],
            [_micros(e.created_at or e.timestamp) for e in batch],
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
                [_micros(p.created_at) for p in rows],
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
                column = [_micros(v) if isinstance(v, datetime) else None for v in column]
            values.append(column)
        self._insert(project, "sessions", columns, values)

    def types_of(self, project: int) -> tuple[dict[str, str], dict[str, str]]:
        """The typed event and person properties of a loaded project."""
        types = self.property_types.get(project) or PropertyTypes()
        return types.event_types(), types.person_types()

    # -- querying ---------------------------------------------------------------------------
    def execute(self, sql: str) -> tuple[list[tuple[Any, ...]], list[str]]:
        """Rows and DuckDB type names; DuckDB's own errors become a 400 with its message."""
        with self._lock:
            try:
                cursor = self.connection.execute(sql)
                rows = cursor.fetchall()
                types = [str(column[1]) for column in cursor.description or []]
            except duckdb.Error as error:
                raise QueryNotComputed(_first_line(str(error))) from None
        return rows, types


def _first_line(message: str) -> str:
    return message.strip().splitlines()[0] if message.strip() else "Query failed."


def json_value(value: Any) -> Any:
    """A DuckDB value as PostHog's JSON renders the ClickHouse one."""
    if value is None or isinstance(value, (str, int, float)):
        return int(value) if isinstance(value, bool) else value
    if isinstance(value, datetime):
        moment = value.replace(tzinfo=None) if value.tzinfo is None else value
        text = (
            moment.astimezone(timezone.utc).replace(tzinfo=None).isoformat()
            if (moment.tzinfo)
            else moment.isoformat()
        )
        return text + "Z"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, timedelta):
        return value.total_seconds()
    return str(value)
