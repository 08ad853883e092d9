"""``sessions/property_definitions`` and ``sessions/values`` handlers (``docs/sessions.md``).

PostHog's ``SessionViewSet`` (``posthog/api/session.py``): the catalogue of session properties,
and the observed values of one property.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from phemu.errors import Msg
from phemu.errors import ValidationError
from phemu.resources._base import json_response
from phemu.resources.events.models import property_value_names
from phemu.resources.sessions.catalogue import BY_NAME
from phemu.resources.sessions.catalogue import STORED_STRING_KEYS
from phemu.resources.sessions.catalogue import search_catalogue
from phemu.resources.sessions.channel_type import BUILTIN_CHANNEL_TYPES
from phemu.resources.sessions.models import SessionsBackend

if TYPE_CHECKING:
    from werkzeug.wrappers import Response

    from phemu.context import RequestContext

_STORED = frozenset(STORED_STRING_KEYS)


def _last(ctx: RequestContext, name: str) -> str | None:
    """Django's ``QueryDict.get``: the *last* value of a repeated parameter."""
    values = ctx.query.getlist(name)
    return values[-1] if values else None


def property_definitions(ctx: RequestContext) -> Response:
    results = search_catalogue(_last(ctx, "search"), _last(ctx, "is_numerical"))
    return json_response({"count": len(results), "results": results})


def values(ctx: RequestContext) -> Response:
    key = _last(ctx, "key")
    if not key:
        raise ValidationError(Msg.KEY_NOT_PROVIDED)
    search = _last(ctx, "value") or None  # PostHog tests truthiness: empty means no filter
    raw: list[str]
    if key == "$channel_type":
        project = ctx.project
        custom = list(project.custom_channel_types) if project is not None else []
        builtin = [c for c in BUILTIN_CHANNEL_TYPES if not search or search.lower() in c.lower()]
        raw = list(dict.fromkeys(custom + builtin))
    elif key in _STORED:
        raw = SessionsBackend.of(ctx.emulator).top_values(ctx.project_id, key, search)
    elif BY_NAME.get(key) is not None and BY_NAME[key].property_type == "Boolean":
        raw = ["1", "0"]
    else:
        raw = []
    return json_response({"results": [{"name": n} for n in post_process(raw)], "refreshing": False})


def post_process(raw: Iterable[str]) -> list[str]:
    """PostHog's last step: parse JSON, spread arrays, render like Python's ``str()``."""
    return property_value_names(raw)
