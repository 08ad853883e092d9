"""PostHog's date strings (``-7d``, ``-24h``, ``mStart``, ISO dates) and interval buckets.

After ``posthog/utils.py`` (``relative_date_parse``) and
``posthog/hogql_queries/utils/query_date_range.py``. ``now`` is aware and in the project's zone:
relative dates, ``dStart`` and interval starts are that zone's midnights, a date without an
offset is read in that zone (as PostHog reads it in the team's).
"""

from __future__ import annotations

import re
from datetime import datetime
from datetime import timedelta
from datetime import timezone

from dateutil.relativedelta import relativedelta

from phemu.errors import QueryNotComputed

_RELATIVE = re.compile(r"-?(\d+)([hdwmqyHMs])(Start|End)?\Z")
UNITS = {
    "h": relativedelta(hours=1),
    "H": relativedelta(hours=1),
    "d": relativedelta(days=1),
    "w": relativedelta(weeks=1),
    "m": relativedelta(months=1),
    "q": relativedelta(months=3),
    "y": relativedelta(years=1),
    "M": relativedelta(minutes=1),
    "s": relativedelta(seconds=1),
}
INTERVALS = ("minute", "hour", "day", "week", "month")


def parse_date(text: str, now: datetime) -> datetime:
    """An absolute or relative date; a bare date means its midnight."""
    text = text.strip()
    if text in ("dStart", "mStart", "yStart"):
        return truncate(now, {"d": "day", "m": "month", "y": "year"}[text[0]])
    match = _RELATIVE.match(text)
    if match:
        amount, unit = int(match.group(1)), match.group(2)
        moment = now - UNITS[unit] * amount
        if unit in "dwmqy":
            moment = truncate(moment, "day")
        return moment
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise QueryNotComputed(f"Unknown date: {text}") from None
    return (
        moment.replace(tzinfo=now.tzinfo)
        if moment.tzinfo is None
        else moment.astimezone(now.tzinfo)
    )


def iso(moment: datetime) -> str:
    """An aware moment as PostHog's JSON shows a DateTime: ``Z`` in UTC, else its offset."""
    if str(moment.tzinfo) == "UTC":
        return moment.replace(tzinfo=None).isoformat() + "Z"
    return moment.isoformat()


def relative_delta(text: str) -> tuple[int, str] | None:
    """``-7d`` as ``(7, "d")``; ``None`` for anything else."""
    match = _RELATIVE.match(text.strip())
    return (int(match.group(1)), match.group(2)) if match and not match.group(3) else None


def truncate(moment: datetime, interval: str) -> datetime:
    """The start of the interval holding ``moment`` (weeks start on Sunday, as PostHog's)."""
    if interval == "minute":
        return moment.replace(second=0, microsecond=0)
    if interval == "hour":
        return moment.replace(minute=0, second=0, microsecond=0)
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    if interval == "week":
        return day - timedelta(days=(day.weekday() + 1) % 7)
    if interval == "month":
        return day.replace(day=1)
    if interval == "year":
        return day.replace(month=1, day=1)
    return day


def step(interval: str) -> relativedelta:
    return {
        "minute": relativedelta(minutes=1),
        "hour": relativedelta(hours=1),
        "day": relativedelta(days=1),
        "week": relativedelta(weeks=1),
        "month": relativedelta(months=1),
    }[interval]


def buckets(start: datetime, end: datetime, interval: str) -> list[datetime]:
    """Every interval start from ``start``'s bucket up to ``end``'s."""
    current, last = truncate(start, interval), truncate(end, interval)
    zone = current.tzinfo
    found = []
    while current <= last:
        found.append(current)
        if interval in ("minute", "hour"):  # elapsed steps: no 02:00 on a spring-forward day
            current = (current.astimezone(timezone.utc) + step(interval)).astimezone(zone)
        else:  # calendar steps: a day across a DST change is 23 or 25 hours
            current = current + step(interval)
    return found
