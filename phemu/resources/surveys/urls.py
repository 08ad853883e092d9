"""Routes: ``posthog/api/__init__.py`` registers ``SurveyViewSet`` on ``projects_router`` only."""

from __future__ import annotations

from phemu.resources._records import collection_routes
from phemu.resources.surveys import responses
from phemu.routing import Route

ROUTES: tuple[Route, ...] = (
    *collection_routes(
        "surveys",
        "survey",
        list_=responses.list_,
        create=responses.create,
        retrieve=responses.retrieve,
        update=responses.update,
        destroy=responses.destroy,
    ),
    Route(
        "/surveys/responses_count/",
        "surveys.responses_count",
        {"GET": responses.responses_count},
        "survey",
        prefixes=("projects",),
    ),
)
