"""Surveys: ``{prefix}/surveys/`` with PostHog's question rules and the flags a survey creates
(``emulator.surveys``)."""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

from phemu.resources._base import Resource
from phemu.resources.surveys.models import SurveysBackend
from phemu.resources.surveys.urls import ROUTES
from phemu.seed import SeedSection

if TYPE_CHECKING:
    from phemu.emulator import Emulator


def _load(emulator: Emulator, records: list[dict[str, Any]]) -> None:
    SurveysBackend(emulator).load(records)


def _export(emulator: Emulator) -> list[dict[str, Any]]:
    return SurveysBackend(emulator).export()


RESOURCE = Resource(
    name="surveys", routes=ROUTES, seed_sections=(SeedSection("surveys", _load, _export),)
)
