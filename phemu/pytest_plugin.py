"""phemu's pytest plugin (entry point ``pytest11``): registers the ``phemu`` marker.

Kept import-light: pytest loads it in every test run wherever phemu is installed.
"""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "phemu(profile=None, seeds=(), clock=None, **options): configure phemu fixtures"
    )
