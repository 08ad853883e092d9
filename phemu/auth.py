"""Personal API key authentication, key restrictions and scopes; project secret API keys where
a route takes them (``Route.secret_keys``).

PostHog reads the key from the first source that has one (``Authorization: Bearer``, then the
body's ``personal_api_key``, then the query string) and tries only that candidate. Restrictions
(organization policy, ``scoped_teams``, ``scoped_organizations``) run before the scope check,
membership after it.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING
from typing import Any

from phemu.errors import AuthenticationFailed
from phemu.errors import Msg
from phemu.errors import NoPersonalAPIKeyAccess
from phemu.errors import NotAuthenticated
from phemu.errors import PermissionDenied
from phemu.store import ADMIN

if TYPE_CHECKING:
    from datetime import datetime

    from phemu.context import RequestContext
    from phemu.store import Organization
    from phemu.store import PersonalAPIKey
    from phemu.store import Project
    from phemu.store import Store
    from phemu.store import User

_BEARER = re.compile(r"^Bearer\s+(\S.+)$")
_SECRET_BEARER = re.compile(r"^Bearer\s+(phs_[a-zA-Z0-9]+)$")
_LAST_USED_RESOLUTION = timedelta(hours=1)


def find_candidate(ctx: RequestContext) -> tuple[str, str] | None:
    """The key candidate and PostHog's phrase for where it was found, or ``None``.

    Reading the body here is deliberate: without a bearer header PostHog parses the body while
    looking for ``personal_api_key``, so a malformed body fails before any 401.
    """
    header = ctx.request.headers.get("Authorization", "")
    match = _BEARER.match(header)
    if match:
        token = match.group(1).strip()
        if token and not token.startswith("pha_"):
            return token, "Authorization header"
    body: Any = ctx.body
    if isinstance(body, dict):
        value = body.get("personal_api_key")
        if isinstance(value, str) and value:
            return value, "body"
    value = ctx.request.args.get("personal_api_key")
    if value:
        return value, "query string"
    return None


def authenticate_secret(ctx: RequestContext) -> Project | None:
    """The project a project secret API key names, or ``None`` (PostHog then tries the
    personal API key: a ``phs_`` key no project has is an invalid personal key, 401).

    ``ProjectSecretAPIKeyAuthentication`` (``posthog/auth.py``) reads a ``phs_`` bearer token,
    else the body's ``secret_api_key``, and never refuses; the token or the backup kept since
    the last rotation authenticates (``rotate_secret_token_and_save`` caches both,
    ``posthog/models/team/team.py``).
    """
    match = _SECRET_BEARER.match(ctx.request.headers.get("Authorization", ""))
    if match:
        token: Any = match.group(1)
    else:
        body: Any = ctx.body
        token = body.get("secret_api_key") if isinstance(body, dict) else None
    return ctx.store.project_for_secret(token) if isinstance(token, str) else None


def authenticate(ctx: RequestContext) -> tuple[User, PersonalAPIKey]:
    """The key owner and key, or PostHog's 401."""
    candidate = find_candidate(ctx)
    if candidate is None:
        raise NotAuthenticated()
    token, source = candidate
    store = ctx.store
    key = store.find_key(token)
    user = store.users.get(key.user) if key is not None else None
    if key is None or user is None or not user.is_active:
        raise AuthenticationFailed.for_source(source)
    _touch(store, key, ctx.now)
    return user, key


def _touch(store: Store, key: PersonalAPIKey, now: datetime) -> None:
    # PostHog updates last_used_at at most once an hour to spare the database.
    if key.last_used_at is None or now - key.last_used_at >= _LAST_USED_RESOLUTION:
        with store.lock:
            key.last_used_at = now
            store.changed("personal_api_keys", key.id)


def check_restrictions(
    ctx: RequestContext,
    *,
    project: Project | None = None,
    organization: Organization | None = None,
) -> None:
    """Key restrictions (``scoped_teams``, ``scoped_organizations``, the organization's
    policy), in PostHog's order (``posthog/permissions.py``)."""
    key, user, route = ctx.key, ctx.owner, ctx.route
    assert key is not None
    if route.restriction == "user":
        return
    store = ctx.store
    org = organization
    if org is None and project is not None:
        org = store.organizations.get(project.organization)
    if (
        org is not None
        and route.restriction in ("nested", "project_detail", "organization")
        and not org.members_can_use_personal_api_keys
        and user.memberships.get(org.id, 0) < ADMIN
    ):
        raise PermissionDenied(Msg.ORG_DISALLOWS_KEYS.format(name=org.name))
    if key.scoped_teams:
        if route.restriction in ("projects_list", "organization"):
            raise PermissionDenied(Msg.SCOPED_TEAMS_ONLY_PROJECT_ENDPOINTS)
        if project is not None and project.id not in key.scoped_teams:
            raise PermissionDenied(Msg.KEY_NO_PROJECT_ACCESS.format(id=project.id))
    if key.scoped_organizations and org is not None and org.id not in key.scoped_organizations:
        raise PermissionDenied(Msg.KEY_NO_ORGANIZATION_ACCESS.format(id=org.id))


def has_scope(scopes: list[str], required: str) -> bool:
    """``x:write`` satisfies ``x:read``; ``*`` satisfies everything."""
    if "*" in scopes or required in scopes:
        return True
    obj, _, action = required.partition(":")
    return action == "read" and f"{obj}:write" in scopes


def check_scope(ctx: RequestContext) -> None:
    key = ctx.key
    assert key is not None
    required = ctx.route.required_scopes(ctx.method)
    if required is None:
        raise NoPersonalAPIKeyAccess()
    for scope in required:
        if not has_scope(key.scopes, scope):
            raise PermissionDenied.missing_scope(scope)


def check_membership(ctx: RequestContext) -> None:
    """Nested routes: the key owner must belong to the project's organization."""
    project = ctx.project
    if project is not None and project.organization not in ctx.owner.memberships:
        raise PermissionDenied(Msg.NO_PROJECT_ACCESS)


def visible_organizations(store: Store, user: User, key: PersonalAPIKey | None) -> list[str]:
    """Organizations the owner belongs to, narrowed to the key's ``scoped_organizations``."""
    orgs = [org_id for org_id in user.memberships if org_id in store.organizations]
    if key is not None and key.scoped_organizations:
        orgs = [org_id for org_id in orgs if org_id in key.scoped_organizations]
    return orgs
