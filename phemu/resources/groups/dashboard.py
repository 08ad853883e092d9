"""``groups_types/create_detail_dashboard/``: ``create_group_type_mapping_detail_dashboard``
(``posthog/helpers/dashboard_templates.py``), the template dashboard a group type's overview
page shows: five sample insights on a two-column grid, each tile's layouts naming the tile."""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

from phemu.resources.dashboards.models import DashboardsBackend
from phemu.resources.insights.models import InsightsBackend

if TYPE_CHECKING:
    from phemu.emulator import Emulator

_LINE = {
    "aggregationAxisFormat": "numeric",
    "display": "ActionsLineGraph",
    "showAlertThresholdLines": False,
    "showLegend": False,
    "showPercentStackView": False,
    "showValuesOnSeries": False,
    "smoothingIntervals": 1,
    "yAxisScaleType": "linear",
}
_PAGEVIEW = {"id": "$pageview", "name": "$pageview", "type": "events"}


def _active_users(days: int, interval: str) -> dict[str, Any]:
    return {
        "kind": "InsightVizNode",
        "source": {
            "dateRange": {"date_from": f"-{days}d", "explicitDate": False},
            "filterTestAccounts": False,
            "interval": interval,
            "kind": "TrendsQuery",
            "properties": [],
            "series": [{"event": None, "kind": "EventsNode", "math": "dau"}],
            "trendsFilter": dict(_LINE),
        },
    }


def _insights(singular: str) -> list[tuple[str, str, dict[str, Any]]]:
    """The template's insights in creation order: name, description and query."""
    last_30_days = {"date_from": "-30d", "date_to": None, "explicitDate": False}
    return [
        (
            "Top paths",
            f"Shows the most popular pages viewed by this {singular} in the last 30 days",
            {
                "kind": "InsightVizNode",
                "source": {
                    "kind": "TrendsQuery",
                    "series": [
                        {
                            "kind": "EventsNode",
                            "event": "$pageview",
                            "name": "$pageview",
                            "properties": [
                                {
                                    "key": "$pathname",
                                    "value": ["/"],
                                    "operator": "is_not",
                                    "type": "event",
                                }
                            ],
                            "math": "unique_session",
                        }
                    ],
                    "trendsFilter": {"display": "ActionsBarValue"},
                    "breakdownFilter": {"breakdown": "$pathname", "breakdown_type": "event"},
                    "dateRange": dict(last_30_days),
                    "interval": "day",
                },
                "full": True,
            },
        ),
        (
            "Top events",
            f"Shows the most popular events by this {singular} in the last 30 days",
            {
                "kind": "InsightVizNode",
                "source": {
                    "kind": "TrendsQuery",
                    "series": [
                        {
                            "kind": "EventsNode",
                            "event": None,
                            "name": "All events",
                            "properties": [],
                            "math": "total",
                        }
                    ],
                    "trendsFilter": {"display": "ActionsBarValue"},
                    "breakdownFilter": {
                        "breakdowns": [{"property": "event", "type": "event_metadata"}]
                    },
                    "dateRange": dict(last_30_days),
                    "interval": "day",
                },
                "full": True,
            },
        ),
        (
            "Weekly active users",
            f"Shows the number of unique users from this {singular} in the last 90 days",
            _active_users(90, "week"),
        ),
        (
            "Monthly active users",
            f"Shows the number of unique users from this {singular} in the last year",
            _active_users(365, "month"),
        ),
        (
            "Retained users",
            f"Shows the number of users from this {singular} who returned seven days after "
            "their first visit",
            {
                "kind": "InsightVizNode",
                "source": {
                    "kind": "RetentionQuery",
                    "retentionFilter": {
                        "period": "Day",
                        "targetEntity": dict(_PAGEVIEW),
                        "retentionType": "retention_first_time",
                        "totalIntervals": 8,
                        "returningEntity": dict(_PAGEVIEW),
                        "meanRetentionCalculation": "simple",
                    },
                },
            },
        ),
    ]


def _layouts(tile: int, x: int, y: int) -> dict[str, Any]:
    """The layouts PostHog saves once the tile exists (``"i"`` is the tile's id)."""
    return {
        "sm": {"h": 5, "i": str(tile), "w": 6, "x": x, "y": y, "minH": 1, "minW": 1},
        "xs": {"h": 5, "i": str(tile), "w": 1, "x": 0, "y": 0, "minH": 1, "minW": 1},
    }


def create(
    emulator: Emulator,
    project: int,
    group_type: str,
    singular: str | None,
    plural: str | None,
    user: int | None,
) -> int:
    """Generate the dashboard and its insights; returns the dashboard's id. Call under
    ``store.lock``."""
    one = singular or group_type
    many = plural or f"{group_type}s"
    dashboard = DashboardsBackend.of(emulator).generate(
        project,
        name=f"Template dashboard for {one} overview",
        description=f"This dashboard template powers the Overview page for all {many}. Any "
        f"insights will automatically filter to the selected {one}.",
        filters={},
        tags=[],
        created_by=user,
    )
    insights = InsightsBackend.of(emulator)
    store = emulator.store
    for index, (name, description, query) in enumerate(_insights(one)):
        tile = store.counters.get("dashboard_tile", 0) + 1  # the id the new tile takes
        insights.generate(
            project,
            name=name,
            description=description,
            query=query,
            created_by=user,
            dashboard=dashboard.id,
            layouts=_layouts(tile, 6 if index % 2 == 1 else 0, 5 * (index // 2)),
            color=None,
        )
    return dashboard.id
