"""The ``feature_flags`` seed section (records read with :class:`phemu.seed.RecordReader` in
:meth:`FeatureFlagsBackend.load`)."""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

from phemu.resources.feature_flags.models import FeatureFlagsBackend
from phemu.seed import SeedSection

if TYPE_CHECKING:
    from phemu.emulator import Emulator


def _load(emulator: Emulator, records: list[dict[str, Any]]) -> None:
    FeatureFlagsBackend.of(emulator).load(records)


def _export(emulator: Emulator) -> list[dict[str, Any]]:
    return FeatureFlagsBackend.of(emulator).export()


SECTION = SeedSection("feature_flags", _load, _export)
