"""Request rules shared by dashboards and insights: DRF-exact field parsing and lookups.

Kept apart from the resource modules so each stays small; functions take the tile table
(``DashboardsState``) as an argument instead of importing the resources.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING
from typing import Any
from typing import Protocol
from typing import TypeVar

from phemu.context import list_value
from phemu.errors import Msg
from phemu.errors import NotFound
from phemu.errors import PostHogError
from phemu.errors import ValidationError
from phemu.fields import TRUE_VALUES
from phemu.fields import expect_object
from phemu.fields import lookup_int
from phemu.fields import not_null
from phemu.fields import parse_bool
from phemu.fields import parse_int
from phemu.fields import parse_list
from phemu.fields import parse_pk
from phemu.fields import parse_text
from phemu.fields import storable_json

if TYPE_CHECKING:
    from phemu.context import RequestContext
    from phemu.resources.dashboards import DashboardsState
    from phemu.resources.insights import Insight
    from phemu.store import Store

T = TypeVar("T")
DASHBOARD_NAME_MAX = 400
INSIGHT_TEXT_MAX = 400


# -- fields ----------------------------------------------------------------------------------------


def str_to_bool(value: Any) -> bool:
    """PostHog's ``str_to_bool``: falsy values are false, else the text must read as true."""
    if not value:
        return False
    return str(value).lower() in TRUE_VALUES


def _tag(value: Any, name: str) -> str:
    # A DRF ``CharField`` child: null and blank are their own errors.
    not_null(value, name)
    return parse_text(value, name, allow_blank=False)


def parse_tags(body: Any, name: str = "tags") -> list[str]:
    """A list of strings; duplicates dropped, first-seen order kept (dashboards-insights §2.1)."""
    raw = list_value(body, name)
    not_null(raw, name)
    seen: dict[str, None] = {}
    for tag in parse_list(raw, name, _tag):
        seen.setdefault(tag, None)
    return list(seen)


def optional_text(body: Any, name: str, *, nullable: bool, max_length: int | None) -> str | None:
    value = body[name]
    if value is None:
        if nullable:
            return None
        not_null(value, name)
    return parse_text(value, name, max_length=max_length)


def required_bool(body: Any, name: str) -> bool:
    value = body[name]
    not_null(value, name)
    return parse_bool(value, name)


def validate_dashboard(body: Any) -> dict[str, Any]:
    """A dashboard body's writable keys, in the serializer's field order; first error wins."""
    data = expect_object(body)
    out: dict[str, Any] = {}
    if "name" in data:
        out["name"] = optional_text(data, "name", nullable=True, max_length=DASHBOARD_NAME_MAX)
    if "description" in data:
        out["description"] = optional_text(data, "description", nullable=False, max_length=None)
    if "pinned" in data:
        out["pinned"] = required_bool(data, "pinned")
    if "deleted" in data:
        out["deleted"] = required_bool(data, "deleted")
    if "tags" in data:
        out["tags"] = parse_tags(data)
    return out


# -- insights ------------------------------------------------------------------------------------


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
            out[name] = optional_text(data, name, nullable=True, max_length=INSIGHT_TEXT_MAX)
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
        out["description"] = optional_text(
            data, "description", nullable=True, max_length=INSIGHT_TEXT_MAX
        )
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


def check_dashboards_project(tiles: DashboardsState, project: int, ids: list[int]) -> None:
    """PostHog's save-time check: every dashboard must belong to the insight's project."""
    for pk in ids:
        found = tiles.get(pk)
        if found is None or found.project != project:
            raise ValidationError(Msg.DASHBOARD_NOT_FOUND)


def set_insight_dashboards(
    tiles: DashboardsState, store: Store, insight: Insight, ids: list[int]
) -> None:
    """Replace the insight's tile set (PostHog's ``_update_insight_dashboards``).

    New dashboards get a tile (reviving a removed one), missing ones lose theirs; only added
    dashboards are checked against the project, and nothing changes when one fails.
    """
    old = [t.dashboard for t in tiles.visible_dashboard_tiles_of_insight(insight.id)]
    if sorted(old) == sorted(ids):
        return
    added = [pk for pk in ids if pk not in old]
    check_dashboards_project(tiles, insight.project, added)
    for pk in added:
        tiles.link(store, pk, insight.id)
    for pk in old:
        if pk not in ids:
            tiles.unlink(pk, insight.id)


# -- detail routes ---------------------------------------------------------------------------------


def path_pk(ctx: RequestContext) -> int | None:
    """The detail id as Django's lookup reads it (:func:`phemu.fields.lookup_int`)."""
    return lookup_int(ctx.path_values.get("pk", ""))


class ProjectRow(Protocol):
    project: int
    deleted: bool


R = TypeVar("R", bound=ProjectRow)


def find_in_project(
    ctx: RequestContext, get: Callable[[int], R | None], *, include_deleted: bool = False
) -> R:
    """The detail route's object of the requested project, or PostHog's 404 ``Not found.``.

    Another project's id and (unless ``include_deleted``) a soft-deleted row both look missing.
    """
    pk = path_pk(ctx)
    found = get(pk) if pk is not None else None
    if found is None or found.project != ctx.project_id or (found.deleted and not include_deleted):
        raise NotFound()
    return found


def lookup_then_body(
    ctx: RequestContext, find: Callable[[bool], T], restores: Callable[[Any], bool]
) -> tuple[T, Any]:
    """The object and the parsed body, for a PATCH whose body decides the lookup.

    PostHog widens the lookup to soft-deleted rows from the body, yet a missing object still
    answers 404 before a body error (platform.md §5), so the narrow lookup runs first when the
    body cannot be parsed.
    """
    try:
        body = ctx.body
    except PostHogError:
        find(False)
        raise
    return find(restores(body)), body
