"""Cohorts: ``{prefix}/cohorts/`` with PostHog's serializer rules, counts from the person store,
static members, and the cohorts flag evaluation reads (``emulator.cohorts``, seeds)."""

from __future__ import annotations

from phemu.resources._base import Resource
from phemu.resources.cohorts import seed
from phemu.resources.cohorts.models import CohortsBackend
from phemu.resources.cohorts.urls import ROUTES

RESOURCE = Resource(
    name="cohorts",
    backend=CohortsBackend,
    routes=ROUTES,
    seed_sections=(seed.SECTION,),
)
