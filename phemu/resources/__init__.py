"""The emulated resources, listed explicitly (no import-time registration).

Each module keeps its model, rules, handlers and routes together and exports ``RESOURCE``.
"""

from __future__ import annotations

from phemu.resources import capture
from phemu.resources import cohorts
from phemu.resources import dashboards
from phemu.resources import definitions
from phemu.resources import events
from phemu.resources import feature_flags
from phemu.resources import insights
from phemu.resources import organizations
from phemu.resources import persons
from phemu.resources import projects
from phemu.resources import query
from phemu.resources import session_recordings_ai
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
    session_recordings_ai.RESOURCE,
    sessions.RESOURCE,
    # Ingestion and flags (issue 16): persons load before the captured events that name them,
    # cohorts before the flags that target them.
    persons.RESOURCE,
    events.RESOURCE,
    capture.RESOURCE,
    definitions.RESOURCE,  # after the events and group types it derives from
    cohorts.RESOURCE,
    feature_flags.RESOURCE,
    query.RESOURCE,
)

__all__ = ["ALL_RESOURCES", "Resource"]
