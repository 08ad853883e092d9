"""Cohorts: static and property cohorts for flag evaluation (``emulator.cohorts``, seeds)."""

from __future__ import annotations

from phemu.resources._base import Resource
from phemu.resources.cohorts import seed
from phemu.resources.cohorts.models import CohortsBackend

RESOURCE = Resource(
    name="cohorts",
    backend=CohortsBackend,
    routes=(),
    seed_sections=(seed.SECTION,),
)
