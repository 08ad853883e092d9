"""What every resource module shares: the resource declaration, responses and common shapes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from typing import Any

from werkzeug.wrappers import Response

from phemu.serialization import dumps
from phemu.serialization import format_datetime
from phemu.store import ADMIN

if TYPE_CHECKING:
    from phemu.emulator import Emulator
    from phemu.routing import Route
    from phemu.seed import SeedSection
    from phemu.store import Project
    from phemu.store import Store
    from phemu.store import User


@dataclass(frozen=True)
class Resource:
    """One emulated resource: its routes, its seed sections and its reaction to clock ticks.

    :param name: the URL segment (``subscriptions``).
    :param routes: the routes it serves.
    :param seed_sections: top-level seed-document keys it loads and exports, in load order.
    :param on_tick: called by the emulator's scheduler tick (after clock changes and before
        every request) with the emulator.
    :param inspect: a summary for the web inspector / ``GET /_phemu/`` (JSON-able).
    """

    name: str
    routes: tuple[Route, ...]
    seed_sections: tuple[SeedSection, ...] = ()
    on_tick: Callable[[Emulator], None] | None = None
    inspect: Callable[[Emulator], Any] | None = None


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(dumps(data), status=status, headers=headers, content_type="application/json")


def empty_response(status: int, headers: dict[str, str] | None = None) -> Response:
    """No body and no ``Content-Type``: PostHog's bare ``ForbidDestroyModel`` 405."""
    response = Response(b"", status=status, headers=headers)
    response.headers.remove("Content-Type")
    return response


def user_basic(user: User | None) -> dict[str, Any] | None:
    """PostHog's ``UserBasicSerializer`` shape (``created_by`` everywhere)."""
    if user is None:
        return None
    return {
        "id": user.id,
        "uuid": user.uuid,
        "distinct_id": user.distinct_id,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_email_verified": user.is_email_verified,
        "hedgehog_config": None,
        "role_at_organization": user.role_at_organization,
    }


def project_basic(project: Project) -> dict[str, Any]:
    """The "project basic" shape of platform.md §9.1."""
    return {
        "id": project.id,
        "uuid": project.uuid,
        "organization": project.organization,
        "project_id": project.id,
        "api_token": project.api_token,
        "name": project.name,
        "completed_snippet_onboarding": True,
        "has_completed_onboarding_for": None,
        "ingested_event": True,
        "is_demo": False,
        "timezone": project.timezone,
        "access_control": False,
    }


def created_by(store: Store, user_id: int | None) -> dict[str, Any] | None:
    return user_basic(store.users.get(user_id)) if user_id is not None else None


#: ``Dashboard.RestrictionLevel.EVERYONE_IN_PROJECT_CAN_EDIT`` and
#: ``Dashboard.PrivilegeLevel.CAN_EDIT``: what PostHog reports for dashboards and insights of a
#: project without access restrictions (``posthog/user_permissions.py``).
EVERYONE_CAN_EDIT = 21
CAN_EDIT = 37


def user_access_level(
    store: Store, viewer: User | None, creator: int | None, project: int
) -> str | None:
    """``user_access_level`` of an insight or dashboard for the requesting user.

    PostHog's ``UserAccessControl.access_level_for_object``
    (``posthog/rbac/user_access_control.py``): creators and organization admins get the highest
    level, ``manager``; other members the default, ``editor``; no membership, ``None``.
    """
    if viewer is None:
        return None
    level = viewer.memberships.get(store.projects[project].organization)
    if level is None:
        return None
    return "manager" if creator == viewer.id or level >= ADMIN else "editor"


def iso(value: Any) -> str | None:
    return format_datetime(value)
