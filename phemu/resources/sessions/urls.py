"""The session routes (``SessionViewSet``: ``query:read``, the ``clickhouse`` throttle)."""

from __future__ import annotations

from phemu.resources.sessions import responses
from phemu.routing import Route

ROUTES: tuple[Route, ...] = (
    Route(
        "/sessions/property_definitions/",
        "sessions.property_definitions",
        {"GET": responses.property_definitions},
        "query",
        throttle="clickhouse",
        operations={"GET": "sessions_property_definitions_retrieve"},
    ),
    Route(
        "/sessions/values/",
        "sessions.values",
        {"GET": responses.values},
        "query",
        throttle="clickhouse",
        operations={"GET": "sessions_values_retrieve"},
    ),
)
