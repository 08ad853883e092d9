"""The ``experiment_saved_metrics`` seed section: :meth:`ExperimentSavedMetricsBackend.load`
reads the records and :meth:`ExperimentSavedMetricsBackend.export` writes them."""

from __future__ import annotations

from phemu.resources._base import backend_section
from phemu.resources.experiment_saved_metrics.models import ExperimentSavedMetricsBackend

SECTION = backend_section("experiment_saved_metrics", ExperimentSavedMetricsBackend)
