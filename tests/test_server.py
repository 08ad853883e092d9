"""The in-process ThreadedServer and what only a real socket can exercise."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from typing import Any

import pytest
import requests
from werkzeug.wrappers import Request
from werkzeug.wrappers import Response

from phemu.emulator import Emulator
from phemu.errors import DroppedConnection
from phemu.plugin_manager import hookimpl
from phemu.server import ThreadedServer
from tests._server_support import raw_exchange

JSON = {"Content-Type": "application/json"}
TOO_LARGE = {
    "type": "server_error",
    "code": "request_too_large",
    "detail": "Request body is larger than 1000 bytes.",
    "attr": None,
}


@pytest.fixture
def emulator() -> Emulator:
    return Emulator()


@pytest.fixture
def server(emulator: Emulator) -> Any:
    with ThreadedServer(emulator, max_body=1000, timeout=1) as running:
        yield running


def test_port_zero_binds_a_free_port_and_is_ready_on_return(emulator: Emulator) -> None:
    server = ThreadedServer(emulator, host="127.0.0.1", port=0)
    assert server.start() is server
    try:
        assert server.port != 0
        assert server.url == f"http://127.0.0.1:{server.port}"
        # Ready on return: the very first request is served, no retry loop needed.
        response = requests.get(server.url + "/_phemu/health", timeout=5)
        assert response.json()["status"] == "ok"
    finally:
        server.stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(server.url + "/_phemu/health", timeout=2)
    server.stop()  # idempotent


def test_context_manager_serves_the_api_with_keep_alive(emulator: Emulator) -> None:
    with ThreadedServer(emulator) as server, requests.Session() as session:
        for _ in range(3):
            response = session.get(server.url + "/api/projects/", headers=emulator.auth_headers)
            assert response.status_code == 200
            assert response.json()["count"] == 1
        assert response.headers.get("Connection", "").lower() != "close"
    assert not server.running


def test_two_servers_get_different_ports() -> None:
    with ThreadedServer(Emulator()) as one, ThreadedServer(Emulator()) as two:
        assert one.port != two.port


def test_busy_port_raises_oserror(server: ThreadedServer) -> None:
    with pytest.raises(OSError):
        ThreadedServer(Emulator(), port=server.port).start()


def test_oversized_body_is_a_json_413_and_the_server_keeps_serving(
    server: ThreadedServer, emulator: Emulator
) -> None:
    response = requests.post(
        server.url + "/api/projects/",
        data=b"x" * 5000,
        headers={**emulator.auth_headers, "Content-Type": "application/json"},
        timeout=5,
    )
    assert response.status_code == 413
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == TOO_LARGE
    assert requests.get(server.url + "/_phemu/health", timeout=5).status_code == 200


def test_oversized_chunked_body_is_a_json_413(server: ThreadedServer) -> None:
    def chunks() -> Any:
        for _ in range(20):
            yield b"y" * 100

    response = requests.post(
        server.url + "/api/projects/",
        data=chunks(),
        headers={"Content-Type": "application/json"},
        timeout=5,
    )
    assert response.status_code == 413
    assert response.json() == TOO_LARGE


def test_small_chunked_body_reaches_the_app(server: ThreadedServer) -> None:
    def chunks() -> Any:
        yield b'{"version": 1, '
        yield b'"projects": []}'

    response = requests.post(server.url + "/_phemu/seed", data=chunks(), headers=JSON, timeout=5)
    assert response.json() == {"status": "seeded", "documents": 1}


def test_body_at_the_limit_is_accepted(server: ThreadedServer) -> None:
    body = json.dumps({"version": 1, "description": "x" * 900}).encode()
    body += b" " * (1000 - len(body))
    response = requests.post(server.url + "/_phemu/seed", data=body, headers=JSON, timeout=5)
    assert response.status_code == 200


@pytest.mark.parametrize(
    "payload",
    [
        b"GARBAGE\r\n\r\n",
        b"GET / HTTP/9.9\r\n\r\n",
        b"GET /api/projects/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: nope\r\n\r\n",
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(range(40)),  # a TLS hello
    ],
)
def test_malformed_http_gets_an_error_and_the_server_keeps_serving(
    server: ThreadedServer, payload: bytes
) -> None:
    answer = raw_exchange(server, payload)
    assert answer == b"" or answer.split(b" ", 2)[1][:1] in (b"4", b"5")
    assert b"500" not in answer.split(b"\r\n", 1)[0]
    assert requests.get(server.url + "/_phemu/health", timeout=5).status_code == 200


def test_slow_client_is_timed_out_without_blocking_others(server: ThreadedServer) -> None:
    slow = [socket.create_connection((server.host, server.port)) for _ in range(20)]
    try:
        for sock in slow:
            sock.sendall(b"GET /_phemu/health HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # never finishes
        # More stalled clients than worker threads, yet others are served meanwhile.
        assert requests.get(server.url + "/_phemu/health", timeout=5).status_code == 200
        slow[0].settimeout(10)
        started = time.monotonic()
        leftover = slow[0].recv(1000)  # the server gives up on it (timeout=1 s)
        assert time.monotonic() - started < 9
        assert leftover == b"" or leftover.startswith(b"HTTP/1.1 408")
    finally:
        for sock in slow:
            sock.close()
    assert requests.get(server.url + "/_phemu/health", timeout=5).status_code == 200


class SlowRequests:
    """A plugin holding ``/api/projects/`` requests until released (an in-flight request)."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()

    @hookimpl
    def phemu_before_request(self, emulator: Emulator, request: Request) -> Response | None:
        if request.args.get("slow"):
            self.entered.set()
            self.release.wait(10)
        return None


def test_stop_finishes_in_flight_requests() -> None:
    slow = SlowRequests()
    emulator = Emulator(plugins=[slow])
    server = ThreadedServer(emulator).start()
    result: dict[str, Any] = {}

    def call() -> None:
        response = requests.get(
            server.url + "/api/projects/?slow=1", headers=emulator.auth_headers, timeout=20
        )
        result["status"] = response.status_code
        result["count"] = response.json()["count"]

    client = threading.Thread(target=call)
    client.start()
    assert slow.entered.wait(10)
    stopper = threading.Thread(target=server.stop)
    stopper.start()
    time.sleep(1.0)  # stop() has closed the listening socket by now
    with pytest.raises(requests.ConnectionError):  # no longer accepting
        requests.get(server.url + "/_phemu/health", timeout=2)
    slow.release.set()
    client.join(20)
    stopper.join(20)
    assert result == {"status": 200, "count": 1}


def test_access_log_has_method_path_status_duration(
    emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    with (
        caplog.at_level(logging.INFO, logger="phemu.access"),
        ThreadedServer(emulator, access_log=True) as server,
    ):
        requests.get(server.url + "/api/projects/?limit=1", timeout=5)
        requests.get(server.url + "/api/nowhere/", timeout=5)
    lines = [r.getMessage() for r in caplog.records if r.name == "phemu.access"]
    assert len(lines) == 2
    method, path, status, duration = lines[0].split(" ")
    assert (method, path, status) == ("GET", "/api/projects/?limit=1", "401")
    assert duration.endswith("ms") and float(duration[:-2]) >= 0
    assert lines[1].startswith("GET /api/nowhere/ 404 ")


def test_no_access_log_by_default_in_process(
    emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    with (
        caplog.at_level(logging.INFO, logger="phemu.access"),
        ThreadedServer(emulator) as server,
    ):
        requests.get(server.url + "/_phemu/health", timeout=5)
    assert not [r for r in caplog.records if r.name == "phemu.access"]


class Dropper:
    @hookimpl
    def phemu_before_request(self, emulator: Emulator, request: Request) -> Response | None:
        if request.path.endswith("/drop/"):
            raise DroppedConnection("gone")
        return None


def test_dropped_connection_closes_the_socket_without_an_answer(
    caplog: pytest.LogCaptureFixture,
) -> None:
    emulator = Emulator(load_entrypoints=False, plugins=[Dropper()])
    with (
        caplog.at_level(logging.INFO, logger="phemu.access"),
        ThreadedServer(emulator, access_log=True) as server,
    ):
        answer = raw_exchange(
            server, b"GET /api/projects/1/drop/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        )
        assert answer == b""  # closed, nothing written
        with requests.Session() as session:
            with pytest.raises(requests.ConnectionError):
                session.get(server.url + "/api/projects/1/drop/", timeout=5)
            assert session.get(server.url + "/_phemu/health", timeout=5).status_code == 200
    assert [e.status for e in emulator.requests(path="/api/projects/1/drop/")] == [0, 0]
    assert any(
        r.getMessage().startswith("GET /api/projects/1/drop/ dropped ") for r in caplog.records
    )
