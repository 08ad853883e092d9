"""Subscriptions."""

from __future__ import annotations

from phemu.resources.subscriptions.responses import RESOURCE

__all__ = ["RESOURCE"]
