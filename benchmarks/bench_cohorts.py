"""Benchmark reads of behavioural cohorts over 1 000 persons and 50 000 events.

Run: ``python benchmarks/bench_cohorts.py`` (under a minute). It captures 50 000 events of
1 000 persons over 90 days (six event names, an ``amount`` property), creates 10 behavioural
cohorts (every computed behaviour, windows of days to months, event filters, one nested in
another) and a flag targeting a cohort that nests a behavioural one, then prints, per read, the
time of a full request through ``phemu.mock()`` (``requests``), against a canned ``responses``
answer of the same JSON in the same run, and the ratio:

* ``GET cohorts/`` (10 behavioural cohorts, each ``count`` calculated from the events);
* ``GET cohorts/:id/persons/`` of one behavioural cohort;
* ``POST /flags/?v=2`` for a flag whose cohort nests a behavioural cohort;

once as repeated reads (the clock is frozen and nothing is written, so the last calculation is
reused) and once with one captured event before each read, in both columns (every read then
recalculates from the events).

It also checks every cohort's ``count`` against a plain-Python computation of the same members
(one pass over the events per cohort) and prints that computation's cost for the 10 cohorts.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import requests
import responses

import phemu

NOW = datetime(2026, 6, 15, 10, tzinfo=timezone.utc)
NAMES = ["$pageview"] * 5 + ["purchase", "signup", "click", "search", "$pageleave"]
PERSONS, EVENTS = 1_000, 50_000
HOST = "https://us.posthog.com"
CAPTURE = "https://us.i.posthog.com"
TOKEN = "phc_phemuDefaultProjectToken0000000000000000000"


def behaviour(value: str, key: str, days: int, **extra: Any) -> dict[str, Any]:
    return {
        "type": "behavioral",
        "value": value,
        "key": key,
        "event_type": "events",
        "time_value": days,
        "time_interval": "day",
        **extra,
    }


#: (name, behaviour): one row per computed behaviour and window.
COHORTS = [
    ("viewed 7d", behaviour("performed_event", "$pageview", 7)),
    ("bought 30d", behaviour("performed_event", "purchase", 30)),
    (
        "big buyers 30d",
        behaviour(
            "performed_event",
            "purchase",
            30,
            event_filters=[{"key": "amount", "value": 50, "operator": "gt", "type": "event"}],
        ),
    ),
    (
        "3+ searches 14d",
        behaviour("performed_event_multiple", "search", 14, operator="gte", operator_value=3),
    ),
    (
        "< 2 clicks 7d",
        behaviour("performed_event_multiple", "click", 7, operator="lt", operator_value=2),
    ),
    ("new signups 30d", behaviour("performed_event_first_time", "signup", 30)),
    (
        "stopped buying",
        behaviour(
            "stopped_performing_event", "purchase", 60, seq_time_value=14, seq_time_interval="day"
        ),
    ),
    (
        "restarted buying",
        behaviour(
            "restarted_performing_event", "purchase", 60, seq_time_value=7, seq_time_interval="day"
        ),
    ),
    ("viewed 90d", behaviour("performed_event", "$pageview", 90)),
    ("left 3d", behaviour("performed_event", "$pageleave", 3)),
]


def seeded() -> phemu.Emulator:
    rng = random.Random(5)
    emulator = phemu.Emulator(load_entrypoints=False)
    emulator.freeze_time(NOW)
    messages: list[dict[str, Any]] = [
        {
            "event": "$identify",
            "distinct_id": f"user-{n}",
            "properties": {"$set": {"plan": rng.choice(["free", "pro"])}},
            "timestamp": (NOW - timedelta(days=100)).isoformat(),
        }
        for n in range(PERSONS)
    ]
    for _ in range(EVENTS - PERSONS):
        at = NOW - timedelta(seconds=rng.randrange(90 * 86400))
        messages.append(
            {
                "event": rng.choice(NAMES),
                "distinct_id": f"user-{rng.randrange(PERSONS)}",
                "properties": {"amount": rng.randrange(100)},
                "timestamp": at.isoformat(),
            }
        )
    emulator.events.ingest(1, messages)
    return emulator


def group(*values: dict[str, Any]) -> dict[str, Any]:
    return {"properties": {"type": "AND", "values": [{"type": "AND", "values": list(values)}]}}


def plain_members(emulator: phemu.Emulator, item: dict[str, Any]) -> set[str]:
    """The baseline: one pass over the events, PostHog's windows computed by hand (every window
    here is ``-Nd``: the start of that day in the UTC project)."""

    def start(days: int) -> datetime:
        return (NOW - timedelta(days=days)).replace(hour=0, minute=0, second=0, microsecond=0)

    owner = {d: p.uuid for p in emulator.persons.all() for d in p.distinct_ids}
    wanted = [f for f in item.get("event_filters") or []]
    stamps: dict[str, list[datetime]] = {}
    for e in emulator.events.records():
        if e.event != item["key"] or e.distinct_id not in owner:
            continue
        if wanted and not all(e.properties.get(f["key"], 0) > f["value"] for f in wanted):
            continue
        stamps.setdefault(owner[e.distinct_id], []).append(e.timestamp)
    full = start(item["time_value"])
    value = item["value"]
    found = set()
    for person, ts in stamps.items():
        if value == "performed_event":
            hit = any(full <= t <= NOW for t in ts)
        elif value == "performed_event_multiple":
            n = sum(1 for t in ts if full < t <= NOW)
            limit = item["operator_value"]
            hit = n > 0 and (n >= limit if item["operator"] == "gte" else n < limit)
        elif value == "performed_event_first_time":
            hit = full <= min(ts) <= NOW
        elif value == "stopped_performing_event":
            recent = start(item["seq_time_value"])
            hit = any(full <= t <= NOW for t in ts) and not any(recent <= t <= NOW for t in ts)
        else:  # restarted_performing_event
            split = start(item["seq_time_value"])
            hit = (
                any(split <= t <= NOW for t in ts)
                and min(ts) < split
                and not any(full <= t < split for t in ts)
            )
        if hit:
            found.add(person)
    return found


def per_call(fn: Callable[[], object], number: int) -> float:
    started = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - started) / number


def compare(
    name: str, send: Callable[[], requests.Response], method: str, url: str, number: int
) -> float:
    """Time ``send`` through phemu and against a canned answer of the same body; print both."""
    emulator_door = phemu.mock(EMULATOR)
    with emulator_door:
        body = send().content
    canned = responses.RequestsMock(assert_all_requests_are_fired=False)
    canned.add(method, url, body=body, content_type="application/json")

    def mine() -> float:
        with emulator_door:
            return per_call(send, number)

    def theirs() -> float:
        canned.start()
        try:
            return per_call(send, number)
        finally:
            canned.stop(allow_assert=False)

    pairs = [(mine(), theirs()) for _ in range(5)]
    best, base = min(m for m, _ in pairs), min(t for _, t in pairs)
    ratio = statistics.median(m / t for m, t in pairs)
    print(f"  {name:<32} {best * 1e3:8.2f} ms  canned {base * 1e3:6.2f} ms  ratio {ratio:6.1f}x")
    return best


EMULATOR: phemu.Emulator


def main() -> None:
    global EMULATOR
    started = time.perf_counter()
    EMULATOR = emulator = seeded()
    print(
        f"captured {EVENTS:,} events of {PERSONS:,} persons in {time.perf_counter() - started:.1f} s"
    )
    ids = [emulator.cohorts.create(name=name, filters=group(item))["id"] for name, item in COHORTS]
    outer = emulator.cohorts.create(
        name="pro buyers",
        filters=group(
            {"key": "id", "value": ids[1], "type": "cohort"},
            {"key": "plan", "value": ["pro"], "operator": "exact", "type": "person"},
        ),
    )["id"]
    emulator.feature_flags.create(
        key="pro-buyers",
        filters={
            "groups": [
                {
                    "properties": [{"key": "id", "value": outer, "type": "cohort"}],
                    "rollout_percentage": 100,
                }
            ]
        },
    )
    started = time.perf_counter()
    expected = [plain_members(emulator, item) for _, item in COHORTS]
    plain = time.perf_counter() - started
    for pk, want, (name, _) in zip(ids, expected, COHORTS, strict=True):
        got = emulator.cohorts.get(pk)["count"]
        assert got == len(want), (name, got, len(want))
    print(f"plain-Python members of the 10 cohorts: {plain * 1e3:.1f} ms (counts agree)")
    print()
    session = requests.Session()
    headers = emulator.auth_headers
    listing = f"{HOST}/api/projects/1/cohorts/"
    persons = f"{HOST}/api/projects/1/cohorts/{ids[0]}/persons/"
    flags = f"{CAPTURE}/flags/?v=2"
    body = {"token": TOKEN, "distinct_id": "user-7", "person_properties": {}, "groups": {}}
    counter = iter(range(10**9))

    def capture() -> None:
        emulator.events.capture("search", f"user-{next(counter) % PERSONS}", {"amount": 1})

    reads: list[tuple[str, Callable[[], requests.Response], str, str]] = [
        (
            "GET cohorts/ (10 behavioural)",
            lambda: session.get(listing, headers=headers),
            responses.GET,
            listing,
        ),
        (
            "GET cohorts/:id/persons/",
            lambda: session.get(persons, headers=headers),
            responses.GET,
            persons,
        ),
        (
            "POST /flags/?v=2",
            lambda: session.post(flags, json=body),
            responses.POST,
            f"{CAPTURE}/flags/",
        ),
    ]
    print("repeated reads (nothing written in between: the last calculation is reused)")
    for name, send, method, url in reads:
        compare(name, send, method, url, 5)
    print("a read after each write (one captured event, in both columns: a new calculation)")
    cold = [
        compare(name, lambda send=send: (capture(), send())[1], method, url, 3)
        for name, send, method, url in reads
    ]
    print(
        f"a recalculated cohorts/ page vs the plain-Python members of its 10 cohorts: "
        f"{cold[0] / plain:.2f}x"
    )


if __name__ == "__main__":
    main()
