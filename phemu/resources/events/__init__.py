"""Events: the per-project store of captured events, ``{prefix}/events/``, ``emulator.events``."""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

from phemu.resources._base import Resource
from phemu.resources.events.models import EventsBackend
from phemu.resources.events.urls import ROUTES
from phemu.seed import SeedSection

if TYPE_CHECKING:
    from phemu.emulator import Emulator


def _load(emulator: Emulator, records: list[dict[str, Any]]) -> None:
    EventsBackend(emulator).load(records)


def _export(emulator: Emulator) -> list[dict[str, Any]]:
    return EventsBackend(emulator).export()


RESOURCE = Resource(
    name="events",
    backend=EventsBackend,
    routes=ROUTES,
    # Captured events export under their own key: the sessions resource owns "events" (seeded
    # raw events) and re-derives its sessions from its own copy, so nothing is loaded twice.
    seed_sections=(SeedSection("captured_events", _load, _export),),
)
