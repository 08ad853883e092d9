"""The full insight and dashboard bodies PostHog returns, for exact comparisons in tests.

Key order and defaults follow PostHog's serializers (``posthog/api/insight.py``,
``posthog/api/dashboards/dashboard.py``) and the published ``Insight``, ``Dashboard`` and
``DashboardBasic`` schemas (``phemu/data/posthog-openapi.json.gz``); the defaults are what
PostHog answers for objects created by the default seed's owner (``user_access_level``
``manager``) with nothing computed or cached.
"""

from __future__ import annotations

from typing import Any

from tests.conftest import ADA

T0 = "2026-06-15T10:00:00Z"


def insight_body(**values: Any) -> dict[str, Any]:
    """``InsightSerializer``'s output for an insight created at ``T0`` by Ada, with ``values``."""
    body: dict[str, Any] = {
        "id": 1, "short_id": None, "name": None, "derived_name": None, "filters": {},
        "query": None, "order": None, "deleted": False, "dashboards": [], "dashboard_tiles": [],
        "last_refresh": None, "cache_target_age": None, "next_allowed_client_refresh": None,
        "result": None, "hasMore": None, "columns": None, "created_at": T0, "created_by": ADA,
        "description": None, "updated_at": T0, "tags": [], "favorited": False, "saved": False,
        "last_modified_at": T0, "last_modified_by": ADA, "is_sample": False,
        "effective_restriction_level": 21, "effective_privilege_level": 37,
        "user_access_level": "manager", "timezone": None, "is_cached": False,
        "query_status": None, "hogql": None, "types": None, "alerts": [], "last_viewed_at": None,
    }  # fmt: skip
    unknown = set(values) - set(body)
    assert not unknown, unknown
    body.update(values)
    return body


def dashboard_body(*, detail: bool = True, **values: Any) -> dict[str, Any]:
    """``DashboardSerializer`` (``detail``) or ``DashboardBasicSerializer`` output for a
    dashboard created at ``T0`` by Ada in project 1, with ``values``."""
    body: dict[str, Any] = {
        "id": 1, "name": None, "description": "", "pinned": False, "created_at": T0,
        "created_by": ADA, "last_accessed_at": None, "last_viewed_at": None, "is_shared": False,
        "deleted": False, "creation_mode": "default",
    }  # fmt: skip
    if detail:
        body.update(filters={}, variables={}, breakdown_colors=[], data_color_theme_id=None)
    body.update(
        tags=[], restriction_level=21, effective_restriction_level=21,
        effective_privilege_level=37, user_access_level="manager", access_control_version="v2",
        last_refresh=None,
    )  # fmt: skip
    if detail:
        body.update(persisted_filters=None, persisted_variables=None)
    body["team_id"] = 1
    if detail:
        body["tiles"] = []
    unknown = set(values) - set(body)
    assert not unknown, unknown
    body.update(values)
    return body


def tile_body(tile_id: int, insight: dict[str, Any], order: int) -> dict[str, Any]:
    """One of a dashboard's ``tiles`` (``DashboardTileSerializer``)."""
    return {
        "id": tile_id, "insight": insight, "text": None, "layouts": {}, "color": None,
        "filters_overrides": {}, "order": order, "last_refresh": None, "is_cached": False,
    }  # fmt: skip
