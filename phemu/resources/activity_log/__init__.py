"""The activity log journal (``emulator.activity_log``) and its seed section.

Its routes live with the resources whose activity they show (``feature_flags/activity/``...).
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

from phemu.resources._base import Resource
from phemu.resources.activity_log.models import ActivityLogBackend
from phemu.seed import SeedSection

if TYPE_CHECKING:
    from phemu.emulator import Emulator


def _load(emulator: Emulator, records: list[dict[str, Any]]) -> None:
    ActivityLogBackend(emulator).load(records)


def _export(emulator: Emulator) -> list[dict[str, Any]]:
    return ActivityLogBackend(emulator).export()


RESOURCE = Resource(
    name="activity_log", routes=(), seed_sections=(SeedSection("activity_log", _load, _export),)
)
