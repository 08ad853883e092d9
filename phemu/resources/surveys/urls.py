"""Routes: ``posthog/api/__init__.py`` registers ``SurveyViewSet`` on ``projects_router`` only."""

from __future__ import annotations

from phemu.resources._records import collection_routes
from phemu.resources.surveys import responses
from phemu.resources.surveys import summary
from phemu.routing import Route
from phemu.routing import ScopedRoute

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
    *(
        Route(path, f"surveys.{name}", {"GET": handler}, "survey", prefixes=("projects",))
        for path, name, handler in (
            ("/surveys/stats/", "global_stats", responses.global_stats),
            ("/surveys/<pk>/stats/", "survey_stats", responses.survey_stats),
        )
    ),
    Route(
        "/surveys/<pk>/duplicate_to_projects/",
        "surveys.duplicate_to_projects",
        {"POST": responses.duplicate_to_projects},
        "survey",
        prefixes=("projects",),
    ),
    *(
        Route(path, f"surveys.{name}", {"GET": handler}, "activity_log", prefixes=("projects",))
        for path, name, handler in (
            ("/surveys/activity/", "all_activity", responses.all_activity),
            ("/surveys/<pk>/activity/", "activity", responses.activity),
        )
    ),
    # ``@action(required_scopes=["survey:read"])`` on a POST.
    ScopedRoute(
        "/surveys/<pk>/summarize_responses/",
        "surveys.summarize_responses",
        {"POST": summary.summarize},
        "survey",
        prefixes=("projects",),
        scopes=("survey:read",),
    ),
    Route(
        "/surveys/responses_count/",
        "surveys.responses_count",
        {"GET": responses.responses_count},
        "survey",
        prefixes=("projects",),
    ),
)
