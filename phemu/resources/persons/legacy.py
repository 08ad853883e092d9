"""The legacy ``Filter`` the persons actions read (``posthog/models/filters/``): entities, dates,
properties, breakdown and paging as request parameters, and ``QueryDateRange``
(``posthog/queries/query_date_range.py``), which turns the dates into the window the ClickHouse
queries use.

Parameters come as PostHog's ``Filter(request=...)`` takes them: the query string, and for POST
the body's keys too; ``events``, ``actions`` and ``properties`` are JSON text or already lists.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from datetime import tzinfo
from typing import Any

from phemu.errors import Msg
from phemu.errors import QueryNotComputed
from phemu.errors import ServerError
from phemu.query import dates

#: ``DEFAULT_DATE_FROM_DAYS`` (``posthog/utils.py``)
DEFAULT_DATE_FROM_DAYS = 7


def json_param(raw: Any) -> Any:
    """A filter parameter that may be JSON text (query strings) or a value (JSON bodies);
    text that is not JSON is PostHog's unguarded ``json.loads`` error."""
    if isinstance(raw, str):
        try:
            return json.loads(raw)
        except ValueError:
            raise ServerError() from None
    return raw


def flat_properties(value: Any) -> Iterator[Mapping[str, Any]]:
    """``property_groups.flat``: every leaf filter of a list or an AND/OR group."""
    if isinstance(value, Mapping):
        if "values" in value and "key" not in value:
            for inner in value.get("values") or []:
                yield from flat_properties(inner)
        else:
            yield value
    elif isinstance(value, list):
        for inner in value:
            yield from flat_properties(inner)


@dataclass(frozen=True)
class Entity:
    """One of the filter's ``events`` / ``actions``: ``id`` is the event name (``None``: all
    events) or the action id."""

    id: Any
    type: str
    order: int
    math: str | None
    properties: tuple[Mapping[str, Any], ...]

    def matches(self, event: str) -> bool:
        if self.type == "actions":
            raise QueryNotComputed(Msg.QUERY_FEATURE_NOT_COMPUTED.format(feature="action entities"))
        return self.id is None or event == self.id


@dataclass(frozen=True)
class LegacyFilter:
    params: Mapping[str, Any]

    def get(self, key: str) -> Any:
        return self.params.get(key)

    @property
    def interval(self) -> str:
        value = self.get("interval")
        return value if value in dates.INTERVALS else "day"

    @property
    def explicit_dates(self) -> bool:
        """``use_explicit_dates``: ``explicit_date`` is ``true`` (any case) or ``True``."""
        value = self.get("explicit_date")
        return value is True or (isinstance(value, str) and value.lower() == "true")

    @property
    def entities(self) -> list[Entity]:
        """``events`` then ``actions``, ordered by their ``order`` (``EntitiesMixin``)."""
        found = []
        for kind in ("events", "actions"):
            listed = json_param(self.get(kind)) or []
            for index, raw in enumerate(listed if isinstance(listed, list) else []):
                if not isinstance(raw, Mapping):
                    continue
                order = raw.get("order")
                found.append(
                    Entity(
                        id=raw.get("id"),
                        type=kind,
                        order=order if isinstance(order, int) else index,
                        math=raw.get("math"),
                        properties=tuple(flat_properties(raw.get("properties"))),
                    )
                )
        return sorted(found, key=lambda e: e.order)

    @property
    def properties(self) -> list[Mapping[str, Any]]:
        return list(flat_properties(json_param(self.get("properties"))))

    @property
    def breakdown(self) -> Any:
        raw = self.get("breakdown")
        if isinstance(raw, str) and raw.startswith("["):
            return json_param(raw)
        return raw

    @property
    def aggregation_group_type_index(self) -> int | None:
        raw = self.get("aggregation_group_type_index")
        try:
            return None if raw in (None, "") else int(raw)
        except (TypeError, ValueError):
            raise ServerError() from None


@dataclass(frozen=True)
class Window:
    """``QueryDateRange``'s ``date_from_param`` and ``date_to_param``, in the team's zone."""

    start: datetime
    end: datetime


def parse_moment(text: Any, now: datetime, zone: tzinfo) -> tuple[datetime, bool]:
    """``relative_date_parse_with_delta_mapping``: the moment and whether the text counted in
    hours (``-24h``); a date without a zone is the team's; text it cannot read is a 500."""
    if isinstance(text, datetime):
        return text.astimezone(zone), False
    raw = str(text).strip()
    relative = dates.relative_delta(raw)
    if relative is not None or raw in ("dStart", "mStart", "yStart"):
        return dates.parse_date(raw, now), bool(relative and relative[1] in "hH")
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise ServerError() from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=zone), False
    return moment.astimezone(zone), False


def date_window(
    chosen: LegacyFilter, now: datetime, zone: tzinfo, earliest: datetime | None
) -> Window:
    """The window of ``QueryDateRange``: ``date_from`` from the start of its day (of its hour
    for hourly filters), ``-7d`` by default, ``all`` from the project's first event; ``date_to``
    (or now) to the end of its day (hour). ``explicit_date`` keeps both as given."""
    now = now.astimezone(zone)
    interval = chosen.interval
    raw_from, raw_to = chosen.get("date_from"), chosen.get("date_to")
    if raw_from == "all":
        start, hourly_from = (earliest or now).astimezone(zone), False
    elif raw_from:
        start, hourly_from = parse_moment(raw_from, now, zone)
    else:
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        start, hourly_from = midnight - timedelta(days=DEFAULT_DATE_FROM_DAYS), False
    end, hourly_to = parse_moment(raw_to, now, zone) if raw_to else (now, False)
    if not raw_to and interval == "hour":
        return Window(_round_from(chosen, start, hourly_from), now + timedelta(minutes=1))
    if not chosen.explicit_dates:
        end = end.replace(minute=59, second=59, microsecond=999999)
        if not (interval == "hour" or hourly_to):
            end = end.replace(hour=23)
    return Window(_round_from(chosen, start, hourly_from), end)


def _round_from(chosen: LegacyFilter, start: datetime, hourly: bool) -> datetime:
    if chosen.explicit_dates:
        return start
    if chosen.interval == "hour" or hourly:
        return start.replace(minute=0, second=0, microsecond=0)
    return start.replace(hour=0, minute=0, second=0, microsecond=0)


def end_of_interval(moment: datetime, interval: str) -> datetime:
    """``offset_time_series_date_by_interval`` (``posthog/queries/trends/util.py``): the last
    instant of the interval that starts at ``moment``, for a data point clicked on a chart
    (``date_from == date_to``)."""
    return dates.truncate(moment, interval) + dates.step(interval) - timedelta(microseconds=1)
