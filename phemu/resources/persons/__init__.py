"""Persons and groups: ingestion's person rules, ``{prefix}/persons/`` and ``emulator.persons``."""

from __future__ import annotations

from phemu.resources._base import Resource
from phemu.resources.persons.models import PersonsBackend
from phemu.resources.persons.seed import export_groups
from phemu.resources.persons.seed import export_persons
from phemu.resources.persons.seed import load_groups
from phemu.resources.persons.seed import load_persons
from phemu.resources.persons.urls import ROUTES
from phemu.seed import SeedSection

RESOURCE = Resource(
    name="persons",
    backend=PersonsBackend,
    routes=ROUTES,
    seed_sections=(
        SeedSection("persons", load_persons, export_persons),
        SeedSection("groups", load_groups, export_groups),
    ),
)
