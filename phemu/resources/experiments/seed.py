"""The ``experiments`` seed section: :meth:`ExperimentsBackend.load` reads the records and
:meth:`ExperimentsBackend.export` writes them."""

from __future__ import annotations

from phemu.resources._base import backend_section
from phemu.resources.experiments.models import ExperimentsBackend

SECTION = backend_section("experiments", ExperimentsBackend)
