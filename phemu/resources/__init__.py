"""The emulated resources, listed explicitly (no import-time registration).

Each module keeps its model, rules, handlers and routes together and exports ``RESOURCE``.
"""

from __future__ import annotations

from phemu.resources import dashboards
from phemu.resources import insights
from phemu.resources import organizations
from phemu.resources import projects
from phemu.resources import session_recordings
from phemu.resources import sessions
from phemu.resources import subscriptions
from phemu.resources import users
from phemu.resources._base import Resource

ALL_RESOURCES: tuple[Resource, ...] = (
    projects.RESOURCE,
    users.RESOURCE,
    organizations.RESOURCE,
    dashboards.RESOURCE,
    insights.RESOURCE,
    subscriptions.RESOURCE,  # after its targets: seed sections load in this order
    session_recordings.RESOURCE,
    sessions.RESOURCE,
)

__all__ = ["ALL_RESOURCES", "Resource"]
