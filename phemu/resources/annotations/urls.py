"""Routes: ``posthog/api/__init__.py`` registers ``AnnotationsViewSet`` on ``projects_router``."""

from __future__ import annotations

from phemu.resources._records import collection_routes
from phemu.resources.annotations import responses
from phemu.routing import Route

ROUTES: tuple[Route, ...] = collection_routes(
    "annotations",
    "annotation",
    list_=responses.list_,
    create=responses.create,
    retrieve=responses.retrieve,
    update=responses.update,
)
