"""Dashboards (dashboards-insights.md §1-§2): model, tile table, rules, handlers, routes, seeds.

Dashboards exist so subscriptions can point at real objects. The tile table lives here because
a tile is a dashboard's slot; insights write it through their ``dashboards`` field.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from datetime import datetime


@dataclass(slots=True, kw_only=True)
class Dashboard:
    """One dashboard. ``project`` is the project id; ``created_by`` a user id."""

    id: int
    project: int
    created_at: datetime
    name: str | None = None
    description: str = ""
    pinned: bool = False
    created_by: int | None = None
    deleted: bool = False
    tags: list[str] = field(default_factory=list)


@dataclass(slots=True, kw_only=True)
class DashboardTile:
    """One insight placed on one dashboard.

    ``deleted`` marks a tile removed from the insight's ``dashboards``: PostHog soft-deletes
    tiles, and re-adding the dashboard revives the same tile (same id).
    """

    id: int
    dashboard: int
    insight: int
    deleted: bool = False


class DashboardsState:
    """The dashboard and tile tables of one store (``store.state(DashboardsState)``)."""

    def __init__(self) -> None:
        self.dashboards: dict[int, Dashboard] = {}
        self.tiles: dict[int, DashboardTile] = {}
        self.tile_by_pair: dict[tuple[int, int], int] = {}  # (dashboard, insight) -> tile id

    def get(self, pk: int) -> Dashboard | None:
        """The dashboard with id ``pk`` in any project, soft-deleted ones included."""
        return self.dashboards.get(pk)
