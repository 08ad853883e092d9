"""Group analytics reads over the groups phemu holds: ``{prefix}/groups/property_definitions/``
and ``{prefix}/groups/property_values/`` (``emulator.groups``)."""

from __future__ import annotations

from phemu.resources._base import Resource
from phemu.resources.groups.models import GroupsBackend
from phemu.resources.groups.urls import ROUTES

RESOURCE = Resource(name="groups", backend=GroupsBackend, routes=ROUTES)
