"""The ``captured_events`` seed section: :meth:`EventsBackend.load` reads the records (with
:class:`phemu.seed.RecordReader`) and :meth:`EventsBackend.export` writes them. Captured events
are only ever appended (``Store.appended``), or cleared (``Store.rewritten``)."""

from __future__ import annotations

from phemu.resources._base import backend_section
from phemu.resources.events.models import SECTION as KEY
from phemu.resources.events.models import EventsBackend

SECTION = backend_section(KEY, EventsBackend, append_only=True)
