"""Durability of ``phemu serve`` (issue 12): kill -9 under ``--sync always`` (the mutation log),
``--sync snapshot``, shutdown deadlines.

Servers are subprocesses on 127.0.0.1; every load loop is bounded and stops by itself.
"""

from __future__ import annotations

import json
import random
import signal
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from phemu.mutation_log import log_path
from tests._load import DASHBOARDS
from tests._load import FEATURE_FLAGS
from tests._load import Outcome
from tests._load import Target
from tests._load import acknowledged_survivors
from tests._load import interrupted_load
from tests._server_support import Serve

JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize("sync", ["always", "snapshot"])
def test_kill_9_under_sync_loses_no_acknowledged_write(tmp_path: Path, sync: str) -> None:
    """8 clients create and patch dashboards; SIGKILL mid-run; the restarted server has every
    acknowledged object with its last acknowledged patch, and never reissues an id."""
    state = tmp_path / "state.json"
    with Serve("--state-file", str(state), "--sync", sync, "--quiet") as server:
        # SIGKILL: no handler runs, no final save.
        outcome = interrupted_load(
            server.url, server.headers, DASHBOARDS, server.kill, threads=8, until_created=100
        )
    assert not [s for s in outcome.statuses if s >= 500], outcome.statuses
    assert len(outcome.created) >= 100
    with Serve("--state-file", str(state), "--sync", "always", "--quiet") as server:
        present = acknowledged_survivors(server.url, server.headers, DASHBOARDS, outcome)
        created = requests.post(
            server.url + DASHBOARDS.collection, json={"name": "after"}, headers=server.headers,
            timeout=10,
        ).json()  # fmt: skip
        assert created["id"] > max(present)


def test_kill_9_at_random_moments_loses_nothing_and_reuses_no_id(tmp_path: Path) -> None:
    """Six rounds on one state file: 8 clients create and patch (dashboards, then feature
    flags), SIGKILL after a random number of creates, restart. Every restart holds every object
    acknowledged in any round before, in its last acknowledged state, and hands out no id that
    an earlier round acknowledged or that the restarted server holds."""
    state = tmp_path / "state.json"
    rng = random.Random(20261130)
    outcomes: list[tuple[Target, Outcome]] = []
    for round_ in range(6):
        target = (DASHBOARDS, FEATURE_FLAGS)[round_ % 2]
        with Serve("--state-file", str(state), "--sync", "always", "--quiet") as server:
            held: set[Any] = set()
            for earlier, outcome in outcomes:
                present = acknowledged_survivors(server.url, server.headers, earlier, outcome)
                if earlier is target:
                    held |= present
            outcome = interrupted_load(
                server.url,
                server.headers,
                target,
                server.kill,
                threads=8,
                until_created=rng.randint(1, 250),
            )
        assert not [s for s in outcome.statuses if s >= 500], outcome.statuses
        assert outcome.duplicates == []
        assert set(outcome.created).isdisjoint(held), "an id was handed out twice"
        outcomes.append((target, outcome))
    with Serve("--state-file", str(state), "--sync", "always", "--quiet") as server:
        for earlier, outcome in outcomes:
            acknowledged_survivors(server.url, server.headers, earlier, outcome)


def test_sigterm_folds_the_log_into_the_state_file(tmp_path: Path) -> None:
    """A clean shutdown leaves the state file alone holding everything (no log beside it)."""
    state = tmp_path / "state.json"
    with Serve("--state-file", str(state), "--sync", "always", "--quiet") as server:
        outcome = interrupted_load(
            server.url,
            server.headers,
            DASHBOARDS,
            lambda: server.terminate(signal.SIGTERM, timeout=20),
            threads=4,
            until_created=40,
        )
        assert server.proc.returncode == 0
    assert not log_path(state).exists()
    moved = tmp_path / "alone" / "state.json"
    moved.parent.mkdir()
    state.rename(moved)  # nothing else comes along
    with Serve("--state-file", str(moved), "--quiet") as server:
        acknowledged_survivors(server.url, server.headers, DASHBOARDS, outcome)


def test_without_sync_kill_9_loses_the_writes_since_the_last_save(tmp_path: Path) -> None:
    """The default mode, for contrast: a write acknowledged after the last save is lost."""
    state = tmp_path / "state.json"
    with Serve("--state-file", str(state), "--quiet") as server:
        requests.post(server.url + "/_phemu/state/save", headers=JSON, timeout=10)
        created = requests.post(
            server.url + DASHBOARDS.collection, json={"name": "x"}, headers=server.headers,
            timeout=10,
        )  # fmt: skip
        assert created.status_code == 201
        server.kill()
    assert json.loads(state.read_text())["dashboards"] == []


def test_sigterm_exits_within_the_deadline_whatever_is_in_flight(tmp_path: Path) -> None:
    """A request held by a 30 s ``delay`` fault is in flight; SIGTERM still saves and exits within
    the 5 s shutdown deadline, with every acknowledged write in the file."""
    state = tmp_path / "state.json"
    with Serve("--state-file", str(state), "--quiet") as server:
        acked = requests.post(
            server.url + DASHBOARDS.collection, json={"name": "acked"}, headers=server.headers,
            timeout=10,
        )  # fmt: skip
        assert acked.status_code == 201
        fault = requests.post(
            server.url + "/_phemu/faults",
            json={"delay": 30, "method": "GET", "path": "/api/projects/"},
            timeout=10,
        )
        assert fault.status_code == 201
        held: list[BaseException] = []

        def slow() -> None:
            try:
                requests.get(server.url + "/api/projects/", headers=server.headers, timeout=60)
            except requests.RequestException as error:
                held.append(error)

        client = threading.Thread(target=slow)
        client.start()
        time.sleep(0.5)  # the request is now inside its delay
        started = time.monotonic()
        assert server.terminate(signal.SIGTERM, timeout=20) == 0
        elapsed = time.monotonic() - started
        client.join(10)
    assert elapsed < 8, f"SIGTERM took {elapsed:.1f} s"
    assert held, "the delayed request was cut off, not answered"
    assert [d["name"] for d in json.loads(state.read_text())["dashboards"]] == ["acked"]
