"""Routes: ``posthog/api/__init__.py`` registers ``ExperimentSavedMetricViewSet`` on
``projects_router`` (scope ``experiment``)."""

from __future__ import annotations

from phemu.resources._records import collection_routes
from phemu.resources.experiment_saved_metrics.responses import HANDLERS
from phemu.routing import Route

ROUTES: tuple[Route, ...] = collection_routes(
    "experiment_saved_metrics",
    "experiment",
    list_=HANDLERS.list_,
    create=HANDLERS.create,
    retrieve=HANDLERS.retrieve,
    update=HANDLERS.update,
    destroy=HANDLERS.destroy,
)
