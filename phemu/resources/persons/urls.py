"""Routes of the persons resource (``PersonViewSet``: ClickHouse throttles for API keys)."""

from __future__ import annotations

from phemu.resources.persons import responses
from phemu.routing import Handler
from phemu.routing import Route
from phemu.routing import ScopedRoute


def _write_action(path: str, action: str, handler: Handler) -> Route:
    """A ``POST`` action (``person:write``); ``PersonViewSet`` parses JSON only."""
    return Route(
        path,
        f"persons.{action}",
        {"POST": handler},
        "person",
        throttle="clickhouse",
        json_only=True,
    )


def _keyless(path: str, action: str, methods: tuple[str, ...], handler: Handler) -> Route:
    """An ``@action`` without ``required_scopes``: personal API keys get PostHog's 403
    (``APIScopePermission``); the backend's Python API computes the same answers."""
    return ScopedRoute(
        path,
        f"persons.{action}",
        dict.fromkeys(methods, handler),
        "person",
        throttle="clickhouse",
        json_only=True,
        scopes=None,
    )


def _activity(path: str, action: str, handler: Handler) -> Route:
    return Route(path, f"persons.{action}", {"GET": handler}, "activity_log", throttle="clickhouse")


ROUTES: tuple[Route, ...] = (
    Route(
        "/persons/",
        "persons.list",
        {"GET": responses.list_, "POST": responses.create},
        "person",
        throttle="clickhouse",
    ),
    Route(
        "/persons/values/",
        "persons.values",
        {"GET": responses.values},
        "person",
        throttle="clickhouse",
    ),
    ScopedRoute(
        "/persons/cohorts/",
        "persons.cohorts",
        {"GET": responses.cohorts},
        "person",
        throttle="clickhouse",
        scopes=("person:read", "cohort:read"),
    ),
    Route(
        "/persons/<pk>/",
        "persons.retrieve",
        {
            "GET": responses.retrieve,
            "PUT": responses.update,
            "PATCH": responses.update,
            "DELETE": responses.destroy,
        },
        "person",
        throttle="clickhouse",
    ),
    Route(
        "/persons/<pk>/update_property/",
        "persons.update_property",
        {"POST": responses.update_property},
        "person",
        throttle="clickhouse",
    ),
    Route(
        "/persons/<pk>/delete_property/",
        "persons.delete_property",
        {"POST": responses.delete_property},
        "person",
        throttle="clickhouse",
    ),
    _write_action("/persons/bulk_delete/", "bulk_delete", responses.bulk_delete),
    _write_action(
        "/persons/reset_person_distinct_id/",
        "reset_person_distinct_id",
        responses.reset_person_distinct_id,
    ),
    _write_action("/persons/<pk>/split/", "split", responses.split),
    _write_action("/persons/<pk>/delete_events/", "delete_events", responses.delete_events),
    _write_action(
        "/persons/<pk>/delete_recordings/", "delete_recordings", responses.delete_recordings
    ),
    _keyless(
        "/persons/<pk>/properties_timeline/",
        "properties_timeline",
        ("GET",),
        responses.properties_timeline,
    ),
    _keyless("/persons/trends/", "trends", ("GET",), responses.trends),
    _keyless("/persons/funnel/", "funnel", ("GET", "POST"), responses.funnel),
    _keyless(
        "/persons/funnel/correlation/",
        "funnel_correlation",
        ("GET", "POST"),
        responses.funnel_correlation,
    ),
    _keyless("/persons/lifecycle/", "lifecycle", ("GET",), responses.lifecycle),
    _keyless("/persons/stickiness/", "stickiness", ("GET",), responses.stickiness),
    _activity("/persons/activity/", "all_activity", responses.all_activity),
    _activity("/persons/<pk>/activity/", "activity", responses.activity),
)
