"""What answering all 823 schema operations costs (issue 15). Run: ``python benchmarks/bench_generic.py``.

(a) one ``GET /api/projects/1/subscriptions/`` (a hand-written route) with every schema
    operation routed vs with the hand-written routes only, both in this run. Target: <= 1.1x.
(b) ``Emulator()`` + ``reset()`` vs ``moto.mock_aws()`` start/stop (the schema is compiled once
    per process, before the timed calls). Target: <= 0.1x.
(c) ``import phemu`` vs ``import moto``, each in a fresh interpreter. Target: <= 0.6x.
(d) reported, no target: the first ``Emulator()`` of a process (loading and compiling the
    schema, building the route table) and the memory an emulator with the whole API holds,
    each in a fresh interpreter, against the same without the schema routes.

Needs the ``bench`` extra (moto). ``--check`` exits 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from typing import Any

from bench_frontdoors import bench_fixture
from bench_frontdoors import best_per_call
from bench_frontdoors import import_seconds
from bench_frontdoors import interleaved
from bench_frontdoors import line

HAND_WRITTEN_ONLY = """
from phemu.emulator import Emulator

class HandWrittenOnly(Emulator):
    # The emulator as it was before issue 15: resource and plugin routes, nothing generated.
    def _all_routes(self):
        routes = [route for resource in self.resources for route in resource.routes]
        for extra in self.hooks.hook.phemu_routes(profile=self.profile):
            routes.extend(extra or [])
        return routes
"""

FRESH_PROCESS = """
import json, sys, time, tracemalloc, resource
{setup}
traced = sys.argv[1] == "memory"
if traced:
    tracemalloc.start()
started = time.process_time()
emulator = {factory}()
elapsed = time.process_time() - started
current, peak = tracemalloc.get_traced_memory() if traced else (0, 0)
print(json.dumps({{"seconds": elapsed, "current": current, "peak": peak,
                  "routes": len(emulator.routes.routes),
                  "rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}}))
"""


def hand_written_only() -> Any:
    namespace: dict[str, Any] = {}
    exec(HAND_WRITTEN_ONLY, namespace)
    return namespace["HandWrittenOnly"]


def bench_routing(number: int, rounds: int) -> tuple[float, float, float]:
    from phemu.emulator import Emulator

    full, before = Emulator(), hand_written_only()()
    path = "/api/projects/1/subscriptions/"
    for emulator in (full, before):
        emulator.client().post(
            "/api/projects/1/insights/", json={"name": "i"}, headers=emulator.auth_headers
        )

    def requests_on(emulator: Any) -> float:
        client, headers = emulator.client(), emulator.auth_headers
        return best_per_call(lambda: client.get(path, headers=headers), number, 1)

    return interleaved(lambda: requests_on(full), lambda: requests_on(before), rounds)


def fresh(setup: str, factory: str, what: str) -> dict[str, Any]:
    """One measure in a fresh interpreter: ``time`` (untraced) or ``memory`` (tracemalloc)."""
    code = FRESH_PROCESS.format(setup=setup, factory=factory)
    done = subprocess.run(
        [sys.executable, "-c", code, what], capture_output=True, text=True, check=True
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer iterations (CI smoke run)")
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    args = parser.parse_args(argv)
    number, rounds = (200, 3) if args.quick else (1000, 7)
    results = []
    mine, theirs, ratio = bench_routing(number, rounds)
    results.append(
        line("(a) subscriptions list, all operations vs hand-written", mine, theirs, 1.1, ratio)
    )
    _, with_reset = bench_fixture(max(number // 5, 50), rounds)
    results.append(
        line("(b) Emulator() + reset() vs mock_aws start/stop", *with_reset[:2], 0.1, with_reset[2])
    )
    mine, theirs, ratio = interleaved(
        lambda: import_seconds("phemu"), lambda: import_seconds("moto"), rounds
    )
    results.append(line("(c) import phemu vs import moto", mine, theirs, 0.6, ratio))
    setups = (
        ("from phemu.emulator import Emulator", "Emulator"),
        (HAND_WRITTEN_ONLY, "HandWrittenOnly"),
    )
    full, before = (
        min((fresh(*s, "time") for _ in range(rounds)), key=lambda r: r["seconds"]) for s in setups
    )
    print(
        f"(d) first Emulator() of a process: {full['seconds'] * 1000:.1f} ms with "
        f"{full['routes']} routes vs {before['seconds'] * 1000:.1f} ms with {before['routes']}"
    )
    full, before = (fresh(*s, "memory") for s in setups)
    print(
        f"(d) memory held by that emulator (tracemalloc): {full['current'] / 1e6:.1f} MB vs "
        f"{before['current'] / 1e6:.1f} MB (peak {full['peak'] / 1e6:.1f} MB); max RSS of the "
        f"process {full['rss_kb'] / 1024:.0f} MB vs {before['rss_kb'] / 1024:.0f} MB"
    )
    return 0 if all(results) or not args.check else 1


if __name__ == "__main__":
    raise SystemExit(main())
