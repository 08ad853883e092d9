"""Routes of the definitions resource: PostHog registers both viewsets on ``projects_router``
only (``posthog/api/__init__.py``), so there is no ``/api/environments/`` twin."""

from __future__ import annotations

from phemu.resources.definitions import responses
from phemu.routing import Route

PROJECTS = ("projects",)

ROUTES: tuple[Route, ...] = (
    Route(
        "/event_definitions/",
        "event_definitions.list",
        {"GET": responses.list_events},
        "event_definition",
        prefixes=PROJECTS,
    ),
    Route(
        "/event_definitions/typescript/",
        "event_definitions.typescript",
        {"GET": responses.typescript},
        "event_definition",
        prefixes=PROJECTS,
    ),
    Route(
        "/event_definitions/<pk>/",
        "event_definitions.retrieve",
        {
            "GET": responses.retrieve_event,
            "PUT": responses.update_event,
            "PATCH": responses.update_event,
            "DELETE": responses.delete_event,
        },
        "event_definition",
        prefixes=PROJECTS,
    ),
    Route(
        "/event_definitions/<pk>/metrics/",
        "event_definitions.metrics",
        {"GET": responses.event_metrics},
        "event_definition",
        prefixes=PROJECTS,
    ),
    Route(
        "/property_definitions/",
        "property_definitions.list",
        {"GET": responses.list_properties},
        "property_definition",
        prefixes=PROJECTS,
    ),
    Route(
        "/property_definitions/seen_together/",
        "property_definitions.seen_together",
        {"GET": responses.seen_together},
        "property_definition",
        prefixes=PROJECTS,
    ),
    Route(
        "/property_definitions/<pk>/",
        "property_definitions.retrieve",
        {
            "GET": responses.retrieve_property,
            "PUT": responses.update_property,
            "PATCH": responses.update_property,
            "DELETE": responses.delete_property,
        },
        "property_definition",
        prefixes=PROJECTS,
    ),
)
