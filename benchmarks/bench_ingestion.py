"""Ingestion and flag costs as ratios (issue 16). Run: ``python benchmarks/bench_ingestion.py``.

(a) ``POST /batch/`` of 50 realistic SDK events (gzipped, as posthog-node sends them) through
    ``phemu.mock()`` (decode, person rules, store) vs a ``responses`` canned ``{"status": "Ok"}``
    for the same request: events per second on each side and their ratio.
(b) one remote ``POST /flags/?v=2`` for a project with 20 flags (person filters, a cohort, a
    multivariate flag) through ``phemu.mock()`` vs a canned body of the same JSON.
(c) in-process evaluation of those 20 flags for one user (``emulator.feature_flags.evaluate``),
    per flag, against the canned ``/flags`` request of (b).

CPU time, interleaved rounds, median of the per-round ratios (see bench_frontdoors.py).
"""

from __future__ import annotations

import gzip
import json
import statistics
import time
from collections.abc import Callable

import requests
import responses

import phemu

TOKEN = "phc_phemuDefaultProjectToken0000000000000000000"
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


def main() -> None:
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


if __name__ == "__main__":
    main()
