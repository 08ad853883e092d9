"""Routes: ``posthog/api/__init__.py`` registers ``SurveyViewSet`` on ``projects_router`` only."""

from __future__ import annotations

from phemu.resources.surveys import responses
from phemu.routing import Route

PROJECTS = ("projects",)

ROUTES: tuple[Route, ...] = (
    Route(
        "/surveys/",
        "surveys.list",
        {"GET": responses.list_, "POST": responses.create},
        "survey",
        prefixes=PROJECTS,
    ),
    Route(
        "/surveys/responses_count/",
        "surveys.responses_count",
        {"GET": responses.responses_count},
        "survey",
        prefixes=PROJECTS,
    ),
    Route(
        "/surveys/<pk>/",
        "surveys.detail",
        {
            "GET": responses.retrieve,
            "PUT": responses.update,
            "PATCH": responses.update,
            "DELETE": responses.destroy,
        },
        "survey",
        prefixes=PROJECTS,
    ),
)
