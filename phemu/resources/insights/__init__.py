"""Insights."""

from __future__ import annotations

from phemu.resources.insights.models import RESOURCE
from phemu.resources.insights.models import Insight
from phemu.resources.insights.models import InsightsState
from phemu.resources.insights.models import render

__all__ = ["RESOURCE", "Insight", "InsightsState", "render"]
