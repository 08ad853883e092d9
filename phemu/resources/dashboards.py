"""Dashboards (dashboards-insights.md §1-§2): model, tile table, handlers, routes, seeds.

Dashboards exist so subscriptions can point at real objects. The tile table lives here because
a tile is a dashboard's slot; insights write it through their ``dashboards`` field
(``insights.py``), seeds through ``tiles``. Field rules shared with insights are in
``board_rules.py``; seed-record readers in ``board_records.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
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


@dataclass(slots=True, kw_only=True)
class Dashboard:
    """One dashboard. ``project`` is the project id; ``created_by`` a user id."""

    id: int
    project: int
    created_at: datetime
    name: str | None = None
    description: str = ""
    pinned: bool = False
    created_by: int | None = None
    deleted: bool = False
    tags: list[str] = field(default_factory=list)
    #: Set to the clock by every GET of the dashboard (``DashboardsViewSet.retrieve``).
    last_accessed_at: datetime | None = None


@dataclass(slots=True, kw_only=True, order=True)
class DashboardTile:
    """One insight placed on one dashboard.

    ``deleted`` marks a tile removed from the insight's ``dashboards`` (or whose insight was
    soft-deleted): PostHog soft-deletes tiles, and re-adding the dashboard revives the same tile
    (same id). The model's column is a nullable boolean left ``None`` by ``create``, so a tile
    that was never removed reads ``null`` and a revived one ``false``.
    """

    id: int
    dashboard: int
    insight: int
    deleted: bool | None = None


@dataclass(slots=True, frozen=True)
class PendingLink:
    """A tile named by a seed record, linked once the whole document has loaded.

    ``tile_id``/``deleted`` come from a dashboard's ``tiles`` (exports keep tile ids);
    insight-side links (an insight's ``dashboards``) leave them ``None``/``False``.
    """

    label: str
    dashboard: int
    insight: Any
    tile_id: int | None = None
    deleted: bool | None = None


class DashboardsState:
    """The dashboard and tile tables of one store (``store.state(DashboardsState)``)."""

    def __init__(self) -> None:
        self.dashboards: dict[int, Dashboard] = {}
        self.tiles: dict[int, DashboardTile] = {}
        self.tile_by_pair: dict[tuple[int, int], int] = {}  # (dashboard, insight) -> tile id
        # Tiles are never removed (only soft-deleted), so these indexes only grow.
        self.tiles_by_dashboard: dict[int, list[int]] = {}
        self.tiles_by_insight: dict[int, list[int]] = {}
        # Seed links waiting for the end of the document (boards_seed.py), so a dashboard's
        # ``tiles`` may name insights that load after it.
        self.pending_links: list[PendingLink] = []

    def get(self, pk: int) -> Dashboard | None:
        """The dashboard with id ``pk`` in any project, soft-deleted ones included."""
        return self.dashboards.get(pk)

    def live(self, project: int, pk: int) -> Dashboard | None:
        """The dashboard if it belongs to ``project`` and is not soft-deleted."""
        found = self.dashboards.get(pk)
        return (
            found if found is not None and found.project == project and not found.deleted else None
        )

    # -- tiles ---------------------------------------------------------------------------------
    def tiles_of_dashboard(self, dashboard: int) -> list[DashboardTile]:
        """Every tile of a dashboard, soft-deleted ones included, by tile id."""
        return sorted(self.tiles[pk] for pk in self.tiles_by_dashboard.get(dashboard, ()))

    def tiles_of_insight(self, insight: int) -> list[DashboardTile]:
        """Every tile of an insight, soft-deleted ones included, by tile id."""
        return sorted(self.tiles[pk] for pk in self.tiles_by_insight.get(insight, ()))

    def visible_dashboard_tiles_of_insight(self, insight: int) -> list[DashboardTile]:
        """Tiles that are not soft-deleted and whose dashboard is live (PostHog's tile manager)."""
        result = []
        for tile in self.tiles_of_insight(insight):
            board = self.dashboards.get(tile.dashboard)
            if not tile.deleted and board is not None and not board.deleted:
                result.append(tile)
        return result

    def link(
        self, store: Store, dashboard: int, insight: int, tile_id: int | None = None
    ) -> DashboardTile:
        """Get or create the tile of (dashboard, insight) and make it visible again (PostHog's
        ``get_or_create``, then ``deleted = False`` only if it was deleted)."""
        existing = self.tile_by_pair.get((dashboard, insight))
        if existing is not None:
            tile = self.tiles[existing]
            if tile.deleted:
                tile.deleted = False
            return tile
        if tile_id is None:
            tile_id = store.next_id("dashboard_tile")
        else:
            store.bump_id("dashboard_tile", tile_id)
        tile = DashboardTile(id=tile_id, dashboard=dashboard, insight=insight)
        self.tiles[tile_id] = tile
        self.tile_by_pair[(dashboard, insight)] = tile_id
        self.tiles_by_dashboard.setdefault(dashboard, []).append(tile_id)
        self.tiles_by_insight.setdefault(insight, []).append(tile_id)
        return tile

    def unlink(self, dashboard: int, insight: int) -> None:
        existing = self.tile_by_pair.get((dashboard, insight))
        if existing is not None:
            self.tiles[existing].deleted = True


# -- rendering ----------------------------------------------------------------------------------


def render(
    store: Store, dashboard: Dashboard, viewer: User | None = None, *, with_tiles: bool = True
) -> dict[str, Any]:
    """The dashboard as PostHog returns it (``posthog/api/dashboards/dashboard.py``).

    ``with_tiles`` is ``DashboardSerializer`` (detail, create, update); without it,
    ``DashboardBasicSerializer`` (list items). Fields phemu does not let clients write carry
    the model's defaults: no filters or variables, no theme, PostHog's unrestricted access
    levels.
    """
    detail = with_tiles
    body: dict[str, Any] = {
        "id": dashboard.id,
        "name": dashboard.name,
        "description": dashboard.description,
        "pinned": dashboard.pinned,
        "created_at": iso(dashboard.created_at),
        "created_by": created_by(store, dashboard.created_by),
        "last_accessed_at": iso(dashboard.last_accessed_at),
        "last_viewed_at": None,
        "is_shared": False,
        "deleted": dashboard.deleted,
        "creation_mode": "default",
    }
    if detail:
        body.update(filters={}, variables={}, breakdown_colors=[], data_color_theme_id=None)
    body.update(
        tags=list(dashboard.tags),
        restriction_level=EVERYONE_CAN_EDIT,
        effective_restriction_level=EVERYONE_CAN_EDIT,
        effective_privilege_level=CAN_EDIT,
        user_access_level=user_access_level(store, viewer, dashboard.created_by, dashboard.project),
        access_control_version="v2",
        last_refresh=None,
    )
    if detail:
        body.update(persisted_filters=None, persisted_variables=None)
    body["team_id"] = dashboard.project
    if detail:
        body["tiles"] = render_tiles(store, dashboard, viewer)
    return body


def render_tiles(
    store: Store, dashboard: Dashboard, viewer: User | None = None
) -> list[dict[str, Any]]:
    """Visible tiles by tile id, as ``DashboardTileSerializer``: the tile's own columns (minus
    the excluded caching ones), the full insight, then ``order``, ``last_refresh`` and
    ``is_cached`` taken from the insight."""
    # Imported here: insights depend on this module for the tile table.
    from phemu.resources.insights import InsightsState
    from phemu.resources.insights import render as render_insight

    if dashboard.deleted:
        return []
    insights = store.state(InsightsState)
    result: list[dict[str, Any]] = []
    for tile in store.state(DashboardsState).tiles_of_dashboard(dashboard.id):
        insight = insights.get(tile.insight)
        if tile.deleted or insight is None or insight.deleted:
            continue
        shown = render_insight(store, insight, viewer)
        result.append(
            {
                "id": tile.id,
                "insight": shown,
                "text": None,
                "layouts": {},
                "color": None,
                "filters_overrides": {},
                "order": len(result),
                "last_refresh": shown["last_refresh"],
                "is_cached": shown["is_cached"],
            }
        )
    return result


# -- handlers -----------------------------------------------------------------------------------


def _list_key(dashboard: Dashboard) -> tuple[bool, bool, str, int]:
    # pinned first, then name ascending with null names last, then id.
    return (not dashboard.pinned, dashboard.name is None, dashboard.name or "", dashboard.id)


def list_(ctx: RequestContext) -> Response:
    store = ctx.store
    project = ctx.project_id
    with store.lock:
        boards = sorted(
            (
                d
                for d in store.state(DashboardsState).dashboards.values()
                if d.project == project and not d.deleted
            ),
            key=_list_key,
        )
        return json_response(
            paginate_list(
                ctx.request, boards, lambda d: render(store, d, ctx.owner, with_tiles=False)
            )
        )


def create(ctx: RequestContext) -> Response:
    data = rules.validate_dashboard(ctx.body)
    store = ctx.store
    with store.lock:
        dashboard = Dashboard(
            id=store.next_id("dashboard"),
            project=ctx.project_id,
            created_at=ctx.now,
            created_by=ctx.owner.id,
            **data,
        )
        store.state(DashboardsState).dashboards[dashboard.id] = dashboard
        return json_response(render(store, dashboard, ctx.owner), 201)


def _find(ctx: RequestContext, *, include_deleted: bool = False) -> Dashboard:
    return rules.find_in_project(
        ctx, ctx.store.state(DashboardsState).dashboards.get, include_deleted=include_deleted
    )


def retrieve(ctx: RequestContext) -> Response:
    store = ctx.store
    with store.lock:
        dashboard = _find(ctx)
        dashboard.last_accessed_at = ctx.now
        return json_response(render(store, dashboard, ctx.owner))


def _restores(body: Any) -> bool:
    # PostHog's DashboardViewSet: ``deleted`` present, not null, and not read as true.
    return (
        isinstance(body, dict)
        and body.get("deleted") is not None
        and not rules.str_to_bool(body["deleted"])
    )


def partial_update(ctx: RequestContext) -> Response:
    store = ctx.store
    with store.lock:
        dashboard, body = rules.lookup_then_body(
            ctx, lambda wide: _find(ctx, include_deleted=wide), _restores
        )
        for key, value in rules.validate_dashboard(body).items():
            setattr(dashboard, key, value)
        return json_response(render(store, dashboard, ctx.owner))


# -- seeds and the Python API --------------------------------------------------------------------


def _tile_links(record: Mapping[str, Any], dashboard: int, label: str) -> list[PendingLink]:
    links = []
    for index, item in enumerate(records.id_list(record, "tiles", label)):
        where = f"{label} tiles[{index}]"
        if isinstance(item, dict):
            tile_id = item.get("id")
            deleted = item.get("deleted")
            if tile_id is not None and (
                not isinstance(tile_id, int) or isinstance(tile_id, bool) or tile_id < 1
            ):
                raise SeedError(f"{where}: 'id' must be a positive integer")
            if deleted is not None and not isinstance(deleted, bool):
                raise SeedError(f"{where}: 'deleted' must be true, false or null")
            links.append(PendingLink(where, dashboard, item.get("insight"), tile_id, deleted))
        else:
            links.append(PendingLink(where, dashboard, item))
    return links


def load_records(emulator: Emulator, items: list[dict[str, Any]]) -> None:
    """The ``dashboards`` seed section; ``tiles`` are linked when the document is complete."""
    store = emulator.store
    state = store.state(DashboardsState)
    for position, record in enumerate(items):
        label = where("dashboards", position, record)
        dashboard_id = records.record_id(store, record, "dashboard", label)
        dashboard = Dashboard(
            id=dashboard_id,
            project=records.project_of(store, record, label),
            created_at=records.when(emulator, record, "created_at", label),
            name=records.text(
                record, "name", label, None, nullable=True, max_length=rules.DASHBOARD_NAME_MAX
            ),
            description=records.text(record, "description", label, "", nullable=False) or "",
            pinned=records.flag(record, "pinned", label),
            created_by=records.user_ref(store, record, "created_by", label, None),
            deleted=records.flag(record, "deleted", label),
            tags=records.tags(record, label),
            last_accessed_at=(
                records.when(emulator, record, "last_accessed_at", label)
                if record.get("last_accessed_at") is not None
                else None
            ),
        )
        state.dashboards[dashboard_id] = dashboard
        state.pending_links.extend(_tile_links(record, dashboard_id, label))


def export_records(emulator: Emulator) -> list[dict[str, Any]]:
    store = emulator.store
    state = store.state(DashboardsState)
    return [
        {
            "id": d.id,
            "project": d.project,
            "name": d.name,
            "description": d.description,
            "pinned": d.pinned,
            "created_at": iso(d.created_at),
            "created_by": d.created_by,
            "deleted": d.deleted,
            "tags": list(d.tags),
            "last_accessed_at": iso(d.last_accessed_at),
            "tiles": [
                {"id": t.id, "insight": t.insight, "deleted": t.deleted}
                for t in state.tiles_of_dashboard(d.id)
            ],
        }
        for d in sorted(state.dashboards.values(), key=lambda d: d.id)
    ]


def create_dashboard(emulator: Emulator, fields: dict[str, Any]) -> Dashboard:
    """Create one dashboard from seed-record fields (all or nothing); see ``Emulator``."""

    def fetch(pk: int) -> Dashboard:
        return emulator.store.state(DashboardsState).dashboards[pk]

    return records.create_via_seed(emulator, "dashboards", "dashboard", fields, fetch)


def _summary(emulator: Emulator) -> dict[str, int]:
    state: DashboardsState = emulator.store.state(DashboardsState)
    return {"dashboards": len(state.dashboards), "tiles": len(state.tiles)}


RESOURCE = Resource(
    name="dashboards",
    routes=(
        Route(
            "/dashboards/",
            "dashboards.list",
            {"GET": list_, "POST": create},
            "dashboard",
            name="Dashboard List",
        ),
        Route(
            "/dashboards/<pk>/",
            "dashboards.detail",
            {"GET": retrieve, "PATCH": partial_update},
            "dashboard",
            forbid_destroy=True,
            mapped=frozenset({"PUT"}),  # a ModelViewSet update, not emulated
            name="Dashboard Instance",
        ),
    ),
    seed_sections=(SeedSection("dashboards", load_records, export_records),),
    inspect=_summary,
)
