"""Routes: ``posthog/api/__init__.py`` registers the experiments viewset on ``projects_router``."""

from __future__ import annotations

from phemu.resources._records import collection_routes
from phemu.resources.experiments import responses
from phemu.routing import Route

ROUTES: tuple[Route, ...] = collection_routes(
    "experiments",
    "experiment",
    list_=responses.list_,
    create=responses.create,
    retrieve=responses.retrieve,
    update=responses.update,
)
