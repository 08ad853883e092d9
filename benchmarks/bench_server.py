"""Requests per second: ``phemu serve`` against ``moto_server``, same client, one run.

    python benchmarks/bench_server.py [--seconds 5] [--concurrency 8] [--objects 10]

Both servers run as subprocesses on 127.0.0.1 with access logs off. The client (this process)
keeps one HTTP/1.1 connection per thread where the server allows it and reconnects where it does
not (moto's werkzeug server answers HTTP/1.0 and closes). phemu lists ``--objects`` subscriptions
(``GET /api/projects/1/subscriptions/``, created through the API; projects where
subscriptions are not emulated);
moto lists as many S3 buckets (``GET /``), the closest plain list call it has. A third line runs
phemu's app on werkzeug's threaded server, to show what the server choice is worth. Bounded:
about 3 x (seconds + 1) seconds plus start-up. Needs the ``bench`` extra (``moto[server]``).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

KEY = "phx_phemuDefaultPersonalApiKey000000000000000000"
ORG = "01928a6e-3c1d-7000-8000-0000000000aa"
S3_AUTH = (
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/s3/aws4_request, "
    "SignedHeaders=host;x-amz-date, Signature=0000"
)
START_TIMEOUT = 30.0

WERKZEUG_PHEMU = """
import logging, sys
from werkzeug.serving import make_server
from phemu.emulator import Emulator
logging.getLogger("werkzeug").disabled = True
server = make_server("127.0.0.1", 0, Emulator(), threaded=True)
print(f"serving PostHog's API on http://127.0.0.1:{server.server_port}", flush=True)
server.serve_forever()
"""

MOTO = """
import logging, sys
logging.getLogger("werkzeug").disabled = True
from moto.server import main
main(["-H", "127.0.0.1", "-p", sys.argv[1]])
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def process(command: list[str], url_pattern: str | None, url: str | None = None) -> Iterator[str]:
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        if url_pattern is not None:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            found = re.search(url_pattern, line)
            if not found:
                raise SystemExit(f"could not start {command[:4]}: {line!r}")
            url = found.group(1)
        assert url is not None
        wait_until_up(url)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def wait_until_up(url: str) -> None:
    parts = urlsplit(url)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        try:
            socket.create_connection((parts.hostname, parts.port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not come up")


def call(
    url: str, method: str, path: str, headers: dict[str, str], body: bytes | None = None
) -> tuple[int, bytes]:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def measure(
    url: str,
    path: str,
    headers: dict[str, str],
    seconds: float,
    concurrency: int,
    method: str = "GET",
    body: bytes | None = None,
) -> tuple[float, int]:
    """Requests per second over ``seconds`` after a short warm-up; and the non-200 count."""
    parts = urlsplit(url)
    counts = [0] * concurrency
    failures = [0] * concurrency
    start = threading.Barrier(concurrency + 1)
    timing: dict[str, float] = {}

    def client(index: int) -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        start.wait()
        warm_until = timing["warm"]
        stop_at = timing["stop"]
        while True:
            now = time.perf_counter()
            if now >= stop_at:
                break
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
                if response.will_close:
                    conn.close()
            except (OSError, http.client.HTTPException):
                conn.close()
                status = 0
            if now >= warm_until:
                counts[index] += 1
                if status != 200:
                    failures[index] += 1
        conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    now = time.perf_counter()
    timing["warm"] = now + 1.0
    timing["stop"] = now + 1.0 + seconds
    start.wait()
    for thread in threads:
        thread.join()
    return sum(counts) / seconds, sum(failures)


def phemu_target(url: str, objects: int) -> tuple[str, str]:
    """Create ``objects`` subscriptions (or projects) and return ``(path, label)``."""
    auth = {"Authorization": f"Bearer {KEY}"}
    post = {**auth, "Content-Type": "application/json"}
    status, _ = call(url, "GET", "/api/projects/1/subscriptions/", auth)
    if status == 200:
        status, body = call(
            url, "POST", "/api/projects/1/insights/", post, json.dumps({"name": "Bench"}).encode()
        )
        insight = json.loads(body)["id"]
        for i in range(objects):
            subscription = {
                "insight": insight,
                "target_type": "email",
                "target_value": f"bench{i}@example.com",
                "frequency": "daily",
                "start_date": "2024-01-01T09:00:00Z",
                "title": f"Bench {i}",
            }
            status, body = call(
                url,
                "POST",
                "/api/projects/1/subscriptions/",
                post,
                json.dumps(subscription).encode(),
            )
            if status != 201:
                raise SystemExit(f"could not create a subscription: {status} {body!r}")
        status, body = call(url, "GET", "/api/projects/1/subscriptions/", auth)
        count = json.loads(body)["count"]
        return "/api/projects/1/subscriptions/", f"GET subscriptions/ ({count} objects)"
    document = {
        "version": 1,
        "projects": [
            {"id": 100 + i, "name": f"bench {i}", "organization": ORG} for i in range(objects - 1)
        ],
    }
    call(
        url,
        "POST",
        "/_phemu/seed",
        {"Content-Type": "application/json"},
        json.dumps(document).encode(),
    )
    status, body = call(url, "GET", "/api/projects/", auth)
    count = json.loads(body)["count"]
    return "/api/projects/", f"GET projects/ ({count} objects; subscriptions not emulated yet)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--objects", type=int, default=10)
    args = parser.parse_args()
    env_python = sys.executable
    results: list[tuple[str, float, int]] = []
    phemu_auth = {"Authorization": f"Bearer {KEY}"}

    with process(
        [env_python, "-m", "phemu", "serve", "--port", "0", "--quiet", "--no-default-plugins"],
        r"serving PostHog's API on (http://\S+)",
    ) as url:
        path, label = phemu_target(url, args.objects)
        rps, bad = measure(url, path, phemu_auth, args.seconds, args.concurrency)
        results.append((f"phemu serve (waitress)     {label}", rps, bad))

    with process(
        [env_python, "-c", WERKZEUG_PHEMU], r"serving PostHog's API on (http://\S+)"
    ) as url:
        path, label = phemu_target(url, args.objects)
        rps, bad = measure(url, path, phemu_auth, args.seconds, args.concurrency)
        results.append((f"phemu app on werkzeug      {label}", rps, bad))

    port = free_port()
    moto_url = f"http://127.0.0.1:{port}"
    with process([env_python, "-c", MOTO, str(port)], None, moto_url) as url:
        s3 = {
            "Authorization": S3_AUTH,
            "x-amz-date": "20240101T000000Z",
            "Host": f"127.0.0.1:{port}",
        }
        for i in range(args.objects):
            call(url, "PUT", f"/bench-bucket-{i}", s3)
        status, body = call(url, "GET", "/", s3)
        buckets = body.count(b"<Bucket>")
        if status != 200 or buckets != args.objects:
            raise SystemExit(f"moto ListBuckets answered {status} with {buckets} buckets")
        rps, bad = measure(url, "/", s3, args.seconds, args.concurrency)
        results.append(
            (f"moto_server (werkzeug)     GET / ListBuckets ({buckets} objects)", rps, bad)
        )

    print(f"concurrency {args.concurrency}, {args.seconds:g} s per server, access logs off")
    for name, rps, bad in results:
        print(f"  {name:<80} {rps:8.0f} req/s" + (f"  ({bad} non-200)" if bad else ""))
    ratio = results[0][1] / results[2][1] if results[2][1] else float("inf")
    print(f"phemu serve / moto_server = {ratio:.2f}x (target >= 2x)")
    return 0 if all(bad == 0 for _, _, bad in results) else 1


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
