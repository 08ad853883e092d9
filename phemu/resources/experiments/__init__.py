"""Experiments: ``{prefix}/experiments/`` and the feature flags they create
(``emulator.experiments``)."""

from __future__ import annotations

from phemu.resources._base import Resource
from phemu.resources.experiments import seed
from phemu.resources.experiments.models import ExperimentsBackend
from phemu.resources.experiments.urls import ROUTES

RESOURCE = Resource(
    name="experiments",
    backend=ExperimentsBackend,
    routes=ROUTES,
    seed_sections=(seed.SECTION,),
)
