"""Routes: ``posthog/api/__init__.py`` registers ``ExperimentSavedMetricViewSet`` on
``projects_router`` (scope ``experiment``)."""

from __future__ import annotations

from phemu.resources.experiment_saved_metrics.responses import HANDLERS
from phemu.routing import Route

ROUTES: tuple[Route, ...] = HANDLERS.routes("experiment_saved_metrics")
