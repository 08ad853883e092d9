"""Insight request rules: the writable fields of PostHog's ``InsightSerializer``
(``posthog/api/insight.py``) in its field order; the first error wins."""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

from phemu.errors import Msg
from phemu.errors import ValidationError
from phemu.fields import expect_object
from phemu.fields import not_null
from phemu.fields import optional_text
from phemu.fields import parse_int
from phemu.fields import parse_pk
from phemu.fields import parse_tags
from phemu.fields import required_bool
from phemu.fields import storable_json

if TYPE_CHECKING:
    from phemu.resources.dashboards.models import DashboardsState

TEXT_MAX = 400
#: Fields whose presence in a PATCH moves ``last_modified_at``/``last_modified_by``, changed or
#: not (``Insight.MATERIAL_INSIGHT_FIELDS`` in ``posthog/api/insight.py``'s update).
MATERIAL_FIELDS = ("name", "derived_name", "description", "query")


def dashboard_ids(tiles: DashboardsState, value: Any) -> list[int]:
    """DRF's many ``PrimaryKeyRelatedField`` over every live dashboard (any project).

    Item errors keep attr ``dashboards`` (DRF does not index many-related errors); another
    project's dashboard passes here and fails at save with ``Dashboard not found``.
    """
    not_null(value, "dashboards")
    if isinstance(value, str) or not isinstance(value, (list, dict)):
        raise ValidationError(
            Msg.NOT_A_LIST.format(type=type(value).__name__), code="not_a_list", attr="dashboards"
        )

    def exists(pk: int) -> bool:
        found = tiles.get(pk)
        return found is not None and not found.deleted

    ids: dict[int, None] = {}
    for item in value:
        ids.setdefault(parse_pk(item, "dashboards", exists), None)
    return list(ids)


def validate_insight(tiles: DashboardsState, body: Any) -> dict[str, Any]:
    """An insight body's writable keys, in PostHog's field order; first error wins."""
    data = expect_object(body)
    out: dict[str, Any] = {}
    for name in ("name", "derived_name"):
        if name in data:
            out[name] = optional_text(data, name, nullable=True, max_length=TEXT_MAX)
    if "query" in data:
        out["query"] = data["query"]
    if "order" in data:
        # The model's nullable IntegerField (posthog/models/insight.py).
        out["order"] = None if data["order"] is None else parse_int(data["order"], "order")
    if "deleted" in data:
        out["deleted"] = required_bool(data, "deleted")
    if "dashboards" in data:
        out["dashboards"] = dashboard_ids(tiles, data["dashboards"])
    if "description" in data:
        out["description"] = optional_text(data, "description", nullable=True, max_length=TEXT_MAX)
    if "tags" in data:
        out["tags"] = parse_tags(data)
    for name in ("favorited", "saved"):
        if name in data:
            out[name] = required_bool(data, name)
    if "query" in out:
        # The jsonb column refuses the row at save, after every field has validated and before
        # the dashboards are checked (posthog/api/insight.py saves, then links dashboards).
        storable_json(out["query"])
    return out


def restores(body: Any) -> bool:
    """Whether a PATCH body widens the lookup to soft-deleted insights: only the JSON literal
    ``false`` does."""
    return isinstance(body, dict) and body.get("deleted") is False
