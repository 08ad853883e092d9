"""Routes: ``organizations_router.register(r"members", ...)`` (``posthog/api/__init__.py``),
looked up by ``user__uuid``; scopes ``organization_member:read`` / ``:write``."""

from __future__ import annotations

from phemu.resources.organization_members import responses
from phemu.routing import Route
from phemu.routing import ScopedRoute

ROUTES: tuple[Route, ...] = (
    Route(
        "/api/organizations/<organization>/members/",
        "organization_members.list",
        {"GET": responses.list_},
        "organization_member",
        # ``<organization>`` is the parent, not an object: a PATCH here is DRF's list ``patch``.
        mapped=frozenset({"PATCH"}),
        nested=False,
        restriction="organization",
        target=responses.target,
    ),
    Route(
        "/api/organizations/<organization>/members/<user_uuid>/",
        "organization_members.detail",
        {"PUT": responses.update, "PATCH": responses.update, "DELETE": responses.destroy},
        "organization_member",
        nested=False,
        restriction="organization",
        target=responses.target,
    ),
    # An @action without required_scopes: personal API keys get PostHog's 403.
    ScopedRoute(
        "/api/organizations/<organization>/members/<user_uuid>/scoped_api_keys/",
        "organization_members.scoped_api_keys",
        {"GET": responses.scoped_api_keys},
        "organization_member",
        nested=False,
        restriction="organization",
        target=responses.target,
        scopes=None,
    ),
)
