"""Routes of the query resource (``posthog/api/query.py``: ``QueryViewSet.create``).

Scope ``query:read`` for POST (``scope_object_read_actions`` includes ``create``), throttled
in PostHog's ClickHouse family.
"""

from __future__ import annotations

from phemu.resources.query.responses import create
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
)
