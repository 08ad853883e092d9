"""Feature flags: management (PostHog's serializer rules), evaluation, ``/flags``, definitions."""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

from phemu.resources._base import Resource
from phemu.resources.feature_flags.models import FeatureFlagsBackend
from phemu.resources.feature_flags.urls import ROUTES
from phemu.seed import SeedSection

if TYPE_CHECKING:
    from phemu.emulator import Emulator


def _load(emulator: Emulator, records: list[dict[str, Any]]) -> None:
    FeatureFlagsBackend(emulator).load(records)


def _export(emulator: Emulator) -> list[dict[str, Any]]:
    return FeatureFlagsBackend(emulator).export()


RESOURCE = Resource(
    name="feature_flags",
    backend=FeatureFlagsBackend,
    routes=ROUTES,
    seed_sections=(SeedSection("feature_flags", _load, _export),),
)
