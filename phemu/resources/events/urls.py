"""Routes of the events resource."""

from __future__ import annotations

from phemu.resources.events import responses
from phemu.routing import Route

ROUTES: tuple[Route, ...] = (
    Route("/events/", "events.list", {"GET": responses.list_}, "query", throttle="clickhouse"),
    Route(
        "/events/values/",
        "events.values",
        {"GET": responses.values},
        "query",
        throttle="clickhouse",
    ),
    Route(
        "/events/<pk>/",
        "events.retrieve",
        {"GET": responses.retrieve},
        "query",
        throttle="clickhouse",
    ),
)
