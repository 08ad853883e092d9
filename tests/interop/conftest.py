"""Helpers shared by the interop tests (real third-party PostHog clients from PyPI)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import phemu
from phemu.emulator import Emulator

SUBSCRIPTION = {
    "target_type": "email",
    "target_value": "ada@example.com",
    "frequency": "weekly",
    "interval": 1,
    "start_date": "2026-06-15T09:00:00Z",
    "title": "Weekly numbers",
}


def has_route(emulator: Emulator, path: str) -> bool:
    """Whether ``path`` is emulated (resources built by other work may not be merged yet)."""
    return emulator.routes.matches(path)


def make_insight(emulator: Emulator) -> int:
    """An insight to subscribe to, created through the API like a user would."""
    response = emulator.client().post(
        "/api/projects/1/insights/", json={"name": "Signups"}, headers=emulator.auth_headers
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    return int(response.get_json()["id"])


@pytest.fixture
def mocked(emulator: Emulator) -> Iterator[Emulator]:
    """The SDK tests' flags, behind the in-process ``requests`` door."""
    from tests.interop.test_posthog_python_sdk import seed_flags

    seed_flags(emulator)
    with phemu.mock(emulator):
        yield emulator
