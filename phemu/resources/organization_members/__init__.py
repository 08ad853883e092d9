"""Organization members: ``/api/organizations/:id/members/`` (``emulator.organization_members``)."""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

from phemu.resources._base import Resource
from phemu.resources.organization_members.models import OrganizationMembersBackend
from phemu.resources.organization_members.urls import ROUTES
from phemu.seed import SeedSection

if TYPE_CHECKING:
    from phemu.emulator import Emulator


def _load(emulator: Emulator, records: list[dict[str, Any]]) -> None:
    OrganizationMembersBackend(emulator).load(records)


def _export(emulator: Emulator) -> list[dict[str, Any]]:
    return OrganizationMembersBackend(emulator).export()


RESOURCE = Resource(
    name="organization_members",
    routes=ROUTES,
    seed_sections=(SeedSection("organization_members", _load, _export),),
)
