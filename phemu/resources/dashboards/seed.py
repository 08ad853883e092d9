"""The ``dashboards`` seed section.

Records use the API's field names plus ``project`` (optional with a single project), ``id``,
``created_by`` (a user email or id, or ``null``: the default), ``created_at``, what only
PostHog's templates set (``creation_mode``, ``filters``) and ``tiles``: insight ids, or
``{"id", "insight", "deleted", "layouts", "color"}`` objects as exports write them. Tiles are linked
once the whole document has loaded (``insights/seed.py``: :func:`link_pending`), so they may
name insights that load after the dashboard.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

from phemu.resources._base import iso
from phemu.resources.dashboards.models import CREATION_MODES
from phemu.resources.dashboards.models import SECTION as KEY
from phemu.resources.dashboards.models import SEQUENCE
from phemu.resources.dashboards.models import Dashboard
from phemu.resources.dashboards.models import DashboardsBackend
from phemu.resources.dashboards.models import DashboardsState
from phemu.resources.dashboards.models import PendingLink
from phemu.resources.dashboards.rules import NAME_MAX
from phemu.seed import RecordReader
from phemu.seed import SeedSection
from phemu.seed import exported
from phemu.seed import iter_records

if TYPE_CHECKING:
    from phemu.emulator import Emulator


def _tile_links(r: RecordReader, dashboard: int) -> list[PendingLink]:
    links = []
    for index, item in enumerate(r.items("tiles")):
        where = f"{r.label} tiles[{index}]"
        if isinstance(item, dict):
            tile = RecordReader(r.emulator, item, where)
            tile_id = tile.raw("id")
            if tile_id is not None and (
                not isinstance(tile_id, int) or isinstance(tile_id, bool) or tile_id < 1
            ):
                raise tile.error("'id' must be a positive integer")
            deleted = tile.raw("deleted")
            if deleted is not None and not isinstance(deleted, bool):
                raise tile.error("'deleted' must be true, false or null")
            color = tile.text("color", None, nullable=True)
            links.append(
                PendingLink(
                    where,
                    dashboard,
                    item.get("insight"),
                    tile_id,
                    deleted,
                    layouts=tile.mapping("layouts"),
                    color=color,
                )
            )
        else:
            links.append(PendingLink(where, dashboard, item))
    return links


def _creation_mode(r: RecordReader) -> str:
    value = r.raw("creation_mode", "default")
    if value not in CREATION_MODES:
        raise r.error(f"'creation_mode' must be one of {', '.join(CREATION_MODES)}")
    return str(value)


def load(emulator: Emulator, records: list[dict[str, Any]]) -> None:
    boards = DashboardsBackend.of(emulator)
    for r in iter_records(emulator, KEY, records):
        pk = r.id(SEQUENCE)
        dashboard = Dashboard(
            id=pk,
            project=r.project(),
            created_at=r.instant("created_at"),
            name=r.text("name", None, nullable=True, max_length=NAME_MAX),
            description=r.text("description", ""),
            pinned=r.flag("pinned"),
            created_by=r.user("created_by"),
            deleted=r.flag("deleted"),
            tags=r.tags(),
            last_accessed_at=r.instant("last_accessed_at", default_now=False),
            creation_mode=_creation_mode(r),
            filters=r.mapping("filters"),
        )
        boards.insert(dashboard)
        boards.table.pending_links.extend(_tile_links(r, pk))


def export_record(table: DashboardsState, d: Dashboard) -> dict[str, Any]:
    return {
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
        "creation_mode": d.creation_mode,
        "filters": d.filters,
        "tiles": [
            {
                "id": t.id,
                "insight": t.insight,
                "deleted": t.deleted,
                "layouts": t.layouts,
                "color": t.color,
            }
            for t in table.tiles_of_dashboard(d.id)
        ],
    }


def export(emulator: Emulator) -> list[dict[str, Any]]:
    table = DashboardsBackend.of(emulator).table
    return [export_record(table, d) for d in sorted(table.dashboards.values(), key=lambda d: d.id)]


def export_one(emulator: Emulator, pk: Any) -> dict[str, Any] | None:
    table = DashboardsBackend.of(emulator).table
    return exported(table.dashboards.get(pk), lambda d: export_record(table, d))


SECTION = SeedSection(KEY, load, export, export_one=export_one)
