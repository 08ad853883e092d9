"""Fixtures for the resource tests (subscriptions register theirs from their support module)."""

import pytest

from phemu.emulator import Emulator
from tests.resources.subscriptions_support import api
from tests.resources.subscriptions_support import emu

__all__ = ["api", "emu", "frozen"]


@pytest.fixture
def frozen(emulator: Emulator) -> Emulator:
    """The default emulator with its clock frozen at the documented examples' instant."""
    emulator.freeze_time("2026-06-15T10:00:00Z")
    return emulator
