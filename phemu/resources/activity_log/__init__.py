"""The activity log journal (``emulator.activity_log``) and its seed section.

Its routes live with the resources whose activity they show (``feature_flags/activity/``...).
"""

from __future__ import annotations

from phemu.resources._base import Resource
from phemu.resources._base import backend_section
from phemu.resources.activity_log.models import ActivityLogBackend

RESOURCE = Resource(
    name="activity_log",
    backend=ActivityLogBackend,
    routes=(),
    seed_sections=(backend_section("activity_log", ActivityLogBackend),),
)
