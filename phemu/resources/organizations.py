"""``GET /api/organizations/:id/`` (``@current`` or a UUID). Read-only.

PostHog's ``OrganizationViewSet`` (``posthog/api/organization.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

from werkzeug.wrappers import Response

from phemu.auth import visible_organizations
from phemu.errors import Msg
from phemu.errors import NotFound
from phemu.resources._base import Resource
from phemu.resources._base import iso
from phemu.resources._base import json_response
from phemu.resources._base import project_basic
from phemu.routing import Route

if TYPE_CHECKING:
    from phemu.context import RequestContext
    from phemu.store import Organization
    from phemu.store import Project
    from phemu.store import Store
    from phemu.store import User


def current_organization(store: Store, user: User) -> Organization | None:
    """The organization owning the user's current project."""
    project = store.projects.get(user.current_project) if user.current_project else None
    if project is not None and project.organization in user.memberships:
        return store.organizations.get(project.organization)
    return None


def find_visible_organization(ctx: RequestContext, raw: str) -> Organization | None:
    if raw == "@current":
        org = current_organization(ctx.store, ctx.owner)
        return org
    if raw in visible_organizations(ctx.store, ctx.owner, None):
        return ctx.store.organizations.get(raw)
    return None


def _target(ctx: RequestContext) -> tuple[Project | None, Organization | None]:
    return None, find_visible_organization(ctx, ctx.path_values["id"])


def organization_detail(store: Store, user: User, org: Organization) -> dict[str, Any]:
    projects = [project_basic(p) for p in store.projects_of(org.id)]
    members = sum(1 for u in store.users.values() if org.id in u.memberships)
    return {
        "id": org.id,
        "name": org.name,
        "slug": org.slug,
        "logo_media_id": None,
        "created_at": iso(org.created_at),
        "updated_at": iso(org.updated_at),
        "membership_level": user.memberships.get(org.id),
        "plugins_access_level": 9,
        "teams": projects,
        "projects": projects,
        "available_product_features": [],
        "is_member_join_email_enabled": True,
        "metadata": {},
        "customer_id": None,
        "enforce_2fa": None,
        "members_can_invite": True,
        "members_can_use_personal_api_keys": org.members_can_use_personal_api_keys,
        "allow_publicly_shared_resources": True,
        "member_count": members,
        "is_ai_data_processing_approved": True,
        "default_experiment_stats_method": "bayesian",
        "default_role_id": None,
    }


def retrieve(ctx: RequestContext) -> Response:
    raw = ctx.path_values["id"]
    org = find_visible_organization(ctx, raw)
    if org is None:
        if raw == "@current":
            raise NotFound(Msg.CURRENT_ORGANIZATION_NOT_FOUND)
        raise NotFound()
    return json_response(organization_detail(ctx.store, ctx.owner, org))


RESOURCE = Resource(
    name="organizations",
    routes=(
        Route(
            "/api/organizations/<id>/",
            "organizations.retrieve",
            {"GET": retrieve},
            "organization",
            nested=False,
            restriction="organization",
            target=_target,
            # OrganizationViewSet is a ModelViewSet (posthog/api/organization.py).
            mapped=frozenset({"PUT", "PATCH", "DELETE"}),
        ),
    ),
)
