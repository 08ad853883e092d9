"""Persons and groups: ingestion's person rules, ``{prefix}/persons/`` and ``emulator.persons``."""

from __future__ import annotations

from phemu.resources._base import Resource
from phemu.resources.persons.models import PersonsBackend
from phemu.resources.persons.seed import SECTIONS
from phemu.resources.persons.urls import ROUTES

RESOURCE = Resource(
    name="persons",
    backend=PersonsBackend,
    routes=ROUTES,
    seed_sections=SECTIONS,
)
