"""The ``cohorts`` seed section: :meth:`CohortsBackend.load` reads the records (with
:class:`phemu.seed.RecordReader`) and :meth:`CohortsBackend.export` writes them."""

from __future__ import annotations

from phemu.resources._base import backend_section
from phemu.resources.cohorts.models import CohortsBackend

SECTION = backend_section("cohorts", CohortsBackend)
