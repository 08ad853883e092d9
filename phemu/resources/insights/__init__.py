"""Insights (``docs/dashboards-insights.md``): stored queries that subscriptions point at.

``models.py`` holds the record, its table and :class:`InsightsBackend` (``emulator.insights``);
``rules.py`` the request fields; ``responses.py`` the handlers; ``urls.py`` the routes;
``seed.py`` the seed section and the linking of seeded tiles.
"""

from __future__ import annotations

from phemu.resources._base import Resource
from phemu.resources.insights import seed
from phemu.resources.insights import urls
from phemu.resources.insights.models import InsightsBackend

RESOURCE = Resource(
    name="insights",
    routes=urls.ROUTES,
    backend=InsightsBackend,
    seed_sections=(seed.SECTION,),
)

__all__ = ["RESOURCE", "InsightsBackend"]
