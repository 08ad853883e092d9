"""The dashboard routes (``DashboardViewSet``)."""

from __future__ import annotations

from phemu.resources.dashboards import responses
from phemu.routing import Route

ROUTES: tuple[Route, ...] = (
    Route(
        "/dashboards/",
        "dashboards.list",
        {"GET": responses.list_, "POST": responses.create},
        "dashboard",
        name="Dashboard List",
        operations={"GET": "dashboards_list", "POST": "dashboards_create"},
    ),
    Route(
        "/dashboards/<pk>/",
        "dashboards.detail",
        {"GET": responses.retrieve, "PATCH": responses.partial_update},
        "dashboard",
        forbid_destroy=True,
        mapped=frozenset({"PUT"}),  # a ModelViewSet update, not emulated
        name="Dashboard Instance",
        operations={
            "GET": "dashboards_retrieve",
            "PATCH": "dashboards_partial_update",
            "DELETE": "dashboards_destroy",
        },
    ),
)
