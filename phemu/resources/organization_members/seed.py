"""The ``organization_members`` seed section: :meth:`OrganizationMembersBackend.load` reads
the records and :meth:`OrganizationMembersBackend.export` writes them."""

from __future__ import annotations

from phemu.resources._base import backend_section
from phemu.resources.organization_members.models import OrganizationMembersBackend

SECTION = backend_section("organization_members", OrganizationMembersBackend)
