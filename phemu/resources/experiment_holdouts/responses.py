"""Thin handlers for ``{prefix}/experiment_holdouts/`` (``ExperimentHoldoutViewSet``,
``ee/clickhouse/views/experiment_holdouts.py``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from phemu.resources.experiment_holdouts.models import ExperimentHoldoutsBackend
from phemu.resources.experiments.named import Handlers

if TYPE_CHECKING:
    from phemu.context import RequestContext


def _backend(ctx: RequestContext) -> ExperimentHoldoutsBackend:
    return ExperimentHoldoutsBackend.of(ctx.emulator)


HANDLERS = Handlers(_backend)
