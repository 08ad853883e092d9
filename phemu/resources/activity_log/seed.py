"""The ``activity_log`` seed section: :meth:`ActivityLogBackend.load` reads the records and
:meth:`ActivityLogBackend.export` writes them; entries are only appended."""

from __future__ import annotations

from phemu.resources._base import backend_section
from phemu.resources.activity_log.models import SECTION as KEY
from phemu.resources.activity_log.models import ActivityLogBackend

SECTION = backend_section(KEY, ActivityLogBackend, append_only=True)
