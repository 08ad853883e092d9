"""The query kinds phemu computes: HogQLQuery, EventsQuery, TrendsQuery, FunnelsQuery.

Each builds HogQL and runs it through :func:`phemu.query.hogql.run_select`, as PostHog's query
runners build HogQL ASTs (``posthog/hogql_queries/``). Trends and funnels then shape rows the
way ``trends_query_runner.py`` and the funnel runners do. Options phemu does not compute
(actions, cohorts, unordered funnels...) raise a clear error rather than a guess.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from statistics import median
from typing import Any

from sqlglot import exp

from phemu.errors import Msg
from phemu.errors import ParseError
from phemu.errors import QueryNotComputed
from phemu.query import dates
from phemu.query.engine import Database
from phemu.query.hogql import DEFAULT_RETURNED_ROWS
from phemu.query.hogql import SelectResult
from phemu.query.hogql import Timings
from phemu.query.hogql import run_select
from phemu.query.parse import parse_expression
from phemu.query.parse import parse_select
from phemu.query.records import ProjectData

#: Who a trend's ``dau`` or a funnel counts: the event's person (every event has one: its
#: person's id, or the personless id PostHog derives from the distinct id).
ACTOR = "person_id"


@dataclass
class Context:
    database: Database
    project: int
    data: ProjectData
    now: datetime


def shaped(value: Any, kind: type | tuple[type, ...], where: str) -> Any:
    """``value`` if it has the schema's type, else pydantic's error as PostHog answers it."""
    if isinstance(value, kind) and not (isinstance(value, bool) and kind is not bool):
        return value
    expected = kind[0].__name__ if isinstance(kind, tuple) else kind.__name__
    raise ParseError(
        Msg.QUERY_REQUEST_INVALID.format(
            location=where,
            message=f"Input should be a valid {expected} [type={expected}_type, "
            f"input_value={value!r}, input_type={type(value).__name__}]",
        )
    )


def unsupported(feature: str) -> QueryNotComputed:
    return QueryNotComputed(Msg.QUERY_FEATURE_NOT_COMPUTED.format(feature=feature))


def literal(value: Any) -> str:
    """A HogQL constant."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    text = str(value).replace("\\", "\\\\").replace("'", "\\'")
    return f"'{text}'"


def field_name(key: str) -> str:
    return "`" + key.replace("`", "\\`") + "`"


def property_filter(prop: Mapping[str, Any]) -> str:
    """One property filter (``EventPropertyFilter``, ``PersonPropertyFilter``, HogQL) as HogQL."""
    kind = prop.get("type", "event")
    if kind == "hogql":
        return f"({prop['key']})"
    prefixes = {"event": "properties", "person": "person.properties", "session": "session"}
    if kind not in prefixes:
        raise unsupported(f"{kind} property filters")
    target = f"{prefixes[kind]}.{field_name(str(prop['key']))}"
    operator = prop.get("operator") or "exact"
    value = prop.get("value")
    values = value if isinstance(value, list) else [value]
    text = f"toString({target})"
    if operator == "is_set":
        return f"({target} IS NOT NULL)"
    if operator == "is_not_set":
        return f"({target} IS NULL)"
    if operator in ("exact", "is_not"):
        listed = ", ".join(literal(str(v)) for v in values)
        test = f"{text} IN ({listed})"
        return f"({test})" if operator == "exact" else f"(NOT ({test}) OR {target} IS NULL)"
    if operator in ("icontains", "not_icontains"):
        test = f"{text} ILIKE {literal('%' + str(value) + '%')}"
        return f"({test})" if operator == "icontains" else f"(NOT ({test}) OR {target} IS NULL)"
    if operator in ("regex", "not_regex"):
        test = f"match({text}, {literal(str(value))})"
        return f"({test})" if operator == "regex" else f"(NOT ({test}) OR {target} IS NULL)"
    comparisons = {"gt": ">", "lt": "<", "gte": ">=", "lte": "<="}
    if operator in comparisons:
        return f"(toFloat({text}) {comparisons[operator]} {float(str(value))})"
    raise unsupported(f"the property operator {operator!r}")


def filters(properties: Any) -> list[str]:
    if not properties:
        return []
    if isinstance(properties, Mapping) and "key" in properties:
        return [property_filter(properties)]
    if isinstance(properties, Mapping):  # a property group: {"type": "AND", "values": [...]}
        inner = [f for value in properties.get("values", []) for f in filters(value)]
        if not inner:
            return []
        joiner = " OR " if properties.get("type") == "OR" else " AND "
        return ["(" + joiner.join(inner) + ")"]
    return [found for prop in properties for found in filters(prop)]


# -- EventsQuery -------------------------------------------------------------------------------

_STAR_FIELDS = ("uuid", "event", "properties", "timestamp", "distinct_id", "elements_chain")


def events_query(ctx: Context, query: Mapping[str, Any], timings: Timings) -> dict[str, Any]:
    """``posthog/hogql_queries/events_query_runner.py``."""
    raw: list[str] = list(shaped(query.get("select") or [], list, "query.EventsQuery.select"))
    raw = [shaped(c, str, "query.EventsQuery.select") for c in raw] or ["*"]
    select: list[str] = []
    for column in raw:
        if column == "*":
            select.extend(_STAR_FIELDS)
        elif column.split("--")[0].strip() == "person":
            select.append("distinct_id")
        else:
            select.append(column.split("--")[0].strip() or column)
    expressions = [parse_expression(c) for c in select]
    aggregated = [e for e in expressions if e.find(exp.AggFunc) is not None]
    where = [f"({w})" for w in query.get("where") or []]
    where += filters(query.get("properties")) + filters(query.get("fixedProperties"))
    events = [e for e in [query.get("event"), *(query.get("events") or [])] if e]
    if events:
        where.append(f"event IN ({', '.join(literal(e) for e in events)})")
    if query.get("actionId") is not None:
        raise unsupported("actions")
    if query.get("personId"):  # events_query_runner.py: the person's events
        where.append(f"toString(person_id) = {literal(str(query['personId']))}")
    before = query.get("before")
    end = dates.parse_date(before, ctx.now) if before else ctx.now + timedelta(seconds=5)
    where.append(f"timestamp < {literal(end.replace(tzinfo=None).isoformat(sep=' '))}")
    after = query.get("after") or "-24h"
    if after != "all":
        start = dates.parse_date(after, ctx.now)
        where.append(f"timestamp > {literal(start.replace(tzinfo=None).isoformat(sep=' '))}")
    plain = [w for w in where if parse_expression(w).find(exp.AggFunc) is None]
    having = [w for w in where if w not in plain]
    order = list(query.get("orderBy") or [])
    if not order:
        if "count()" in raw:
            order = ["count() DESC"]
        elif aggregated:
            order = [f"{aggregated[0].sql(dialect='clickhouse')} DESC"]
        elif "timestamp" in raw:
            order = ["timestamp DESC"]
        else:
            order = [f"{select[0]} ASC"]
    limit = shaped(query.get("limit") or DEFAULT_RETURNED_ROWS, int, "query.EventsQuery.limit")
    offset = shaped(query.get("offset") or 0, int, "query.EventsQuery.offset")
    text = f"SELECT {', '.join(select)} FROM events"
    if plain:
        text += " WHERE " + " AND ".join(plain)
    if aggregated:
        grouped = [
            c for c, e in zip(select, expressions, strict=False) if e.find(exp.AggFunc) is None
        ]
        if grouped:
            text += " GROUP BY " + ", ".join(grouped)
    if having:
        text += " HAVING " + " AND ".join(having)
    text += f" ORDER BY {', '.join(order)} LIMIT {limit + 1} OFFSET {offset}"
    result = run_select(ctx.database, ctx.project, ctx.data, text, ctx.now, timings)
    has_more = len(result.results) > limit
    rows: list[list[Any]] = []
    for flat in result.results[:limit]:
        row: list[Any] = []
        position = 0
        for column in raw:
            if column == "*":
                star = dict(
                    zip(_STAR_FIELDS, flat[position : position + len(_STAR_FIELDS)], strict=False)
                )
                star["properties"] = json.loads(star["properties"] or "{}")
                row.append(star)
                position += len(_STAR_FIELDS)
                continue
            value = flat[position]
            person = column.split("--")[0].strip() == "person"
            row.append({"distinct_id": value} if person else value)
            position += 1
        rows.append(row)
    columns, types, position = [], [], 0
    for column in raw:
        width = len(_STAR_FIELDS) if column == "*" else 1
        expression = expressions[position]
        columns.append(result.columns[position] if isinstance(expression, exp.Alias) else column)
        types.append("Tuple(...)" if column == "*" else result.types[position])
        position += width
    return {
        "columns": columns,
        "hasMore": has_more,
        "hogql": result.hogql,
        "limit": limit,
        "offset": offset,
        "results": rows,
        "types": types,
    }


# -- shared by trends and funnels ------------------------------------------------------------


def date_range(ctx: Context, query: Mapping[str, Any], interval: str) -> tuple[datetime, datetime]:
    """``QueryDateRange``: a relative ``date_from`` from the start of its interval, ``date_to``
    (or now) to the end of its interval."""
    chosen = query.get("dateRange") or {}
    date_from = chosen.get("date_from") or "-7d"
    if date_from == "all":
        first = run_select(
            ctx.database, ctx.project, ctx.data, "SELECT min(timestamp) FROM events", ctx.now
        ).results
        start = dates.parse_date(first[0][0], ctx.now) if first and first[0][0] else ctx.now
    else:
        start = dates.parse_date(date_from, ctx.now)
    date_to = chosen.get("date_to")
    end = dates.parse_date(date_to, ctx.now) if date_to else ctx.now
    if not chosen.get("explicitDate"):
        start = dates.truncate(start, interval)
        if date_to:
            end = dates.truncate(end, interval) + dates.step(interval) - timedelta(microseconds=1)
    return start, end


def stamp(moment: datetime) -> str:
    """A HogQL datetime constant."""
    return literal(moment.replace(tzinfo=None).isoformat(sep=" "))


def series_where(series: Mapping[str, Any], query: Mapping[str, Any]) -> list[str]:
    """An ``EventsNode``'s conditions (its event and properties, and the query's properties)."""
    if series.get("kind", "EventsNode") != "EventsNode":
        raise unsupported(f"{series.get('kind')} series")
    where = filters(series.get("properties")) + filters(series.get("fixedProperties"))
    where += filters(query.get("properties"))
    if series.get("event") is not None:
        where.append(f"event = {literal(series['event'])}")
    return where


# -- FunnelsQuery ------------------------------------------------------------------------------

_WINDOW_UNITS = {
    "second": timedelta(seconds=1),
    "minute": timedelta(minutes=1),
    "hour": timedelta(hours=1),
    "day": timedelta(days=1),
    "week": timedelta(weeks=1),
    "month": timedelta(days=30),
}


def funnel_steps(
    events: list[tuple[datetime, list[int]]], steps: int, window: timedelta
) -> tuple[int, list[datetime]]:
    """The furthest step one actor reached in order within the window, and when.

    ``events`` are the actor's matching events in time order, each with the steps it matches.
    Every event that matches step 0 may start an attempt; each later step takes the first
    event at or after the previous step's, within ``window`` of the start (PostHog's ordered
    funnel). The best attempt wins; among equals, the earliest.
    """
    best: list[datetime] = []
    for index, (start, matches) in enumerate(events):
        if 0 not in matches:
            continue
        reached = [start]
        for moment, later in events[index + 1 :]:
            if len(reached) == steps or moment - start > window:
                break
            if len(reached) in later:
                reached.append(moment)
        if len(reached) > len(best):
            best = reached
            if len(best) == steps:
                break
    return len(best), best


def funnels_query(ctx: Context, query: Mapping[str, Any], timings: Timings) -> dict[str, Any]:
    """An ordered funnel of steps (``posthog/hogql_queries/insights/funnels/``)."""
    options = query.get("funnelsFilter") or {}
    order_type = options.get("funnelOrderType") or "ordered"
    if order_type != "ordered":
        raise unsupported(f"{order_type} funnels")
    if (options.get("funnelVizType") or "steps") != "steps":
        raise unsupported(f"the funnel visualization {options.get('funnelVizType')!r}")
    if (query.get("breakdownFilter") or {}).get("breakdown") is not None:
        raise unsupported("funnel breakdowns")
    series = [
        shaped(s, dict, "query.series")
        for s in shaped(query.get("series") or [], list, "query.series")
    ]
    if len(series) < 2:
        raise QueryNotComputed(Msg.FUNNEL_TOO_FEW_STEPS)
    unit = options.get("funnelWindowIntervalUnit") or "day"
    if unit not in _WINDOW_UNITS:
        raise unsupported(f"the window unit {unit!r}")
    amount = shaped(options.get("funnelWindowInterval") or 14, int, "funnelWindowInterval")
    window = _WINDOW_UNITS[unit] * amount
    start, end = date_range(ctx, query, query.get("interval") or "day")
    conditions = [" AND ".join(series_where(s, {}) or ["1 = 1"]) for s in series]
    flags = ", ".join(f"if({c}, 1, 0) AS step_{i}" for i, c in enumerate(conditions))
    where = [f"({' OR '.join(f'({c})' for c in conditions)})"]
    where += filters(query.get("properties"))
    text = (
        f"SELECT {ACTOR} AS actor, timestamp, {flags} FROM events "
        f"WHERE {' AND '.join(where)} AND timestamp >= {stamp(start)} "
        f"AND timestamp <= {stamp(end)} "
        "ORDER BY actor, timestamp LIMIT 1000000000"
    )
    rows = _select(ctx, text, timings).results
    by_actor: dict[str, list[tuple[datetime, list[int]]]] = {}
    for actor, moment, *matched in rows:
        # elapsed time, not wall time: a window across a DST change is exact seconds, as
        # ClickHouse's ``windowFunnel`` counts them
        when = dates.parse_date(moment, ctx.now).astimezone(timezone.utc)
        by_actor.setdefault(actor, []).append((when, [i for i, m in enumerate(matched) if m]))
    counts = [0] * len(series)
    durations: list[list[float]] = [[] for _ in series]
    for events in by_actor.values():
        reached, times = funnel_steps(events, len(series), window)
        for step_index in range(reached):
            counts[step_index] += 1
            if step_index:
                seconds = (times[step_index] - times[step_index - 1]).total_seconds()
                durations[step_index].append(seconds)
    results = []
    for order, (step, count) in enumerate(zip(series, counts, strict=False)):
        name = step.get("event") or "All events"
        spent = durations[order]
        results.append(
            {
                "action_id": step.get("event"),
                "name": name,
                "custom_name": step.get("custom_name"),
                "order": order,
                "people": [],
                "count": count,
                "type": "events",
                "average_conversion_time": sum(spent) / len(spent) if spent else None,
                "median_conversion_time": median(spent) if spent else None,
            }
        )
    return {"hogql": text, "isUdf": False, "results": results}


def _select(ctx: Context, text: str, timings: Timings) -> SelectResult:
    return run_select(ctx.database, ctx.project, ctx.data, parse_select(text), ctx.now, timings)
