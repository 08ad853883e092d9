"""The legacy actor endpoints of ``PersonViewSet`` (``posthog/api/person.py``): who is behind a
point of a legacy insight. Each builds HogQL over the project's events and runs it through the
query engine (:mod:`phemu.query`, the ``phemu[query]`` extra), as PostHog's actor queries run
ClickHouse SQL over ``events``:

- ``persons/trends/`` (``TrendsActors``, ``posthog/queries/trends/trends_actors.py``): the
  persons with events of the target entity in the window (``date_from == date_to`` is a clicked
  point: the interval starting there), filtered by the filter's and the entity's properties, a
  ``breakdown`` / ``breakdown_value`` pair and ``search``; each person's ``value_at_data_point``
  is their event count (or the entity's property math), most first
  (``GET_ACTORS_FROM_EVENT_QUERY``: ``ORDER BY actor_value DESC, actor_id DESC``, then
  ``LIMIT``/``OFFSET``); the entity is ``get_target_entity`` (``posthog/api/utils.py``).
- ``persons/funnel/`` (``ClickhouseFunnelActors``, ``posthog/queries/funnels/``): the persons
  whose furthest step of an ordered funnel is at least ``funnel_step`` (a negative step: who
  stopped just before it), by the query engine's ordered-funnel rule
  (:func:`phemu.query.kinds.funnel_steps`); ``funnel_custom_steps`` names the furthest steps
  wanted instead.

Persons are rendered as ``get_people`` does (``posthog/queries/actor_base_query.py``): newest
first, then by uuid, and by value when the query has one; a person id with no person (a
personless event's) counts in ``missing_persons``. The answer is
``_respond_with_cached_results``'s; phemu computes every request afresh, so ``is_cached`` is
false and ``last_refresh`` is now (``docs/deviations.md``). ``next`` is ``format_paginated_url``
(``posthog/api/utils.py``): given when the page is full.

What the query engine does not compute is its clear 400 (``phemu does not compute ...``):
action entities, group aggregation, cohort breakdowns, strict and unordered funnels, funnel
trends and breakdowns, test-account filters.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from typing import TYPE_CHECKING
from typing import Any
from urllib.parse import urlsplit

from phemu.errors import MissingParameter
from phemu.errors import Msg
from phemu.errors import QueryEngineMissing
from phemu.errors import QueryNotComputed
from phemu.errors import ServerError
from phemu.errors import ValidationError
from phemu.query.dates import step as dates_step
from phemu.query.dates import truncate as dates_truncate
from phemu.resources.events.models import project_zone
from phemu.resources.persons.legacy import Entity
from phemu.resources.persons.legacy import LegacyFilter
from phemu.resources.persons.legacy import Window
from phemu.resources.persons.legacy import date_window
from phemu.resources.persons.legacy import end_of_interval
from phemu.resources.persons.legacy import flat_properties
from phemu.resources.persons.legacy import json_param
from phemu.resources.persons.legacy import parse_moment as legacy_parse
from phemu.resources.persons.models import PersonsBackend
from phemu.resources.persons.models import render_actor
from phemu.serialization import format_datetime

if TYPE_CHECKING:
    from phemu.emulator import Emulator

#: ``DEFAULT_PAGE_LIMIT`` (``posthog/api/person.py``)
DEFAULT_LIMIT = 100
#: ``FUNNEL_CORRELATION_PERSON_OFFSET`` (``posthog/constants.py``)
CORRELATION_OFFSET = "funnel_correlation_person_offset"
#: ``PROPERTY_MATH_FUNCTIONS`` (``posthog/queries/trends/util.py``) as HogQL aggregates
PROPERTY_MATH = {
    "sum": "sum",
    "avg": "avg",
    "min": "min",
    "max": "max",
    "median": "quantile(0.5)",
    "p75": "quantile(0.75)",
    "p90": "quantile(0.9)",
    "p95": "quantile(0.95)",
    "p99": "quantile(0.99)",
}
_WINDOW_UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400, "week": 604800}


def _not_computed(feature: str) -> QueryNotComputed:
    return QueryNotComputed(Msg.QUERY_FEATURE_NOT_COMPUTED.format(feature=feature))


@dataclass(frozen=True)
class Page:
    """One page of actors: the rendered persons, how many rows the query gave, and whether the
    query's limit was reached."""

    people: list[dict[str, Any]]
    raw_count: int
    limit: int
    offset: int


class Engine:
    """The query engine over one project's records (used under the store's lock)."""

    def __init__(self, emulator: Emulator, project: int) -> None:
        try:
            from phemu.query import kinds
        except ImportError:
            raise QueryEngineMissing() from None
        from phemu.resources.query.adapter import project_data
        from phemu.resources.query.models import QueryState

        self.kinds = kinds
        self.project = project
        self.now = emulator.clock.now()
        self.context = kinds.Context(
            emulator.store.state(QueryState).database(),
            project,
            project_data(emulator, project),
            self.now,
        )

    def rows(self, text: str) -> list[Sequence[Any]]:
        from phemu.query.hogql import run_select

        context = self.context
        found = run_select(context.database, self.project, context.data, text, self.now)
        return [tuple(row) for row in found.results]

    def where(self, entity: Entity | None, properties: Sequence[Any], window: Window) -> list[str]:
        """The events of ``entity`` (any event for ``None``) with ``properties``, in ``window``."""
        kinds = self.kinds
        conditions: list[str] = list(kinds.filters(list(properties)))
        if entity is not None:
            if entity.type == "actions":
                raise _not_computed("action entities")
            conditions += kinds.filters(list(entity.properties))
            if entity.id is not None:
                conditions.append(f"event = {kinds.literal(str(entity.id))}")
        start = window.start.astimezone(timezone.utc)
        end = window.end.astimezone(timezone.utc)
        conditions += [f"timestamp >= {kinds.stamp(start)}", f"timestamp <= {kinds.stamp(end)}"]
        return conditions


def _int(raw: Any) -> int:
    """``int()`` of a legacy filter's number; anything else is PostHog's unguarded 500."""
    if raw in (None, ""):
        return 0
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise ServerError() from None


def prepared(params: Mapping[str, Any]) -> tuple[LegacyFilter, list[Any], int, int]:
    """``prepare_actor_query_filter``: the filter, its properties (``search`` adds an OR group of
    ``email`` / ``name`` person properties and the ``distinct_id`` event property), limit and
    offset."""
    chosen = LegacyFilter(params)
    if str(chosen.get("filter_test_accounts") or "").lower() == "true":
        raise _not_computed("test account filters")
    properties: list[Any] = list(chosen.properties)
    search = chosen.get("search")
    if search:
        properties.append(
            {
                "type": "OR",
                "values": [
                    {"key": "email", "type": "person", "value": search, "operator": "icontains"},
                    {"key": "name", "type": "person", "value": search, "operator": "icontains"},
                    {
                        "key": "distinct_id",
                        "type": "event",
                        "value": search,
                        "operator": "icontains",
                    },
                ],
            }
        )
    limit = _int(chosen.get("limit")) or DEFAULT_LIMIT
    return chosen, properties, limit, _int(chosen.get("offset"))


def window_of(emulator: Emulator, project: int, chosen: LegacyFilter) -> Window:
    """The filter's window; equal ``date_from`` and ``date_to`` mean the interval starting there
    (``offset_time_series_date_by_interval``)."""
    zone = project_zone(emulator, project)
    now = emulator.clock.now()
    records = emulator.events.records(project)
    earliest = min((r.timestamp for r in records), default=None)
    raw_from, raw_to = chosen.get("date_from"), chosen.get("date_to")
    if raw_from is not None and raw_from == raw_to:
        start = date_window(chosen, now, zone, earliest).start
        end = end_of_interval(start, chosen.interval)
        chosen = LegacyFilter({**chosen.params, "date_to": end})
    return date_window(chosen, now, zone, earliest)


def target_entity(chosen: LegacyFilter) -> Entity:
    """``get_target_entity`` (``posthog/api/utils.py``)."""
    entity_id, kind = chosen.get("entity_id"), chosen.get("entity_type")
    if not entity_id and kind != "events":
        raise ValidationError(Msg.PERSONS_ENTITY_REQUIRED)
    math = chosen.get("entity_math") or "total"
    entities = chosen.entities
    order = chosen.get("entity_order")
    if order:
        position = _int(order)
        if 0 <= position < len(entities):
            return entities[position]
    listed = [e for e in entities if e.type == ("actions" if kind == "actions" else "events")]
    for entity in listed:
        if entity.id == entity_id and (entity.math or "total") == math:
            return entity
    if kind:
        return Entity(id=entity_id, type=str(kind), order=0, math=math, properties=())
    raise ValidationError(Msg.PERSONS_TARGET_ENTITY_REQUIRED)


def page_of(
    emulator: Emulator,
    project: int,
    rows: Sequence[Sequence[Any]],
    limit: int,
    offset: int,
    with_values: bool,
) -> Page:
    """``get_actors_from_result``: the persons of the rows' first column, as ``get_people``
    orders them, then by the second column (the value) when there is one."""
    persons = PersonsBackend.of(emulator)
    values = {str(row[0]): row[1] for row in rows} if with_values else {}
    found = [
        p
        for row in rows
        if (p := persons.by_uuid(str(row[0]))) is not None and p.project == project
    ]
    found.sort(key=lambda p: p.uuid)
    found.sort(key=lambda p: p.created_at, reverse=True)
    people = []
    for person in found:
        actor = render_actor(person)
        if with_values:
            actor["value_at_data_point"] = values[person.uuid]
        people.append(actor)
    if with_values:
        people.sort(key=lambda actor: actor["value_at_data_point"], reverse=True)
    return Page(people, len(rows), limit, offset)


def trends_actors(emulator: Emulator, project: int, params: Mapping[str, Any]) -> Page:
    chosen, properties, limit, offset = prepared(params)
    entity = target_entity(chosen)
    if entity.math in ("unique_group", "weekly_active", "monthly_active") or (
        entity.math or ""
    ).startswith("avg_count_per_actor"):
        raise _not_computed(f"the math {entity.math!r} for actors")
    breakdown, kind, value = (
        chosen.breakdown,
        chosen.get("breakdown_type"),
        chosen.get("breakdown_value"),
    )
    if kind == "cohort" and value != "all":
        raise _not_computed("cohort breakdowns")
    if kind and isinstance(breakdown, str) and isinstance(value, str):
        if str(chosen.get("breakdown_histogram_bin_count") or ""):
            lower, upper = json_param(value)
            properties += [
                {"key": breakdown, "type": kind, "value": lower, "operator": "gte"},
                {"key": breakdown, "type": kind, "value": upper, "operator": "lt"},
            ]
        else:
            properties.append({"key": breakdown, "type": kind, "value": value})
    engine = Engine(emulator, project)
    where = engine.where(entity, properties, window_of(emulator, project, chosen))
    math = PROPERTY_MATH.get(str(entity.math))
    prop = params_math_property(chosen, entity)
    value_expression = "count()"
    if math is not None and prop is not None:
        value_expression = f"{math}(toFloat(properties.{engine.kinds.field_name(prop)}))"
    rows = engine.rows(
        f"SELECT person_id AS actor_id, {value_expression} AS actor_value FROM events "
        f"WHERE {' AND '.join(where)} GROUP BY actor_id "
        f"ORDER BY actor_value DESC, actor_id DESC LIMIT {limit} OFFSET {offset}"
    )
    return page_of(emulator, project, rows, limit, offset, with_values=True)


def params_math_property(chosen: LegacyFilter, entity: Entity) -> str | None:
    """The entity's ``math_property`` (from the filter's entity lists)."""
    for kind in ("events", "actions"):
        listed = json_param(chosen.get(kind))
        for item in listed if isinstance(listed, list) else []:
            if isinstance(item, Mapping) and item.get("id") == entity.id:
                found = item.get("math_property")
                return found if isinstance(found, str) else None
    return None


def _check_funnel(chosen: LegacyFilter) -> None:
    order = chosen.get("funnel_order_type") or "ordered"
    if order != "ordered":
        raise _not_computed(f"{order} funnels")
    if (chosen.get("funnel_viz_type") or "steps") == "trends":
        raise _not_computed("funnel trends")
    if chosen.get("funnel_step_breakdown") is not None or chosen.get("breakdown"):
        raise _not_computed("funnel breakdowns")
    if chosen.aggregation_group_type_index is not None:
        raise _not_computed("funnels of groups")


def _moment(value: Any) -> datetime:
    when = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def funnel_reach(
    engine: Engine, chosen: LegacyFilter, properties: Sequence[Any], window: Window
) -> dict[str, tuple[int, list[datetime]]]:
    """Per person id: the furthest step of the ordered funnel of the filter's entities and when
    each step was reached (the query engine's :func:`phemu.query.kinds.funnel_steps`)."""
    steps = chosen.entities
    if not steps:
        return {}
    conditions = [" AND ".join(engine.where(e, (), window)) for e in steps]
    flags = ", ".join(f"if({c}, 1, 0) AS step_{i}" for i, c in enumerate(conditions))
    where = [f"({' OR '.join(f'({c})' for c in conditions)})", *engine.kinds.filters(properties)]
    text = (
        f"SELECT person_id, timestamp, {flags} FROM events WHERE {' AND '.join(where)} "
        "ORDER BY person_id, timestamp LIMIT 1000000000"
    )
    by_actor: dict[str, list[tuple[datetime, list[int]]]] = {}
    for actor, moment, *matched in engine.rows(text):
        found = [i for i, m in enumerate(matched) if m]
        by_actor.setdefault(str(actor), []).append((_moment(moment), found))
    size = _funnel_window(chosen)
    return {
        actor: engine.kinds.funnel_steps(events, len(steps), size)
        for actor, events in by_actor.items()
    }


def funnel_actors(emulator: Emulator, project: int, params: Mapping[str, Any]) -> Page:
    """``ClickhouseFunnelActors`` over an ordered funnel of the filter's entities; with a
    ``funnel_correlation_person_entity``, ``get_funnel_actor_class`` picks the correlation
    actors instead (paged by ``limit`` / ``offset`` here)."""
    chosen, properties, limit, offset = prepared(params)
    _check_funnel(chosen)
    if chosen.get("funnel_correlation_person_entity"):
        return correlation_actors(emulator, project, params, limit=limit, offset=offset)
    steps = chosen.entities
    custom_steps = json_param(chosen.get("funnel_custom_steps"))
    if custom_steps:
        wanted = {_int(step) for step in custom_steps}
    else:
        step = chosen.get("funnel_step")
        if step in (None, ""):
            raise ServerError()  # ``ValueError("Missing funnel_step filter property")``
        number = _int(step)
        wanted = set(range(number, len(steps) + 1)) if number >= 0 else {-number - 1}
    engine = Engine(emulator, project)
    reach = funnel_reach(engine, chosen, properties, window_of(emulator, project, chosen))
    chosen_ids = sorted(actor for actor, (count, _) in reach.items() if count in wanted)
    rows = [(actor,) for actor in chosen_ids[offset : offset + limit]]
    return page_of(emulator, project, rows, limit, offset, with_values=False)


def _converted(raw: Any) -> bool | None:
    """``correlation_persons_converted``: ``true`` / ``false`` (any case), else unset."""
    text = str(raw).lower() if raw is not None else ""
    return {"true": True, "false": False}.get(text)


def correlation_actors(
    emulator: Emulator,
    project: int,
    params: Mapping[str, Any],
    *,
    limit: int | None = None,
    offset: int | None = None,
) -> Page:
    """``FunnelCorrelationActors`` (``products/enterprise/backend/clickhouse/queries/funnels/
    funnel_correlation_persons.py``) over everyone who entered the ordered funnel:

    - ``funnel_correlation_type=properties``: those matching ``funnel_correlation_property_values``
      (added to the funnel's filters), converted (all steps) or not as
      ``funnel_correlation_person_converted`` says;
    - otherwise events: those with an event of ``funnel_correlation_person_entity`` (not a funnel
      step) inside the funnel's window and inside their own time in the funnel: after their first
      step and before their last step when they converted, else before the conversion window
      ran out (``FunnelCorrelation._get_events_join_query``).

    By person id, ``funnel_correlation_person_limit`` (100) from
    ``funnel_correlation_person_offset``."""
    chosen = LegacyFilter(params)
    _check_funnel(chosen)
    if limit is None:
        limit = _int(chosen.get("funnel_correlation_person_limit")) or DEFAULT_LIMIT
    if offset is None:
        offset = _int(chosen.get("funnel_correlation_person_offset"))
    converted = _converted(chosen.get("funnel_correlation_person_converted"))
    properties: list[Any] = list(chosen.properties)
    target_step = len(chosen.entities)
    engine = Engine(emulator, project)
    window = window_of(emulator, project, chosen)
    if chosen.get("funnel_correlation_type") == "properties":
        values = list(flat_properties(json_param(chosen.get("funnel_correlation_property_values"))))
        if not values:
            raise ValidationError(Msg.PERSONS_CORRELATION_NO_PROPERTY)
        if converted is None:
            raise ServerError()  # ``WHERE {conversion_filter}`` with no filter: a syntax error
        reach = funnel_reach(engine, chosen, [*properties, *values], window)
        matched = [
            actor
            for actor, (count, _) in reach.items()
            if count >= 1 and (count == target_step) == converted
        ]
    else:
        raw_entity = json_param(chosen.get("funnel_correlation_person_entity"))
        if not isinstance(raw_entity, Mapping) or not raw_entity:
            raise ValidationError(Msg.PERSONS_CORRELATION_NO_ENTITY)
        entity = Entity(
            id=raw_entity.get("id"),
            type=str(raw_entity.get("type") or "events"),
            order=0,
            math=None,
            properties=tuple(flat_properties(raw_entity.get("properties"))),
        )
        reach = funnel_reach(engine, chosen, properties, window)
        step_names = {e.id for e in chosen.entities if e.type == "events"}
        where = engine.where(entity, (), Window(window.start, window.end))
        rows = engine.rows(
            f"SELECT person_id, timestamp, event FROM events WHERE {' AND '.join(where)} "
            "LIMIT 1000000000"
        )
        spans = {}
        size = _funnel_window(chosen)
        for actor, (count, times) in reach.items():
            if count < 1 or (converted is not None and (count == target_step) != converted):
                continue
            spans[actor] = (times[0], times[-1] if count == target_step else times[0] + size)
        found = set()
        for actor, moment, name in rows:
            span = spans.get(str(actor))
            when = _moment(moment)
            inside = span is not None and span[0] < when < span[1] and when < window.end
            if inside and name not in step_names:
                found.add(str(actor))
        matched = list(found)
    ordered = sorted(matched)
    page_rows = [(actor,) for actor in ordered[offset : offset + limit]]
    return page_of(emulator, project, page_rows, limit, offset, with_values=False)


def _funnel_window(chosen: LegacyFilter) -> Any:
    """``funnel_window_interval`` ``funnel_window_interval_unit`` (or ``funnel_window_days``),
    14 days by default."""
    days = chosen.get("funnel_window_days")
    amount = chosen.get("funnel_window_interval")
    unit = chosen.get("funnel_window_interval_unit") or "day"
    if amount not in (None, ""):
        if unit == "month":
            return timedelta(days=30 * _int(amount))
        if unit not in _WINDOW_UNITS:
            raise _not_computed(f"the window unit {unit!r}")
        return timedelta(seconds=_WINDOW_UNITS[unit] * _int(amount))
    return timedelta(days=_int(days) or 14)


def cached_answer(
    page: Page, next_url: str | None, initial_url: str, now: datetime
) -> dict[str, Any]:
    """``_respond_with_cached_results`` of a fresh result (``cached_by_filters``)."""
    return {
        "results": [{"people": page.people, "count": len(page.people)}],
        "next": next_url,
        "initial": initial_url,
        "missing_persons": page.raw_count - len(page.people),
        "is_cached": False,
        "last_refresh": format_datetime(now),
    }


# -- lifecycle and stickiness ----------------------------------------------------------------
LIFECYCLE_STATUSES = ("new", "returning", "resurrecting", "dormant")


def _period(moment: datetime, interval: str, zone: Any, *, monday_weeks: bool) -> datetime:
    """The start of ``moment``'s interval in the team's zone: ``dateTrunc`` (weeks from Monday)
    for lifecycle, ``get_start_of_interval_sql`` (weeks from Sunday) for stickiness."""
    local = moment.astimezone(zone)
    start = dates_truncate(local, interval)
    if interval == "week" and monday_weeks:
        start = start + timedelta(days=1) if local.weekday() != 6 else start - timedelta(days=6)
    return start


def _person_events(
    engine: Engine, entity: Entity, properties: Sequence[Any], window: Window
) -> dict[str, list[datetime]]:
    where = engine.where(entity, properties, window)
    rows = engine.rows(
        f"SELECT person_id, timestamp FROM events WHERE {' AND '.join(where)} "
        "ORDER BY person_id, timestamp LIMIT 1000000000"
    )
    found: dict[str, list[datetime]] = {}
    for actor, moment in rows:
        when = moment if isinstance(moment, datetime) else datetime.fromisoformat(str(moment))
        found.setdefault(str(actor), []).append(
            when if when.tzinfo else when.replace(tzinfo=timezone.utc)
        )
    return found


def lifecycle_actors(emulator: Emulator, project: int, params: Mapping[str, Any]) -> Page:
    """``LifecycleActors`` (``posthog/queries/trends/lifecycle_actors.py``) over
    ``LIFECYCLE_EVENTS_QUERY`` (``posthog/queries/trends/sql.py``): each person's active periods
    of the first entity, from the period before ``date_from`` to the one after ``date_to``; a
    period is ``new`` when it is the person's creation period, ``returning`` when the period
    before was active too (not for the first), else ``resurrecting``; the period after an active
    one without activity is ``dormant``. The persons with ``lifecycle_type`` in
    ``target_date``'s period."""
    chosen, properties, limit, offset = prepared(params)
    entities = chosen.entities
    if not entities:
        raise ServerError()  # ``self._filter.entities[0]``: an IndexError
    entity = entities[0]
    zone = project_zone(emulator, project)
    interval = chosen.interval
    records = emulator.events.records(project)
    earliest = min((r.timestamp for r in records), default=None)
    window = date_window(chosen, emulator.clock.now(), zone, earliest)
    step = dates_step(interval)
    first = _period(window.start, interval, zone, monday_weeks=True) - step
    after = _period(window.end, interval, zone, monday_weeks=True) + step
    engine = Engine(emulator, project)
    wide = Window(first, after - timedelta(microseconds=1))
    target, _ = legacy_parse(chosen.get("target_date"), emulator.clock.now(), zone)
    wanted_period = _period(target, interval, zone, monday_weeks=True)
    status_wanted = chosen.get("lifecycle_type")
    persons = PersonsBackend.of(emulator)
    matched = []
    for actor, moments in _person_events(engine, entity, properties, wide).items():
        person = persons.by_uuid(actor)
        activity = sorted({_period(m, interval, zone, monday_weeks=True) for m in moments})
        created = (
            _period(person.created_at, interval, zone, monday_weeks=True)
            if person is not None
            else activity[0]
        )
        statuses: dict[datetime, str] = {}
        for index, current in enumerate(activity):
            previous = created if index == 0 else activity[index - 1]
            if previous == current:
                statuses[current] = "new"
            elif index > 0 and current - step == previous:
                statuses[current] = "returning"
            else:
                statuses[current] = "resurrecting"
        for index, current in enumerate(activity):
            following = activity[index + 1] if index + 1 < len(activity) else None
            if following != current + step:
                statuses.setdefault(current + step, "dormant")
        if statuses.get(wanted_period) == status_wanted:
            matched.append(actor)
    matched.sort()
    rows = [(actor,) for actor in matched[offset : offset + limit]]
    return page_of(emulator, project, rows, limit, offset, with_values=False)


def stickiness_actors(emulator: Emulator, project: int, params: Mapping[str, Any]) -> Page:
    """``StickinessActors`` (``posthog/queries/stickiness/stickiness_actors.py``): the persons
    whose events of the target entity fall on exactly ``stickiness_days`` distinct intervals of
    the window (its start rounded down to its interval)."""
    chosen, properties, limit, offset = prepared(params)
    entity = target_entity(chosen)
    zone = project_zone(emulator, project)
    interval = chosen.interval
    window = window_of(emulator, project, chosen)
    if not chosen.explicit_dates:
        window = Window(_period(window.start, interval, zone, monday_weeks=False), window.end)
    wanted = _int(chosen.get("stickiness_days"))
    engine = Engine(emulator, project)
    matched = sorted(
        actor
        for actor, moments in _person_events(engine, entity, properties, window).items()
        if len({_period(m, interval, zone, monday_weeks=False) for m in moments}) == wanted
    )
    rows = [(actor,) for actor in matched[offset : offset + limit]]
    return page_of(emulator, project, rows, limit, offset, with_values=False)


# -- answers -----------------------------------------------------------------------------------
def paginated_url(url: str, count: int, offset: int, limit: int) -> str | None:
    """``paginated_result`` over ``format_paginated_url`` (``posthog/api/utils.py``): for a full
    page, the request's path and query with ``offset=<offset>`` replaced (then without its
    leading slash, as PostHog slices it) or, when it names no offset, the absolute URL with
    ``offset`` appended."""
    if count < limit:
        return None
    parts = urlsplit(url)
    full_path = parts.path + (f"?{parts.query}" if parts.query else "")
    new_offset = offset + limit
    if "offset" in full_path:
        return full_path[1:].replace(f"offset={offset}", f"offset={new_offset}")
    joiner = "&" if "?" in full_path else "?"
    return f"{parts.scheme}://{parts.netloc}{full_path}{joiner}offset={new_offset}"


def query_params_url(url: str, offset: int, alias: str = "offset") -> str:
    """``format_query_params_absolute_url`` (``posthog/utils.py``): ``url`` with ``alias``'s
    value replaced by ``offset``, or appended when absent; unchanged for offset 0."""
    if not offset:
        return url
    pattern = re.compile(rf"([&?]{re.escape(alias)}=)(\d+)")
    if pattern.search(url):
        return pattern.sub(rf"\g<1>{offset}", url)
    return url + ("&" if "?" in url else "?") + f"{alias}={offset}"


ACTIONS = {
    "trends": trends_actors,
    "funnel": funnel_actors,
    "funnel/correlation": correlation_actors,
    "lifecycle": lifecycle_actors,
    "stickiness": stickiness_actors,
}


def actors_answer(
    emulator: Emulator, project: int, action: str, params: Mapping[str, Any], url: str
) -> dict[str, Any]:
    """The body of ``persons/<action>/`` for ``params`` asked at ``url`` (the request's absolute
    URL): trends and funnels answer ``_respond_with_cached_results``; lifecycle and stickiness
    only ``results`` and ``next`` (counted on the persons found)."""
    if action == "lifecycle":
        for key, detail in (
            ("target_date", Msg.PERSONS_LIFECYCLE_NO_DATE),
            ("lifecycle_type", Msg.PERSONS_LIFECYCLE_NO_TYPE),
        ):
            if params.get(key) is None:
                raise MissingParameter(detail)
    page = ACTIONS[action](emulator, project, params)
    if action in ("lifecycle", "stickiness"):
        return {
            "results": [{"people": page.people, "count": len(page.people)}],
            "next": paginated_url(url, len(page.people), page.offset, page.limit),
        }
    if action == "funnel/correlation":
        # ``calculate_funnel_correlation_persons``: its own offset parameter, appended or
        # replaced in the absolute URL.
        full = page.raw_count >= page.limit
        offset = page.offset + page.limit
        next_url = query_params_url(url, offset, CORRELATION_OFFSET) if full else None
    else:
        next_url = paginated_url(url, page.raw_count, page.offset, page.limit)
    return cached_answer(page, next_url, url, emulator.clock.now())
