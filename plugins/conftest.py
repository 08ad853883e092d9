"""Shared by every shipped plugin's tests: the same hypothesis profiles as ``tests/``."""

from __future__ import annotations

from tests import hypothesis_profiles

hypothesis_profiles.load()
