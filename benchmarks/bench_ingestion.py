"""Ingestion and flag costs as ratios (issue 16). Run: ``python benchmarks/bench_ingestion.py``.

(a) ``POST /batch/`` of 50 realistic SDK events (gzipped, as posthog-node sends them) through
    ``phemu.mock()`` (decode, person rules, store) vs a ``responses`` canned ``{"status": "Ok"}``
    for the same request: events per second on each side and their ratio.
(b) one remote ``POST /flags/?v=2`` for a project with 20 flags (person filters, a cohort, a
    multivariate flag) through ``phemu.mock()`` vs a canned body of the same JSON.
(c) in-process evaluation of those 20 flags for one user (``emulator.feature_flags.evaluate``),
    per flag, against the canned ``/flags`` request of (b).
(d) ``phemu serve`` over loopback: ``--batches`` sequential ``POST /batch/`` of 50 events (one
    keep-alive connection, wall-clock time, bounded by the batch count) against the same client
    posting to a canned ``{"status": "Ok"}`` WSGI app on the same server (waitress), and against
    the ``responses`` canned answer of (a), in interleaved rounds (median of the per-round
    ratios). Events accumulate in the emulator, so the first and last round are reported too (a
    capture path that re-derives per batch slows down as sessions grow). Derived data is built
    when first read, so the run ends with the first ``sessions/values`` and
    ``property_definitions`` reads, timed.

(a)-(c): CPU time, interleaved rounds, median of the per-round ratios (see bench_frontdoors.py).
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import json
import statistics
import sys
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import requests
import responses
from bench_server import process  # the sibling script: subprocess start and stop

import phemu

TOKEN = "phc_phemuDefaultProjectToken0000000000000000000"
KEY = "phx_phemuDefaultPersonalApiKey000000000000000000"
HOST = "https://us.i.posthog.com"


def cpu(fn: Callable[[], object], number: int) -> float:
    started = time.process_time()
    for _ in range(number):
        fn()
    return (time.process_time() - started) / number


def interleaved(
    mine: Callable[[], float], theirs: Callable[[], float], rounds: int = 7
) -> tuple[float, float, float]:
    pairs = [(mine(), theirs()) for _ in range(rounds)]
    return (
        min(m for m, _ in pairs),
        min(t for _, t in pairs),
        statistics.median(m / t for m, t in pairs),
    )


def batch_body(n: int, offset: int) -> bytes:
    events = [
        {
            "event": "$pageview" if i % 3 else "signup_completed",
            "distinct_id": f"user-{(offset + i) % 200}",
            "properties": {
                "$lib": "posthog-node",
                "$lib_version": "5.70.0",
                "$current_url": f"https://example.com/p/{i}",
                "$session_id": f"s-{(offset + i) % 50}",
                "plan": "pro" if i % 2 else "free",
                "$set": {"plan": "pro" if i % 2 else "free"},
            },
            "timestamp": "2026-06-15T10:00:00Z",
            "uuid": f"01928a6e-3c1d-7000-8000-{offset + i:012d}",
        }
        for i in range(n)
    ]
    return gzip.compress(
        json.dumps({"api_key": TOKEN, "batch": events, "sent_at": "2026-06-15T10:00:01Z"}).encode()
    )


def seed_flags(emulator: phemu.Emulator) -> None:
    plan_is_pro = {"key": "plan", "type": "person", "value": "pro", "operator": "exact"}
    cohort = emulator.cohorts.create(
        name="pros",
        filters={
            "properties": {"type": "OR", "values": [{"type": "AND", "values": [plan_is_pro]}]}
        },
    )
    for n in range(20):
        groups = [
            {
                "properties": [
                    {"key": "plan", "type": "person", "value": "pro", "operator": "exact"}
                ],
                "rollout_percentage": 50 + n,
            }
        ]
        if n % 5 == 0:
            groups = [
                {
                    "properties": [{"key": "id", "type": "cohort", "value": cohort["id"]}],
                    "rollout_percentage": 100,
                }
            ]
        filters: dict[str, object] = {"groups": groups}
        if n % 4 == 0:
            filters["multivariate"] = {
                "variants": [
                    {"key": "a", "rollout_percentage": 50},
                    {"key": "b", "rollout_percentage": 50},
                ]
            }
        emulator.feature_flags.create(key=f"flag-{n}", filters=filters)


CANNED_SERVER = """
from waitress import create_server
def app(environ, start_response):
    environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", "15")])
    return [b'{"status":"Ok"}']
server = create_server(app, host="127.0.0.1", port=0, threads=4)
print(f"serving on http://127.0.0.1:{server.effective_port}", flush=True)
server.run()
"""


SERVING = r"serving .*?(http://\S+)"


def address(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    assert parts.hostname is not None and parts.port is not None
    return parts.hostname, parts.port


def post_batches(host: str, port: int, bodies: list[bytes]) -> list[float]:
    """Seconds each ``POST /batch/`` took, on one keep-alive connection."""
    headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
    conn = http.client.HTTPConnection(host, port, timeout=60)
    took = []
    try:
        for body in bodies:
            started = time.perf_counter()
            conn.request("POST", "/batch/", body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            took.append(time.perf_counter() - started)
            if response.status != 200:
                raise SystemExit(f"/batch/ answered {response.status}")
    finally:
        conn.close()
    return took


def first_read(host: str, port: int, path: str) -> float:
    """Seconds of one authenticated GET (the read that derives what capture left pending);
    NaN when the build under test does not serve ``path``."""
    conn = http.client.HTTPConnection(host, port, timeout=120)
    try:
        started = time.perf_counter()
        conn.request("GET", path, headers={"Authorization": f"Bearer {KEY}"})
        response = conn.getresponse()
        response.read()
        took = time.perf_counter() - started
        if response.status == 404:
            return float("nan")
        if response.status != 200:
            raise SystemExit(f"{path} answered {response.status}")
        return took
    finally:
        conn.close()


def canned_in_process(bodies: list[bytes]) -> list[float]:
    """Seconds of each ``POST /batch/`` answered by ``responses`` with ``{"status": "Ok"}``."""
    headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
    took = []
    with responses.RequestsMock() as mock:
        mock.add(responses.POST, f"{HOST}/batch/", json={"status": "Ok"})
        for body in bodies:
            started = time.perf_counter()
            requests.post(f"{HOST}/batch/", data=body, headers=headers)
            took.append(time.perf_counter() - started)
    return took


def server_capture(batches: int, n_events: int, rounds: int = 8) -> None:
    """Both servers up at once; each round posts the same chunk of batches to phemu, to the
    canned app and through ``responses``, so machine noise hits all three alike."""
    bodies = [batch_body(n_events, i * n_events) for i in range(batches)]
    chunks = [bodies[i::rounds] for i in range(rounds)]
    phemu_cmd = [sys.executable, "-m", "phemu", "serve", "--port", "0", "--quiet"]
    phemu_cmd.append("--no-default-plugins")
    mine: list[list[float]] = []
    canned: list[list[float]] = []
    local: list[list[float]] = []
    with (
        process(phemu_cmd, SERVING) as url,
        process([sys.executable, "-c", CANNED_SERVER], SERVING) as canned_url,
    ):
        host, port = address(url)
        for chunk in chunks:
            mine.append(post_batches(host, port, chunk))
            canned.append(post_batches(*address(canned_url), chunk))
            local.append(canned_in_process(chunk))
        sessions = first_read(host, port, "/api/projects/1/sessions/values/?key=$entry_current_url")
        definitions = first_read(host, port, "/api/projects/1/property_definitions/")

    def rate(took: list[float]) -> float:
        return n_events * len(took) / sum(took)

    every = [t for chunk in mine for t in chunk]
    vs_canned = statistics.median(sum(m) / sum(c) for m, c in zip(mine, canned, strict=True))
    vs_local = statistics.median(sum(m) / sum(c) for m, c in zip(mine, local, strict=True))
    print(
        f"(d) phemu serve, {batches} x /batch/ of {n_events} over loopback ({rounds} rounds): "
        f"{rate(every):,.0f} events/s (first round {rate(mine[0]):,.0f}, last round "
        f"{rate(mine[-1]):,.0f}); canned waitress app {rate([t for c in canned for t in c]):,.0f} "
        f"events/s, ratio {vs_canned:.2f}x; canned responses (in-process) "
        f"{rate([t for c in local for t in c]):,.0f} events/s, ratio {vs_local:.2f}x"
    )
    print(
        f"    first reads after capture: sessions/values {sessions * 1e3:.0f} ms, "
        f"property_definitions {definitions * 1e3:.0f} ms ({n_events * batches:,} events)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batches", type=int, default=400, help="batches posted in part (d)")
    args = parser.parse_args()
    emulator = phemu.Emulator(load_entrypoints=False)
    emulator.events.capture("$identify", "user-1", {"$set": {"plan": "pro"}})
    seed_flags(emulator)
    headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
    n_events, calls = 50, 20
    counter = iter(range(10**9))

    def phemu_batch() -> float:
        with phemu.mock(emulator):
            return cpu(
                lambda: requests.post(
                    f"{HOST}/batch/",
                    data=batch_body(n_events, next(counter) * n_events),
                    headers=headers,
                ),
                calls,
            )

    def canned_batch() -> float:
        with responses.RequestsMock() as mock:
            mock.add(responses.POST, f"{HOST}/batch/", json={"status": "Ok"})
            return cpu(
                lambda: requests.post(
                    f"{HOST}/batch/",
                    data=batch_body(n_events, next(counter) * n_events),
                    headers=headers,
                ),
                calls,
            )

    mine, theirs, ratio = interleaved(phemu_batch, canned_batch)
    print(
        f"(a) /batch/ of {n_events}: phemu {n_events / mine:,.0f} events/s, canned {n_events / theirs:,.0f} events/s, ratio {ratio:.2f}x"
    )

    body = {"token": TOKEN, "distinct_id": "user-1", "person_properties": {}, "groups": {}}
    with phemu.mock(emulator):
        answer = requests.post(f"{HOST}/flags/?v=2", json=body).json()

    def phemu_flags() -> float:
        with phemu.mock(emulator):
            return cpu(lambda: requests.post(f"{HOST}/flags/?v=2", json=body), calls)

    def canned_flags() -> float:
        with responses.RequestsMock() as mock:
            mock.add(responses.POST, f"{HOST}/flags/", json=answer)
            return cpu(lambda: requests.post(f"{HOST}/flags/?v=2", json=body), calls)

    mine, theirs, ratio = interleaved(phemu_flags, canned_flags)
    print(
        f"(b) /flags/ (20 flags): phemu {mine * 1e3:.2f} ms, canned {theirs * 1e3:.2f} ms, ratio {ratio:.2f}x"
    )

    def evaluate() -> float:
        return cpu(lambda: emulator.feature_flags.evaluate("user-1"), calls) / 20

    mine, theirs, ratio = interleaved(evaluate, canned_flags)
    print(
        f"(c) in-process evaluation: {mine * 1e6:.1f} us per flag; canned /flags request {theirs * 1e3:.2f} ms; ratio {ratio:.3f}x"
    )
    server_capture(args.batches, n_events)


if __name__ == "__main__":
    main()
