"""The ``experiment_holdouts`` seed section: :meth:`ExperimentHoldoutsBackend.load` reads the
records and :meth:`ExperimentHoldoutsBackend.export` writes them."""

from __future__ import annotations

from phemu.resources._base import backend_section
from phemu.resources.experiment_holdouts.models import ExperimentHoldoutsBackend

SECTION = backend_section("experiment_holdouts", ExperimentHoldoutsBackend)
