"""The activity log journal (``emulator.activity_log``) and its seed section.

Its routes live with the resources whose activity they show (``feature_flags/activity/``...).
"""

from __future__ import annotations

from phemu.resources._base import Resource
from phemu.resources.activity_log import seed
from phemu.resources.activity_log.models import ActivityLogBackend

RESOURCE = Resource(
    name="activity_log",
    backend=ActivityLogBackend,
    routes=(),
    seed_sections=(seed.SECTION,),
)
