"""``GET /api/users/@me/`` (or the owner's UUID; ``posthog/api/user.py``). Read-only.

Exempt from key restrictions: a project-scoped key may still read its owner.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

from werkzeug.wrappers import Response

from phemu.errors import NotFound
from phemu.resources._base import Resource
from phemu.resources._base import iso
from phemu.resources._base import json_response
from phemu.resources._base import project_basic
from phemu.resources.organizations import current_organization
from phemu.resources.organizations import organization_detail
from phemu.routing import Route

if TYPE_CHECKING:
    from phemu.context import RequestContext


def retrieve(ctx: RequestContext) -> Response:
    user, store = ctx.owner, ctx.store
    if ctx.path_values["id"] not in ("@me", user.uuid):
        raise NotFound()
    project = store.projects.get(user.current_project) if user.current_project else None
    org = current_organization(store, user)
    organizations: list[dict[str, Any]] = []
    for org_id, level in user.memberships.items():
        member_org = store.organizations.get(org_id)
        if member_org is None:
            continue
        organizations.append(
            {
                "id": member_org.id,
                "name": member_org.name,
                "slug": member_org.slug,
                "logo_media_id": None,
                "membership_level": level,
                "members_can_use_personal_api_keys": member_org.members_can_use_personal_api_keys,
                "is_active": True,
                "is_not_active_reason": None,
                "is_pending_deletion": False,
            }
        )
    body = {
        "date_joined": iso(user.date_joined),
        "uuid": user.uuid,
        "distinct_id": user.distinct_id,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "pending_email": None,
        "is_email_verified": user.is_email_verified,
        "notification_settings": {},
        "anonymize_data": False,
        "toolbar_mode": "toolbar",
        "has_password": True,
        "id": user.id,
        "is_staff": False,
        "is_impersonated": False,
        "is_impersonated_until": None,
        "sensitive_session_expires_at": None,
        "team": project_basic(project) if project is not None else None,
        "organization": organization_detail(store, user, org) if org is not None else None,
        "organizations": organizations,
        "events_column_config": {"active": "DEFAULT"},
        "is_2fa_enabled": False,
        "has_social_auth": False,
        "has_sso_enforcement": False,
        "has_seen_product_intro_for": {},
        "scene_personalisation": [],
        "theme_mode": "system",
        "hedgehog_config": None,
        "role_at_organization": user.role_at_organization,
    }
    return json_response(body)


RESOURCE = Resource(
    name="users",
    routes=(
        Route(
            "/api/users/<id>/",
            "users.retrieve",
            {"GET": retrieve},
            "user",
            nested=False,
            restriction="user",
            # posthog/api/user.py: retrieve, update, partial update, destroy.
            mapped=frozenset({"PUT", "PATCH", "DELETE"}),
        ),
    ),
)
