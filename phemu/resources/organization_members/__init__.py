"""Organization members: ``/api/organizations/:id/members/`` (``emulator.organization_members``)."""

from __future__ import annotations

from phemu.resources._base import Resource
from phemu.resources._records import section
from phemu.resources.organization_members.models import OrganizationMembersBackend
from phemu.resources.organization_members.urls import ROUTES

RESOURCE = Resource(
    name="organization_members",
    routes=ROUTES,
    seed_sections=(section("organization_members", OrganizationMembersBackend),),
)
