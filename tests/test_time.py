"""Time through the marker, the Python API and the control plane, in-process and in server mode."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from phemu.clock import parse_instant
from phemu.emulator import Emulator

ORG = "01928a6e-3c1d-7000-8000-0000000000aa"


@pytest.fixture(params=["mock", "server"])
def base_url(request: pytest.FixtureRequest) -> str:
    """The same emulator reached in-process (``posthog_mock``) or over HTTP (``posthog_server``)."""
    if request.param == "mock":
        return str(request.getfixturevalue("posthog_mock").base_url)
    return str(request.getfixturevalue("posthog_server").url)


def clock(base_url: str, **change: Any) -> dict[str, Any]:
    if change:
        response = requests.post(f"{base_url}/_phemu/clock", json=change)
    else:
        response = requests.get(f"{base_url}/_phemu/clock")
    assert response.status_code == 200
    return dict(response.json())


@pytest.mark.phemu(clock="2026-06-15T10:00:00Z")
def test_freeze_advance_and_set_drive_every_timestamp(
    base_url: str, posthog_emulator: Emulator, posthog_api_key: str
) -> None:
    auth = {"Authorization": f"Bearer {posthog_api_key}"}
    # the marker froze the clock
    assert clock(base_url) == {"now": "2026-06-15T10:00:00Z", "frozen": True}
    # Python API
    posthog_emulator.advance_time(hours=1)
    assert clock(base_url)["now"] == "2026-06-15T11:00:00Z"
    # control plane
    assert clock(base_url, advance=1800)["now"] == "2026-06-15T11:30:00Z"
    assert posthog_emulator.now().isoformat() == "2026-06-15T11:30:00+00:00"
    assert clock(base_url, set="2026-07-01T00:00:00Z") == {
        "now": "2026-07-01T00:00:00Z",
        "frozen": True,
    }
    # records created now carry the emulator's time; so does the journal
    seeded = requests.post(
        f"{base_url}/_phemu/seed",
        json={"version": 1, "projects": [{"id": 2, "organization": ORG, "name": "Later"}]},
    )
    assert seeded.status_code == 200
    project = requests.get(f"{base_url}/api/projects/2/", headers=auth).json()
    assert project["created_at"] == "2026-07-01T00:00:00Z"
    assert posthog_emulator.requests("GET", "/api/projects/2/")[0].at == "2026-07-01T00:00:00Z"
    # unfreezing lets time run on from the frozen instant
    running = clock(base_url, unfreeze=True)
    assert running["frozen"] is False
    assert parse_instant(running["now"]) >= parse_instant("2026-07-01T00:00:00Z")


def test_without_the_marker_time_is_real_and_unfrozen(
    base_url: str, posthog_emulator: Emulator
) -> None:
    assert clock(base_url)["frozen"] is False
    posthog_emulator.freeze_time("2030-01-01T00:00:00Z")
    assert clock(base_url) == {"now": "2030-01-01T00:00:00Z", "frozen": True}
