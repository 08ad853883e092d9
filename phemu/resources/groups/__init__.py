"""Groups and group types (``{prefix}/groups/...``, ``/api/projects/<id>/groups_types/...``,
``emulator.groups``) over the groups and group types phemu's person store holds, and the
group types' usage metrics."""

from __future__ import annotations

from phemu.resources._base import Resource
from phemu.resources.groups.models import GroupsBackend
from phemu.resources.groups.seed import SECTIONS
from phemu.resources.groups.urls import ROUTES

RESOURCE = Resource(name="groups", backend=GroupsBackend, routes=ROUTES, seed_sections=SECTIONS)
