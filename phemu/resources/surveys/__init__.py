"""Surveys: ``{prefix}/surveys/`` with PostHog's question rules and the flags a survey creates
(``emulator.surveys``)."""

from __future__ import annotations

from phemu.resources._base import Resource
from phemu.resources.surveys import seed
from phemu.resources.surveys.models import SurveysBackend
from phemu.resources.surveys.urls import ROUTES

RESOURCE = Resource(
    name="surveys",
    backend=SurveysBackend,
    routes=ROUTES,
    seed_sections=(seed.SECTION,),
)
