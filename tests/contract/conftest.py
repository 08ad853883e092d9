"""Shared bits of the contract suites: example budgets, a two-organization world, the CI summary.

Everything here is local to ``tests/contract/`` so the suites do not depend on, or change, the
shared ``tests/conftest.py``.
"""

from __future__ import annotations

import copy
import os
import random
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any
from typing import TypeVar

import pytest

from phemu.openapi.document import document
from tests.contract import _stats
from tests.contract.world import World
from tests.contract.world import build_world

ROOT = Path(__file__).resolve().parents[2]
#: The operations the contract suite fuzzes, every method of each: the seed page's subscriptions
#: and sessions operations.
CONTRACT_PATHS = (
    "/api/environments/{project_id}/subscriptions/",
    "/api/environments/{project_id}/subscriptions/{id}/",
    "/api/environments/{project_id}/sessions/property_definitions/",
    "/api/environments/{project_id}/sessions/values/",
)


def contract_document() -> dict[str, Any]:
    """The published document phemu vendors, cut to :data:`CONTRACT_PATHS` (all components
    kept), as a fresh copy schemathesis may keep and annotate."""
    whole = document()
    return copy.deepcopy(
        {
            "openapi": whole["openapi"],
            "info": whole["info"],
            "paths": {path: whole["paths"][path] for path in CONTRACT_PATHS},
            "components": whole["components"],
        }
    )


T = TypeVar("T")

#: ``PHEMU_ALL_OPERATIONS=1``: every schema operation in the per-operation suites (nightly-style;
#: those tests carry the ``slow`` marker), instead of a sample that changes every day.
ALL_OPERATIONS = os.environ.get("PHEMU_ALL_OPERATIONS") == "1"
#: the sample's seed: ``PHEMU_SAMPLE_SEED``, else today's date (one sample per day, repeatable
#: by setting the seed the run printed).
SAMPLE_SEED = int(os.environ.get("PHEMU_SAMPLE_SEED") or date.today().strftime("%Y%m%d"))


def sample(items: Sequence[T], size: int) -> list[T]:
    """``size`` items of ``items`` (all with ``PHEMU_ALL_OPERATIONS=1``), in their order."""
    if ALL_OPERATIONS or size >= len(items):
        return list(items)
    chosen = set(random.Random(SAMPLE_SEED).sample(range(len(items)), size))
    return [item for index, item in enumerate(items) if index in chosen]


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
    scope = "all schema operations" if ALL_OPERATIONS else f"sample seed {SAMPLE_SEED}"
    terminalreporter.write_line(f"schema-driven routes: {scope} (PHEMU_SAMPLE_SEED to repeat)")
    for line in lines:
        terminalreporter.write_line(line)
