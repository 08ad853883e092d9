"""Experiments: ``{prefix}/experiments/`` and the feature flags they create
(``emulator.experiments``)."""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

from phemu.resources._base import Resource
from phemu.resources.experiments.models import ExperimentsBackend
from phemu.resources.experiments.urls import ROUTES
from phemu.seed import SeedSection

if TYPE_CHECKING:
    from phemu.emulator import Emulator


def _load(emulator: Emulator, records: list[dict[str, Any]]) -> None:
    ExperimentsBackend(emulator).load(records)


def _export(emulator: Emulator) -> list[dict[str, Any]]:
    return ExperimentsBackend(emulator).export()


RESOURCE = Resource(
    name="experiments", routes=ROUTES, seed_sections=(SeedSection("experiments", _load, _export),)
)
