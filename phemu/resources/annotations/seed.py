"""The ``annotations`` seed section: :meth:`AnnotationsBackend.load` reads the records and
:meth:`AnnotationsBackend.export` writes them."""

from __future__ import annotations

from phemu.resources._base import backend_section
from phemu.resources.annotations.models import AnnotationsBackend

SECTION = backend_section("annotations", AnnotationsBackend)
