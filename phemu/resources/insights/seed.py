"""The ``insights`` seed section, and the linking of seeded tiles.

Records use the API's field names plus ``project`` (optional with a single project), ``id``,
``short_id``, ``filters``, ``created_by`` / ``last_modified_by`` (user email or id),
``created_at`` / ``last_modified_at``, ``is_sample`` (set by PostHog's dashboard templates)
and ``dashboards`` (dashboard ids, linked once the whole
document has loaded, like dashboards' ``tiles``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

from phemu.errors import SeedError
from phemu.resources._base import iso
from phemu.resources.dashboards.models import DashboardsBackend
from phemu.resources.dashboards.models import DashboardsState
from phemu.resources.dashboards.models import PendingLink
from phemu.resources.insights.models import SECTION as KEY
from phemu.resources.insights.models import SEQUENCE
from phemu.resources.insights.models import SHORT_ID_ALPHABET
from phemu.resources.insights.models import SHORT_ID_LENGTH
from phemu.resources.insights.models import Insight
from phemu.resources.insights.models import InsightsBackend
from phemu.resources.insights.rules import TEXT_MAX
from phemu.seed import RecordReader
from phemu.seed import SeedSection
from phemu.seed import exported
from phemu.seed import iter_records

if TYPE_CHECKING:
    from phemu.emulator import Emulator


def _short_id(insights: InsightsBackend, r: RecordReader, project: int, pk: int) -> str:
    value = r.raw("short_id")
    if value is None:
        return insights.table.new_short_id(insights.store, project)
    if (
        not isinstance(value, str)
        or len(value) != SHORT_ID_LENGTH
        or any(c not in SHORT_ID_ALPHABET for c in value)
    ):
        raise r.error("'short_id' must be 8 characters from A-Z, a-z and 0-9")
    owner = insights.table.short_ids.get((project, value))
    if owner is not None and owner != pk:
        raise r.error(f"short_id {value!r} is already used by insight {owner} in project {project}")
    return value


def load(emulator: Emulator, records: list[dict[str, Any]]) -> None:
    """Insights; their ``dashboards`` are linked when the document is complete."""
    insights = InsightsBackend.of(emulator)
    pending = DashboardsBackend.of(emulator).table.pending_links
    for r in iter_records(emulator, KEY, records):
        pk = r.id(SEQUENCE)
        project = r.project()
        filters = r.mapping("filters")
        author = r.user("created_by")
        created = r.instant("created_at")
        modified = r.instant("last_modified_at", default_now=False) or created
        updated = r.instant("updated_at", default_now=False) or modified
        insight = Insight(
            id=pk,
            project=project,
            short_id=_short_id(insights, r, project, pk),
            created_at=created,
            last_modified_at=modified,
            updated_at=updated,
            last_viewed_at=r.instant("last_viewed_at", default_now=False),
            name=r.text("name", None, nullable=True, max_length=TEXT_MAX),
            derived_name=r.text("derived_name", None, nullable=True, max_length=TEXT_MAX),
            filters=filters,
            query=r.raw("query"),
            order=r.integer("order"),
            deleted=r.flag("deleted"),
            created_by=author,
            description=r.text("description", None, nullable=True, max_length=TEXT_MAX),
            tags=r.tags(),
            favorited=r.flag("favorited"),
            saved=r.flag("saved"),
            last_modified_by=r.user("last_modified_by", author),
            is_sample=r.flag("is_sample"),
        )
        insights.insert(insight)
        for index, dashboard in enumerate(r.items("dashboards")):
            pending.append(PendingLink(f"{r.label} dashboards[{index}]", dashboard, pk))


def link_pending(emulator: Emulator) -> None:
    """Create the tiles named in this document: dashboards' ``tiles`` first (keeping tile ids),
    then insights' ``dashboards`` (get or create, as PostHog does)."""
    boards = DashboardsBackend.of(emulator)
    insights = InsightsBackend.of(emulator).table
    pending, boards.table.pending_links = boards.table.pending_links, []
    for link in sorted(pending, key=lambda p: p.tile_id is None):
        dashboard = boards.table.get(link.dashboard) if isinstance(link.dashboard, int) else None
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
            holder = boards.table.tiles.get(link.tile_id)
            if holder is not None and (holder.dashboard, holder.insight) != (
                dashboard.id,
                insight.id,
            ):
                raise SeedError(f"{link.label}: tile id {link.tile_id} is already used")
        tile = boards.link(
            dashboard.id, insight.id, link.tile_id, layouts=link.layouts, color=link.color
        )
        if link.tile_id is not None:
            # A dashboard's tile as exported, with its exact state (``null``: never removed);
            # an insight's ``dashboards`` only gets or revives the tile, as PostHog does.
            tile.deleted = link.deleted


def export_record(tiles: DashboardsState, i: Insight) -> dict[str, Any]:
    return {
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
        "is_sample": i.is_sample,
    }


def export(emulator: Emulator) -> list[dict[str, Any]]:
    tiles = DashboardsBackend.of(emulator).table
    rows = InsightsBackend.of(emulator).table.insights
    return [export_record(tiles, i) for i in sorted(rows.values(), key=lambda i: i.id)]


def export_one(emulator: Emulator, pk: Any) -> dict[str, Any] | None:
    found = InsightsBackend.of(emulator).table.insights.get(pk)
    tiles = DashboardsBackend.of(emulator).table
    return exported(found, lambda i: export_record(tiles, i))


SECTION = SeedSection(KEY, load, export, finish=link_pending, export_one=export_one)
