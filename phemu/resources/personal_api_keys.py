"""``/api/personal_api_keys/``: what a personal API key may learn about itself.

PostHog's ``PersonalAPIKeyViewSet`` (``posthog/api/personal_api_key.py``) is not project-based
and has no scope object: any valid key may call it, key restrictions do not apply, and its own
permission (``PersonalApiKeySelfAccessPermission``) lets a personal key only *retrieve*, and
only itself: ``@current`` or its own id. Anything else a key asks there (the list, another of
its owner's keys, creating, changing, rolling or deleting keys) is refused with 403; keys of
other users are 404 (the queryset holds only the owner's keys). Clients such as PostHog's agent
toolkit read ``@current`` first to learn which scopes, projects and organizations they have.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

from werkzeug.wrappers import Response

from phemu.errors import Msg
from phemu.errors import NotFound
from phemu.errors import PermissionDenied
from phemu.resources._base import Resource
from phemu.resources._base import iso
from phemu.resources._base import json_response
from phemu.routing import Handler
from phemu.routing import Route

if TYPE_CHECKING:
    from phemu.context import RequestContext
    from phemu.store import PersonalAPIKey


class KeySelfRoute(Route):
    """A route with no API scope: PostHog's viewset checks no scope for personal keys."""

    def required_scopes(self, method: str) -> tuple[str, ...] | None:
        return ()


def render(key: PersonalAPIKey) -> dict[str, Any]:
    """``PersonalAPIKeySerializer``: ``value`` only on create/roll, never here; empty scopes
    read as ``["*"]``."""
    return {
        "id": key.id,
        "label": key.label,
        "value": None,
        "mask_value": key.mask_value,
        "created_at": iso(key.created_at),
        "last_used_at": iso(key.last_used_at),
        "user_id": key.user,
        "scopes": list(key.scopes) or ["*"],
        "scoped_teams": list(key.scoped_teams) if key.scoped_teams else None,
        "scoped_organizations": (
            list(key.scoped_organizations) if key.scoped_organizations else None
        ),
        "last_rolled_at": None,
    }


def refuse(ctx: RequestContext) -> Response:
    raise PermissionDenied(Msg.PERSONAL_KEY_SELF_ACCESS)


def retrieve(ctx: RequestContext) -> Response:
    key = ctx.key
    assert key is not None
    wanted = ctx.path_values["id"]
    if wanted == "@current" or wanted == key.id:
        return json_response(render(key))
    if any(k.id == wanted and k.user == key.user for k in ctx.store.keys.values()):
        # The owner's other keys exist, but a personal key may only read itself.
        raise PermissionDenied(Msg.PERSONAL_KEY_SELF_ACCESS)
    raise NotFound()


# Every method but a retrieve is refused, OPTIONS included (DRF's ``metadata`` action).
_REFUSED = {m: refuse for m in ("POST", "PUT", "PATCH", "DELETE", "OPTIONS")}


def _route(path: str, endpoint: str, get: Handler) -> KeySelfRoute:
    return KeySelfRoute(
        path,
        endpoint,
        {"GET": get, **_REFUSED},
        "personal_api_key",
        nested=False,
        restriction="user",
    )


RESOURCE = Resource(
    name="personal_api_keys",
    routes=(
        _route("/api/personal_api_keys/", "personal_api_keys.list", refuse),
        _route("/api/personal_api_keys/<id>/", "personal_api_keys.detail", retrieve),
        _route("/api/personal_api_keys/<id>/roll/", "personal_api_keys.roll", refuse),
    ),
)
