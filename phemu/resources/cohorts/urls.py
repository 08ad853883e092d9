"""Routes: ``posthog/api/__init__.py`` registers ``CohortViewSet`` on ``projects_router`` only."""

from __future__ import annotations

from phemu.resources.cohorts import responses
from phemu.routing import Route

PROJECTS = ("projects",)

ROUTES: tuple[Route, ...] = (
    Route(
        "/cohorts/",
        "cohorts.list",
        {"GET": responses.list_, "POST": responses.create},
        "cohort",
        prefixes=PROJECTS,
    ),
    Route(
        "/cohorts/<pk>/",
        "cohorts.detail",
        {"GET": responses.retrieve, "PUT": responses.update, "PATCH": responses.update},
        "cohort",
        forbid_destroy=True,
        prefixes=PROJECTS,
    ),
    Route(
        "/cohorts/<pk>/add_persons_to_static_cohort/",
        "cohorts.add_persons_to_static_cohort",
        {"PATCH": responses.add_persons},
        "cohort",
        prefixes=PROJECTS,
    ),
    Route(
        "/cohorts/<pk>/remove_person_from_static_cohort/",
        "cohorts.remove_person_from_static_cohort",
        {"PATCH": responses.remove_person},
        "cohort",
        prefixes=PROJECTS,
    ),
)
