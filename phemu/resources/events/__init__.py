"""Events: the per-project store of captured events, ``{prefix}/events/``, ``emulator.events``."""

from __future__ import annotations

from phemu.resources._base import Resource
from phemu.resources.events import seed
from phemu.resources.events.models import EventsBackend
from phemu.resources.events.urls import ROUTES

RESOURCE = Resource(
    name="events",
    backend=EventsBackend,
    routes=ROUTES,
    # Captured events export under their own key: the sessions resource owns "events" (seeded
    # raw events) and re-derives its sessions from its own copy, so nothing is loaded twice.
    seed_sections=(seed.SECTION,),
)
