"""Routes: ``GroupsViewSet`` (``group`` scopes; ``activity`` needs ``activity_log:read``) and
``GroupsTypesViewSet``, whose undecorated actions refuse personal API keys (PostHog's schema
lists no scope for them), under both prefixes."""

from __future__ import annotations

from dataclasses import dataclass

from phemu.resources.groups import responses
from phemu.routing import Handler
from phemu.routing import Route
from phemu.routing import ScopedRoute

#: ``GroupsTypesViewSet`` is registered on ``projects_router`` only (``posthog/api/__init__.py``).
PROJECTS = ("projects",)


@dataclass(frozen=True, eq=False)
class NestedListRoute(Route):
    """The list route of a viewset nested under a parent's id (``groups_types/<index>/metrics/``
    is ``GroupUsageMetricViewSet``'s list, not an action on one group type)."""

    @property
    def detail(self) -> bool:
        return False


def _read(path: str, action: str, handler: Handler) -> Route:
    return Route(path, f"groups.{action}", {"GET": handler}, "group")


def _write(path: str, action: str, handler: Handler) -> Route:
    return Route(path, f"groups.{action}", {"POST": handler}, "group")


def _keyless(path: str, action: str, method: str, handler: Handler) -> Route:
    return ScopedRoute(
        path,
        f"groups_types.{action}",
        {method: handler},
        "group",
        scopes=None,
        prefixes=PROJECTS,
    )


ROUTES: tuple[Route, ...] = (
    Route("/groups/", "groups.list", {"GET": responses.list_, "POST": responses.create}, "group"),
    _read("/groups/find/", "find", responses.find),
    _read("/groups/related/", "related", responses.related),
    _write("/groups/update_property/", "update_property", responses.update_property),
    _write("/groups/delete_property/", "delete_property", responses.delete_property),
    Route("/groups/activity/", "groups.activity", {"GET": responses.activity}, "activity_log"),
    _read("/groups/property_definitions/", "property_definitions", responses.property_definitions),
    _read("/groups/property_values/", "property_values", responses.property_values),
    Route(
        "/groups_types/", "groups_types.list", {"GET": responses.types}, "group", prefixes=PROJECTS
    ),
    Route(
        "/groups_types/<group_type_index>/",
        "groups_types.destroy",
        {"DELETE": responses.destroy_type},
        "group",
        prefixes=PROJECTS,
    ),
    NestedListRoute(
        "/groups_types/<group_type_index>/metrics/",
        "groups_types.metrics",
        {"GET": responses.metrics, "POST": responses.metrics},
        "group",
        prefixes=PROJECTS,
    ),
    Route(
        "/groups_types/<group_type_index>/metrics/<pk>/",
        "groups_types.metric",
        dict.fromkeys(("GET", "PUT", "PATCH", "DELETE"), responses.metric),
        "group",
        prefixes=PROJECTS,
    ),
    _keyless(
        "/groups_types/update_metadata/", "update_metadata", "PATCH", responses.update_metadata
    ),
    _keyless(
        "/groups_types/create_detail_dashboard/",
        "create_detail_dashboard",
        "PUT",
        responses.create_detail_dashboard,
    ),
    _keyless(
        "/groups_types/set_default_columns/",
        "set_default_columns",
        "PUT",
        responses.set_default_columns,
    ),
)
