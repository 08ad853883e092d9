"""Routes: ``GroupsViewSet``'s two property actions (``group:read``), under both prefixes."""

from __future__ import annotations

from phemu.resources.groups import responses
from phemu.routing import Route

ROUTES: tuple[Route, ...] = (
    Route(
        "/groups/property_definitions/",
        "groups.property_definitions",
        {"GET": responses.property_definitions},
        "group",
    ),
    Route(
        "/groups/property_values/",
        "groups.property_values",
        {"GET": responses.property_values},
        "group",
    ),
)
