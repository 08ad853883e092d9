"""The hypothesis profiles every test folder loads (``tests/`` and the shipped plugins' tests).

Hypothesis runs derandomized (a fixed seed per test) so CI never fails on an example no one has
seen before; ``PHEMU_HYPOTHESIS_EXPLORE=1`` draws fresh random examples (docs/testing.md). The
door tests also run in throwaway venvs without hypothesis (``tests/test_install.py``), so a
missing hypothesis is not an error here.
"""

from __future__ import annotations

import os


def load() -> None:
    try:
        from hypothesis import settings
    except ImportError:
        return
    settings.register_profile("phemu", derandomize=True, deadline=None, print_blob=True)
    settings.register_profile("phemu-explore", derandomize=False, deadline=None, print_blob=True)
    settings.load_profile(
        "phemu-explore" if os.environ.get("PHEMU_HYPOTHESIS_EXPLORE") else "phemu"
    )
