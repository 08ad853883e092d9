"""Dashboards."""

from __future__ import annotations

from phemu.resources.dashboards.models import RESOURCE
from phemu.resources.dashboards.models import Dashboard
from phemu.resources.dashboards.models import DashboardsState
from phemu.resources.dashboards.models import PendingLink

__all__ = ["RESOURCE", "Dashboard", "DashboardsState", "PendingLink"]
