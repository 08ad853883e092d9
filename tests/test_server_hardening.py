"""Hostile clients against the HTTP server (issue 12): slow clients, parsing edges, busy workers.

Every test binds 127.0.0.1 and is bounded in time. Each reproduces a fault the issue reported
against the previous server (cheroot): trickling clients starved the workers, a request could take
forever to arrive, ``Content-Length: +N`` skipped the body limit, malformed chunk sizes got a bare
``500 text/plain`` and ``/_phemu/health`` queued behind API work.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from phemu.emulator import Emulator
from phemu.server import ThreadedServer
from tests._server_support import raw_exchange


@pytest.fixture
def emulator() -> Emulator:
    return Emulator()


@pytest.fixture
def server(emulator: Emulator) -> Iterator[ThreadedServer]:
    with ThreadedServer(emulator, max_body=1000) as running:
        yield running


def split_response(raw: bytes) -> tuple[int, dict[str, str], bytes]:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(lines[0].split(" ", 2)[1]), headers, body


# -- slow clients ------------------------------------------------------------------------------


class Tricklers:
    """``count`` connections that each send a request line, then one header line per ``every``
    seconds, never finishing (the slowloris pattern); stopped and closed by :meth:`close`."""

    def __init__(self, server: ThreadedServer, count: int, every: float) -> None:
        self.sockets = []
        for _ in range(count):
            sock = socket.create_connection((server.host, server.port), timeout=5)
            sock.sendall(b"GET /_phemu/health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            self.sockets.append(sock)
        self.closed_by_server = 0
        self._stop = threading.Event()
        self._every = every
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        line = 0
        while not self._stop.wait(self._every):
            line += 1
            for sock in list(self.sockets):
                try:
                    sock.sendall(f"X-Slow-{line}: 1\r\n".encode())
                except OSError:
                    self.sockets.remove(sock)
                    self.closed_by_server += 1

    def close(self) -> None:
        self._stop.set()
        self._thread.join(10)
        for sock in self.sockets:
            sock.close()


def test_two_hundred_trickling_connections_do_not_stall_normal_requests(
    emulator: Emulator,
) -> None:
    with ThreadedServer(emulator) as server:
        slow = Tricklers(server, count=200, every=0.5)
        try:
            time.sleep(1.0)  # let every trickler get past its first header line
            served = []
            with requests.Session() as session:
                for _ in range(12):
                    started = time.monotonic()
                    response = session.get(
                        server.url + "/api/projects/", headers=emulator.auth_headers, timeout=5
                    )
                    served.append((response.status_code, time.monotonic() - started))
            assert [status for status, _ in served] == [200] * 12
            assert max(seconds for _, seconds in served) < 2.0, served
        finally:
            slow.close()


def test_a_request_must_arrive_whole_within_the_timeout(emulator: Emulator) -> None:
    """The timeout bounds the whole request, not each read: a client trickling one header line
    every 0.3 s is cut off after ``timeout`` seconds instead of holding its connection forever."""
    with ThreadedServer(emulator, timeout=1) as server:
        slow = Tricklers(server, count=3, every=0.3)
        try:
            deadline = time.monotonic() + 8
            while slow.closed_by_server < 3 and time.monotonic() < deadline:
                time.sleep(0.1)
            assert slow.closed_by_server == 3
        finally:
            slow.close()
        assert requests.get(server.url + "/_phemu/health", timeout=5).status_code == 200


def test_health_never_waits_behind_api_work(emulator: Emulator) -> None:
    """Every worker busy with a delayed API request; ``/_phemu/health`` still answers at once."""
    emulator.faults.add(delay=3.0, path="/api/projects/")
    with ThreadedServer(emulator) as server, ThreadPoolExecutor(max_workers=24) as pool:
        url, headers = server.url + "/api/projects/", emulator.auth_headers
        busy = [pool.submit(requests.get, url, headers=headers, timeout=20) for _ in range(24)]
        time.sleep(0.5)  # every worker is now inside a delayed request
        started = time.monotonic()
        health = requests.get(server.url + "/_phemu/health", timeout=10)
        waited = time.monotonic() - started
        assert health.status_code == 200
        assert waited < 1.0, f"health waited {waited:.2f} s behind API work"
        assert all(f.result().status_code == 200 for f in busy)


# -- parsing edges -----------------------------------------------------------------------------


def test_a_signed_content_length_does_not_skip_the_body_limit(server: ThreadedServer) -> None:
    started = time.monotonic()
    raw = raw_exchange(
        server,
        b"POST /api/projects/1/dashboards/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/json\r\nContent-Length: +31457278\r\n\r\n{}",
    )
    assert time.monotonic() - started < 4  # refused, not waiting for 30 MB that never come
    status, headers, body = split_response(raw)
    assert status in (400, 413)
    assert headers["content-type"] == "application/json"
    assert json.loads(body)["type"] in ("invalid_request", "server_error")


@pytest.mark.parametrize("length", [b"-5", b"0x10", b"1e3", b"12 34", b"\xd9\xa1"])
def test_a_bad_content_length_is_a_json_400(server: ThreadedServer, length: bytes) -> None:
    raw = raw_exchange(
        server,
        b"POST /api/projects/1/dashboards/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/json\r\nContent-Length: " + length + b"\r\n\r\n{}",
    )
    status, headers, body = split_response(raw)
    assert status == 400
    assert headers["content-type"] == "application/json"
    assert json.loads(body) == {
        "type": "invalid_request",
        "code": "malformed_request",
        "detail": "Malformed HTTP request: Content-Length is invalid.",
        "attr": None,
    }
    assert requests.get(server.url + "/_phemu/health", timeout=5).status_code == 200


@pytest.mark.parametrize("chunk", [b"zz\r\n{}\r\n0\r\n\r\n", b"-2\r\n{}\r\n0\r\n\r\n"])
def test_a_malformed_chunk_size_is_a_json_400(server: ThreadedServer, chunk: bytes) -> None:
    raw = raw_exchange(
        server,
        b"POST /api/projects/1/dashboards/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk,
    )
    status, headers, body = split_response(raw)
    assert status == 400
    assert headers["content-type"] == "application/json"
    parsed: dict[str, Any] = json.loads(body)
    assert parsed["type"] == "invalid_request" and parsed["code"] == "malformed_request"
    assert parsed["detail"].startswith("Malformed HTTP request: ")


# -- the control plane and the Host header ---------------------------------------------------------

JSON = {"Content-Type": "application/json"}
MINT = {
    "version": 1,
    "personal_api_keys": [
        {
            "user": "ada@example.com",
            "value": "phx_mintedByAWebPage000000000000000000000000000",
            "label": "csrf",
            "scopes": ["*"],
        }
    ],
}


@pytest.mark.parametrize(
    "content_type", [None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]
)
def test_control_plane_writes_need_json(
    server: ThreadedServer, emulator: Emulator, content_type: str | None
) -> None:
    headers = {} if content_type is None else {"Content-Type": content_type}
    refused = requests.post(
        server.url + "/_phemu/seed", data=json.dumps(MINT), headers=headers, timeout=5
    )
    assert refused.status_code == 415
    assert refused.json() == {
        "error": "phemu: control-plane requests that change something must be sent with "
        f"Content-Type: application/json (got {content_type or ''!r})."
    }
    key = {"Authorization": "Bearer " + MINT["personal_api_keys"][0]["value"]}  # type: ignore[index]
    assert requests.get(server.url + "/api/projects/", headers=key, timeout=5).status_code == 401
    for method, path in [("POST", "/_phemu/reset"), ("PUT", "/_phemu/state")]:
        assert requests.request(method, server.url + path, timeout=5).status_code == 415
    accepted = requests.post(
        server.url + "/_phemu/seed",
        data=json.dumps(MINT),
        headers={"Content-Type": "application/json; charset=utf-8"},
        timeout=5,
    )
    assert accepted.status_code == 200
    assert requests.get(server.url + "/api/projects/", headers=key, timeout=5).status_code == 200
    # Reads and DELETE (which no page can send without a CORS preflight) need no media type.
    assert requests.get(server.url + "/_phemu/state", timeout=5).status_code == 200
    assert requests.delete(server.url + "/_phemu/requests", timeout=5).status_code == 200


@pytest.mark.parametrize(
    "host", ["attacker.example", "attacker.example:80", "127.0.0.1.attacker.example", "10.0.0.5"]
)
@pytest.mark.parametrize("path", ["/api/projects/", "/_phemu/health", "/_phemu/state"])
def test_a_foreign_host_is_refused_on_the_api_and_the_control_plane(
    server: ThreadedServer, emulator: Emulator, host: str, path: str
) -> None:
    response = requests.get(
        server.url + path, headers={**emulator.auth_headers, "Host": host}, timeout=5
    )
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/json"
    name = host.split(":")[0]
    message = (
        f"phemu: Host {host!r} is not allowed. phemu serve answers only loopback names and the "
        "names given with --allowed-host (or PHEMU_ALLOWED_HOSTS); restart it with "
        f"--allowed-host {name} to accept this one."
    )
    if path.startswith("/_phemu"):
        assert response.json() == {"error": message}
    else:
        assert response.json() == {
            "type": "invalid_request",
            "code": "disallowed_host",
            "detail": message,
            "attr": None,
        }


@pytest.mark.parametrize(
    "host", ["localhost", "LOCALHOST:8000", "127.0.0.1", "127.3.4.5:1", "[::1]:8000", "[::1]"]
)
def test_loopback_hosts_are_answered(server: ThreadedServer, emulator: Emulator, host: str) -> None:
    response = requests.get(
        server.url + "/api/projects/", headers={**emulator.auth_headers, "Host": host}, timeout=5
    )
    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_allowed_hosts_and_the_control_token(emulator: Emulator) -> None:
    with ThreadedServer(
        emulator, allowed_hosts=["phemu.internal", ".corp.example"], control_token="tok-1"
    ) as server:

        def call(method: str, path: str, **headers: str) -> requests.Response:
            return requests.request(
                method, server.url + path, headers={**JSON, **headers}, timeout=5
            )

        assert call("GET", "/_phemu/health", Host="phemu.internal").status_code == 200
        assert call("GET", "/_phemu/health", Host="a.b.corp.example:9").status_code == 200
        assert call("GET", "/_phemu/health", Host="corp.example").status_code == 200
        assert call("GET", "/_phemu/health", Host="notcorp.example").status_code == 400
        denied = call("POST", "/_phemu/reset")
        assert denied.status_code == 401
        assert denied.headers["WWW-Authenticate"] == 'Basic realm="phemu control plane"'
        assert denied.json()["error"].startswith("phemu: this server's control plane needs")
        assert call("GET", "/_phemu/state").status_code == 401
        assert call("GET", "/_phemu/state", **{"X-Phemu-Token": "tok-2"}).status_code == 401
        assert call("POST", "/_phemu/reset", **{"X-Phemu-Token": "tok-1"}).status_code == 200
        basic = requests.get(server.url + "/_phemu/", auth=("anyone", "tok-1"), timeout=5)
        assert basic.status_code == 200 and "phemu inspector" in basic.text
        assert call("GET", "/_phemu/health").status_code == 200  # probes need no token
        assert call("GET", "/api/projects/", **emulator.auth_headers).status_code == 200


def test_a_non_loopback_server_gets_a_generated_token(emulator: Emulator) -> None:
    """The decision only (tests never listen beyond loopback): a ThreadedServer for 0.0.0.0
    makes a token unless given one; loopback servers need none."""
    assert ThreadedServer(emulator, host="0.0.0.0").control_token is not None
    assert ThreadedServer(emulator, host="::").control_token is not None
    assert ThreadedServer(emulator, host="192.168.1.20", control_token="x").control_token == "x"
    for loopback in ("127.0.0.1", "localhost", "::1", "127.0.0.2"):
        assert ThreadedServer(emulator, host=loopback).control_token is None


def test_in_process_doors_keep_their_own_host_names() -> None:
    """The guard belongs to the server: the werkzeug client and phemu.mock() see PostHog's hosts."""
    import phemu

    emulator = Emulator()
    assert emulator.client().post("/_phemu/reset").status_code == 200
    with phemu.mock() as ph:
        listed = requests.get("https://us.posthog.com/api/projects/", headers=ph.auth_headers)
        assert listed.status_code == 200


@pytest.mark.parametrize("path", ["/_phemu/seed", "/_phemu/faults", "/_phemu/ai/queue"])
def test_deep_json_to_the_control_plane_is_a_400(emulator: Emulator, path: str) -> None:
    with ThreadedServer(emulator) as server:
        response = requests.post(server.url + path, data="[" * 100_000, headers=JSON, timeout=5)
        assert response.status_code == 400
        assert response.json() == {"error": "body is not valid JSON: it is nested too deeply"}
        assert requests.get(server.url + "/_phemu/health", timeout=5).status_code == 200


# -- CSRF in a real browser ---------------------------------------------------------------------


def attacker_page(target: str) -> bytes:
    """A page that auto-submits a ``text/plain`` form whose body is a seed document minting an
    all-scope key: ``name=value`` with the JSON split across the ``=``."""
    import html

    document = json.dumps(MINT)[:-1] + ', "_pad": "'  # keys starting with _ are ignored
    return (
        "<!doctype html><html><body>"
        f'<form id="f" method="POST" action="{html.escape(target)}" enctype="text/plain">'
        f'<input type="hidden" name="{html.escape(document)}" value="{html.escape(chr(34) + "}")}">'
        "</form><script>document.getElementById('f').submit();</script></body></html>"
    ).encode()


def test_a_web_page_on_another_origin_cannot_mint_a_key(emulator: Emulator) -> None:
    import subprocess
    import tempfile
    from http.server import BaseHTTPRequestHandler
    from http.server import ThreadingHTTPServer

    from tests.test_inspector import chromium_or_skip

    binary = chromium_or_skip()
    key = {"Authorization": "Bearer " + MINT["personal_api_keys"][0]["value"]}  # type: ignore[index]
    with ThreadedServer(emulator) as server:
        page = attacker_page(server.url + "/_phemu/seed")

        class Attacker(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, *args: Any) -> None:
                pass

        attacker = ThreadingHTTPServer(("127.0.0.1", 0), Attacker)
        threading.Thread(target=attacker.serve_forever, daemon=True).start()
        try:
            assert (
                requests.get(server.url + "/api/projects/", headers=key, timeout=5).status_code
                == 401
            )
            with tempfile.TemporaryDirectory(prefix="phemu-chromium-") as profile:
                done = subprocess.run(
                    [
                        binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                        "--no-first-run", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync",
                        f"--user-data-dir={profile}", "--virtual-time-budget=10000",
                        "--dump-dom", f"http://127.0.0.1:{attacker.server_address[1]}/",
                    ],
                    capture_output=True, text=True, timeout=90, check=False,
                )  # fmt: skip
        finally:
            attacker.shutdown()
            attacker.server_close()
        assert done.returncode == 0, done.stderr[-2000:]
        # The browser did submit the form to phemu (the DOM is phemu's answer to it)...
        assert "Content-Type: application/json" in done.stdout, done.stdout[-2000:]
        # ...and the key it carried was not minted.
        assert (
            requests.get(server.url + "/api/projects/", headers=key, timeout=5).status_code == 401
        )
