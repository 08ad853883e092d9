"""Routes: ``posthog/api/__init__.py`` registers ``CohortViewSet`` on ``projects_router`` only."""

from __future__ import annotations

from phemu.resources._records import collection_routes
from phemu.resources.cohorts import responses
from phemu.routing import Route
from phemu.routing import ScopedRoute

ROUTES: tuple[Route, ...] = (
    *collection_routes(
        "cohorts",
        "cohort",
        list_=responses.list_,
        create=responses.create,
        retrieve=responses.retrieve,
        update=responses.update,
    ),
    *(
        Route(
            f"/cohorts/<pk>/{action}/",
            f"cohorts.{action}",
            {"PATCH": handler},
            "cohort",
            prefixes=("projects",),
        )
        for action, handler in (
            ("add_persons_to_static_cohort", responses.add_persons),
            ("remove_person_from_static_cohort", responses.remove_person),
        )
    ),
    *(
        Route(path, f"cohorts.{name}", {"GET": handler}, "activity_log", prefixes=("projects",))
        for path, name, handler in (
            ("/cohorts/activity/", "all_activity", responses.all_activity),
            ("/cohorts/<pk>/activity/", "activity", responses.activity),
        )
    ),
    Route(
        "/cohorts/<pk>/calculation_history/",
        "cohorts.calculation_history",
        {"GET": responses.calculation_history},
        "cohort",
        prefixes=("projects",),
    ),
    ScopedRoute(
        "/cohorts/<pk>/duplicate_as_static_cohort/",
        "cohorts.duplicate_as_static_cohort",
        {"GET": responses.duplicate_as_static},
        "cohort",
        prefixes=("projects",),
        scopes=("cohort:write",),
    ),
    ScopedRoute(
        "/cohorts/<pk>/persons/",
        "cohorts.persons",
        {"GET": responses.persons},
        "cohort",
        prefixes=("projects",),
        scopes=("cohort:read", "person:read"),
    ),
)
