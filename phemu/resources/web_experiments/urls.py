"""Routes: ``posthog/api/__init__.py`` registers ``WebExperimentViewSet`` on
``projects_router`` (scope ``experiment``; ``TeamAndOrgViewSetMixin.get_authenticators`` adds
personal API keys after its ``TemporaryTokenAuthentication``)."""

from __future__ import annotations

from phemu.resources.web_experiments.responses import HANDLERS
from phemu.routing import Route

ROUTES: tuple[Route, ...] = HANDLERS.routes("web_experiments")
