"""The insight routes (``InsightViewSet``: JSON bodies only, the ``clickhouse`` throttle)."""

from __future__ import annotations

from phemu.resources.insights import responses
from phemu.routing import Route

ROUTES: tuple[Route, ...] = (
    Route(
        "/insights/",
        "insights.list",
        {"GET": responses.list_, "POST": responses.create},
        "insight",
        throttle="clickhouse",
        json_only=True,
        name="Insight List",
        operations={"GET": "insights_list", "POST": "insights_create"},
    ),
    Route(
        "/insights/<pk>/",
        "insights.detail",
        {"GET": responses.retrieve, "PATCH": responses.partial_update},
        "insight",
        forbid_destroy=True,
        mapped=frozenset({"PUT"}),  # a ModelViewSet update, not emulated
        throttle="clickhouse",
        json_only=True,
        name="Insight Instance",
        operations={
            "GET": "insights_retrieve",
            "PATCH": "insights_partial_update",
            "DELETE": "insights_destroy",
        },
    ),
)
