"""Event and property definitions (``{prefix}/event_definitions/``,
``{prefix}/property_definitions/``, ``emulator.definitions``): derived from the event store and
declared by seeds."""

from __future__ import annotations

from phemu.resources._base import Resource
from phemu.resources.definitions.models import DefinitionsBackend
from phemu.resources.definitions.seed import export_events
from phemu.resources.definitions.seed import export_properties
from phemu.resources.definitions.seed import load_events
from phemu.resources.definitions.seed import load_properties
from phemu.resources.definitions.urls import ROUTES
from phemu.seed import SeedSection

RESOURCE = Resource(
    name="definitions",
    routes=ROUTES,
    backend=DefinitionsBackend,
    seed_sections=(
        SeedSection("event_definitions", load_events, export_events),
        SeedSection("property_definitions", load_properties, export_properties),
    ),
)
