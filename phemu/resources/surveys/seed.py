"""The ``surveys`` seed section: :meth:`SurveysBackend.load` reads the records and
:meth:`SurveysBackend.export` writes them."""

from __future__ import annotations

from phemu.resources._base import backend_section
from phemu.resources.surveys.models import SurveysBackend

SECTION = backend_section("surveys", SurveysBackend)
