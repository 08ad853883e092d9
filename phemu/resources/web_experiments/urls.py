"""Routes: ``posthog/api/__init__.py`` registers ``WebExperimentViewSet`` on
``projects_router`` (scope ``experiment``; ``TeamAndOrgViewSetMixin.get_authenticators`` adds
personal API keys after its ``TemporaryTokenAuthentication``)."""

from __future__ import annotations

from phemu.resources._records import collection_routes
from phemu.resources.web_experiments import responses
from phemu.routing import Route

ROUTES: tuple[Route, ...] = collection_routes(
    "web_experiments",
    "experiment",
    list_=responses.list_,
    create=responses.create,
    retrieve=responses.retrieve,
    update=responses.update,
    destroy=responses.destroy,
)
