"""Routes: ``posthog/api/__init__.py`` registers the experiments viewset on ``projects_router``."""

from __future__ import annotations

from phemu.resources.experiments import responses
from phemu.routing import Route

PROJECTS = ("projects",)

ROUTES: tuple[Route, ...] = (
    Route(
        "/experiments/",
        "experiments.list",
        {"GET": responses.list_, "POST": responses.create},
        "experiment",
        prefixes=PROJECTS,
    ),
    Route(
        "/experiments/<pk>/",
        "experiments.detail",
        {"GET": responses.retrieve, "PUT": responses.update, "PATCH": responses.update},
        "experiment",
        forbid_destroy=True,
        prefixes=PROJECTS,
    ),
)
