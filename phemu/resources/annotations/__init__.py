"""Annotations: ``{prefix}/annotations/`` with PostHog's serializer rules
(``emulator.annotations``)."""

from __future__ import annotations

from phemu.resources._base import Resource
from phemu.resources.annotations import seed
from phemu.resources.annotations.models import AnnotationsBackend
from phemu.resources.annotations.urls import ROUTES

RESOURCE = Resource(
    name="annotations",
    backend=AnnotationsBackend,
    routes=ROUTES,
    seed_sections=(seed.SECTION,),
)
