"""A subscription's schedule: its ``summary`` wording and its ``next_delivery_date``.

PostHog builds a ``dateutil.rrule`` from the subscription and asks it for the first occurrence
after "now + 15 minutes" (``docs/subscriptions.md``); the summary is a fixed wording table
(``ee/tasks/subscriptions/subscription_utils.py``). Both are pure functions of the schedule
fields, kept here so the model only stores and renders.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from typing import Literal
from typing import cast

from dateutil import rrule

from phemu.errors import ServerError

FREQUENCIES = ("daily", "weekly", "monthly", "yearly")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

#: PostHog looks for the first occurrence after ``now`` plus this buffer.
DELIVERY_BUFFER = timedelta(minutes=15)

# The cast keeps mypy happy with both old stubs (constants typed int) and new ones (Literal).
_FREQ = cast(
    "dict[str, Literal[0, 1, 2, 3, 4, 5, 6]]",
    {
        "daily": rrule.DAILY,
        "weekly": rrule.WEEKLY,
        "monthly": rrule.MONTHLY,
        "yearly": rrule.YEARLY,
    },
)
_UNIT = {"daily": "day", "weekly": "week", "monthly": "month", "yearly": "year"}
_ORDINAL = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}
_WORKWEEK = frozenset(WEEKDAYS[:5])
_RRULE_DAYS = {name: day for name, day in zip(WEEKDAYS, rrule.weekdays, strict=True)}
#: The most candidate days one period can hold per weekday in ``byweekday`` (a month has at most
#: five Mondays, a year 53). A ``bysetpos`` beyond that can never select a day.
_MAX_PER_PERIOD = {"daily": 1, "weekly": 1, "monthly": 5, "yearly": 53}


def summary(
    frequency: str, interval: int, byweekday: Sequence[str] | None, bysetpos: int | None
) -> str:
    """PostHog's ``summary`` (algorithm A): ``sent every 2 months on the first Wednesday``."""
    unit = _UNIT[frequency] + ("s" if interval > 1 else "")
    base = "sent every " + (f"{interval} " if interval > 1 else "") + unit
    if not byweekday or not bysetpos:
        return base
    ordinal = _ORDINAL.get(bysetpos)
    if ordinal is None:
        return "sent on a schedule"
    days = set(byweekday)
    if len(byweekday) == 1:
        label = byweekday[0].capitalize()
    elif days == _WORKWEEK:
        label = "weekday"
    else:
        label = "day"
    return f"{base} on the {ordinal} {label}"


@dataclass(frozen=True, slots=True)
class Rule:
    """The schedule as the recurrence library sees it; equal rules give equal occurrences.

    Comparing two ``Rule`` values is how an update decides whether ``next_delivery_date`` must
    be recomputed: order of ``byweekday`` and a ``bysetpos`` without weekdays don't count.
    """

    frequency: str
    interval: int
    count: int | None
    start: datetime
    until: datetime | None
    weekdays: frozenset[str] | None
    bysetpos: int | None

    @classmethod
    def of(
        cls,
        *,
        frequency: str,
        interval: int,
        count: int | None,
        start_date: datetime,
        until_date: datetime | None,
        byweekday: Sequence[str] | None,
        bysetpos: int | None,
    ) -> Rule:
        weekdays = frozenset(byweekday) if byweekday else None
        return cls(
            frequency=frequency,
            interval=interval,
            count=count,
            start=start_date.replace(microsecond=0),
            until=until_date.replace(microsecond=0) if until_date is not None else None,
            weekdays=weekdays,
            bysetpos=bysetpos if weekdays else None,
        )

    def check(self) -> None:
        """Fail as PostHog does (a bare 500) when the recurrence library rejects the rule."""
        if (
            self.weekdays
            and self.bysetpos is not None
            and not (-366 <= self.bysetpos <= 366 and self.bysetpos != 0)
        ):
            raise ServerError()

    def next_after(self, moment: datetime) -> datetime | None:
        """The first occurrence strictly after ``moment``, or ``None`` when there is none."""
        self.check()
        if self.count is not None and self.count <= 0:
            return None
        if self.weekdays and self.bysetpos is not None:
            per_day = _MAX_PER_PERIOD[self.frequency]
            most = 1 if self.frequency == "daily" else per_day * len(self.weekdays)
            if abs(self.bysetpos) > most:
                # No period can ever hold that position; dateutil would search until year 9999
                # (seconds of CPU) to reach the same answer.
                return None
        if (
            self.frequency == "daily"
            and self.weekdays
            and self.interval % 7 == 0
            and WEEKDAYS[self.start.weekday()] not in self.weekdays
        ):
            return None  # every step lands on the start's weekday, which is not selected
        return self._search(moment, fast=True)

    def _search(self, moment: datetime, *, fast: bool) -> datetime | None:
        start, implied = self._fast_forward(moment) if fast else (self.start, {})
        with warnings.catch_warnings():
            # dateutil deprecates count together with until; PostHog passes both as stored.
            warnings.simplefilter("ignore", DeprecationWarning)
            recurrence = rrule.rrule(
                _FREQ[self.frequency],
                dtstart=start,
                interval=self.interval,
                count=self.count,
                until=self.until,
                byweekday=[_RRULE_DAYS[d] for d in WEEKDAYS if d in self.weekdays]
                if self.weekdays
                else None,
                bysetpos=self.bysetpos,
                bymonth=implied.get("bymonth"),
                bymonthday=implied.get("bymonthday"),
            )
            try:
                found: datetime | None = recurrence.after(moment, inc=False)
            except (OverflowError, ValueError):
                # Dates past year 9999: PostHog fails the same way.
                raise ServerError() from None
        return found

    def _fast_forward(self, moment: datetime) -> tuple[datetime, dict[str, int]]:
        """A later ``dtstart`` with the same occurrences after ``moment``, and what it implied.

        dateutil walks every period from ``dtstart``: a daily rule from 2022 costs thousands of
        steps per lookup. Without ``count`` (which counts from the real start) the rule can
        start on a whole number of intervals later, at least one interval before ``moment``:
        ``bysetpos`` picks within a period before the ``dtstart`` filter, so periods are
        unchanged. Monthly and yearly rules restart on the 1st (of January), so the day (and
        month) that ``dtstart`` implied are passed explicitly. A property test compares this
        with the plain search.
        """
        start = self.start
        if self.count is not None or moment <= start:
            return start, {}
        if self.frequency in ("daily", "weekly"):
            step = self.interval * (7 if self.frequency == "weekly" else 1)
            periods = (moment - start).days // step - 1
            if periods <= 0:
                return start, {}
            return start + timedelta(days=periods * step), {}
        implied: dict[str, int] = {}
        if self.frequency == "monthly":
            months = (moment.year - start.year) * 12 + moment.month - start.month
            periods = months // self.interval - 1
            if periods <= 0:
                return start, {}
            index = start.month - 1 + periods * self.interval
            year, month = start.year + index // 12, index % 12 + 1
            if not self.weekdays:
                implied["bymonthday"] = start.day
        else:
            periods = (moment.year - start.year) // self.interval - 1
            if periods <= 0:
                return start, {}
            year, month = start.year + periods * self.interval, 1
            if not self.weekdays:
                implied["bymonth"] = start.month
                implied["bymonthday"] = start.day
        return start.replace(year=year, month=month, day=1), implied


def first_delivery(rule: Rule, now: datetime) -> datetime | None:
    """``next_delivery_date`` on create or after a schedule edit: after ``now`` + 15 minutes."""
    return rule.next_after(now + DELIVERY_BUFFER)


def following_delivery(rule: Rule, previous: datetime, now: datetime) -> datetime | None:
    """The scheduler's next value after delivering ``previous``."""
    return rule.next_after(max(previous, now + DELIVERY_BUFFER))
