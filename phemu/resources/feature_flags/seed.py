"""The ``feature_flags`` seed section: :meth:`FeatureFlagsBackend.load` reads the records (with
:class:`phemu.seed.RecordReader`) and :meth:`FeatureFlagsBackend.export` writes them."""

from __future__ import annotations

from phemu.resources._base import backend_section
from phemu.resources.feature_flags.models import FeatureFlagsBackend

SECTION = backend_section("feature_flags", FeatureFlagsBackend)
