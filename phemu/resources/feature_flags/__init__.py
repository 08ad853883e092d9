"""Feature flags: management (PostHog's serializer rules), evaluation, ``/flags``, definitions."""

from __future__ import annotations

from phemu.resources._base import Resource
from phemu.resources.feature_flags import seed
from phemu.resources.feature_flags.models import FeatureFlagsBackend
from phemu.resources.feature_flags.urls import ROUTES

RESOURCE = Resource(
    name="feature_flags",
    backend=FeatureFlagsBackend,
    routes=ROUTES,
    seed_sections=(seed.SECTION,),
)
