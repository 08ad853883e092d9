"""The emulator clock: real time by default, frozen, set or advanced on demand.

Every timestamp phemu produces comes from a :class:`Clock`, so a test that freezes it gets
byte-identical ``created_at`` values and can drive the subscription scheduler by advancing it.
The only wall-clock read in the package is the injectable ``time_source`` below.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from functools import lru_cache

#: The common shape of seeded instants, which the standard library parses (dateutil's parser
#: handles every other ISO 8601 spelling, at many times the cost).
_PLAIN_ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{3}|\.\d{6})?(?:Z|[+-]\d\d:\d\d)?")


@lru_cache(maxsize=4096)
def _parse_text(value: str) -> datetime:
    # Seeds repeat the same few instants for every Emulator a test suite creates; datetimes are
    # immutable, so parsing each string once per process is safe.
    if _PLAIN_ISO.fullmatch(value):
        return _to_utc(datetime.fromisoformat(value[:-1] + "+00:00" if value[-1] == "Z" else value))
    # Imported here: dateutil's parser costs more to import than the rest of the clock, and most
    # processes never meet an instant the standard library cannot read.
    from dateutil.parser import isoparse

    return _to_utc(isoparse(value))


def parse_instant(value: str | datetime) -> datetime:
    """An aware UTC datetime from an ISO 8601 string or datetime (naive values are UTC).

    The one parser of instants phemu accepts from people (seeds, the clock, the control plane);
    request bodies use DRF's rules instead (:func:`phemu.fields.parse_datetime`).

    :raises ValueError: for anything else (the caller names the field).
    """
    if isinstance(value, str):
        try:
            return _parse_text(value)
        except OverflowError:
            raise ValueError(f"not an ISO 8601 datetime: {value!r}") from None
    if isinstance(value, datetime):
        return _to_utc(value)
    raise ValueError(f"not an ISO 8601 datetime: {value!r}")


def _to_utc(dt: datetime) -> datetime:
    if dt.tzinfo is None:
        return dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc)


class Clock:
    """A thread-safe clock owned by one emulator.

    ``listeners`` are called (outside the lock) after every change so the scheduler can run its
    tick; they receive the new time.
    """

    def __init__(self, time_source: Callable[[], float] = time.time) -> None:
        self._time_source = time_source
        self._lock = threading.Lock()
        self._frozen_at: datetime | None = None
        self._offset = timedelta(0)
        self.listeners: list[Callable[[datetime], None]] = []

    def now(self) -> datetime:
        """The current emulator time, an aware UTC datetime."""
        with self._lock:
            if self._frozen_at is not None:
                return self._frozen_at
            return self._real_now() + self._offset

    @property
    def frozen(self) -> bool:
        return self._frozen_at is not None

    def freeze(self, at: str | datetime | None = None) -> datetime:
        """Stop time at ``at`` (default: the current emulator time)."""
        with self._lock:
            if at is not None:
                target = parse_instant(at)
            elif self._frozen_at is not None:
                target = self._frozen_at
            else:
                target = self._real_now() + self._offset
            self._frozen_at = target
        self._notify(target)
        return target

    def unfreeze(self) -> datetime:
        """Let time run again from the frozen instant."""
        with self._lock:
            if self._frozen_at is not None:
                self._offset = self._frozen_at - self._real_now()
                self._frozen_at = None
            current = self._real_now() + self._offset
        self._notify(current)
        return current

    def set(self, at: str | datetime) -> datetime:
        """Jump to ``at``; a frozen clock stays frozen there, a running one runs on from it."""
        target = parse_instant(at)
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at = target
            else:
                self._offset = target - self._real_now()
        self._notify(target)
        return target

    def advance(self, delta: timedelta | float) -> datetime:
        """Move time forward by ``delta`` (a timedelta or seconds)."""
        step = delta if isinstance(delta, timedelta) else timedelta(seconds=delta)
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at = self._frozen_at + step
                current = self._frozen_at
            else:
                self._offset += step
                current = self._real_now() + self._offset
        self._notify(current)
        return current

    def reset(self) -> None:
        """Back to real time with no offset (used by emulator reset)."""
        with self._lock:
            self._frozen_at = None
            self._offset = timedelta(0)

    def state(self) -> dict[str, object]:
        """What a state file keeps of the clock: the frozen instant, or the offset from real time
        in microseconds (``{"frozen_at": null, "offset_us": 0}`` is plain real time)."""
        from phemu.serialization import format_datetime

        with self._lock:
            return {
                "frozen_at": format_datetime(self._frozen_at),
                "offset_us": self._offset // timedelta(microseconds=1),
            }

    def restore(self, state: object) -> None:
        """Undo :meth:`state`; ``ValueError`` if ``state`` is not one of its results."""
        if not isinstance(state, dict) or set(state) != {"frozen_at", "offset_us"}:
            raise ValueError("not a clock state")
        frozen, offset = state["frozen_at"], state["offset_us"]
        if isinstance(offset, bool) or not isinstance(offset, int):
            raise ValueError("offset_us must be an integer")
        at = None if frozen is None else parse_instant(frozen)
        try:
            step = timedelta(microseconds=offset)
        except OverflowError:
            raise ValueError("offset_us is out of range") from None
        with self._lock:
            self._frozen_at = at
            self._offset = step
        self._notify(self.now())

    def describe(self) -> dict[str, object]:
        from phemu.serialization import format_datetime

        return {"now": format_datetime(self.now()), "frozen": self.frozen}

    def _real_now(self) -> datetime:
        return datetime.fromtimestamp(self._time_source(), tz=timezone.utc)

    def _notify(self, current: datetime) -> None:
        for listener in list(self.listeners):
            listener(current)
