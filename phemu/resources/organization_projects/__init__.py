"""Organizations and their projects: ``GET/POST /api/organizations/``,
``/api/organizations/:organization_id/projects/`` (list, create, retrieve, update, delete) and
``POST /api/projects/`` (``emulator.organization_projects``)."""

from __future__ import annotations

from phemu.resources._base import Resource
from phemu.resources.organization_projects.models import OrganizationProjectsBackend
from phemu.resources.organization_projects.urls import ROUTES

RESOURCE = Resource(
    name="organization_projects", backend=OrganizationProjectsBackend, routes=ROUTES
)
