"""Per-key sliding-window throttling, as PostHog's DRF throttles apply it.

Off unless configured. Buckets are keyed by throttle scope and the key's hash, so one budget is
shared by every endpoint of that scope and every project; time is the emulator clock.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from phemu.errors import ConfigurationError
from phemu.errors import Throttled

_UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}

#: PostHog's budgets: CRUD endpoints and query (ClickHouse-backed) endpoints.
POSTHOG_RATES: dict[str, str] = {
    "burst": "480/minute",
    "sustained": "4800/hour",
    "clickhouse_burst": "240/minute",
    "clickhouse_sustained": "1200/hour",
}

#: Which throttle scopes guard each route family (``Route.throttle``).
FAMILIES: dict[str, tuple[str, str]] = {
    "burst": ("burst", "sustained"),
    "clickhouse": ("clickhouse_burst", "clickhouse_sustained"),
}


@dataclass(frozen=True)
class Rate:
    budget: int
    period: float

    @classmethod
    def parse(cls, text: str) -> Rate:
        """``"480/minute"``: units second, minute, hour, day, judged by the first letter as DRF
        does (``"480/m"`` and ``"480/min"`` work too)."""
        try:
            count, unit = str(text).split("/")
            first = unit.strip().lower()[:1]
            seconds = next(v for k, v in _UNITS.items() if first and k.startswith(first))
            budget = int(count)
            if budget < 0:
                raise ValueError(count)
            return cls(budget, float(seconds))
        except (ValueError, StopIteration):
            raise ConfigurationError(
                f"invalid throttle rate {text!r} (use e.g. '480/minute')"
            ) from None


class Throttler:
    """Sliding windows of admitted request times per (scope, key)."""

    def __init__(self, rates: Mapping[str, str] | None = None) -> None:
        merged = dict(POSTHOG_RATES)
        for scope in rates or {}:
            if scope not in merged:
                raise ConfigurationError(f"unknown throttle scope {scope!r}")
        merged.update(rates or {})
        self.rates = {scope: Rate.parse(text) for scope, text in merged.items()}
        self._windows: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_setting(cls, setting: str | Mapping[str, str]) -> Throttler:
        """``"posthog"`` (PostHog's budgets) or a mapping of budget overrides."""
        if isinstance(setting, str):
            if setting != "posthog":
                raise ConfigurationError(f"unknown rate limit set {setting!r} (use 'posthog')")
            return cls()
        return cls(setting)

    def check(self, family: str, key_id: str, now: datetime) -> None:
        """Admit the request or raise PostHog's 429 with the longest wait of any budget."""
        moment = now.timestamp()
        waits: list[float] = []
        with self._lock:
            for scope in FAMILIES[family]:
                rate = self.rates[scope]
                window = self._windows.setdefault((scope, key_id), deque())
                while window and window[-1] > moment:
                    window.pop()  # the clock was set back: forget requests "from the future"
                while window and window[0] <= moment - rate.period:
                    window.popleft()
                if len(window) >= rate.budget:
                    # DRF: an empty window (a budget of 0) waits a whole period.
                    oldest = window[0] if window else moment
                    waits.append(rate.period - (moment - oldest))
                else:
                    window.append(moment)
        if waits:
            raise Throttled(max(1, math.ceil(max(waits))))

    def clear(self) -> None:
        with self._lock:
            self._windows.clear()
