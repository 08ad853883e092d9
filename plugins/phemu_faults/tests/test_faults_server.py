"""phemu-faults over a real socket: a retrying ``requests`` client gets through injected 429s and
503s, a dropped connection is a closed socket, and a delay trips a client timeout."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
import urllib3.util.retry
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from phemu import Emulator
from phemu.server import ThreadedServer

PATH = "/api/projects/1/"


@pytest.fixture(scope="module")
def shared() -> Iterator[ThreadedServer]:
    """One server for the module, reset before each test (as the session-wide fixture does)."""
    with ThreadedServer(Emulator(), host="127.0.0.1", port=0) as running:
        yield running


@pytest.fixture
def server(shared: ThreadedServer) -> ThreadedServer:
    shared.emulator.reset()
    return shared


@pytest.fixture
def emulator(server: ThreadedServer) -> Emulator:
    return server.emulator


@pytest.fixture
def slept(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """urllib3's back-off and Retry-After sleeps, recorded instead of waited."""
    calls: list[float] = []
    monkeypatch.setattr(urllib3.util.retry.time, "sleep", calls.append)
    return calls


def retrying_session(emulator: Emulator, total: int = 3) -> requests.Session:
    session = requests.Session()
    retry = Retry(
        total=total,
        status_forcelist=(429, 502, 503, 504),
        allowed_methods=None,  # retry every method, as a careful sync job would
        backoff_factor=0,
        respect_retry_after_header=True,
        raise_on_status=True,
    )
    session.mount("http://", HTTPAdapter(max_retries=retry))
    session.headers.update(emulator.auth_headers)
    return session


def test_a_retrying_client_gets_through_injected_429s_and_503s(
    emulator: Emulator, server: ThreadedServer, slept: list[float]
) -> None:
    emulator.faults.add(status=429, path=PATH, times=2)
    emulator.faults.add(status=503, path=PATH, times=2, retry_after=3)
    response = retrying_session(emulator, total=4).get(server.url + PATH, timeout=10)
    assert response.status_code == 200
    assert response.json()["id"] == 1
    assert slept == [1, 1, 3, 3]  # Retry-After honoured each time
    statuses = [e.status for e in emulator.requests(path=PATH)]
    assert statuses == [429, 429, 503, 503, 200]


def test_a_client_with_too_few_retries_gives_up(
    emulator: Emulator, server: ThreadedServer, slept: list[float]
) -> None:
    emulator.faults.add(status=503, times=3)
    with pytest.raises(requests.exceptions.RetryError):
        retrying_session(emulator, total=2).get(server.url + PATH, timeout=10)
    assert [e.status for e in emulator.requests(path=PATH)] == [503, 503, 503]


def test_retries_through_times_2_then_success(
    emulator: Emulator, server: ThreadedServer, slept: list[float]
) -> None:
    emulator.faults.add(status=503, method="GET", path="/api/projects/*/", times=2, retry_after=2)
    response = retrying_session(emulator).get(server.url + PATH, timeout=10)
    assert response.status_code == 200
    assert slept == [2, 2]
    assert emulator.faults.rules[0].remaining == 0


def test_fault_rules_can_be_managed_over_http(
    emulator: Emulator, server: ThreadedServer, slept: list[float]
) -> None:
    added = requests.post(
        server.url + "/_phemu/faults",
        json={"status": 429, "times": 2, "retry_after": 4},
        timeout=10,
    )
    assert added.status_code == 201
    response = retrying_session(emulator).get(server.url + PATH, timeout=10)
    assert response.status_code == 200
    assert slept == [4, 4]
    listed = requests.get(server.url + "/_phemu/faults", timeout=10).json()
    assert listed["results"][0]["hits"] == 2


def test_a_dropped_connection_closes_the_socket(emulator: Emulator, server: ThreadedServer) -> None:
    emulator.faults.add(drop=True, times=1)
    session = requests.Session()
    with pytest.raises(requests.exceptions.ConnectionError):
        session.get(server.url + PATH, headers=emulator.auth_headers, timeout=10)
    # The server keeps serving; the next connection works.
    assert (
        session.get(server.url + PATH, headers=emulator.auth_headers, timeout=10).status_code == 200
    )
    assert [e.status for e in emulator.requests(path=PATH)] == [0, 200]


def test_a_retrying_client_reconnects_after_a_drop(
    emulator: Emulator, server: ThreadedServer, slept: list[float]
) -> None:
    emulator.faults.add(drop=True, times=1)
    session = retrying_session(emulator)
    assert session.get(server.url + PATH, timeout=10).status_code == 200


def test_a_delay_trips_the_client_timeout(emulator: Emulator, server: ThreadedServer) -> None:
    emulator.faults.add(delay=1.0, times=1)
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(server.url + PATH, headers=emulator.auth_headers, timeout=0.2)
