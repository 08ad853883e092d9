"""The schema-operation tests run on the default emulator with its clock frozen."""

import pytest

from phemu.emulator import Emulator
from tests.resources.conftest import frozen

__all__ = ["emulator", "frozen"]


@pytest.fixture
def emulator(frozen: Emulator) -> Emulator:
    """``frozen``: the default emulator with its clock at the documented examples' instant."""
    return frozen
