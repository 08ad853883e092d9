"""Routes: ``posthog/api/__init__.py`` registers ``AnnotationsViewSet`` on ``projects_router``."""

from __future__ import annotations

from phemu.resources.annotations import responses
from phemu.routing import Route

PROJECTS = ("projects",)

ROUTES: tuple[Route, ...] = (
    Route(
        "/annotations/",
        "annotations.list",
        {"GET": responses.list_, "POST": responses.create},
        "annotation",
        prefixes=PROJECTS,
    ),
    Route(
        "/annotations/<pk>/",
        "annotations.detail",
        {"GET": responses.retrieve, "PUT": responses.update, "PATCH": responses.update},
        "annotation",
        forbid_destroy=True,
        prefixes=PROJECTS,
    ),
)
