"""Experiment saved (shared) metrics: ``{prefix}/experiment_saved_metrics/``
(``emulator.experiment_saved_metrics``)."""

from __future__ import annotations

from phemu.resources._base import Resource
from phemu.resources.experiment_saved_metrics import seed
from phemu.resources.experiment_saved_metrics.models import ExperimentSavedMetricsBackend
from phemu.resources.experiment_saved_metrics.urls import ROUTES

RESOURCE = Resource(
    name="experiment_saved_metrics",
    backend=ExperimentSavedMetricsBackend,
    routes=ROUTES,
    seed_sections=(seed.SECTION,),
)
