"""The ``cohorts`` seed section (records read with :class:`phemu.seed.RecordReader` in
:meth:`CohortsBackend.load`)."""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

from phemu.resources.cohorts.models import CohortsBackend
from phemu.seed import SeedSection

if TYPE_CHECKING:
    from phemu.emulator import Emulator


def _load(emulator: Emulator, records: list[dict[str, Any]]) -> None:
    CohortsBackend.of(emulator).load(records)


def _export(emulator: Emulator) -> list[dict[str, Any]]:
    return CohortsBackend.of(emulator).export()


SECTION = SeedSection("cohorts", _load, _export)
