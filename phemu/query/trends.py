"""``TrendsQuery`` (``posthog/hogql_queries/insights/trends/trends_query_runner.py``).

Each series is HogQL run through :func:`phemu.query.hogql.run_select`, grouped by interval bucket
and breakdown value, then shaped as the runner's ``build_series_response`` shapes it:

- ``math`` as ``aggregation_operations.py``: ``total``, ``dau`` (distinct persons),
  ``unique_session``, ``weekly_active`` / ``monthly_active`` (distinct persons with events in
  the 7 / 30 days up to each bucket's end: ``timestamp > bucket - 6 days`` and
  ``<= bucket + 1 day``), ``hogql`` (``math_hogql``), and on a property (event or person) ``sum``,
  ``avg``, ``min``, ``max`` as ``ifNull(f(toFloat(x)), 0)``, ``median`` / ``p75`` / ``p90`` /
  ``p95`` / ``p99`` as ``ifNull(quantile(p)(toFloat(x)), 0)``.
- ``trendsFilter.display``: ``ActionsLineGraphCumulative`` adds the buckets up (``dau`` counts a
  person once, at their first bucket); the total-value displays (``BoldNumber``, ``ActionsPie``,
  ``ActionsBarValue``, ``ActionsTable``, ``WorldMap``, ``CalendarHeatmap``) answer one
  ``aggregated_value`` over the range.
- ``breakdownFilter`` on an event or person property, a session field or a HogQL expression:
  the 25 values with most volume, then ``$$_posthog_breakdown_other_$$``; the value is the label.
- ``compareFilter.compare``: every series again over the previous period, labels ``day 0`` ...
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from itertools import accumulate
from typing import Any

from dateutil.relativedelta import relativedelta

from phemu.query import dates
from phemu.query.hogql import Timings
from phemu.query.hogql import run_select
from phemu.query.kinds import ACTOR
from phemu.query.kinds import Context
from phemu.query.kinds import date_range
from phemu.query.kinds import field_name
from phemu.query.kinds import series_where
from phemu.query.kinds import shaped
from phemu.query.kinds import stamp
from phemu.query.kinds import unsupported

#: PostHog's breakdown buckets (``posthog/hogql_queries/insights/trends/breakdown.py``).
BREAKDOWN_OTHER = "$$_posthog_breakdown_other_$$"
BREAKDOWN_NULL = "$$_posthog_breakdown_null_$$"
BREAKDOWN_LIMIT = 25
#: ``TrendsDisplay.is_total_value`` (``posthog/hogql_queries/insights/trends/display.py``).
TOTAL_VALUE_DISPLAYS = (
    "BoldNumber",
    "ActionsPie",
    "ActionsBarValue",
    "WorldMap",
    "CalendarHeatmap",
    "ActionsTable",
)
CUMULATIVE = "ActionsLineGraphCumulative"

_COUNTS = {
    None: "count()",
    "total": "count()",
    "first_time_for_user": None,
    "dau": f"count(DISTINCT {ACTOR})",
    "unique_session": "count(DISTINCT nullIf(\"$session_id\", ''))",
}
_PROPERTY_MATH = {
    "sum": "ifNull(sum(toFloat({x})), 0)",
    "avg": "ifNull(avg(toFloat({x})), 0)",
    "min": "ifNull(min(toFloat({x})), 0)",
    "max": "ifNull(max(toFloat({x})), 0)",
    "median": "ifNull(quantile(0.5)(toFloat({x})), 0)",
    "p75": "ifNull(quantile(0.75)(toFloat({x})), 0)",
    "p90": "ifNull(quantile(0.9)(toFloat({x})), 0)",
    "p95": "ifNull(quantile(0.95)(toFloat({x})), 0)",
    "p99": "ifNull(quantile(0.99)(toFloat({x})), 0)",
}
#: Days before a bucket that an active-users math looks back (exclusive lookback).
_ACTIVE = {"weekly_active": 6, "monthly_active": 29}
_BUCKETS = {
    "minute": "toStartOfMinute",
    "hour": "toStartOfHour",
    "day": "toStartOfDay",
    "week": "toStartOfWeek",
    "month": "toStartOfMonth",
}


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime
    compare_label: str | None = None


def previous_period(ctx: Context, query: Mapping[str, Any], interval: str) -> Period:
    """``QueryPreviousPeriodDateRange``: a relative range moved back by its own length (``-7d``
    compares with ``-14d`` to ``-7d``); an absolute one by ``date_to - date_from``."""
    chosen = query.get("dateRange") or {}
    date_from = str(chosen.get("date_from") or "-7d")
    relative = dates.relative_delta(date_from)
    if relative is not None and not chosen.get("date_to"):
        doubled = dates.parse_date(f"-{2 * relative[0]}{relative[1]}", ctx.now)
        start = doubled if chosen.get("explicitDate") else dates.truncate(doubled, interval)
        return Period(start, ctx.now - _delta(relative), "previous")
    start, end = date_range(ctx, query, interval)
    length = end - start
    return Period(start - length, end - length, "previous")


def _delta(relative: tuple[int, str]) -> relativedelta:
    return dates.UNITS[relative[1]] * relative[0]


def _math(series: Mapping[str, Any]) -> str:
    math = series.get("math")
    if math in _COUNTS and _COUNTS[math] is not None:
        return str(_COUNTS[math])
    if math == "hogql" and isinstance(series.get("math_hogql"), str):
        return str(series["math_hogql"])
    prop = series.get("math_property")
    if math in _PROPERTY_MATH and isinstance(prop, str):
        owner = (
            "person.properties"
            if series.get("math_property_type") == "person_properties"
            else ("properties")
        )
        return _PROPERTY_MATH[str(math)].format(x=f"{owner}.{field_name(prop)}")
    raise unsupported(f"the math {math!r}")


def _breakdown(query: Mapping[str, Any]) -> str | None:
    """The breakdown as a HogQL expression of text (``None``: no breakdown)."""
    chosen = query.get("breakdownFilter") or {}
    if chosen.get("breakdowns"):
        raise unsupported("multiple breakdowns")
    key = chosen.get("breakdown")
    if key is None:
        return None
    kind = chosen.get("breakdown_type") or "event"
    if isinstance(key, list) or kind not in ("event", "person", "session", "hogql"):
        raise unsupported(f"{kind} breakdowns")
    if kind == "hogql":
        return f"toString({key})"
    owner = {"event": "properties", "person": "person.properties", "session": "session"}[kind]
    return f"toString({owner}.{field_name(str(key))})"


def _label(moment: datetime, interval: str) -> str:
    text = f"{moment.day}-{moment.strftime('%b-%Y')}"
    return f"{text} {moment.strftime('%H:%M')}" if interval in ("hour", "minute") else text


def _iso(moment: datetime) -> str:
    return dates.iso(moment)


def _day(moment: datetime, interval: str) -> str:
    if interval in ("hour", "minute"):
        return moment.strftime("%Y-%m-%d %H:%M:%S")
    return moment.strftime("%Y-%m-%d")


@dataclass
class _Totals:
    """Per breakdown value: per bucket (``None`` for a total-value answer) its value."""

    values: dict[Any, dict[Any, float]]
    hogql: str


def _per_bucket(
    ctx: Context,
    timings: Timings,
    series: Mapping[str, Any],
    query: Mapping[str, Any],
    period: Period,
    interval: str,
    display: str,
) -> _Totals:
    math = series.get("math")
    where = series_where(series, query)
    breakdown = _breakdown(query) or "''"
    bucket = f"toDateTime({_BUCKETS[interval]}(timestamp))"
    total_value = display in TOTAL_VALUE_DISPLAYS
    lookback = _ACTIVE.get(str(math))
    if lookback is not None and not total_value:
        return _active(ctx, timings, where, breakdown, period, interval, lookback)
    window = [f"timestamp >= {stamp(period.start)}", f"timestamp <= {stamp(period.end)}"]
    conditions = " AND ".join([*where, *window])
    if total_value:
        value = f"count(DISTINCT {ACTOR})" if lookback is not None else _math(series)
        text = (
            f"SELECT {breakdown} AS breakdown_value, {value} AS total FROM events "
            f"WHERE {conditions} GROUP BY breakdown_value LIMIT 50000"
        )
    elif display == CUMULATIVE and math == "dau":  # each person once, at their first bucket
        text = (
            f"SELECT first_bucket, breakdown_value, count() FROM (SELECT {ACTOR} AS actor, "
            f"{breakdown} AS breakdown_value, min({bucket}) AS first_bucket FROM events "
            f"WHERE {conditions} GROUP BY actor, breakdown_value) "
            "GROUP BY first_bucket, breakdown_value LIMIT 50000"
        )
    else:
        text = (
            f"SELECT {bucket} AS bucket, {breakdown} AS breakdown_value, {_math(series)} AS total "
            f"FROM events WHERE {conditions} GROUP BY bucket, breakdown_value LIMIT 50000"
        )
    result = run_select(ctx.database, ctx.project, ctx.data, text, ctx.now, timings)
    values: dict[Any, dict[Any, float]] = {}
    for row in result.results:
        moment, key, total = (None, *row) if total_value else row
        values.setdefault(key, {})[moment] = total or 0
    return _Totals(values, result.hogql)


def _active(
    ctx: Context,
    timings: Timings,
    where: list[str],
    breakdown: str,
    period: Period,
    interval: str,
    lookback: int,
) -> _Totals:
    """Weekly / monthly active persons: for each bucket, the persons with an event after
    ``bucket - lookback days`` and up to ``bucket + 1 day`` (``aggregation_operations.py``)."""
    slots = dates.buckets(period.start, period.end, interval)
    listed = ", ".join(f"toDateTime({stamp(slot)})" for slot in slots)
    window = [
        f"timestamp > d.slot - interval {lookback} day",
        "timestamp <= d.slot + interval 1 day",
    ]
    text = (
        f"SELECT d.slot AS slot, {breakdown} AS breakdown_value, count(DISTINCT {ACTOR}) "
        f"FROM events CROSS JOIN (SELECT arrayJoin([{listed}]) AS slot) AS d "
        f"WHERE {' AND '.join([*where, *window])} GROUP BY slot, breakdown_value LIMIT 50000"
    )
    result = run_select(ctx.database, ctx.project, ctx.data, text, ctx.now, timings)
    values: dict[Any, dict[Any, float]] = {}
    for moment, key, total in result.results:
        values.setdefault(key, {})[moment] = total
    return _Totals(values, result.hogql)


def _ranked(values: dict[Any, dict[Any, float]], breakdown: bool) -> list[Any]:
    """Breakdown values by volume, the tail folded into ``$$_posthog_breakdown_other_$$``."""
    if not breakdown:
        return [""]
    ordered = sorted(values, key=lambda v: (-sum(values[v].values()), str(v)))
    if len(ordered) > BREAKDOWN_LIMIT:
        other: dict[Any, float] = {}
        for dropped in ordered[BREAKDOWN_LIMIT:]:
            for moment, total in values[dropped].items():
                other[moment] = other.get(moment, 0) + total
        values[BREAKDOWN_OTHER] = other
        ordered = [*ordered[:BREAKDOWN_LIMIT], BREAKDOWN_OTHER]
    return ordered


def trends_query(ctx: Context, query: Mapping[str, Any], timings: Timings) -> dict[str, Any]:
    interval = query.get("interval") or "day"
    if interval not in dates.INTERVALS:
        raise unsupported(f"the interval {interval!r}")
    options = query.get("trendsFilter") or {}
    display = options.get("display") or "ActionsLineGraph"
    for option in ("formula", "formulas", "formulaNodes"):
        if options.get(option):
            raise unsupported("trend formulas")
    compare = query.get("compareFilter") or {}
    if compare.get("compare_to"):
        raise unsupported("compare_to")
    start, end = date_range(ctx, query, interval)
    periods = [Period(start, end, "current" if compare.get("compare") else None)]
    if compare.get("compare"):
        periods.append(previous_period(ctx, query, interval))
    series_list = [
        shaped(s, dict, "query.series")
        for s in shaped(query.get("series") or [], list, "query.series")
    ]
    breakdown = _breakdown(query) is not None
    results: list[dict[str, Any]] = []
    hogql: list[str] = []
    for period in periods:
        slots = dates.buckets(period.start, period.end, interval)
        for order, series in enumerate(series_list):
            totals = _per_bucket(ctx, timings, series, query, period, interval, display)
            hogql.append(totals.hogql)
            for key in _ranked(totals.values, breakdown):
                item = _item(
                    series, order, totals.values.get(key, {}), slots, period, interval, display
                )
                if breakdown:
                    value = BREAKDOWN_NULL if key is None else key
                    many = len(series_list) > 1
                    item["label"] = f"{item['label']} - {value}" if many else value
                    item["breakdown_value"] = value
                results.append(item)
    return {"hogql": "\n\n".join(hogql), "results": results}


def _item(
    series: Mapping[str, Any],
    order: int,
    counts: dict[Any, float],
    slots: list[datetime],
    period: Period,
    interval: str,
    display: str,
) -> dict[str, Any]:
    name = series.get("event") or "All events"
    action: dict[str, Any] = {
        "days": [_iso(slot) for slot in slots],
        "id": series.get("event"),
        "type": "events",
        "order": order,
        "name": name,
        "custom_name": series.get("custom_name"),
        "math": series.get("math") or "total",
        "math_property": series.get("math_property"),
        "math_hogql": series.get("math_hogql"),
        "math_group_type_index": series.get("math_group_type_index"),
        "properties": {},
    }
    label = series.get("custom_name") or name
    window = {"date_from": _iso(period.start), "date_to": _iso(period.end), "interval": interval}
    if display in TOTAL_VALUE_DISPLAYS:
        item: dict[str, Any] = {
            "data": [],
            "days": [],
            "count": 0,
            "aggregated_value": counts.get(None, 0),
            "label": label,
            "filter": {**window, "display": display},
            "action": action,
        }
    else:
        data = [counts.get(_iso(slot), 0) for slot in slots]
        if display == CUMULATIVE:
            data = list(accumulate(data))
        item = {
            "data": data,
            "labels": [_label(slot, interval) for slot in slots],
            "days": [_day(slot, interval) for slot in slots],
            "count": float(sum(data)),
            "label": label,
            "filter": window,
            "action": action,
        }
    item["order"] = order
    if period.compare_label is not None:
        item["compare"] = True
        item["compare_label"] = period.compare_label
        if "labels" in item:
            item["labels"] = [f"{interval} {index}" for index in range(len(item["labels"]))]
    return item
