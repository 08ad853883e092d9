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
    # One store, two sections: captured events export here under "captured_events"; the raw
    # events of seeds, as the seeds gave them, under the sessions resource's "events".
    seed_sections=(seed.SECTION,),
)
