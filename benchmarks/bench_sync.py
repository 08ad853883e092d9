"""Write throughput of ``phemu serve --sync always`` against the default mode, one run.

    python benchmarks/bench_sync.py [--seconds 4] [--dashboards 0,1000] [--concurrency 1,8]

Both modes run ``phemu serve --state-file`` on 127.0.0.1 (access logs off) in a temporary
directory on the same disk. Each client keeps one keep-alive connection and sends
``PATCH /api/projects/1/dashboards/1/`` (a write that keeps the state's size fixed). The state
holds the default server's data (the sample sessions and events) plus ``--dashboards`` extra
dashboards, since a ``--sync always`` save writes the whole state. Prints requests per second and
the ratio always/default for each size and concurrency. Bounded: about
2 x sizes x concurrencies x (seconds + 1) seconds plus start-up.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

from bench_server import KEY
from bench_server import call
from bench_server import measure
from bench_server import process

PATH = "/api/projects/1/dashboards/1/"


def seed_dashboards(url: str, extra: int) -> None:
    post = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}
    status, body = call(url, "POST", "/api/projects/1/dashboards/", post, b'{"name": "Bench"}')
    if status != 201:
        raise SystemExit(f"could not create the benchmark dashboard: {status} {body!r}")
    if extra:
        document = {
            "version": 1,
            "dashboards": [
                {"id": 10 + i, "name": f"Dashboard {i}", "project": 1} for i in range(extra)
            ],
        }
        headers = {"Content-Type": "application/json"}
        status, body = call(url, "POST", "/_phemu/seed", headers, json.dumps(document).encode())
        if status != 200:
            raise SystemExit(f"could not seed {extra} dashboards: {status} {body!r}")


def run(mode: str, extra: int, concurrency: int, seconds: float, directory: Path) -> float:
    state = directory / f"state-{mode}-{extra}-{concurrency}.json"
    command = [sys.executable, "-m", "phemu", "serve", "--port", "0", "--quiet"]
    command += ["--no-default-plugins", "--state-file", str(state)]
    if mode == "always":
        command += ["--sync", "always"]
    with process(command, r"serving PostHog's API on (http://\S+)") as url:
        seed_dashboards(url, extra)
        headers = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}
        rps, bad = measure(url, PATH, headers, seconds, concurrency, "PATCH", b'{"name": "x"}')
        if bad:
            raise SystemExit(f"{bad} writes failed under --sync {mode}")
    return rps


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--dashboards", default="0,1000")
    parser.add_argument("--concurrency", default="1,8")
    args = parser.parse_args()
    sizes = [int(n) for n in args.dashboards.split(",")]
    clients = [int(n) for n in args.concurrency.split(",")]
    print(f"PATCH dashboards/1/, {args.seconds:g} s per run, access logs off")
    with tempfile.TemporaryDirectory(prefix="phemu-bench-sync-", dir=".") as directory:
        for extra in sizes:
            for concurrency in clients:
                default = run("off", extra, concurrency, args.seconds, Path(directory))
                always = run("always", extra, concurrency, args.seconds, Path(directory))
                state_kb = (
                    max(p.stat().st_size for p in Path(directory).glob(f"state-always-{extra}-*"))
                    // 1024
                )
                print(
                    f"  +{extra:>5} dashboards (state {state_kb:>4} KB), {concurrency} client(s): "
                    f"default {default:7.0f} req/s, --sync always {always:7.0f} req/s, "
                    f"ratio {always / default:.2f}x"
                )
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    raise SystemExit(main())
