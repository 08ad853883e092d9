"""Members of cohorts with behavioural filters, computed from the event store.

PostHog calculates a dynamic cohort into ``cohortpeople`` with ``HogQLCohortQuery``
(``posthog/hogql_queries/hogql_cohort_query.py``, run by ``recalculate_cohortpeople`` in
``posthog/models/cohort/util.py``) on a schedule and after each save; every reader
(``count``, ``cohorts/:id/persons/``, ``persons/cohorts``, flag cohort conditions) reads that
table. phemu computes the same members whenever one of them reads, from the events and persons
it holds at the emulator's clock: the answer is the one a calculation finishing just before
the read gives.

The behaviours and their windows (``date_from`` is ``explicit_datetime`` or
``-<time_value><first letter of time_interval>``, parsed as PostHog's relative dates, so
``minute`` reads as months as in PostHog):

- ``performed_event``: an event in ``[date_from, now]`` (a trends actors query);
- ``performed_event_multiple``: the count of events after ``date_from`` compared with
  ``operator_value`` by ``operator`` (``gte``/``lte``/``gt``/``lt``/``eq``/``exact``/none: ``=``);
- ``performed_event_first_time``: the person's first such event ever falls in the window;
- ``stopped_performing_event``: in the ``time_value`` window but not in the ``seq_time_value``
  one;
- ``restarted_performing_event``: in ``[-seq_time_value, now]``, not for the first time, and not
  in ``[-time_value, -seq_time_value)`` (event filters and ``explicit_datetime`` are not read,
  as in PostHog).

``event_filters`` are event property filters (``posthog/models/property``), matched with the
events list's rules. Persons are the events' distinct ids resolved to today's persons.
``performed_event_sequence``, ``performed_event_regularly``, actions (``event_type``
``"actions"``), other event filter kinds and unparsable values are not computed: such a cohort
counts ``null`` (``docs/deviations.md``).
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from datetime import datetime
from datetime import tzinfo
from types import MappingProxyType
from typing import TYPE_CHECKING
from typing import Any

from phemu.errors import QueryNotComputed
from phemu.query.dates import parse_date
from phemu.resources.events.filters import holds
from phemu.resources.events.models import project_zone

if TYPE_CHECKING:
    from phemu.resources.cohorts.models import Cohort
    from phemu.resources.cohorts.models import CohortsBackend
    from phemu.resources.events.models import EventRecord
    from phemu.resources.persons.models import Person

#: ``INTERVAL_TO_SECONDS`` (``posthog/queries/foss_cohort_query.py``): ``validate_interval``.
INTERVALS = ("minute", "hour", "day", "week", "month", "year")
#: ``get_performed_event_multiple``'s count comparisons.
_COUNT: dict[str | None, Callable[[int, int], bool]] = {
    "gte": lambda n, v: n >= v,
    "lte": lambda n, v: n <= v,
    "gt": lambda n, v: n > v,
    "lt": lambda n, v: n < v,
    "eq": lambda n, v: n == v,
    "exact": lambda n, v: n == v,
    None: lambda n, v: n == v,
}


_NONE: Mapping[str, list[EventRecord]] = MappingProxyType({})


class NotComputed(Exception):
    """A filter phemu does not evaluate: the cohort counts ``null``."""


def _positive(value: Any) -> int:
    # ``parse_and_validate_positive_integer``
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise NotComputed from None
    if number <= 0:
        raise NotComputed
    return number


def _relative(value: Any, interval: Any) -> str:
    if interval not in INTERVALS:
        raise NotComputed
    return f"-{_positive(value)}{str(interval)[:1]}"


class EventIndex:
    """A project's events by person and event name, with what it was built from.

    Every behaviour reads one event name of one person, so a read builds (or reuses) this index
    instead of filtering all of a person's events per filter. It is valid while the event store
    (same tables, same number of events, no removals) and the person store (same tables, same
    ``revision``, bumped by every person write) are unchanged; the tables are held, not their
    ids, so a ``reset()`` can never be mistaken for the old state.
    """

    __slots__ = ("by_person", "calculation", "key", "signature")

    def __init__(self, key: tuple[Any, ...], by_person: dict[str, dict[str, list[EventRecord]]]):
        self.key = key
        self.by_person = by_person
        #: the last calculation on this index, and the instant, time zone and cohort
        #: definitions it was made for: the same answers while none of them changes
        self.signature: tuple[Any, ...] | None = None
        self.calculation: _Calculation | None = None


def _index(backend: CohortsBackend, project: int, persons: list[Person]) -> EventIndex:
    from phemu.resources.events.models import EventTables
    from phemu.resources.persons.models import PersonsTables

    store = backend.emulator.store
    event_tables = store.state(EventTables)
    person_tables = store.state(PersonsTables)
    records = event_tables.projects.get(project, [])
    key = (
        event_tables,
        len(records),
        event_tables.generations.get(project, 0),
        person_tables,
        person_tables.revision,
    )
    cached = backend.behaviour_indexes.get(project)
    if cached is not None and _same(cached.key, key):
        return cached
    owner = {d: p.uuid for p in persons for d in p.distinct_ids}
    by_person: dict[str, dict[str, list[EventRecord]]] = {}
    for event in records:
        person = owner.get(event.distinct_id) if event.distinct_id is not None else None
        if person is not None:
            by_person.setdefault(person, {}).setdefault(event.event, []).append(event)
    built = backend.behaviour_indexes[project] = EventIndex(key, by_person)
    return built


def _same(old: tuple[Any, ...], new: tuple[Any, ...]) -> bool:
    # Tables by identity (a swapped store is another state), counters by value.
    return all(
        a is b if i in (0, 3) else a == b for i, (a, b) in enumerate(zip(old, new, strict=True))
    )


class _Calculation:
    """One calculation of a project's behavioural cohorts at one instant."""

    def __init__(
        self,
        backend: CohortsBackend,
        project: int,
        now: datetime,
        zone: tzinfo,
        persons: list[Person],
        events: dict[str, dict[str, list[EventRecord]]],
    ) -> None:
        self.backend = backend
        self.project = project
        self.now = now
        self.local_now = now.astimezone(zone)
        self.persons = persons
        self.events = events
        self.done: dict[int, set[str]] = {}
        self.dates: dict[str, datetime] = {}

    # -- one cohort ----------------------------------------------------------------------------
    def members(self, cohort: Cohort, seen: frozenset[int] = frozenset()) -> set[str]:
        if cohort.id in self.done:
            return self.done[cohort.id]
        if cohort.id in seen:
            raise NotComputed
        if cohort.is_static:
            found = set(self.backend.members(cohort))
        elif cohort.query:
            raise NotComputed
        else:
            group = cohort.properties
            if cohort.is_behavioral() and _negated(group):
                raise NotComputed  # ``Top level condition cannot be negated``: the task fails
            found = {
                p.uuid
                for p in self.persons
                if self._group(group, p.uuid, p.properties, seen | {cohort.id})
            }
        self.done[cohort.id] = found
        return found

    def _group(
        self, group: Mapping[str, Any], person: str, props: Mapping[str, Any], seen: frozenset[int]
    ) -> bool:
        from phemu.resources.feature_flags.matching import filter_tree

        return filter_tree(group, lambda item: self._filter(item, person, props, seen))

    def _filter(
        self, item: Mapping[str, Any], person: str, props: Mapping[str, Any], seen: frozenset[int]
    ) -> bool:
        from phemu.resources.feature_flags.matching import match_property

        kind = item.get("type")
        if kind == "behavioral":
            return self._behaviour(item, self.events.get(person, _NONE))
        if kind == "cohort":
            nested = self.backend.record(_as_int(item.get("value")))
            if nested is None or nested.deleted or nested.project != self.project:
                return False
            return person in self.members(nested, seen)
        return match_property(item, props, now=self.now)

    # -- one behaviour -------------------------------------------------------------------------
    def _date(self, text: str) -> datetime:
        # Every person reads the same few window bounds at the calculation's instant.
        found = self.dates.get(text)
        if found is None:
            try:
                found = self.dates[text] = parse_date(text, self.local_now)
            except QueryNotComputed:
                raise NotComputed from None
        return found

    def _window_start(self, item: Mapping[str, Any]) -> datetime:
        explicit = item.get("explicit_datetime")
        if explicit:
            return self._date(str(explicit))
        return self._date(_relative(item.get("time_value"), item.get("time_interval")))

    def _matching(
        self,
        item: Mapping[str, Any],
        events: Mapping[str, list[EventRecord]],
        *,
        filtered: bool = True,
        key: Any = None,
    ) -> list[EventRecord]:
        if item.get("event_type") != "events":
            raise NotComputed
        key = item.get("key") if key is None else key
        conditions = item.get("event_filters") if filtered else None
        for prop in _flat(conditions):
            if (prop.get("type") or "event") != "event":
                raise NotComputed
        named = events.get(key, []) if isinstance(key, str) else []
        if not conditions:
            return named
        return [e for e in named if holds(conditions, _reader(e), self.now)]

    def _behaviour(self, item: Mapping[str, Any], events: Mapping[str, list[EventRecord]]) -> bool:
        value = item.get("value")
        now = self.now
        if value == "performed_event":
            start = self._window_start(item)
            return any(start <= e.timestamp <= now for e in self._matching(item, events))
        if value == "performed_event_multiple":
            compare = _COUNT.get(item.get("operator"))
            if compare is None:
                raise NotComputed
            wanted = _positive(item.get("operator_value"))
            start = self._window_start(item)
            found = sum(1 for e in self._matching(item, events) if start < e.timestamp <= now)
            # A person without events in the window is no row of the events query.
            return found > 0 and compare(found, wanted)
        if value == "performed_event_first_time":
            start = self._window_start(item)
            matching = self._matching(item, events)
            first = min((e.timestamp for e in matching), default=None)
            return first is not None and start <= first <= now
        if value == "stopped_performing_event":
            matching = self._matching(item, events)
            full = self._window_start(item)
            recent = self._window_start(
                {
                    **item,
                    "time_value": item.get("seq_time_value"),
                    "time_interval": item.get("seq_time_interval"),
                }
            )
            return any(full <= e.timestamp <= now for e in matching) and not any(
                recent <= e.timestamp <= now for e in matching
            )
        if value == "restarted_performing_event":
            matching = self._matching(item, events, filtered=False)
            start = self._date(_relative(item.get("time_value"), item.get("time_interval")))
            split = self._date(_relative(item.get("seq_time_value"), item.get("seq_time_interval")))
            first = min((e.timestamp for e in matching), default=None)
            recently = any(split <= e.timestamp <= now for e in matching)
            before = any(start <= e.timestamp < split for e in matching)
            return recently and first is not None and first < split and not before
        if value == "performed_event_sequence":
            return self._sequence(item, events)
        raise NotComputed

    def _sequence(self, item: Mapping[str, Any], events: Mapping[str, list[EventRecord]]) -> bool:
        """A two-step ordered funnel, ``key`` then ``seq_event``, converting within
        ``seq_time_value`` ``seq_time_interval`` (``get_performed_event_sequence``), its steps
        matched as PostHog's funnel UDF does (``rust/`` ``aggregate_funnel``, ``steps.rs``)."""
        if item.get("seq_event_type") != "events":
            raise NotComputed
        first, second = item.get("key"), item.get("seq_event")
        if not isinstance(second, str):
            raise NotComputed
        start = self._window_start(item)
        end = self.now
        if item.get("explicit_datetime") and item.get("explicit_datetime_to"):
            end = self._date(str(item["explicit_datetime_to"]))
        interval = item.get("seq_time_interval")
        if interval not in INTERVALS:
            raise NotComputed
        window = _positive(item.get("seq_time_value")) * _SECONDS[str(interval)]
        steps: dict[str, tuple[int, ...]] = {}
        for name in (first, second):
            if isinstance(name, str):
                steps[name] = tuple(n for n, k in ((1, first), (2, second)) if k == name)
        found = sorted(
            (e for name in steps for e in self._matching(item, events, filtered=False, key=name)),
            key=lambda e: (e.timestamp, e.seq),
        )
        return _converts(
            [
                (e.timestamp.timestamp(), e.uuid, steps[e.event])
                for e in found
                if start <= e.timestamp <= end
            ],
            window,
        )


#: ``INTERVAL_TO_SECONDS`` (``posthog/queries/foss_cohort_query.py``): a sequence's window.
_SECONDS = {
    "minute": 60,
    "hour": 3600,
    "day": 86400,
    "week": 604800,
    "month": 2592000,
    "year": 31536000,
}
#: ``SIMULTANEITY_WINDOW_SECONDS`` of the funnel UDF: closer events count as simultaneous.
_SIMULTANEOUS = 0.05


def _converts(events: list[tuple[float, str, tuple[int, ...]]], window: float) -> bool:
    """Whether a person's time-ordered (seconds, uuid, steps) reach step 2 of an ordered
    two-step funnel: a step-2 event at most ``window`` seconds after the person entered step 1.

    Step 1 is entered at the start of the group of simultaneous events holding it; a group of
    different steps is replayed step 1 first, so a step-2 event there converts on a step-1 event
    of the same group, though never on itself (``group_simultaneous``, ``process_event``).
    """
    groups: list[list[tuple[float, str, tuple[int, ...]]]] = []
    group_start = 0.0
    for event in events:
        if groups and event[0] - group_start <= _SIMULTANEOUS:
            groups[-1].append(event)
        else:
            group_start = event[0]
            groups.append([event])
    entered: tuple[float, str] | None = None  # step 1: (timestamp, uuid of its event)
    for group in groups:
        began = group[0][0]
        if len(group) == 1 or len({steps for _, _, steps in group}) == 1:
            replay = [(e, sorted(e[2], reverse=True), False) for e in group]
        else:
            split = sorted(((e, [step]) for e in group for step in e[2]), key=lambda x: x[1][0])
            replay = [(e, s, True) for e, s in split]
        for (moment, uuid, _), order, several in replay:
            for step in order:
                if step == 2:
                    if (
                        entered is not None
                        and moment - entered[0] <= window
                        and not (several and entered[1] == uuid)
                    ):
                        return True
                elif step == 1:
                    entered = (began, uuid)
    return False


def _negated(node: Mapping[str, Any]) -> bool:
    """Whether ``_get_conditions``' set query for ``node`` stands for its complement.

    PostHog builds each group from its children's person sets: an AND intersects its positive
    children and subtracts the negated ones, a group whose children are all negated is the
    union (AND) or intersection (OR) of them, negated, and an OR mixing both is rewritten by De
    Morgan's law into a negated AND. Evaluating the tree per person over all persons gives the
    same members unless the whole condition ends negated, which PostHog refuses; a group
    without values is refused too (``Cohort has a property group with no condition``).
    """
    if "values" not in node or "key" in node:
        return bool(node.get("negation"))
    values = node.get("values") or []
    if not values:
        raise NotComputed
    children = [_negated(v) for v in values]
    if all(children):
        return True
    return str(node.get("type", "AND")).upper() == "OR" and any(children)


def _reader(event: EventRecord) -> Callable[[Mapping[str, Any]], Mapping[str, Any]]:
    """Every event filter reads the event's own properties."""
    return lambda _prop: event.properties


def _flat(raw: Any) -> list[Mapping[str, Any]]:
    if isinstance(raw, list):
        return [p for item in raw for p in _flat(item)]
    if isinstance(raw, Mapping):
        if isinstance(raw.get("values"), list) and "key" not in raw:
            return _flat(raw["values"])
        return [raw]
    return []


def _as_int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def _calculation(backend: CohortsBackend, project: int) -> _Calculation:
    """The calculation of the project's cohorts now, reused while nothing it read changed."""
    emulator = backend.emulator
    now = emulator.clock.now()
    zone = project_zone(emulator, project)
    persons = emulator.persons.all(project)
    index = _index(backend, project, persons)
    signature = (now, zone, backend.definitions())
    if index.calculation is None or index.signature != signature:
        index.calculation = _Calculation(backend, project, now, zone, persons, index.by_person)
        index.signature = signature
    return index.calculation


def members(backend: CohortsBackend, cohort: Cohort) -> set[str] | None:
    """The person uuids of a cohort with behavioural filters now; ``None`` when it names a
    behaviour (or a nested cohort, or a value) phemu does not compute."""
    try:
        return _calculation(backend, cohort.project).members(cohort)
    except NotComputed:
        return None


def all_members(backend: CohortsBackend, cohorts: list[Cohort]) -> dict[int, set[str] | None]:
    """:func:`members` of several cohorts of one project, reading the events once."""
    if not cohorts:
        return {}
    calculation = _calculation(backend, cohorts[0].project)
    found: dict[int, set[str] | None] = {}
    for cohort in cohorts:
        try:
            found[cohort.id] = calculation.members(cohort)
        except NotComputed:
            found[cohort.id] = None
    return found
