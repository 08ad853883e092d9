"""Routes: ``{prefix}/feature_flags/...`` (personal API key) and the flags service's doors."""

from __future__ import annotations

from typing import TYPE_CHECKING

from phemu.resources.activity_log.responses import activity_response
from phemu.resources.capture.responses import project_for_token
from phemu.resources.cohorts import other_routes as cohorts
from phemu.resources.feature_flags import responses
from phemu.routing import Handler
from phemu.routing import Route
from phemu.routing import ScopedRoute

if TYPE_CHECKING:
    from phemu.context import RequestContext
    from phemu.store import Organization
    from phemu.store import Project


def _token_project(ctx: RequestContext) -> tuple[Project | None, Organization | None]:
    token = ctx.query.get("token")
    return (project_for_token(ctx.store, token) if token else None), None


#: ``posthog/api/__init__.py`` registers ``FeatureFlagViewSet`` on ``projects_router`` only.
PROJECTS = ("projects",)


def _door(path: str, endpoint: str, handler: Handler, methods: tuple[str, ...], name: str) -> Route:
    """A flags-service door: public (project token), the handler answering every method."""
    return Route(
        path, endpoint, dict.fromkeys(methods, handler), "", nested=False, public=True, name=name
    )


ROUTES: tuple[Route, ...] = (
    Route(
        "/feature_flags/",
        "feature_flags.list",
        {"GET": responses.list_, "POST": responses.create},
        "feature_flag",
        prefixes=PROJECTS,
    ),
    Route(
        "/feature_flags/local_evaluation/",
        "feature_flags.local_evaluation",
        {"GET": responses.local_evaluation},
        "feature_flag",
        prefixes=PROJECTS,
        secret_keys=True,
    ),
    Route(
        "/feature_flags/bulk_keys/",
        "feature_flags.bulk_keys",
        {"POST": responses.bulk_keys},
        "feature_flag",
        read_methods=frozenset({"POST"}),
        prefixes=PROJECTS,
    ),
    Route(
        "/feature_flags/<pk>/",
        "feature_flags.detail",
        {"GET": responses.retrieve, "PUT": responses.update, "PATCH": responses.update},
        "feature_flag",
        forbid_destroy=True,
        prefixes=PROJECTS,
    ),
    Route(
        "/feature_flags/activity/",
        "feature_flags.activity",
        {"GET": lambda ctx: activity_response(ctx, "FeatureFlag", None)},
        "activity_log",
        prefixes=PROJECTS,
    ),
    Route(
        "/feature_flags/<pk>/activity/",
        "feature_flags.item_activity",
        {"GET": responses.item_activity},
        "activity_log",
        prefixes=PROJECTS,
    ),
    *(
        # Actions without required_scopes: no personal API key may call them (403), the
        # app's session users can; their answers are the backend's methods of the same names.
        ScopedRoute(
            f"/feature_flags/{action}/",
            f"feature_flags.{action.replace('<pk>/', 'item_')}",
            {method: handler},
            "feature_flag",
            prefixes=PROJECTS,
            scopes=None,
        )
        for action, method, handler in (
            ("my_flags", "GET", responses.my_flags),
            ("evaluation_reasons", "GET", responses.evaluation_reasons),
            ("user_blast_radius", "POST", responses.user_blast_radius),
            ("<pk>/has_active_dependents", "POST", responses.has_active_dependents),
            ("<pk>/dashboard", "POST", responses.dashboard),
            ("<pk>/enrich_usage_dashboard", "POST", responses.enrich_usage_dashboard),
        )
    ),
    ScopedRoute(
        "/feature_flags/<pk>/create_static_cohort_for_flag/",
        "feature_flags.create_static_cohort_for_flag",
        {"POST": cohorts.for_flag},
        "feature_flag",
        prefixes=PROJECTS,
        scopes=None,
    ),
    Route(
        "/feature_flags/<pk>/remote_config/",
        "feature_flags.remote_config",
        {"GET": responses.remote_config},
        "feature_flag",
        prefixes=PROJECTS,
        secret_keys=True,
    ),
    Route(
        "/feature_flags/<pk>/status/",
        "feature_flags.status",
        {"GET": responses.status},
        "feature_flag",
        prefixes=PROJECTS,
    ),
    Route(
        "/api/feature_flag/local_evaluation/",
        "feature_flags.legacy_local_evaluation",
        {"GET": responses.local_evaluation},
        "feature_flag",
        nested=False,
        target=_token_project,
        secret_keys=True,
    ),
    _door("/flags/", "flags.evaluate", responses.flags, ("GET", "POST", "OPTIONS"), "Flags"),
    _door("/decide/", "flags.decide", responses.decide, ("GET", "POST", "OPTIONS"), "Decide"),
    _door(
        "/flags/definitions/",
        "flags.definitions",
        responses.definitions,
        ("GET", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"),
        "Flag definitions",
    ),
)
