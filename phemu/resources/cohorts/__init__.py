"""Cohorts: static and property cohorts for flag evaluation (``emulator.cohorts``, seeds)."""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

from phemu.resources._base import Resource
from phemu.resources.cohorts.models import CohortsBackend
from phemu.seed import SeedSection

if TYPE_CHECKING:
    from phemu.emulator import Emulator


def _load(emulator: Emulator, records: list[dict[str, Any]]) -> None:
    CohortsBackend(emulator).load(records)


def _export(emulator: Emulator) -> list[dict[str, Any]]:
    return CohortsBackend(emulator).export()


RESOURCE = Resource(
    name="cohorts",
    backend=CohortsBackend,
    routes=(),
    seed_sections=(SeedSection("cohorts", _load, _export),),
)
