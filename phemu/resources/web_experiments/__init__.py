"""Web experiments: ``{prefix}/web_experiments/`` (``emulator.web_experiments``), the
experiments of type ``web``; their state is the experiments' (no seed section of their own)."""

from __future__ import annotations

from phemu.resources._base import Resource
from phemu.resources.web_experiments.models import WebExperimentsBackend
from phemu.resources.web_experiments.urls import ROUTES

RESOURCE = Resource(name="web_experiments", backend=WebExperimentsBackend, routes=ROUTES)
