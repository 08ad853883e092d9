"""The emulated resources, listed explicitly (no import-time registration).

Each resource is a package (or, for the small read-only ones, a module) exporting ``RESOURCE``,
a :class:`Resource`; ``docs/architecture.md`` describes the file roles. Order matters: seed
sections load in this order, so a resource comes after the resources its records point at.
"""

# No ``from __future__ import annotations`` here: it would shadow the ``annotations`` resource.
from phemu.resources import activity_log
from phemu.resources import annotations
from phemu.resources import capture
from phemu.resources import cohorts
from phemu.resources import dashboards
from phemu.resources import definitions
from phemu.resources import events
from phemu.resources import experiment_holdouts
from phemu.resources import experiment_saved_metrics
from phemu.resources import experiments
from phemu.resources import feature_flags
from phemu.resources import generic
from phemu.resources import groups
from phemu.resources import insights
from phemu.resources import organization_members
from phemu.resources import organization_projects
from phemu.resources import organizations
from phemu.resources import personal_api_keys
from phemu.resources import persons
from phemu.resources import projects
from phemu.resources import query
from phemu.resources import session_recordings
from phemu.resources import sessions
from phemu.resources import subscriptions
from phemu.resources import surveys
from phemu.resources import users
from phemu.resources import web_experiments
from phemu.resources._base import Backend
from phemu.resources._base import Resource

ALL_RESOURCES: tuple[Resource, ...] = (
    projects.RESOURCE,
    users.RESOURCE,
    organizations.RESOURCE,
    organization_projects.RESOURCE,
    personal_api_keys.RESOURCE,
    organization_members.RESOURCE,
    dashboards.RESOURCE,
    insights.RESOURCE,
    subscriptions.RESOURCE,  # after its targets
    session_recordings.RESOURCE,
    sessions.RESOURCE,
    # Ingestion and flags (issue 16): persons load before the captured events that name them,
    # cohorts before the flags that target them.
    persons.RESOURCE,
    events.RESOURCE,
    capture.RESOURCE,
    definitions.RESOURCE,  # after the events and group types it derives from
    cohorts.RESOURCE,
    feature_flags.RESOURCE,
    groups.RESOURCE,  # reads the groups of the person store
    experiment_holdouts.RESOURCE,
    experiment_saved_metrics.RESOURCE,
    experiments.RESOURCE,  # after the flags, holdouts and saved metrics they use
    web_experiments.RESOURCE,  # the experiments of type ``web``
    surveys.RESOURCE,
    annotations.RESOURCE,
    query.RESOURCE,
    activity_log.RESOURCE,  # the journal of the resources above
    generic.RESOURCE,  # last: its routes are the schema operations nobody else serves
)

__all__ = ["ALL_RESOURCES", "Backend", "Resource"]
