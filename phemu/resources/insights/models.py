"""Insights: the record, its table, its JSON shape and :class:`InsightsBackend`, the only code
that writes insights (``docs/dashboards-insights.md``).

No query engine: an insight stores its ``query`` verbatim and never computes results. An
insight's ``dashboards`` field is a view of the tile table, which the insights backend changes
through :class:`~phemu.resources.dashboards.models.DashboardsBackend`.
"""

from __future__ import annotations

import builtins
import copy
import string
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from typing import TYPE_CHECKING
from typing import Any

from phemu.errors import NotFound
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
from phemu.resources.dashboards.models import DashboardsBackend
from phemu.resources.dashboards.models import DashboardsState
from phemu.resources.insights.rules import MATERIAL_FIELDS
from phemu.resources.insights.rules import validate_insight
from phemu.seed import user_ref

if TYPE_CHECKING:
    from werkzeug.wrappers import Request

    from phemu.store import Store
    from phemu.store import User

SEQUENCE = "insight"
SECTION = "insights"

#: PostHog's ``generate_short_id`` alphabet (``string.ascii_letters + string.digits``).
SHORT_ID_ALPHABET = string.ascii_letters + string.digits
SHORT_ID_LENGTH = 8


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
    #: Set on the insights of PostHog's dashboard templates (``_create_tile_for_insight``).
    is_sample: bool = False


class InsightsState:
    """The insight table of one store (``store.state(InsightsState)``)."""

    def __init__(self) -> None:
        self.insights: dict[int, Insight] = {}
        self.short_ids: dict[tuple[int, str], int] = {}  # (project, short_id) -> insight id
        self.json = RenderCache()

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
        self.json.drop(insight.id)

    def new_short_id(self, store: Store, project: int) -> str:
        """8 random characters from the store's generator, unique within the project."""
        while True:
            candidate = store.random_token(SHORT_ID_LENGTH, SHORT_ID_ALPHABET)
            if (project, candidate) not in self.short_ids:
                return candidate


# -- rendering ----------------------------------------------------------------------------------


def _common(store: Store, insight: Insight, viewer: User | None, *, listed: bool) -> dict[str, Any]:
    """The values both serializers compute the same way."""
    tiles = store.state(DashboardsState).visible_dashboard_tiles_of_insight(insight.id)
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
        "is_sample": insight.is_sample,
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


def _matches(insight: Insight, needle: str) -> bool:
    # Django's icontains on three nullable columns: a null column never matches.
    return any(
        value is not None and needle in value.lower()
        for value in (insight.name, insight.derived_name, insight.description)
    )


class InsightsBackend(Backend):
    """``emulator.insights``: create, change, read and list insights.

    The Python methods validate as the API does (``POST``/``PATCH`` bodies), return the API's
    JSON objects and raise its errors; seed documents add what the API cannot set (ids,
    ``short_id``, timestamps, authors).
    """

    @property
    def table(self) -> InsightsState:
        return self.store.state(InsightsState)

    @property
    def tiles(self) -> DashboardsBackend:
        return DashboardsBackend.of(self.emulator)

    # -- the Python API ---------------------------------------------------------------------
    def create(
        self, project: int = 1, *, created_by: int | str | None = None, **fields: Any
    ) -> dict[str, Any]:
        """Create an insight as ``POST`` does (``name``, ``derived_name``, ``query``, ``order``,
        ``description``, ``tags``, ``favorited``, ``saved``, ``deleted``, ``dashboards``);
        ``created_by`` is a user id or email, or ``None``. The answer is what the creator would
        see (``user_access_level``)."""
        with self.store.lock:
            self.project(project)
            user = user_ref(self.store, created_by, "insights.create")
            insight = self.add(project, fields, user_id=user)
            return self.render(insight, self.store.users.get(user) if user else None)

    def update(
        self, pk: int, *, modified_by: int | str | None = None, **fields: Any
    ) -> dict[str, Any]:
        """Change an insight as ``PATCH`` does (soft-deleted ones included); ``modified_by``
        becomes ``last_modified_by`` when a material field is sent."""
        with self.store.lock:
            user = user_ref(self.store, modified_by, "insights.update", "modified_by")
            insight = self.change(self._get(pk), fields, user_id=user)
            return self.render(insight, self.viewer(modified_by))

    def get(
        self, pk: int, *, viewer: int | str | None = None, basic: bool = False
    ) -> dict[str, Any]:
        """The insight as ``GET .../insights/<pk>/`` shows it (any project)."""
        with self.store.lock:
            return self.render(self._get(pk), self.viewer(viewer), basic=basic)

    def list(
        self, project: int = 1, *, viewer: int | str | None = None, basic: bool = False
    ) -> builtins.list[dict[str, Any]]:
        """The live insights of ``project`` as the list endpoint orders and shows them."""
        with self.store.lock:
            user = self.viewer(viewer)
            items = self.listed(project, "", None)
            return [self.render(i, user, basic=basic, listed=True) for i in items]

    # -- the operations HTTP, seeds and the Python API share ------------------------------------
    def _get(self, pk: int) -> Insight:
        found = self.table.get(pk)
        if found is None:
            raise NotFound()
        return found

    def add(self, project: int, body: Any, *, user_id: int | None) -> Insight:
        """Validate a ``POST`` body and store the new insight with its tiles."""
        store = self.store
        with store.lock:
            data = validate_insight(self.tiles.table, body)
            ids = data.pop("dashboards", [])
            self.tiles.check_same_project(project, ids)
            insight = self._new(project, user_id, viewed=True, **data)
            for pk in ids:
                self.tiles.link(pk, insight.id)
            return insight

    def generate(
        self,
        project: int,
        *,
        name: str,
        description: str,
        query: Any,
        created_by: int | None,
        dashboard: int,
        layouts: dict[str, Any],
        color: str | None,
    ) -> Insight:
        """A dashboard template's insight and its tile (``_create_tile_for_insight`` in
        ``posthog/helpers/dashboard_templates.py``): ``Insight.objects.create`` with
        ``is_sample``, so no serializer rules and no ``InsightViewed`` row."""
        with self.store.lock:
            insight = self._new(
                project,
                created_by,
                viewed=False,
                name=name,
                description=description,
                query=copy.deepcopy(query),
                is_sample=True,
            )
            self.tiles.link(dashboard, insight.id, layouts=layouts, color=color)
            return insight

    def _new(self, project: int, user_id: int | None, *, viewed: bool, **data: Any) -> Insight:
        """Store a new insight with the fields every creation sets the same way: the next id, a
        fresh short id, the clock for its times, the user as creator and last modifier (a
        serializer create also records the creator's view)."""
        now = self.emulator.clock.now()
        insight = Insight(
            id=self.store.next_id(SEQUENCE),
            project=project,
            short_id=self.table.new_short_id(self.store, project),
            created_at=now,
            last_modified_at=now,
            updated_at=now,
            created_by=user_id,
            last_modified_by=user_id,
            last_viewed_at=now if viewed else None,
            **data,
        )
        return self.insert(insight)

    def rewrite(self, insight: Insight, *, query: Any, description: str | None) -> None:
        """A save by PostHog's own code, outside the serializer (``insight.save()``): only
        ``updated_at`` moves with it."""
        with self.store.lock:
            insight.query = query
            insight.description = description
            insight.updated_at = self.emulator.clock.now()
            self.table.json.drop(insight.id)
            self.store.changed(SECTION, insight.id)

    def insert(self, insight: Insight) -> Insight:
        """Store an insight built elsewhere (seeds: id and short id checked by the caller)."""
        with self.store.lock:
            self.table.add(insight)
            self.store.changed(SECTION, insight.id)
        return insight

    def change(self, insight: Insight, body: Any, *, user_id: int | None) -> Insight:
        """Validate a ``PATCH`` body and apply it (tiles included)."""
        with self.store.lock:
            data = validate_insight(self.tiles.table, body)
            ids = data.pop("dashboards", None)
            if data.get("deleted"):
                # PostHog soft-deletes every tile of the insight; a restore does not bring
                # them back.
                self.tiles.hide_tiles_of(insight.id)
            elif ids is not None:
                self.tiles.set_insight_dashboards(insight.project, insight.id, ids)
            now = self.emulator.clock.now()
            if any(name in data for name in MATERIAL_FIELDS):
                insight.last_modified_at = now
                insight.last_modified_by = user_id
            for key, value in data.items():
                setattr(insight, key, value)
            insight.updated_at = now
            self.table.json.drop(insight.id)
            self.store.changed(SECTION, insight.id)
            return insight

    def lookup(self, project: int, pk: int | None, *, include_deleted: bool = False) -> Insight:
        """The insight ``pk`` of ``project``, or PostHog's 404."""
        return find_in_project(self.table.get, project, pk, include_deleted=include_deleted)

    def listed(self, project: int, short_id: str, search: str | None) -> builtins.list[Insight]:
        """The live insights of ``project`` (by id), filtered as the list endpoint filters."""
        table = self.table
        if short_id:
            found = table.by_short_id(project, short_id)
            items = [found] if found is not None and not found.deleted else []
        else:
            items = sorted(
                (i for i in table.insights.values() if i.project == project and not i.deleted),
                key=lambda i: i.id,
            )
        if search is not None:
            needle = search.lower()
            items = [i for i in items if _matches(i, needle)]
        return items

    def render(
        self,
        insight: Insight,
        viewer: User | None = None,
        *,
        basic: bool = False,
        listed: bool = False,
    ) -> dict[str, Any]:
        """``InsightSerializer`` (or ``InsightBasicSerializer`` with ``basic``) as ``viewer``
        sees it; ``listed``: the list action's annotations."""
        draw = render_basic if basic else render
        return draw(self.store, insight, viewer, listed=listed)

    def page(
        self,
        request: Request,
        project: int,
        short_id: str,
        search: str | None,
        viewer: User | None,
        basic: bool,
    ) -> bytes:
        """The list endpoint's page as JSON bytes, as ``viewer`` sees it."""
        store, table = self.store, self.table
        draw = render_basic if basic else render
        with store.lock:
            variant = (access_variant(store, viewer, project), basic)
            ids = table.json.memo(
                store,
                ("listed", project, short_id, search),
                lambda: [i.id for i in self.listed(project, short_id, search)],
            )
            return paginate_bytes(
                request,
                len(ids),
                lambda offset, limit: table.json.joined(
                    store,
                    ids[offset : offset + limit],
                    lambda pk: draw(store, table.insights[pk], viewer, listed=True),
                    variant,
                ),
            )

    def inspect(self) -> dict[str, int]:
        return {"insights": len(self.table.insights)}
