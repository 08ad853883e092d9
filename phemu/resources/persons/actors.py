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

import json
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
from phemu.resources.persons.legacy import parse_moment as legacy_parse
from phemu.resources.persons.models import PersonsBackend
from phemu.resources.persons.models import render_actor
from phemu.serialization import format_datetime

if TYPE_CHECKING:
    from phemu.emulator import Emulator

#: ``DEFAULT_PAGE_LIMIT`` (``posthog/api/person.py``)
DEFAULT_LIMIT = 100
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
            lower, upper = json.loads(value)
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
        raw = chosen.get(kind)
        listed = json.loads(raw) if isinstance(raw, str) else raw
        for item in listed if isinstance(listed, list) else []:
            if isinstance(item, Mapping) and item.get("id") == entity.id:
                found = item.get("math_property")
                return found if isinstance(found, str) else None
    return None


def funnel_actors(emulator: Emulator, project: int, params: Mapping[str, Any]) -> Page:
    """``ClickhouseFunnelActors`` over an ordered funnel of the filter's entities."""
    chosen, properties, limit, offset = prepared(params)
    order = chosen.get("funnel_order_type") or "ordered"
    if order != "ordered":
        raise _not_computed(f"{order} funnels")
    if (chosen.get("funnel_viz_type") or "steps") == "trends":
        raise _not_computed("funnel trends")
    if chosen.get("funnel_step_breakdown") is not None or chosen.get("breakdown"):
        raise _not_computed("funnel breakdowns")
    if chosen.get("funnel_correlation_person_entity"):
        raise _not_computed("funnel correlation actors")
    steps = chosen.entities
    custom = chosen.get("funnel_custom_steps")
    custom_steps = json.loads(custom) if isinstance(custom, str) else custom
    if custom_steps:
        wanted = {_int(step) for step in custom_steps}
    else:
        step = chosen.get("funnel_step")
        if step in (None, ""):
            raise ServerError()  # ``ValueError("Missing funnel_step filter property")``
        number = _int(step)
        wanted = set(range(number, len(steps) + 1)) if number >= 0 else {-number - 1}
    engine = Engine(emulator, project)
    window = window_of(emulator, project, chosen)
    conditions = [" AND ".join(engine.where(e, (), window)) for e in steps]
    flags = ", ".join(f"if({c}, 1, 0) AS step_{i}" for i, c in enumerate(conditions))
    where = [f"({' OR '.join(f'({c})' for c in conditions)})", *engine.kinds.filters(properties)]
    text = (
        f"SELECT person_id, timestamp, {flags} FROM events WHERE {' AND '.join(where)} "
        "ORDER BY person_id, timestamp LIMIT 1000000000"
    )
    by_actor: dict[str, list[tuple[datetime, list[int]]]] = {}
    for actor, moment, *matched in engine.rows(text) if steps else []:
        when = moment if isinstance(moment, datetime) else datetime.fromisoformat(str(moment))
        when = when if when.tzinfo else when.replace(tzinfo=timezone.utc)
        by_actor.setdefault(str(actor), []).append((when, [i for i, m in enumerate(matched) if m]))
    window_size = _funnel_window(chosen)
    reached = {
        actor: engine.kinds.funnel_steps(events, len(steps), window_size)[0]
        for actor, events in by_actor.items()
    }
    chosen_ids = sorted(actor for actor, count in reached.items() if count in wanted)
    rows = [(actor,) for actor in chosen_ids[offset : offset + limit]]
    return page_of(emulator, project, rows, limit, offset, with_values=False)


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


ACTIONS = {
    "trends": trends_actors,
    "funnel": funnel_actors,
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
    return cached_answer(
        page,
        paginated_url(url, page.raw_count, page.offset, page.limit),
        url,
        emulator.clock.now(),
    )
