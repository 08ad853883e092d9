"""Dashboard request rules: the writable fields of PostHog's ``DashboardSerializer``
(``posthog/api/dashboards/dashboard.py``) in its field order; the first error wins."""

from __future__ import annotations

from typing import Any

from phemu.fields import expect_object
from phemu.fields import optional_text
from phemu.fields import parse_tags
from phemu.fields import required_bool
from phemu.fields import str_to_bool

NAME_MAX = 400


def validate_dashboard(body: Any) -> dict[str, Any]:
    """A dashboard body's writable keys, in the serializer's field order; first error wins."""
    data = expect_object(body)
    out: dict[str, Any] = {}
    if "name" in data:
        out["name"] = optional_text(data, "name", nullable=True, max_length=NAME_MAX)
    if "description" in data:
        out["description"] = optional_text(data, "description", nullable=False, max_length=None)
    if "pinned" in data:
        out["pinned"] = required_bool(data, "pinned")
    if "deleted" in data:
        out["deleted"] = required_bool(data, "deleted")
    if "tags" in data:
        out["tags"] = parse_tags(data)
    return out


def restores(body: Any) -> bool:
    """Whether a PATCH body widens the lookup to soft-deleted dashboards: PostHog's
    ``DashboardViewSet`` does when ``deleted`` is present, not null, and not read as true."""
    return (
        isinstance(body, dict)
        and body.get("deleted") is not None
        and not str_to_bool(body["deleted"])
    )
