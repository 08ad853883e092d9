"""Subscriptions: the cost of one list page, and memory per stored subscription.

Run ``python benchmarks/bench_subscriptions.py``. It prints, in one run:

(a) the median time of ``GET /api/projects/1/subscriptions/?limit=100`` (through the WSGI app,
    auth and rendering included) with 1,000 and with 100,000 subscriptions in the team, and
    their ratio (target: at most 2x: a page costs what it holds, not what the store holds);
(b) bytes of memory per stored subscription, measured with tracemalloc over 10,000 rows
    created through the same path as ``POST`` (target: under 1 KB).

Bounded: about 20-40 seconds on a laptop.
"""

from __future__ import annotations

import statistics
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from phemu.emulator import Emulator

KEY = {"Authorization": "Bearer phx_phemuDefaultPersonalApiKey000000000000000000"}
PAGE = "/api/projects/1/subscriptions/?limit=100"
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday"]


def fields(i: int) -> dict[str, Any]:
    """Varied, realistic rows: weekly/monthly, a few weekdays, addresses and titles."""
    row: dict[str, Any] = {
        "insight": 1 + i % 10,
        "target_type": "email",
        "target_value": f"user{i}@example.com,team{i % 97}@example.com",
        "frequency": ("daily", "weekly", "monthly")[i % 3],
        "interval": 1 + i % 2,
        "start_date": "2026-01-05T09:00:00Z",
        "title": f"Weekly report {i}",
    }
    if i % 4 == 0:
        row["byweekday"] = WEEKDAYS[: 1 + i % 5]
        row["bysetpos"] = 1
    return row


def emulator_with(count: int) -> Emulator:
    emulator = Emulator(load_entrypoints=False)
    emulator.freeze_time("2026-06-15T10:00:00Z")
    emulator.load_seed(
        {"insights": [{"project": 1, "id": pk, "name": f"Insight {pk}"} for pk in range(1, 11)]}
    )
    for i in range(count):
        emulator.subscriptions.create(**fields(i))
    return emulator


def page_costs(emulators: list[Emulator], runs: int = 50) -> list[float]:
    """Median page time per emulator, sampled alternately so drift hits all of them alike."""
    clients = [emulator.client() for emulator in emulators]
    samples: list[list[float]] = [[] for _ in clients]
    for run in range(runs + 5):
        for index, client in enumerate(clients):
            started = time.perf_counter()
            response = client.get(PAGE, headers=KEY)
            elapsed = time.perf_counter() - started
            assert response.status_code == 200
            if run >= 5:  # the first rounds warm up
                samples[index].append(elapsed)
    for client in clients:
        assert len(client.get(PAGE, headers=KEY).get_json()["results"]) == 100
    return [statistics.median(s) for s in samples]


def bytes_per_subscription(count: int = 10_000) -> float:
    emulator = emulator_with(0)
    emulator.subscriptions.create(**fields(0))  # first-use allocations (state, caches)
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    for i in range(1, count + 1):
        emulator.subscriptions.create(**fields(i))
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    grown = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    return grown / count


def main() -> None:
    started = time.perf_counter()
    small = emulator_with(1_000)
    built = time.perf_counter()
    large = emulator_with(100_000)
    build_large = time.perf_counter() - built
    cost_small, cost_large = page_costs([small, large])
    ratio = cost_large / cost_small
    print(f"(a) GET subscriptions/?limit=100 with   1,000 in the team: {cost_small * 1000:7.2f} ms")
    print(f"    GET subscriptions/?limit=100 with 100,000 in the team: {cost_large * 1000:7.2f} ms")
    print(
        f"    ratio 100,000 / 1,000: {ratio:.2f}x (target <= 2x) "
        f"{'OK' if ratio <= 2 else 'OVER TARGET'}"
    )
    print(
        f"    (creating 100,000 subscriptions took {build_large:.1f} s, "
        f"{build_large / 100_000 * 1e6:.0f} us each)"
    )
    del large, small
    per_row = bytes_per_subscription()
    print(
        f"(b) memory per stored subscription: {per_row:.0f} bytes (target < 1024) "
        f"{'OK' if per_row < 1024 else 'OVER TARGET'}"
    )
    print(f"total run time: {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
