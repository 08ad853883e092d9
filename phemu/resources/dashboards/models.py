"""Dashboards: the records (dashboards and their tiles), their tables, their JSON shape and
:class:`DashboardsBackend`, the only code that writes them (``docs/dashboards-insights.md``).

A tile is a dashboard's slot for one insight, so the tile table lives here; the insights
backend adds and removes tiles through :class:`DashboardsBackend` when an insight's
``dashboards`` change, and the seed section links the ``tiles`` a record names.
"""

from __future__ import annotations

import builtins
import copy
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from typing import TYPE_CHECKING
from typing import Any

from phemu.errors import Msg
from phemu.errors import NotFound
from phemu.errors import ValidationError
from phemu.pagination import paginate_bytes
from phemu.resources._base import CAN_EDIT
from phemu.resources._base import EVERYONE_CAN_EDIT
from phemu.resources._base import Backend
from phemu.resources._base import access_variant
from phemu.resources._base import created_by
from phemu.resources._base import find_in_project
from phemu.resources._base import iso
from phemu.resources._base import user_access_level
from phemu.resources._cache import RenderCache
from phemu.resources.dashboards.rules import validate_dashboard
from phemu.seed import user_ref

if TYPE_CHECKING:
    from werkzeug.wrappers import Request

    from phemu.store import Store
    from phemu.store import User

SEQUENCE = "dashboard"
#: The seed sections whose records show dashboards and tiles (``Store.changed``): a tile is
#: part of its dashboard's record and of its insight's ``dashboards``.
SECTION, INSIGHTS = "dashboards", "insights"
#: The model's ``CreationMode`` choices (``posthog/models/dashboard.py``).
CREATION_MODES = ("default", "template", "duplicate", "unlisted")


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
    #: ``default`` for dashboards the API creates; ``template`` for generated ones (a feature
    #: flag's usage dashboard). The serializer has it read-only.
    creation_mode: str = "default"
    #: The model's ``filters`` JSON (the API does not write it here; generated dashboards do).
    filters: dict[str, Any] = field(default_factory=dict)


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
    #: The model's ``layouts`` JSON and ``color``: set by dashboard templates, not by the API.
    layouts: dict[str, Any] = field(default_factory=dict, compare=False)
    color: str | None = field(default=None, compare=False)


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
    layouts: Any = None
    color: str | None = None


class DashboardsState:
    """The dashboard and tile tables of one store (``store.state(DashboardsState)``)."""

    def __init__(self) -> None:
        self.dashboards: dict[int, Dashboard] = {}
        self.tiles: dict[int, DashboardTile] = {}
        self.tile_by_pair: dict[tuple[int, int], int] = {}  # (dashboard, insight) -> tile id
        # Tiles are never removed (only soft-deleted), so these indexes only grow.
        self.tiles_by_dashboard: dict[int, list[int]] = {}
        self.tiles_by_insight: dict[int, list[int]] = {}
        # Seed links waiting for the end of the document (``seed.py`` of dashboards and
        # insights), so a dashboard's ``tiles`` may name insights that load after it.
        self.pending_links: list[PendingLink] = []
        self.json = RenderCache()  # list items (no tiles)

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
        self,
        store: Store,
        dashboard: int,
        insight: int,
        tile_id: int | None = None,
        *,
        layouts: dict[str, Any] | None = None,
        color: str | None = None,
    ) -> DashboardTile:
        """Get or create the tile of (dashboard, insight) and make it visible again (PostHog's
        ``get_or_create``, then ``deleted = False`` only if it was deleted); a new tile takes
        ``layouts`` and ``color``."""
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
        tile = DashboardTile(
            id=tile_id,
            dashboard=dashboard,
            insight=insight,
            layouts=copy.deepcopy(layouts) if layouts else {},
            color=color,
        )
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
    levels. ``user_access_level`` depends on who asks (``viewer``).
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
        "creation_mode": dashboard.creation_mode,
    }
    if detail:
        # ``filters_override_requested_by_client``: the stored filters (no override here).
        body.update(
            filters=dict(dashboard.filters),
            variables={},
            breakdown_colors=[],
            data_color_theme_id=None,
        )
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
        # ``get_persisted_filters``: the stored filters, ``None`` when empty.
        body.update(persisted_filters=dict(dashboard.filters) or None, persisted_variables=None)
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
    from phemu.resources.insights.models import InsightsState
    from phemu.resources.insights.models import render as render_insight

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
                "layouts": copy.deepcopy(tile.layouts),
                "color": tile.color,
                "filters_overrides": {},
                "order": len(result),
                "last_refresh": shown["last_refresh"],
                "is_cached": shown["is_cached"],
            }
        )
    return result


def _list_key(dashboard: Dashboard) -> tuple[bool, bool, str, int]:
    # pinned first, then name ascending with null names last, then id.
    return (not dashboard.pinned, dashboard.name is None, dashboard.name or "", dashboard.id)


class DashboardsBackend(Backend):
    """``emulator.dashboards``: create, change, read and list dashboards, and their tiles.

    The Python methods validate as the API does (``POST``/``PATCH`` bodies, PostHog's
    :class:`~phemu.errors.ValidationError`), return the API's JSON objects and raise its
    ``NotFound``; seed documents add what the API cannot set (ids, ``created_at``, tiles).
    """

    @property
    def table(self) -> DashboardsState:
        return self.store.state(DashboardsState)

    # -- the Python API ---------------------------------------------------------------------
    def create(
        self, project: int = 1, *, created_by: int | str | None = None, **fields: Any
    ) -> dict[str, Any]:
        """Create a dashboard as ``POST`` does (``name``, ``description``, ``pinned``,
        ``deleted``, ``tags``); ``created_by`` is a user id or email, or ``None``. The answer
        is what the creator would see (``user_access_level``)."""
        with self.store.lock:
            self.project(project)
            user = user_ref(self.store, created_by, "dashboards.create")
            dashboard = self.add(project, fields, user_id=user)
            return self.render(dashboard, self.store.users.get(user) if user else None)

    def update(self, pk: int, *, viewer: int | str | None = None, **fields: Any) -> dict[str, Any]:
        """Change a dashboard as ``PATCH`` does (soft-deleted ones included)."""
        with self.store.lock:
            return self.render(self.change(self._get(pk), fields), self.viewer(viewer))

    def get(self, pk: int, *, viewer: int | str | None = None) -> dict[str, Any]:
        """The dashboard as ``GET .../dashboards/<pk>/`` shows it (any project), without
        stamping ``last_accessed_at`` as a request does."""
        with self.store.lock:
            return self.render(self._get(pk), self.viewer(viewer))

    def list(
        self, project: int = 1, *, viewer: int | str | None = None
    ) -> builtins.list[dict[str, Any]]:
        """The live dashboards of ``project`` as the list endpoint orders and shows them."""
        with self.store.lock:
            user = self.viewer(viewer)
            return [render(self.store, d, user, with_tiles=False) for d in self.listed(project)]

    # -- the operations HTTP, seeds and the Python API share ------------------------------------
    def _get(self, pk: int) -> Dashboard:
        found = self.table.get(pk)
        if found is None:
            raise NotFound()
        return found

    def add(self, project: int, body: Any, *, user_id: int | None) -> Dashboard:
        """Validate a ``POST`` body and store the new dashboard."""
        data = validate_dashboard(body)
        with self.store.lock:
            dashboard = Dashboard(
                id=self.store.next_id(SEQUENCE),
                project=project,
                created_at=self.emulator.clock.now(),
                created_by=user_id,
                **data,
            )
            return self.insert(dashboard)

    def generate(
        self,
        project: int,
        *,
        name: str,
        description: str,
        filters: dict[str, Any],
        tags: builtins.list[str],
        created_by: int | None,
    ) -> Dashboard:
        """Store a dashboard PostHog's own code makes with ``Dashboard.objects.create`` and a
        template (``creation_mode`` ``template``, no serializer rules), e.g. a feature flag's
        usage dashboard (``posthog/helpers/dashboard_templates.py``)."""
        with self.store.lock:
            dashboard = Dashboard(
                id=self.store.next_id(SEQUENCE),
                project=project,
                created_at=self.emulator.clock.now(),
                name=name,
                description=description,
                created_by=created_by,
                tags=list(tags),
                creation_mode="template",
                filters=copy.deepcopy(filters),
            )
            return self.insert(dashboard)

    def insert(self, dashboard: Dashboard) -> Dashboard:
        """Store a dashboard built elsewhere (seeds: the id is reserved by the caller)."""
        with self.store.lock:
            self.table.dashboards[dashboard.id] = dashboard
            self.table.json.drop(dashboard.id)
            self._insights_changed(None)
            self._changed(dashboard.id)
        return dashboard

    def change(self, dashboard: Dashboard, body: Any, *, user_id: int | None = None) -> Dashboard:
        """Validate a ``PATCH`` body and apply it (dashboards keep no last modifier)."""
        data = validate_dashboard(body)
        with self.store.lock:
            for key, value in data.items():
                setattr(dashboard, key, value)
            self.table.json.drop(dashboard.id)
            if "deleted" in data:
                self._insights_changed(
                    t.insight for t in self.table.tiles_of_dashboard(dashboard.id)
                )
            self._changed(dashboard.id)
        return dashboard

    def lookup(self, project: int, pk: int | None, *, include_deleted: bool = False) -> Dashboard:
        """The dashboard ``pk`` of ``project``, or PostHog's 404."""
        return find_in_project(self.table.get, project, pk, include_deleted=include_deleted)

    def listed(self, project: int) -> builtins.list[Dashboard]:
        """The live dashboards of ``project`` in the list endpoint's order."""
        return sorted(
            (d for d in self.table.dashboards.values() if d.project == project and not d.deleted),
            key=_list_key,
        )

    def render(self, dashboard: Dashboard, viewer: User | None = None) -> dict[str, Any]:
        return render(self.store, dashboard, viewer)

    def access(self, dashboard: Dashboard) -> Dashboard:
        """What a ``GET`` of the dashboard writes: ``last_accessed_at``."""
        with self.store.lock:
            dashboard.last_accessed_at = self.emulator.clock.now()
            self.table.json.drop(dashboard.id)
            self.store.changed(SECTION, dashboard.id)
        return dashboard

    def page(self, request: Request, project: int, viewer: User | None) -> bytes:
        """The list endpoint's page as JSON bytes (items without tiles), as ``viewer`` sees it."""
        store, table = self.store, self.table
        with store.lock:
            seen_by = access_variant(store, viewer, project)
            ids = table.json.memo(
                store, ("listed", project), lambda: [d.id for d in self.listed(project)]
            )
            return paginate_bytes(
                request,
                len(ids),
                lambda offset, limit: table.json.joined(
                    store,
                    ids[offset : offset + limit],
                    lambda pk: render(store, table.dashboards[pk], viewer, with_tiles=False),
                    seen_by,
                ),
            )

    # -- tiles ----------------------------------------------------------------------------------
    def check_same_project(self, project: int, ids: Iterable[int]) -> None:
        """PostHog's save-time check: every dashboard must belong to the insight's project."""
        for pk in ids:
            found = self.table.get(pk)
            if found is None or found.project != project:
                raise ValidationError(Msg.DASHBOARD_NOT_FOUND)

    def link(
        self,
        dashboard: int,
        insight: int,
        tile_id: int | None = None,
        *,
        layouts: dict[str, Any] | None = None,
        color: str | None = None,
    ) -> DashboardTile:
        """Get or create the tile of (dashboard, insight) and make it visible again (a new
        tile takes a template's ``layouts`` and ``color``)."""
        with self.store.lock:
            tile = self.table.link(
                self.store, dashboard, insight, tile_id, layouts=layouts, color=color
            )
            self._insights_changed((insight,))
            self.store.changed(SECTION, dashboard)
            self.store.changed(INSIGHTS, insight)
            return tile

    def unlink(self, dashboard: int, insight: int) -> None:
        """Soft-delete the tile of (dashboard, insight), if any."""
        with self.store.lock:
            self.table.unlink(dashboard, insight)
            self._insights_changed((insight,))
            self.store.changed(SECTION, dashboard)
            self.store.changed(INSIGHTS, insight)

    def hide_tiles_of(self, insight: int) -> None:
        """Soft-delete every tile of an insight (PostHog does when the insight is deleted)."""
        with self.store.lock:
            for tile in self.table.tiles_of_insight(insight):
                tile.deleted = True
                self.store.changed(SECTION, tile.dashboard)
            self._insights_changed((insight,))
            self.store.changed(INSIGHTS, insight)

    def set_insight_dashboards(self, project: int, insight: int, ids: builtins.list[int]) -> None:
        """Replace the insight's tile set (PostHog's ``_update_insight_dashboards``).

        New dashboards get a tile (reviving a removed one), missing ones lose theirs; only added
        dashboards are checked against the project, and nothing changes when one fails.
        """
        with self.store.lock:
            old = [t.dashboard for t in self.table.visible_dashboard_tiles_of_insight(insight)]
            if sorted(old) == sorted(ids):
                return
            added = [pk for pk in ids if pk not in old]
            self.check_same_project(project, added)
            for pk in added:
                self.link(pk, insight)
            for pk in old:
                if pk not in ids:
                    self.unlink(pk, insight)

    def _insights_changed(self, insights: Iterable[int] | None) -> None:
        """Drop the rendered JSON of insights whose tiles changed (``None``: all of them)."""
        from phemu.resources.insights.models import InsightsState

        cache = self.store.state(InsightsState).json
        if insights is None:
            cache.clear()
        else:
            for pk in insights:
                cache.drop(pk)

    def _changed(self, dashboard: int) -> None:
        """Report a changed dashboard record, and the insights whose ``dashboards`` show it."""
        if self.store.changes is None:
            return  # no mutation log: not even the tiles need looking up
        self.store.changed(SECTION, dashboard)
        self.store.changed(INSIGHTS, *(t.insight for t in self.table.tiles_of_dashboard(dashboard)))

    def inspect(self) -> dict[str, int]:
        return {"dashboards": len(self.table.dashboards), "tiles": len(self.table.tiles)}
