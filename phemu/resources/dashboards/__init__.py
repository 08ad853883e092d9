"""Dashboards and their tiles (``docs/dashboards-insights.md``).

Dashboards exist so subscriptions can point at real objects. ``models.py`` holds the records,
tables and :class:`DashboardsBackend` (``emulator.dashboards``); ``rules.py`` the request
fields; ``responses.py`` the handlers; ``urls.py`` the routes; ``seed.py`` the seed section.
"""

from __future__ import annotations

from phemu.resources._base import Resource
from phemu.resources.dashboards import seed
from phemu.resources.dashboards import urls
from phemu.resources.dashboards.models import DashboardsBackend

RESOURCE = Resource(
    name="dashboards",
    routes=urls.ROUTES,
    backend=DashboardsBackend,
    seed_sections=(seed.SECTION,),
)

__all__ = ["RESOURCE", "DashboardsBackend"]
