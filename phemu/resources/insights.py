"""Insights (dashboards-insights.md §1, §3): model, rules, handlers, routes, seeds.

No query engine: an insight stores its ``query`` verbatim and never computes results. An
insight's ``dashboards`` field writes the tile table kept in ``dashboards.py``.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from typing import TYPE_CHECKING
from typing import Any

from werkzeug.wrappers import Response

from phemu.errors import SeedError
from phemu.pagination import paginate_list
from phemu.resources import board_records as records
from phemu.resources import board_rules as rules
from phemu.resources import dashboards as boards
from phemu.resources._base import CAN_EDIT
from phemu.resources._base import EVERYONE_CAN_EDIT
from phemu.resources._base import Resource
from phemu.resources._base import created_by
from phemu.resources._base import iso
from phemu.resources._base import json_response
from phemu.resources._base import user_access_level
from phemu.routing import Route
from phemu.seed import SeedSection
from phemu.seed import where

if TYPE_CHECKING:
    from phemu.context import RequestContext
    from phemu.emulator import Emulator
    from phemu.store import Store
    from phemu.store import User

#: PostHog's ``generate_short_id`` alphabet (``string.ascii_letters + string.digits``).
SHORT_ID_ALPHABET = string.ascii_letters + string.digits
SHORT_ID_LENGTH = 8
#: Fields whose presence in a PATCH moves ``last_modified_at``/``last_modified_by``, changed or
#: not (``Insight.MATERIAL_INSIGHT_FIELDS`` in ``posthog/api/insight.py``'s update).
MATERIAL_FIELDS = ("name", "derived_name", "description", "query")


@dataclass(slots=True, kw_only=True)
class Insight:
    """One insight. ``project`` is the project id; ``created_by``/``last_modified_by`` user ids."""

    id: int
    project: int
    short_id: str
    created_at: datetime
    last_modified_at: datetime
    #: The model's ``auto_now``: every save (create, any PATCH) moves it.
    updated_at: datetime
    name: str | None = None
    derived_name: str | None = None
    filters: dict[str, Any] = field(default_factory=dict)
    query: Any = None
    order: int | None = None
    deleted: bool = False
    created_by: int | None = None
    description: str | None = None
    tags: list[str] = field(default_factory=list)
    favorited: bool = False
    saved: bool = False
    last_modified_by: int | None = None
    #: The latest ``InsightViewed`` row: PostHog writes one when the API creates the insight.
    last_viewed_at: datetime | None = None


class InsightsState:
    """The insight table of one store (``store.state(InsightsState)``)."""

    def __init__(self) -> None:
        self.insights: dict[int, Insight] = {}
        self.short_ids: dict[tuple[int, str], int] = {}  # (project, short_id) -> insight id

    def get(self, pk: int) -> Insight | None:
        """The insight with id ``pk`` in any project, soft-deleted ones included."""
        return self.insights.get(pk)

    def live(self, project: int, pk: int) -> Insight | None:
        """The insight if it belongs to ``project`` and is not soft-deleted."""
        found = self.insights.get(pk)
        return (
            found if found is not None and found.project == project and not found.deleted else None
        )

    def by_short_id(self, project: int, short_id: str) -> Insight | None:
        """The insight of ``project`` with that short id (soft-deleted ones included)."""
        pk = self.short_ids.get((project, short_id))
        return None if pk is None else self.insights.get(pk)

    def add(self, insight: Insight) -> None:
        old = self.insights.get(insight.id)
        if old is not None:
            self.short_ids.pop((old.project, old.short_id), None)
        self.insights[insight.id] = insight
        self.short_ids[(insight.project, insight.short_id)] = insight.id

    def new_short_id(self, store: Store, project: int) -> str:
        """8 random characters from the store's generator, unique within the project."""
        while True:
            candidate = store.random_token(SHORT_ID_LENGTH, SHORT_ID_ALPHABET)
            if (project, candidate) not in self.short_ids:
                return candidate


# -- rendering ----------------------------------------------------------------------------------


def _common(store: Store, insight: Insight, viewer: User | None, *, listed: bool) -> dict[str, Any]:
    """The values both serializers compute the same way."""
    tiles = store.state(boards.DashboardsState).visible_dashboard_tiles_of_insight(insight.id)
    return {
        "dashboards": [t.dashboard for t in tiles],
        "dashboard_tiles": [
            {"id": t.id, "dashboard_id": t.dashboard, "deleted": t.deleted} for t in tiles
        ],
        "user_access_level": user_access_level(store, viewer, insight.created_by, insight.project),
        # Annotated (Max over InsightViewed) on the list action only.
        "last_viewed_at": iso(insight.last_viewed_at) if listed else None,
    }


def _head(insight: Insight) -> dict[str, Any]:
    """The fields both serializers start with, in their order."""
    return {
        "id": insight.id,
        "short_id": insight.short_id,
        "name": insight.name,
        "derived_name": insight.derived_name,
        "filters": dict(insight.filters),
        "query": insight.query,
    }


def render(
    store: Store, insight: Insight, viewer: User | None = None, *, listed: bool = False
) -> dict[str, Any]:
    """The insight as PostHog's ``InsightSerializer`` returns it (``posthog/api/insight.py``).

    Key order is the serializer's (the published ``Insight`` schema plus ``filters`` and
    ``saved``, which PostHog returns but leaves out of the schema). phemu computes no results,
    so the result fields carry what PostHog answers for an insight with nothing cached (its
    default ``refresh`` never calculates): ``null``, and ``is_cached`` false.
    """
    common = _common(store, insight, viewer, listed=listed)
    return {
        **_head(insight),
        "order": insight.order,
        "deleted": insight.deleted,
        "dashboards": common["dashboards"],
        "dashboard_tiles": common["dashboard_tiles"],
        "last_refresh": None,
        "cache_target_age": None,
        "next_allowed_client_refresh": None,
        "result": None,
        "hasMore": None,
        "columns": None,
        "created_at": iso(insight.created_at),
        "created_by": created_by(store, insight.created_by),
        "description": insight.description,
        "updated_at": iso(insight.updated_at),
        "tags": list(insight.tags),
        "favorited": insight.favorited,
        "saved": insight.saved,
        "last_modified_at": iso(insight.last_modified_at),
        "last_modified_by": created_by(store, insight.last_modified_by),
        "is_sample": False,
        "effective_restriction_level": EVERYONE_CAN_EDIT,
        "effective_privilege_level": CAN_EDIT,
        "user_access_level": common["user_access_level"],
        "timezone": None,
        "is_cached": False,
        "query_status": None,
        "hogql": None,
        "types": None,
        "alerts": [],
        "last_viewed_at": common["last_viewed_at"],
    }


def render_basic(
    store: Store, insight: Insight, viewer: User | None = None, *, listed: bool = False
) -> dict[str, Any]:
    """``InsightBasicSerializer`` (``?basic=true`` on list and retrieve): the model's
    ``last_refresh`` (never set here) and ``refreshing``, no computed fields."""
    common = _common(store, insight, viewer, listed=listed)
    return {
        **_head(insight),
        "dashboards": common["dashboards"],
        "dashboard_tiles": common["dashboard_tiles"],
        "description": insight.description,
        "last_refresh": None,
        "refreshing": False,
        "saved": insight.saved,
        "tags": list(insight.tags),
        "updated_at": iso(insight.updated_at),
        "created_by": created_by(store, insight.created_by),
        "created_at": iso(insight.created_at),
        "last_modified_at": iso(insight.last_modified_at),
        "favorited": insight.favorited,
        "user_access_level": common["user_access_level"],
        "last_viewed_at": common["last_viewed_at"],
    }


def _renderer(ctx: RequestContext) -> Callable[..., dict[str, Any]]:
    """``InsightViewSet.get_serializer_class``: the basic serializer when ``basic`` is true."""
    return render_basic if rules.str_to_bool(ctx.query.get("basic", "0")) else render


# -- handlers -----------------------------------------------------------------------------------


def _matches(insight: Insight, needle: str) -> bool:
    # Django's icontains on three nullable columns: a null column never matches.
    return any(
        value is not None and needle in value.lower()
        for value in (insight.name, insight.derived_name, insight.description)
    )


def list_(ctx: RequestContext) -> Response:
    store = ctx.store
    project = ctx.project_id
    short_id = ctx.query.get("short_id", "")
    search = ctx.query.get("search")
    with store.lock:
        state = store.state(InsightsState)
        if short_id:
            found = state.by_short_id(project, short_id)
            items = [found] if found is not None and not found.deleted else []
        else:
            items = sorted(
                (i for i in state.insights.values() if i.project == project and not i.deleted),
                key=lambda i: i.id,
            )
        if search is not None:
            needle = search.lower()
            items = [i for i in items if _matches(i, needle)]
        draw = _renderer(ctx)
        return json_response(
            paginate_list(ctx.request, items, lambda i: draw(store, i, ctx.owner, listed=True))
        )


def create(ctx: RequestContext) -> Response:
    store = ctx.store
    with store.lock:
        tiles = store.state(boards.DashboardsState)
        data = rules.validate_insight(tiles, ctx.body)
        ids = data.pop("dashboards", [])
        rules.check_dashboards_project(tiles, ctx.project_id, ids)
        state = store.state(InsightsState)
        now = ctx.now
        insight = Insight(
            id=store.next_id("insight"),
            project=ctx.project_id,
            short_id=state.new_short_id(store, ctx.project_id),
            created_at=now,
            last_modified_at=now,
            updated_at=now,
            created_by=ctx.owner.id,
            last_modified_by=ctx.owner.id,
            last_viewed_at=now,
            **data,
        )
        state.add(insight)
        for pk in ids:
            tiles.link(store, pk, insight.id)
        return json_response(render(store, insight, ctx.owner), 201)


def _find(ctx: RequestContext, *, include_deleted: bool = False) -> Insight:
    return rules.find_in_project(
        ctx, ctx.store.state(InsightsState).get, include_deleted=include_deleted
    )


def retrieve(ctx: RequestContext) -> Response:
    store = ctx.store
    with store.lock:
        return json_response(_renderer(ctx)(store, _find(ctx), ctx.owner))


def _restores(body: Any) -> bool:
    # Only the JSON literal ``false`` widens the lookup to soft-deleted insights.
    return isinstance(body, dict) and body.get("deleted") is False


def partial_update(ctx: RequestContext) -> Response:
    store = ctx.store
    with store.lock:
        insight, body = rules.lookup_then_body(
            ctx, lambda wide: _find(ctx, include_deleted=wide), _restores
        )
        tiles = store.state(boards.DashboardsState)
        data = rules.validate_insight(tiles, body)
        now = ctx.now
        ids = data.pop("dashboards", None)
        if data.get("deleted"):
            # PostHog soft-deletes every tile of the insight; a restore does not bring them back.
            for tile in tiles.tiles_of_insight(insight.id):
                tile.deleted = True
        elif ids is not None:
            rules.set_insight_dashboards(tiles, store, insight, ids)
        if any(name in data for name in MATERIAL_FIELDS):
            insight.last_modified_at = now
            insight.last_modified_by = ctx.owner.id
        for key, value in data.items():
            setattr(insight, key, value)
        insight.updated_at = now
        return json_response(render(store, insight, ctx.owner))


# -- seeds and the Python API --------------------------------------------------------------------


def _seed_short_id(
    state: InsightsState, store: Store, record: dict[str, Any], project: int, pk: int, label: str
) -> str:
    value = record.get("short_id")
    if value is None:
        return state.new_short_id(store, project)
    if (
        not isinstance(value, str)
        or len(value) != SHORT_ID_LENGTH
        or any(c not in SHORT_ID_ALPHABET for c in value)
    ):
        raise SeedError(f"{label}: 'short_id' must be 8 characters from A-Z, a-z and 0-9")
    owner = state.short_ids.get((project, value))
    if owner is not None and owner != pk:
        raise SeedError(
            f"{label}: short_id {value!r} is already used by insight {owner} in project {project}"
        )
    return value


def load_records(emulator: Emulator, items: list[dict[str, Any]]) -> None:
    """The ``insights`` seed section; ``dashboards`` are linked when the document is complete."""
    store = emulator.store
    state = store.state(InsightsState)
    pending = store.state(boards.DashboardsState).pending_links
    for position, record in enumerate(items):
        label = where("insights", position, record)
        pk = records.record_id(store, record, "insight", label)
        project = records.project_of(store, record, label)
        filters = record.get("filters", {})
        if not isinstance(filters, dict):
            raise SeedError(f"{label}: 'filters' must be an object")
        author = records.user_ref(store, record, "created_by", label, None)
        created = records.when(emulator, record, "created_at", label)
        modified = (
            records.when(emulator, record, "last_modified_at", label)
            if record.get("last_modified_at") is not None
            else created
        )
        insight = Insight(
            id=pk,
            project=project,
            short_id=_seed_short_id(state, store, record, project, pk, label),
            created_at=created,
            last_modified_at=modified,
            updated_at=(
                records.when(emulator, record, "updated_at", label)
                if record.get("updated_at") is not None
                else modified
            ),
            last_viewed_at=(
                records.when(emulator, record, "last_viewed_at", label)
                if record.get("last_viewed_at") is not None
                else None
            ),
            name=records.text(
                record, "name", label, None, nullable=True, max_length=rules.INSIGHT_TEXT_MAX
            ),
            derived_name=records.text(
                record,
                "derived_name",
                label,
                None,
                nullable=True,
                max_length=rules.INSIGHT_TEXT_MAX,
            ),
            filters=dict(filters),
            query=record.get("query"),
            order=records.nullable_int(record, "order", label),
            deleted=records.flag(record, "deleted", label),
            created_by=author,
            description=records.text(
                record, "description", label, None, nullable=True, max_length=rules.INSIGHT_TEXT_MAX
            ),
            tags=records.tags(record, label),
            favorited=records.flag(record, "favorited", label),
            saved=records.flag(record, "saved", label),
            last_modified_by=records.user_ref(store, record, "last_modified_by", label, author),
        )
        state.add(insight)
        for index, dashboard in enumerate(records.id_list(record, "dashboards", label)):
            pending.append(boards.PendingLink(f"{label} dashboards[{index}]", dashboard, pk))


def link_pending(emulator: Emulator) -> None:
    """Create the tiles named in this document: dashboards' ``tiles`` first (keeping tile ids),
    then insights' ``dashboards`` (get or create, as PostHog does)."""
    store = emulator.store
    tiles = store.state(boards.DashboardsState)
    insights = store.state(InsightsState)
    pending, tiles.pending_links = tiles.pending_links, []
    for link in sorted(pending, key=lambda p: p.tile_id is None):
        dashboard = tiles.get(link.dashboard) if isinstance(link.dashboard, int) else None
        insight = insights.get(link.insight) if isinstance(link.insight, int) else None
        if dashboard is None:
            raise SeedError(f"{link.label}: dashboard {link.dashboard!r} does not exist")
        if insight is None or isinstance(link.insight, bool):
            raise SeedError(f"{link.label}: insight {link.insight!r} does not exist")
        if dashboard.project != insight.project:
            raise SeedError(
                f"{link.label}: dashboard {dashboard.id} (project {dashboard.project}) and insight "
                f"{insight.id} (project {insight.project}) are in different projects"
            )
        if link.tile_id is not None:
            holder = tiles.tiles.get(link.tile_id)
            if holder is not None and (holder.dashboard, holder.insight) != (
                dashboard.id,
                insight.id,
            ):
                raise SeedError(f"{link.label}: tile id {link.tile_id} is already used")
        tile = tiles.link(store, dashboard.id, insight.id, link.tile_id)
        tile.deleted = link.deleted


def export_records(emulator: Emulator) -> list[dict[str, Any]]:
    store = emulator.store
    tiles = store.state(boards.DashboardsState)
    return [
        {
            "id": i.id,
            "project": i.project,
            "short_id": i.short_id,
            "name": i.name,
            "derived_name": i.derived_name,
            "filters": dict(i.filters),
            "query": i.query,
            "order": i.order,
            "deleted": i.deleted,
            "dashboards": [t.dashboard for t in tiles.visible_dashboard_tiles_of_insight(i.id)],
            "created_at": iso(i.created_at),
            "created_by": i.created_by,
            "description": i.description,
            "tags": list(i.tags),
            "favorited": i.favorited,
            "saved": i.saved,
            "last_modified_at": iso(i.last_modified_at),
            "last_modified_by": i.last_modified_by,
            "updated_at": iso(i.updated_at),
            "last_viewed_at": iso(i.last_viewed_at),
        }
        for i in sorted(store.state(InsightsState).insights.values(), key=lambda i: i.id)
    ]


def create_insight(emulator: Emulator, fields: dict[str, Any]) -> Insight:
    """Create one insight from seed-record fields (all or nothing); see ``Emulator``."""

    def fetch(pk: int) -> Insight:
        return emulator.store.state(InsightsState).insights[pk]

    return records.create_via_seed(emulator, "insights", "insight", fields, fetch)


def _summary(emulator: Emulator) -> dict[str, int]:
    state: InsightsState = emulator.store.state(InsightsState)
    return {"insights": len(state.insights)}


RESOURCE = Resource(
    name="insights",
    routes=(
        Route(
            "/insights/",
            "insights.list",
            {"GET": list_, "POST": create},
            "insight",
            throttle="clickhouse",
            json_only=True,
            name="Insight List",
        ),
        Route(
            "/insights/<pk>/",
            "insights.detail",
            {"GET": retrieve, "PATCH": partial_update},
            "insight",
            forbid_destroy=True,
            mapped=frozenset({"PUT"}),  # a ModelViewSet update, not emulated
            throttle="clickhouse",
            json_only=True,
            name="Insight Instance",
        ),
    ),
    seed_sections=(SeedSection("insights", load_records, export_records, finish=link_pending),),
    inspect=_summary,
)
