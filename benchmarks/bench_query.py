"""Benchmark the ``query/`` engine over 100 000 and 1 000 000 seeded events.

Run: ``python benchmarks/bench_query.py`` (both sizes, a few minutes on a shared 2-core machine)
or ``python benchmarks/bench_query.py 100000`` for one size. Needs ``phemu[query]``.

For each size it seeds synthetic events (10 event names, 5 000 distinct ids, three properties,
14 days), loads them into the engine once, then prints:

* the one-time load cost per event (the engine keeps its DuckDB tables between queries);
* per query, the median time of a full ``query/`` answer (parse, translate, execute, response
  body) for ``SELECT event, count() FROM events GROUP BY event`` and for a ``TrendsQuery``
  daily ``$pageview`` trend over the last 7 days;
* the ratio against the same computation in plain Python over the same records (``Counter``
  loops), checking both give the same numbers;
* the DuckDB memory per event.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from phemu.query.engine import Database
from phemu.query.records import EventRecord
from phemu.query.records import StaticData
from phemu.query.run import run

NOW = datetime(2026, 6, 15, 12, tzinfo=timezone.utc)
NAMES = ["$pageview"] * 4 + [
    "$autocapture",
    "$pageleave",
    "signup",
    "purchase",
    "click",
    "$identify",
]
BROWSERS = ["Chrome", "Firefox", "Safari", "Edge"]
GROUP_BY_EVENT = {"kind": "HogQLQuery", "query": "SELECT event, count() FROM events GROUP BY event"}
TREND = {
    "kind": "TrendsQuery",
    "series": [{"kind": "EventsNode", "event": "$pageview"}],
    "interval": "day",
    "dateRange": {"date_from": "-7d"},
}


def make_events(count: int) -> list[EventRecord]:
    rng = random.Random(count)
    span = 14 * 86400
    return [
        EventRecord(
            uuid=f"00000000-0000-4000-8000-{seq:012d}",
            event=rng.choice(NAMES),
            distinct_id=f"user-{rng.randrange(5000)}",
            properties={
                "$browser": rng.choice(BROWSERS),
                "$session_id": f"s-{seq // 20}",
                "price": rng.randrange(100),
            },
            timestamp=NOW - timedelta(seconds=rng.randrange(span)),
            seq=seq,
        )
        for seq in range(1, count + 1)
    ]


def python_group_by_event(events: list[EventRecord]) -> dict[str, int]:
    return dict(Counter(e.event for e in events))


def python_trend(events: list[EventRecord]) -> list[int]:
    start = (NOW - timedelta(days=7)).replace(hour=0, minute=0, second=0, microsecond=0)
    per_day = Counter(
        e.timestamp.date() for e in events if e.event == "$pageview" and start <= e.timestamp <= NOW
    )
    return [per_day[(start + timedelta(days=n)).date()] for n in range(8)]


def median_time(action: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def bench(count: int) -> None:
    events = make_events(count)
    data = StaticData(tuple(events))
    database = Database()
    started = time.perf_counter()
    database.sync(1, data)
    load = time.perf_counter() - started
    memory = database.connection.execute(
        "SELECT sum(memory_usage_bytes) FROM duckdb_memory()"
    ).fetchone()
    used = int(memory[0]) if memory and memory[0] else 0
    repeat = 5 if count <= 100_000 else 3
    print(
        f"\n{count:,} events: load {load:.2f} s ({load / count * 1e6:.1f} µs/event), "
        f"DuckDB memory {used / count:.0f} bytes/event"
    )

    def ask(query: dict[str, Any]) -> Callable[[], Any]:
        return lambda: run(database, 1, data, {"query": query}, NOW)

    engine_t, answer = median_time(ask(GROUP_BY_EVENT), repeat)
    python_t, expected = median_time(lambda: python_group_by_event(events), repeat)
    assert dict(map(tuple, answer["results"])) == expected, "group by event disagrees"
    print(
        f"  count() GROUP BY event : engine {engine_t * 1000:8.1f} ms   "
        f"python {python_t * 1000:8.1f} ms   ratio engine/python {engine_t / python_t:5.2f}"
    )

    engine_t, answer = median_time(ask(TREND), repeat)
    python_t, expected = median_time(lambda: python_trend(events), repeat)
    assert answer["results"][0]["data"] == expected, "7-day trend disagrees"
    print(
        f"  7-day daily trend      : engine {engine_t * 1000:8.1f} ms   "
        f"python {python_t * 1000:8.1f} ms   ratio engine/python {engine_t / python_t:5.2f}"
    )


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [100_000, 1_000_000]
    for size in sizes:
        bench(size)


if __name__ == "__main__":
    main()
