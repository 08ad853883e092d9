"""Annotations: ``{prefix}/annotations/`` with PostHog's serializer rules
(``emulator.annotations``)."""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

from phemu.resources._base import Resource
from phemu.resources.annotations.models import AnnotationsBackend
from phemu.resources.annotations.urls import ROUTES
from phemu.seed import SeedSection

if TYPE_CHECKING:
    from phemu.emulator import Emulator


def _load(emulator: Emulator, records: list[dict[str, Any]]) -> None:
    AnnotationsBackend(emulator).load(records)


def _export(emulator: Emulator) -> list[dict[str, Any]]:
    return AnnotationsBackend(emulator).export()


RESOURCE = Resource(
    name="annotations", routes=ROUTES, seed_sections=(SeedSection("annotations", _load, _export),)
)
