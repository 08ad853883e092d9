"""Benchmark ``sessions/values`` over 10 000 and 100 000 seeded sessions.

Run: ``python benchmarks/bench_sessions.py`` (about half a minute). It seeds sessions in computed
form through the normal seed loader, then times full HTTP calls (werkzeug test client, auth and
routing included) and prints:

* the cost of one call per key, without and with ``value``, at 10k and at 100k sessions;
* the growth ratio 100k / 10k (linear growth would be 10x; the index makes most calls grow with
  the number of *distinct values*, not sessions);
* the ratio with / without ``value`` (must be <= 1 for a selective search term);
* the seeding cost per session (ingest keeps the index up to date).

Keys: ``$entry_utm_source`` (40 distinct values), ``$entry_pathname`` (1 000) and
``$entry_current_url`` (one distinct value per session: the worst case for any index).
"""

from __future__ import annotations

import random
import sys
import time
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from phemu.emulator import Emulator

SOURCES = [f"source-{i:02d}" for i in range(38)] + ["google", "youtube"]
START = datetime(2026, 1, 1, tzinfo=timezone.utc)
REPEAT = 15
# (key, selective search term, broad search term)
KEYS = [
    ("$entry_utm_source", "goo", "source"),
    ("$entry_pathname", "page-00", "/"),
    ("$entry_current_url", "u=00042", "https"),
]


def sessions(count: int, seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    weights = [1.0 / (rank + 1) for rank in range(len(SOURCES))]
    records = []
    for i in range(count):
        path = f"/page-{rng.randrange(1000):03d}"
        records.append(
            {
                "session_id": f"{i:08d}",
                "distinct_id": f"user-{rng.randrange(count // 3 + 1)}",
                "properties": {
                    "$start_timestamp": START + timedelta(seconds=rng.randrange(180 * 86400)),
                    "$entry_utm_source": rng.choices(SOURCES, weights)[0],
                    "$entry_pathname": path,
                    "$entry_current_url": f"https://example.com{path}?u={i:08d}",
                    "$channel_type": "Direct",
                },
            }
        )
    return records


def seeded(count: int) -> tuple[Emulator, float]:
    emulator = Emulator(load_entrypoints=False)
    records = sessions(count)
    started = time.perf_counter()
    emulator.sessions.add(records)
    return emulator, time.perf_counter() - started


def call_cost(emulator: Emulator, key: str, value: str | None) -> float:
    """Fastest of several ``values`` calls, in seconds (the minimum filters out interference
    such as garbage collection of the seeded heap; the first call is a warm-up)."""
    client, headers = emulator.client(), emulator.auth_headers
    url = f"/api/projects/1/sessions/values/?key={key}" + (f"&value={value}" if value else "")
    timings = []
    for _ in range(REPEAT + 1):
        started = time.perf_counter()
        response = client.get(url, headers=headers)
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200, response.get_data(as_text=True)
    return min(timings[1:])


def one_pass(emulator: Emulator, key: str) -> float:
    """Baseline: one C-level ``max()`` over the key's index entries, the least any exact
    answer must touch. Calls that stay a constant multiple of it do linear work; when both grow
    faster than 10x, it is the memory hierarchy (100k entries no longer fit in the CPU caches)."""
    from phemu.resources.sessions import SessionsBackend

    entries = SessionsBackend.of(emulator).table.project(1)._index[key].entries.values()
    timings = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        max(entries)
        timings.append(time.perf_counter() - started)
    return min(timings)


def main() -> None:
    results: dict[int, dict[tuple[str, str], float]] = {}
    for count in (10_000, 100_000):
        emulator, seconds = seeded(count)
        print(
            f"seeded {count:>7,} sessions in {seconds:6.2f} s ({seconds / count * 1e6:5.1f} µs/session)"
        )
        table = results[count] = {}
        for key, _, _ in KEYS:
            table[(key, "pass")] = one_pass(emulator, key)
        for key, selective, broad in KEYS:
            table[(key, "none")] = call_cost(emulator, key, None)
            table[(key, "selective")] = call_cost(emulator, key, selective)
            table[(key, "broad")] = call_cost(emulator, key, broad)
    print()
    header = (
        f"{'key':<20} {'value':<10} {'10k ms':>8} {'100k ms':>8} {'growth':>7} "
        f"{'vs none':>8} {'/pass 10k':>9} {'/pass 100k':>10}"
    )
    print(header)
    print("-" * len(header))
    worst_growth, worst_selective = 0.0, 0.0
    for key, selective, broad in KEYS:
        for kind, term in (("none", "(none)"), ("selective", selective), ("broad", broad)):
            small, large = results[10_000][(key, kind)], results[100_000][(key, kind)]
            growth = large / small
            versus = large / results[100_000][(key, "none")]
            worst_growth = max(worst_growth, growth)
            if kind == "selective":
                worst_selective = max(worst_selective, versus)
            small_pass = small / results[10_000][(key, "pass")]
            large_pass = large / results[100_000][(key, "pass")]
            print(
                f"{key:<20} {term:<10} {small * 1e3:8.3f} {large * 1e3:8.3f} "
                f"{growth:6.1f}x {versus:7.2f}x {small_pass:8.1f}x {large_pass:9.1f}x"
            )
        small, large = results[10_000][(key, "pass")], results[100_000][(key, "pass")]
        print(
            f"{key:<20} {'one pass':<10} {small * 1e3:8.3f} {large * 1e3:8.3f} {large / small:6.1f}x"
            "  (baseline)"
        )
    print()
    print(f"worst growth 10k -> 100k sessions: {worst_growth:.1f}x (linear would be 10x;")
    print("  compare with the baseline pass over the same entries: '/pass' stays constant)")
    print(f"worst cost with a selective value / without value, at 100k: {worst_selective:.2f}x")


if __name__ == "__main__":
    main()
