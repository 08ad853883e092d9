"""What the engine reads: plain records of events, persons and sessions of one project.

The engine never looks at how a resource stores its data. A resource hands it a
:class:`ProjectData` (usually through one adapter function) whose records have the shapes of
``docs/contract.md`` ("The event store"). ``revision`` lets the engine keep its tables between
queries: events are appended by sequence number, persons and sessions are reloaded only when
their revision changes.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Hashable
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from typing import Any
from typing import Protocol


@dataclass(frozen=True, slots=True)
class EventRecord:
    """One event. ``seq`` orders events globally (ties of equal timestamps, incremental loads)."""

    uuid: str | None
    event: str
    distinct_id: str | None
    properties: Mapping[str, Any]
    timestamp: datetime
    seq: int
    person_id: str | None = None
    elements_chain: str = ""
    created_at: datetime | None = None
    #: The person's properties when the event was ingested (``None``: not known, as for
    #: seeded events; ``person.properties`` then reads the person's current ones).
    person_properties: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class PersonRecord:
    id: str
    distinct_ids: tuple[str, ...]
    properties: Mapping[str, Any]
    created_at: datetime
    is_identified: bool = False


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """A derived session; ``properties`` holds its columns (``$start_timestamp``...)."""

    session_id: str
    distinct_id: str | None
    properties: Mapping[str, Any] = field(default_factory=dict)


class ProjectData(Protocol):
    """One project's tables as the engine reads them.

    ``events_revision`` must change whenever events are removed or replaced (not when events
    are only appended with higher ``seq``); ``persons_revision`` and ``sessions_revision``
    whenever those tables change at all. ``event_count`` is the number of events: when it
    grows, the engine asks for ``events_after`` the highest ``seq`` it holds.
    """

    @property
    def events_revision(self) -> Hashable: ...

    @property
    def event_count(self) -> int: ...

    def events_after(self, seq: int) -> Iterable[EventRecord]: ...

    @property
    def persons_revision(self) -> Hashable: ...

    def persons(self) -> Iterable[PersonRecord]: ...

    @property
    def sessions_revision(self) -> Hashable: ...

    def sessions(self) -> Iterable[SessionRecord]: ...

    def property_type(self, parent: str, key: str, value: Any) -> str | None:
        """The type PostHog's property definitions give ``key`` on seeing ``value``.

        ``parent`` is ``"event"`` or ``"person"``; ``None`` means "no definition from this
        value" (PostHog skips some keys, and ``null`` has no type).
        """
        ...

    def declared_types(self) -> tuple[Mapping[str, str], Mapping[str, str]]:
        """The event and person property types the project's definitions hold.

        HogQL takes a property's type from its ``PropertyDefinition``
        (``posthog/hogql/transforms/property_types.py``), so a type set there (a ``PATCH`` of
        ``property_type``, a seed) wins over what the values alone would teach.
        """
        ...


def simple_property_type(parent: str, key: str, value: Any) -> str | None:
    """A JSON value's own type: ``Boolean``, ``Numeric`` or ``String``."""
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, (int, float)):
        return "Numeric"
    return "String" if isinstance(value, str) else None


@dataclass(frozen=True)
class StaticData:
    """A fixed set of records (tests, benchmarks, callers with their own event lists)."""

    events: tuple[EventRecord, ...] = ()
    person_records: tuple[PersonRecord, ...] = ()
    session_records: tuple[SessionRecord, ...] = ()
    token: object = field(default_factory=object, compare=False, repr=False)
    typer: Callable[[str, str, Any], str | None] = field(
        default=simple_property_type, compare=False, repr=False
    )

    @property
    def events_revision(self) -> Hashable:
        return self.token

    @property
    def event_count(self) -> int:
        return len(self.events)

    def events_after(self, seq: int) -> Iterable[EventRecord]:
        return (e for e in self.events if e.seq > seq)

    @property
    def persons_revision(self) -> Hashable:
        return self.token

    def persons(self) -> Iterable[PersonRecord]:
        return self.person_records

    @property
    def sessions_revision(self) -> Hashable:
        return self.token

    def sessions(self) -> Iterable[SessionRecord]:
        return self.session_records

    def property_type(self, parent: str, key: str, value: Any) -> str | None:
        return self.typer(parent, key, value)

    def declared_types(self) -> tuple[Mapping[str, str], Mapping[str, str]]:
        return {}, {}
