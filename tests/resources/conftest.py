"""Fixtures for the resource tests (subscriptions register theirs from their support module)."""

from tests.resources.subscriptions_support import api
from tests.resources.subscriptions_support import emu

__all__ = ["api", "emu"]
