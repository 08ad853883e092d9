"""Journal assertions: filters, ``assert_called`` counts, and the near-miss report on failure."""

from __future__ import annotations

import pytest
import requests

import phemu
from phemu.emulator import Emulator


@pytest.fixture
def emu() -> Emulator:
    return Emulator(load_entrypoints=False)


def test_filters_by_method_path_and_status(emu: Emulator) -> None:
    with phemu.mock(emu) as ph:
        requests.get(ph.url("/api/projects/?limit=1"), headers=ph.auth_headers)
        requests.get(ph.url("/api/projects"), headers=ph.auth_headers)
        requests.patch(ph.url("/api/projects/"), headers=ph.auth_headers)
        requests.get(ph.url("/api/projects/"))
    assert len(emu.requests(path="/api/projects/")) == 4
    assert len(emu.requests("get", "/api/projects")) == 3
    assert [e.status for e in emu.requests("GET", "/api/projects/")] == [200, 200, 401]
    assert [e.query for e in emu.requests(status=405)] == [""]
    assert emu.requests(status=200)[0].query == "limit=1"
    assert emu.requests(status=200)[0].endpoint == "projects.list"
    emu.assert_called("GET", "/api/projects/", times=3)
    emu.assert_called("PATCH", "/api/projects/")
    emu.assert_called("POST", "/api/projects/", times=0)


def test_unknown_routes_are_flagged_with_the_closest_known_routes(emu: Emulator) -> None:
    with phemu.mock(emu) as ph:
        response = requests.get(ph.url("/api/projets/?x=1"), headers=ph.auth_headers)
    assert response.status_code == 404
    (entry,) = emu.requests()
    assert entry.unknown_route
    assert entry.endpoint is None
    assert entry.near_misses[:2] == ["/api/projects/", "/api/projects/<id>/"]


def test_assert_called_failure_lists_requests_and_near_misses(emu: Emulator) -> None:
    with phemu.mock(emu) as ph:
        requests.get(ph.url("/api/projets/?x=1"), headers=ph.auth_headers)
        requests.get(ph.url("/api/users/@me/"), headers=ph.auth_headers)
    with pytest.raises(AssertionError) as caught:
        emu.assert_called("GET", "/api/projects/", times=1)
    lines = str(caught.value).splitlines()
    assert lines[:2] == ["expected GET /api/projects/ 1 time(s), found 0", "requests seen:"]
    # the suggestions depend on which resources exist; the closest two are stable
    assert lines[2].startswith(
        "  GET /api/projets/?x=1 -> 404  [route not emulated by phemu; did you mean "
        "/api/projects/, /api/projects/<id>/"
    )
    assert lines[2].endswith("?]")
    assert lines[3:] == ["  GET /api/users/@me/ -> 200"]


def test_assert_called_on_a_path_phemu_does_not_emulate_says_so(emu: Emulator) -> None:
    with pytest.raises(AssertionError) as caught:
        emu.assert_called("GET", "/api/projects/1/subscription/")
    lines = str(caught.value).splitlines()
    assert lines[0] == "expected GET /api/projects/1/subscription/ at least once, found 0"
    assert lines[1].startswith("note: /api/projects/1/subscription/ is not a route phemu emulates")
    assert lines[2:] == ["requests seen:", "  (none)"]


def test_too_many_calls_fail_too(emu: Emulator) -> None:
    client = emu.client()
    client.get("/api/users/@me/", headers=emu.auth_headers)
    client.get("/api/users/@me/", headers=emu.auth_headers)
    with pytest.raises(AssertionError, match=r"expected GET /api/users/@me/ 1 time\(s\), found 2"):
        emu.assert_called("GET", "/api/users/@me/", times=1)
