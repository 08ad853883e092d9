"""Thin handlers for ``{prefix}/web_experiments/`` (``WebExperimentViewSet``,
``posthog/api/web_experiment.py``): the list hides soft-deleted experiments, the detail
routes do not."""

from __future__ import annotations

from typing import TYPE_CHECKING

from phemu.resources.experiments.named import Handlers
from phemu.resources.web_experiments.models import WebExperimentsBackend

if TYPE_CHECKING:
    from phemu.context import RequestContext


def _backend(ctx: RequestContext) -> WebExperimentsBackend:
    return WebExperimentsBackend.of(ctx.emulator)


HANDLERS = Handlers(_backend)
