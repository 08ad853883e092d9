"""Routes: ``posthog/api/__init__.py`` registers the experiments viewset on ``projects_router``."""

from __future__ import annotations

from phemu.resources._records import collection_routes
from phemu.resources.cohorts import other_routes as cohorts
from phemu.resources.experiments import responses
from phemu.routing import Route

ROUTES: tuple[Route, ...] = (
    *collection_routes(
        "experiments",
        "experiment",
        list_=responses.list_,
        create=responses.create,
        retrieve=responses.retrieve,
        update=responses.update,
    ),
    Route(
        "/experiments/<pk>/create_exposure_cohort_for_experiment/",
        "experiments.create_exposure_cohort_for_experiment",
        {"POST": cohorts.exposure_cohort},
        "experiment",
        prefixes=("projects",),
    ),
)
