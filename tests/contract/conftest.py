"""Shared bits of the contract suites: example budgets, a two-organization world, the CI summary.

Everything here is local to ``tests/contract/`` so the suites do not depend on, or change, the
shared ``tests/conftest.py``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.contract import _stats
from tests.contract.world import World
from tests.contract.world import build_world

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_PATH = ROOT / "fixtures" / "posthog-openapi-subset.json"


def budget(name: str, default: int) -> int:
    """An example budget, overridable by environment variable (``PHEMU_CONTRACT_EXAMPLES=50``)."""
    raw = os.environ.get(name, "")
    return int(raw) if raw.isdigit() and int(raw) > 0 else default


@pytest.fixture
def world() -> World:
    """A fresh two-organization world (see :mod:`tests.contract.world`)."""
    return build_world()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    lines = _stats.summary_lines()
    if not lines:
        return
    terminalreporter.section("phemu contract suites")
    for line in lines:
        terminalreporter.write_line(line)
