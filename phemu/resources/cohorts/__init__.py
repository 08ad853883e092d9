"""Cohorts: ``{prefix}/cohorts/`` with PostHog's serializer rules, counts from the person store,
static members, and the cohorts flag evaluation reads (``emulator.cohorts``, seeds)."""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

from phemu.resources._base import Resource
from phemu.resources.cohorts.models import CohortsBackend
from phemu.resources.cohorts.urls import ROUTES
from phemu.seed import SeedSection

if TYPE_CHECKING:
    from phemu.emulator import Emulator


def _load(emulator: Emulator, records: list[dict[str, Any]]) -> None:
    CohortsBackend(emulator).load(records)


def _export(emulator: Emulator) -> list[dict[str, Any]]:
    return CohortsBackend(emulator).export()


RESOURCE = Resource(
    name="cohorts", routes=ROUTES, seed_sections=(SeedSection("cohorts", _load, _export),)
)
