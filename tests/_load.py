"""A bounded multi-threaded load harness for the server tests (loopback only).

Each client thread has its own keep-alive session and its own objects: it creates one, then
patches one of its own, and records what the server acknowledged. Afterwards the checks compare
the server's state with the acknowledgements: nothing lost, ids unique, counts exact, the last
acknowledged patch of every object is what the server returns, and no 5xx.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from dataclasses import field
from typing import Any

import requests


@dataclass(frozen=True)
class Target:
    """Where the harness creates and patches objects."""

    name: str
    collection: str  # e.g. "/api/projects/1/subscriptions/"
    create: Callable[[int, int], dict[str, Any]]  # (thread, n) -> body
    patch: Callable[[int, int], dict[str, Any]]  # (thread, n) -> body
    patched_field: str
    paginated: bool = False
    #: Run once against a fresh server before the load (creates what the objects point at).
    prepare: Callable[[str, dict[str, str]], None] | None = None

    def detail(self, pk: Any) -> str:
        return f"{self.collection}{pk}/"


#: Dashboards: a resource with a name to patch and a paginated list.
DASHBOARDS = Target(
    name="dashboards",
    collection="/api/projects/1/dashboards/",
    create=lambda thread, n: {"name": f"t{thread}-n{n}"},
    patch=lambda thread, n: {"name": f"t{thread}-p{n}"},
    patched_field="name",
    paginated=True,
)

#: Feature flags: unique keys, a renamed ``name``, a paginated list (newest first).
FEATURE_FLAGS = Target(
    name="feature_flags",
    collection="/api/projects/1/feature_flags/",
    create=lambda thread, n: {
        "key": f"t{thread}-n{n}",
        "name": f"t{thread}-n{n}",
        "filters": {"groups": [{"properties": [], "rollout_percentage": 50}]},
    },
    patch=lambda thread, n: {"name": f"t{thread}-p{n}"},
    patched_field="name",
    paginated=True,
)


@dataclass
class Outcome:
    created: dict[Any, dict[str, Any]] = field(default_factory=dict)  # id -> last acked state
    statuses: Counter[int] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)  # transport errors (refused, reset)
    duplicates: list[Any] = field(default_factory=list)
    # id -> the patched value of a PATCH sent but not (yet) acknowledged when the run ended
    pending: dict[Any, Any] = field(default_factory=dict)
    requests: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def run_load(
    base_url: str,
    headers: dict[str, str],
    target: Target,
    *,
    threads: int = 16,
    seconds: float = 3.0,
    stop: threading.Event | None = None,
    max_requests: int = 1_000_000,
    outcome: Outcome | None = None,
) -> Outcome:
    """Load for ``seconds`` (or until ``stop`` is set); transport errors end a thread's run.

    Pass ``outcome`` to watch progress from another thread.
    """
    outcome = outcome if outcome is not None else Outcome()
    if target.prepare is not None:
        target.prepare(base_url, headers)
    deadline = time.monotonic() + seconds
    stop = stop or threading.Event()

    def worker(index: int) -> None:
        rng = random.Random(index)
        mine: list[Any] = []
        n = 0
        with requests.Session() as session:
            session.headers.update(headers)
            while time.monotonic() < deadline and not stop.is_set() and n < max_requests:
                n += 1
                try:
                    if not mine or rng.random() < 0.5:
                        body = target.create(index, n)
                        response = session.post(base_url + target.collection, json=body, timeout=30)
                        record(response, body=None)
                        if response.status_code == 201:
                            data = response.json()
                            with outcome.lock:
                                if data["id"] in outcome.created:
                                    outcome.duplicates.append(data["id"])
                                outcome.created[data["id"]] = data
                            mine.append(data["id"])
                    else:
                        pk = rng.choice(mine)
                        body = target.patch(index, n)
                        with outcome.lock:
                            outcome.pending[pk] = body[target.patched_field]
                        response = session.patch(
                            base_url + target.detail(pk), json=body, timeout=30
                        )
                        record(response, body=None)
                        if response.status_code == 200:
                            with outcome.lock:
                                outcome.created[pk] = response.json()
                                del outcome.pending[pk]
                except requests.RequestException as error:
                    with outcome.lock:
                        outcome.errors.append(f"{type(error).__name__}: {error}")
                    return

    def record(response: requests.Response, body: Any) -> None:
        with outcome.lock:
            outcome.requests += 1
            outcome.statuses[response.status_code] += 1

    with ThreadPoolExecutor(threads) as pool:
        for future in [pool.submit(worker, i) for i in range(threads)]:
            future.result()
    return outcome


def list_all(base_url: str, headers: dict[str, str], target: Target) -> tuple[int, list[Any]]:
    """``(count, results)`` of the whole collection, following ``next`` links if paginated."""
    with requests.Session() as session:
        session.headers.update(headers)
        url: str | None = base_url + target.collection + ("?limit=1000" if target.paginated else "")
        count, results = -1, []
        while url:
            page = session.get(url, timeout=60).json()
            count = page["count"] if count < 0 else count
            results.extend(page["results"])
            url = page.get("next") if target.paginated else None
            if url and url.startswith("http://testserver"):
                url = base_url + url[len("http://testserver") :]
    return count, results


def check_all_retrievable(
    base_url: str,
    headers: dict[str, str],
    target: Target,
    outcome: Outcome,
    sample: int = 2000,
    allow_pending: bool = False,
) -> list[str]:
    """Problems found: acknowledged objects missing or not in their last acknowledged state.

    With ``allow_pending`` (a run cut short by a signal) an object may also hold the value of a
    PATCH that was sent but whose answer never arrived.
    """
    ids = list(outcome.created)
    chosen = ids if len(ids) <= sample else random.Random(0).sample(ids, sample)
    problems: list[str] = []
    local = threading.local()

    def check(pk: Any) -> None:
        if not hasattr(local, "session"):
            local.session = requests.Session()
            local.session.headers.update(headers)
        response = local.session.get(base_url + target.detail(pk), timeout=30)
        if response.status_code != 200:
            problems.append(f"{pk}: GET answered {response.status_code}")
        else:
            value = response.json()[target.patched_field]
            allowed = [outcome.created[pk][target.patched_field]]
            if allow_pending and pk in outcome.pending:
                allowed.append(outcome.pending[pk])
            if value not in allowed:
                problems.append(f"{pk}: {target.patched_field}={value!r}, acknowledged {allowed!r}")

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(check, chosen))
    return problems


def interrupted_load(
    base_url: str,
    headers: dict[str, str],
    target: Target,
    interrupt: Callable[[], object],
    *,
    threads: int,
    until_created: int,
) -> Outcome:
    """Load until ``until_created`` objects are acknowledged (at most 15 s), then ``interrupt()``
    (a signal to the server) while the clients are still sending; the outcome once they stop."""
    stop = threading.Event()
    outcome = Outcome()
    loader = threading.Thread(
        target=run_load,
        args=(base_url, headers, target),
        kwargs={"threads": threads, "seconds": 30, "stop": stop, "outcome": outcome},
    )
    loader.start()
    deadline = time.monotonic() + 15
    while len(outcome.created) < until_created and time.monotonic() < deadline:
        time.sleep(0.02)
    interrupt()
    stop.set()
    loader.join(60)
    return outcome


def acknowledged_survivors(
    base_url: str, headers: dict[str, str], target: Target, outcome: Outcome
) -> set[Any]:
    """Check a restarted server holds every acknowledged object in its last acknowledged (or last
    sent) state, with an exact count; the ids present."""
    count, results = list_all(base_url, headers, target)
    present = {r["id"] for r in results}
    assert [pk for pk in outcome.created if pk not in present] == []
    assert count == len(results)
    # Objects whose 201 never arrived may exist too, but nothing acknowledged is missing.
    assert check_all_retrievable(base_url, headers, target, outcome, allow_pending=True) == []
    return present
