"""Shared by every shipped plugin's tests: hypothesis runs derandomized, as in ``tests/``."""

from __future__ import annotations

import os

from hypothesis import settings

# The same profiles as tests/conftest.py (registering twice is harmless): a fixed seed per test
# in the default run, fresh random examples with PHEMU_HYPOTHESIS_EXPLORE=1 (docs/testing.md).
settings.register_profile("phemu", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("phemu-explore", derandomize=False, deadline=None, print_blob=True)
settings.load_profile("phemu-explore" if os.environ.get("PHEMU_HYPOTHESIS_EXPLORE") else "phemu")
