"""Routes of the query resource (``posthog/api/query.py``: ``QueryViewSet``).

Scope ``query:read`` for every method (``scope_object_read_actions`` lists ``create``,
``retrieve`` and ``destroy``), throttled in PostHog's ClickHouse family.
"""

from __future__ import annotations

from phemu.resources.query.responses import create
from phemu.resources.query.responses import destroy
from phemu.resources.query.responses import retrieve
from phemu.routing import Route

ROUTES = (
    Route(
        "/query/",
        "query.create",
        {"POST": create},
        "query",
        read_methods=frozenset({"POST"}),
        throttle="clickhouse",
        operations={"POST": "query_create"},
    ),
    Route(
        "/query/<id>/",
        "query.detail",
        {"GET": retrieve, "DELETE": destroy},
        "query",
        read_methods=frozenset({"GET", "DELETE"}),
        throttle="clickhouse",
        operations={"GET": "query_retrieve", "DELETE": "query_destroy"},
    ),
)
