"""The ``captured_events`` seed section (records read with :class:`phemu.seed.RecordReader` in
:meth:`EventsBackend.load`)."""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

from phemu.resources.events.models import EventsBackend
from phemu.seed import SeedSection

if TYPE_CHECKING:
    from phemu.emulator import Emulator


def _load(emulator: Emulator, records: list[dict[str, Any]]) -> None:
    EventsBackend.of(emulator).load(records)


def _export(emulator: Emulator) -> list[dict[str, Any]]:
    return EventsBackend.of(emulator).export()


SECTION = SeedSection("captured_events", _load, _export)
