"""Experiment holdouts: ``{prefix}/experiment_holdouts/`` (``emulator.experiment_holdouts``)."""

from __future__ import annotations

from phemu.resources._base import Resource
from phemu.resources.experiment_holdouts import seed
from phemu.resources.experiment_holdouts.models import ExperimentHoldoutsBackend
from phemu.resources.experiment_holdouts.urls import ROUTES

RESOURCE = Resource(
    name="experiment_holdouts",
    backend=ExperimentHoldoutsBackend,
    routes=ROUTES,
    seed_sections=(seed.SECTION,),
)
