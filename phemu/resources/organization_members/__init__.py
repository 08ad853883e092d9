"""Organization members: ``/api/organizations/:id/members/`` (``emulator.organization_members``)."""

from __future__ import annotations

from phemu.resources._base import Resource
from phemu.resources.organization_members import seed
from phemu.resources.organization_members.models import OrganizationMembersBackend
from phemu.resources.organization_members.urls import ROUTES

RESOURCE = Resource(
    name="organization_members",
    backend=OrganizationMembersBackend,
    routes=ROUTES,
    seed_sections=(seed.SECTION,),
)
