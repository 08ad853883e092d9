"""The outbox: what PostHog would have delivered (``docs/subscriptions.md``).

phemu sends nothing; it records deliveries so tests can assert on them, and hands each entry to
the ``phemu_subscription_delivery`` hook so a plugin can forward it somewhere real.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


class Outbox:
    def __init__(self, on_delivery: Callable[[dict[str, Any]], None] | None = None) -> None:
        self._entries: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._on_delivery = on_delivery

    def append(self, entry: dict[str, Any]) -> dict[str, Any]:
        """Record ``entry`` (its ``id`` is assigned here, from 1) and notify plugins."""
        with self._lock:
            record = {"id": len(self._entries) + 1, **entry}
            self._entries.append(record)
        if self._on_delivery is not None:
            self._on_delivery(record)
        return record

    def entries(self, **filters: Any) -> list[dict[str, Any]]:
        """Entries matching every ``key=value`` filter, oldest first."""
        with self._lock:
            items = list(self._entries)
        return [e for e in items if all(e.get(k) == v for k, v in filters.items())]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
