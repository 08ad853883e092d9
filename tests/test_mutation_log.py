"""The mutation log of ``--sync always`` (``phemu/mutation_log.py``), in-process.

Every change the scenario of ``tests/_state_scenario.py`` makes is logged exactly (the log
checks each batch against the store) and a restart from the snapshot plus the log answers every
request byte for byte; torn and damaged logs, folds, failures and leftovers. The kill -9 tests
against a real server are in ``tests/test_durability.py``.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from phemu.emulator import Emulator
from phemu.errors import StateFileError
from phemu.mutation_log import HEADER
from phemu.mutation_log import frame
from phemu.mutation_log import log_path
from phemu.mutation_log import read_log
from phemu.persistence import StateFile
from tests import _state_scenario as scenario
from tests._server_support import run_fails
from tests.conftest import disk_full

JSON = {"Content-Type": "application/json"}
DASHBOARDS = "/api/projects/1/dashboards/"


def durable(path: Path, emulator: Emulator | None = None, **options: Any) -> StateFile:
    """A state file in ``--sync always`` mode that checks every batch it writes."""
    state_file = StateFile(emulator or Emulator(load_entrypoints=False), path, sync="always",
                           verify=True, **options)  # fmt: skip
    state_file.load()
    state_file.open()
    return state_file


def restart(path: Path, emulator: Emulator | None = None) -> Emulator:
    """What a server started on ``path`` after a kill -9 would hold (no fold before)."""
    fresh = emulator or Emulator(load_entrypoints=False)
    assert StateFile(fresh, path).load()
    return fresh


def post(emulator: Emulator, path: str, body: Any) -> Any:
    response = emulator.client().post(path, json=body, headers=emulator.auth_headers)
    assert response.status_code in (200, 201), response.get_data()
    return response.get_json()


def use_key(state_file: StateFile) -> None:
    """A first request with the default key, so its ``last_used_at`` (which moves at most
    hourly) is logged before what a test looks at."""
    emulator = state_file.emulator
    assert emulator.client().get("/api/projects/", headers=emulator.auth_headers).status_code == 200
    state_file.commit(write=False)


def batches(path: Path) -> list[dict[str, Any]]:
    found = read_log(log_path(path))
    assert found is not None
    return found.batches


# -- every change, logged exactly --------------------------------------------------------------


def test_every_change_of_every_resource_is_logged_and_replayed_exactly(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    state_file = durable(path)
    original = state_file.emulator
    scenario.build(original, after=state_file.commit)
    assert state_file.log is not None
    assert state_file.log.problems == []  # snapshot + log == the store, after every request
    assert state_file.log.batches > 20
    copy = restart(path)  # the log is not folded: the restart replays it
    assert copy.export_state() == original.export_state()
    different = [
        (method, target)
        for method, target, body, who in scenario.reads(original)
        if scenario.answer(original, method, target, body, who)
        != scenario.answer(copy, method, target, body, who)
    ]
    assert different == []
    for method, target, body, who in scenario.next_writes():
        assert scenario.answer(original, method, target, body, who) == scenario.answer(
            copy, method, target, body, who
        )


def test_a_batch_holds_only_the_records_a_request_changed(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    state_file = durable(path)
    emulator = state_file.emulator
    emulator.load_seed({"dashboards": [{"id": n, "name": f"d{n}"} for n in range(1, 200)]})
    state_file.commit()  # a seed document replaces what it likes: a fold
    use_key(state_file)
    emulator.client().patch(DASHBOARDS + "7/", json={"name": "x"}, headers=emulator.auth_headers)
    state_file.commit()
    [_, batch] = batches(path)
    assert [(c["section"], c["op"], c.get("key")) for c in batch["changes"]] == [
        ("dashboards", "put", 7)
    ]
    assert batch["changes"][0]["record"]["name"] == "x"
    assert "counters" not in batch  # no id was drawn


def test_reads_that_change_nothing_write_nothing(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    state_file = durable(path)
    emulator = state_file.emulator
    created = post(emulator, DASHBOARDS, {"name": "a"})
    state_file.commit()
    assert state_file.log is not None and state_file.log.batches == 1
    emulator.client().get(DASHBOARDS, headers=emulator.auth_headers)
    state_file.commit(write=False)
    assert state_file.log.batches == 1
    # GET of one dashboard writes its last_accessed_at (PostHog does): the read waits for it.
    emulator.client().get(f"{DASHBOARDS}{created['id']}/", headers=emulator.auth_headers)
    state_file.commit(write=False)
    assert state_file.log.batches == 2
    assert batches(path)[-1]["changes"][0]["record"]["last_accessed_at"] is not None
    assert state_file.log.problems == []


def test_a_plugin_section_that_reports_nothing_is_logged_by_comparison(tmp_path: Path) -> None:
    """The example plugin writes its notes straight into the store; its section is untracked,
    so the log compares it after each write and logs the new note alone."""
    path = tmp_path / "state.json"
    state_file = durable(path, Emulator(load_entrypoints=False, plugins=["phemu_example"]))
    emulator = state_file.emulator
    use_key(state_file)
    post(emulator, "/api/projects/1/example_notes/", {"text": "remember"})
    state_file.commit()
    changes = batches(path)[-1]["changes"]
    assert [(c["section"], c["op"], c["record"]["text"]) for c in changes] == [
        ("example_notes", "put", "remember")
    ]
    copy = restart(path, Emulator(load_entrypoints=False, plugins=["phemu_example"]))
    assert copy.export_state() == emulator.export_state()


def test_the_random_generator_is_logged_by_position(tmp_path: Path) -> None:
    """Insight short ids draw from the store's generator: most batches log only its position,
    and a restart draws the same next values."""
    path = tmp_path / "state.json"
    state_file = durable(path)
    emulator = state_file.emulator
    for n in range(20):
        post(emulator, "/api/projects/1/insights/", {"name": f"i{n}"})
        state_file.commit()
    logged = [b["random"] for b in batches(path) if "random" in b]
    assert len(logged) == 20
    assert sum(isinstance(r, dict) for r in logged) >= 15  # {"position": ..., "gauss": ...}
    copy = restart(path)
    assert copy.store.random_state() == emulator.store.random_state()
    assert (
        copy.insights.create(name="next")["short_id"]
        == emulator.insights.create(name="next")["short_id"]
    )


def test_reset_seed_and_state_import_fold_the_log(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    state_file = durable(path)
    emulator = state_file.emulator
    post(emulator, DASHBOARDS, {"name": "before reset"})
    state_file.commit()
    assert state_file.log is not None and state_file.log.size > 0
    folds = state_file.log.folds
    response = emulator.client().post("/_phemu/reset", headers=JSON)
    assert response.status_code == 200
    state_file.commit()
    assert state_file.log.folds == folds + 1
    assert state_file.log.size == 0
    assert json.loads(path.read_text())["dashboards"] == []
    post(emulator, DASHBOARDS, {"name": "after reset"})
    state_file.commit()
    assert [d["name"] for d in restart(path).export_state()["dashboards"]] == ["after reset"]


def test_the_log_folds_when_it_outgrows_the_snapshot(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    state_file = durable(path, fold_bytes=1)  # as soon as it is larger than the snapshot
    emulator = state_file.emulator
    assert state_file.log is not None
    for n in range(200):
        post(emulator, DASHBOARDS, {"name": f"d{n}", "description": "x" * 200})
        state_file.commit()
        # Never more than one batch beyond the snapshot's size.
        assert state_file.log.size <= state_file.log.snapshot_bytes + 2000
    assert state_file.log.folds >= 3
    assert restart(path).export_state() == emulator.export_state()


def test_save_and_close_fold_the_log_into_the_state_file(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    state_file = durable(path)
    emulator = state_file.emulator
    post(emulator, DASHBOARDS, {"name": "kept"})
    state_file.commit()
    emulator.state_file = state_file
    response = emulator.client().post("/_phemu/state/save", headers=JSON)
    assert response.get_json()["status"] == "saved"
    assert log_path(path).stat().st_size == 0
    assert [d["name"] for d in json.loads(path.read_text())["dashboards"]] == ["kept"]
    assert state_file.close()
    assert not log_path(path).exists()
    assert [d["name"] for d in restart(path).export_state()["dashboards"]] == ["kept"]


# -- what a kill -9 or a disk leaves behind -----------------------------------------------------


def logged_dashboards(path: Path, names: list[str]) -> Emulator:
    """A state file whose log holds one acknowledged batch per dashboard created."""
    state_file = durable(path)
    for name in names:
        post(state_file.emulator, DASHBOARDS, {"name": name})
        state_file.commit()
    assert state_file.log is not None
    state_file.log.close()  # as a kill -9 leaves it: no fold
    return state_file.emulator


def names(emulator: Emulator) -> list[str]:
    return [d["name"] for d in emulator.export_state()["dashboards"]]


@pytest.mark.parametrize(
    "torn",
    [
        pytest.param(lambda whole: whole[:5], id="length cut short"),
        pytest.param(lambda whole: whole[:30], id="payload cut short"),
        pytest.param(lambda whole: whole[:-1], id="newline missing"),
        pytest.param(lambda whole: whole[:-3] + b"}}\n", id="checksum fails"),
        pytest.param(lambda whole: b"\x00" * len(whole), id="zeros (power loss)"),
    ],
)
def test_a_torn_last_batch_is_dropped_and_the_acknowledged_ones_kept(
    tmp_path: Path, torn: Any, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "state.json"
    logged_dashboards(path, ["a", "b", "c"])
    unacknowledged = frame({"seq": 99, "changes": [{"section": "dashboards", "op": "put",
                                                    "key": 50, "record": {"id": 50}}]})  # fmt: skip
    with log_path(path).open("ab") as log:
        log.write(torn(unacknowledged))
    with caplog.at_level(logging.WARNING, "phemu.state"):
        assert names(restart(path)) == ["a", "b", "c"]
    assert "dropped a torn last batch" in caplog.text
    # A server restarting on it folds the log away: the torn bytes never come back.
    durable(path)
    assert log_path(path).stat().st_size == 0
    assert names(restart(path)) == ["a", "b", "c"]


def test_a_log_killed_while_writing_its_header_holds_nothing(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    logged_dashboards(path, [])
    log_path(path).write_bytes(HEADER[:10])
    assert names(restart(path)) == []


def test_damage_before_the_last_batch_is_refused(tmp_path: Path) -> None:
    """A bad line followed by good ones is not a torn write: refused, nothing loaded."""
    path = tmp_path / "state.json"
    logged_dashboards(path, ["a", "b", "c"])
    data = bytearray(log_path(path).read_bytes())
    first = data.index(b"\n") + 1
    data[first + 40] ^= 0x01  # a bit flipped inside the first batch
    log_path(path).write_bytes(bytes(data))
    with pytest.raises(StateFileError, match=r"the mutation log is damaged at byte \d+"):
        restart(path)


def test_a_log_of_another_version_is_refused_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    logged_dashboards(path, ["a"])
    data = log_path(path).read_bytes()
    log_path(path).write_bytes(data.replace(b'"documents":1', b'"documents":2', 1))
    done = run_fails("--state-file", str(path))
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith(
        f"phemu: {log_path(path)}: refusing to start: this mutation log has format 1 with "
        "records of document version 2; this phemu reads format 1 with version 1."
    )
    assert log_path(path).read_bytes().endswith(data[-20:])  # left as it was


def test_a_log_without_its_state_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    logged_dashboards(path, ["a"])
    path.unlink()
    with pytest.raises(StateFileError, match="the mutation log holds writes but its state file"):
        restart(path)


def test_a_crash_between_a_fold_and_the_truncation_replays_nothing_twice(tmp_path: Path) -> None:
    """The snapshot names the last batch it covers: the old log's batches are skipped, so a
    record changed after its last batch is not set back."""
    path = tmp_path / "state.json"
    state_file = durable(path)
    emulator = state_file.emulator
    created = post(emulator, DASHBOARDS, {"name": "logged"})
    state_file.commit()
    old_log = log_path(path).read_bytes()
    emulator.dashboards.update(created["id"], name="newer")  # not yet committed
    state_file.save()  # the fold's snapshot holds "newer"
    log_path(path).write_bytes(old_log)  # as if killed before the log was emptied
    assert names(restart(path)) == ["newer"]


def test_a_failed_log_write_answers_with_an_error_and_leaves_no_partial_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "state.json"
    state_file = durable(path)
    emulator = state_file.emulator
    post(emulator, DASHBOARDS, {"name": "a"})
    state_file.commit()
    size = log_path(path).stat().st_size
    post(emulator, DASHBOARDS, {"name": "b"})

    with (
        disk_full(monkeypatch),
        pytest.raises(StateFileError, match="could not write the mutation"),
    ):
        state_file.commit()
    assert log_path(path).stat().st_size == size  # cut back to the last good batch
    assert names(restart(path)) == ["a"]
    state_file.commit()  # the next commit folds what the failed one held
    assert names(restart(path)) == ["a", "b"]


def test_a_log_left_beside_the_state_file_is_replayed_without_sync(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    logged_dashboards(path, ["a", "b"])
    emulator = Emulator(load_entrypoints=False)
    state_file = StateFile(emulator, path)  # --state-file without --sync
    assert state_file.load()
    state_file.open()
    assert names(emulator) == ["a", "b"]
    assert not log_path(path).exists()  # folded into the state file
    assert [d["name"] for d in json.loads(path.read_text())["dashboards"]] == ["a", "b"]


def test_the_log_lives_beside_the_target_of_a_symlinked_state_file(tmp_path: Path) -> None:
    real = tmp_path / "data" / "state.json"
    real.parent.mkdir()
    link = tmp_path / "state.json"
    link.symlink_to(real)
    state_file = durable(link)
    post(state_file.emulator, DASHBOARDS, {"name": "a"})
    state_file.commit()
    assert log_path(link) == Path(str(real) + ".log")
    assert log_path(link).stat().st_size > 0
    assert link.is_symlink()
    assert names(restart(link)) == ["a"]
