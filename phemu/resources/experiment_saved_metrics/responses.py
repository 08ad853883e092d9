"""Thin handlers for ``{prefix}/experiment_saved_metrics/`` (``ExperimentSavedMetricViewSet``,
``ee/clickhouse/views/experiment_saved_metrics.py``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from phemu.resources.experiment_saved_metrics.models import ExperimentSavedMetricsBackend
from phemu.resources.experiments.named import Handlers

if TYPE_CHECKING:
    from phemu.context import RequestContext


def _backend(ctx: RequestContext) -> ExperimentSavedMetricsBackend:
    return ExperimentSavedMetricsBackend.of(ctx.emulator)


HANDLERS = Handlers(_backend)
