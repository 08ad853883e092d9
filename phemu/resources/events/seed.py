"""The ``captured_events`` seed section: :meth:`EventsBackend.load` reads the records (with
:class:`phemu.seed.RecordReader`) and :meth:`EventsBackend.export` writes them."""

from __future__ import annotations

from phemu.resources._base import backend_section
from phemu.resources.events.models import EventsBackend

SECTION = backend_section("captured_events", EventsBackend)
