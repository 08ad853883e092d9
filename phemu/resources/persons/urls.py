"""Routes of the persons resource (``PersonViewSet``: ClickHouse throttles for API keys)."""

from __future__ import annotations

from phemu.resources.persons import responses
from phemu.routing import Route

ROUTES: tuple[Route, ...] = (
    Route(
        "/persons/",
        "persons.list",
        {"GET": responses.list_, "POST": responses.create},
        "person",
        throttle="clickhouse",
    ),
    Route(
        "/persons/values/",
        "persons.values",
        {"GET": responses.values},
        "person",
        throttle="clickhouse",
    ),
    Route(
        "/persons/<pk>/",
        "persons.retrieve",
        {
            "GET": responses.retrieve,
            "PUT": responses.update,
            "PATCH": responses.update,
            "DELETE": responses.destroy,
        },
        "person",
        throttle="clickhouse",
    ),
    Route(
        "/persons/<pk>/update_property/",
        "persons.update_property",
        {"POST": responses.update_property},
        "person",
        throttle="clickhouse",
    ),
    Route(
        "/persons/<pk>/delete_property/",
        "persons.delete_property",
        {"POST": responses.delete_property},
        "person",
        throttle="clickhouse",
    ),
)
