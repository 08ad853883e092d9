"""Write throughput of ``phemu serve --sync always`` (the mutation log) and ``--sync snapshot``
(a whole save per write: the implementation the log replaced) against the default, in one run.

    python benchmarks/bench_sync.py [--seconds 4] [--dashboards 0,1000,10000]
                                    [--concurrency 1,8] [--rounds 1]

Every mode runs ``phemu serve --state-file`` on 127.0.0.1 (access logs off) in a temporary
directory on the same disk. Each client keeps one keep-alive connection and sends
``PATCH /api/projects/1/dashboards/1/`` (a write that keeps the state's size fixed). The state
holds the default server's data (the sample sessions and events) plus ``--dashboards`` extra
dashboards: a ``snapshot`` save writes the whole state, a log batch only the dashboard. Prints
requests per second of each mode and the ratios always/default, snapshot/default and
always/snapshot for each size and concurrency (the median of ``--rounds`` runs, the modes of a
round run back to back so they share the machine's load). Bounded: about
3 x rounds x sizes x concurrencies x (seconds + 1) seconds plus start-ups.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

from bench_server import KEY
from bench_server import call
from bench_server import measure
from bench_server import process

PATH = "/api/projects/1/dashboards/1/"
MODES = ("off", "snapshot", "always")


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
    for leftover in (state, Path(f"{state}.log")):
        leftover.unlink(missing_ok=True)
    command = [sys.executable, "-m", "phemu", "serve", "--port", "0", "--quiet"]
    command += ["--no-default-plugins", "--state-file", str(state), "--sync", mode]
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
    parser.add_argument("--dashboards", default="0,1000,10000")
    parser.add_argument("--concurrency", default="1,8")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    sizes = [int(n) for n in args.dashboards.split(",")]
    clients = [int(n) for n in args.concurrency.split(",")]
    print(
        f"PATCH dashboards/1/, {args.seconds:g} s per run, median of {args.rounds}, no access log"
    )
    with tempfile.TemporaryDirectory(prefix="phemu-bench-sync-", dir=".") as directory:
        for extra in sizes:
            for concurrency in clients:
                runs: dict[str, list[float]] = {mode: [] for mode in MODES}
                for _ in range(args.rounds):
                    for mode in MODES:
                        runs[mode].append(
                            run(mode, extra, concurrency, args.seconds, Path(directory))
                        )
                rps = {mode: statistics.median(found) for mode, found in runs.items()}
                state_kb = Path(directory, f"state-off-{extra}-{concurrency}.json").stat().st_size
                print(
                    f"  +{extra:>5} dashboards (state {state_kb // 1024:>5} KB), "
                    f"{concurrency} client(s): default {rps['off']:6.0f} req/s, "
                    f"snapshot {rps['snapshot']:5.0f}, always {rps['always']:5.0f} | "
                    f"always/default {rps['always'] / rps['off']:.2f}x, "
                    f"snapshot/default {rps['snapshot'] / rps['off']:.2f}x, "
                    f"always/snapshot {rps['always'] / rps['snapshot']:.1f}x"
                )
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    raise SystemExit(main())
