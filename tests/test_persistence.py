"""State files: atomic saves, loads, refusal of damaged files, and the save endpoint."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

from phemu.emulator import Emulator
from phemu.persistence import StateFile
from phemu.persistence import StateFileError
from tests.conftest import disk_full

ORG = "01928a6e-3c1d-7000-8000-0000000000aa"
EXTRA = {
    "version": 1,
    "projects": [
        {"id": 7, "name": "Saved project", "organization": "01928a6e-3c1d-7000-8000-0000000000aa"}
    ],
}


def saved_emulator() -> Emulator:
    emulator = Emulator()
    emulator.load_seed(EXTRA)
    return emulator


def test_save_then_load_round_trips_the_export(tmp_path: Path) -> None:
    source = saved_emulator()
    path = tmp_path / "state.json"
    StateFile(source, path).save()
    saved = json.loads(path.read_text())
    assert saved.pop("_random_state") == source.store.random_state()
    assert saved.pop("_clock") == {"frozen_at": None, "offset_us": 0}  # real time
    assert saved == json.loads(json.dumps(source.export_state()))
    target = Emulator()
    assert StateFile(target, path).load() is True
    assert target.export_state() == source.export_state()
    response = target.client().get("/api/projects/7/", headers=target.auth_headers)
    assert response.json["name"] == "Saved project"
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]  # no temporary left behind


def test_load_without_a_file_keeps_the_seeded_store(tmp_path: Path) -> None:
    emulator = Emulator()
    before = emulator.export_state()
    assert StateFile(emulator, tmp_path / "missing.json").load() is False
    assert emulator.export_state() == before


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "it is empty"),
        (b"   \n", "it is empty"),
        (b'{"version": 1, "projects": [{"id": 7, "na', "it is not valid JSON, probably truncated"),
        (b"\x00\x01garbage\xff", "it is not valid JSON, probably truncated"),
        (b"[1, 2]", "it is not a JSON object"),
        (b'{"version": 99}', "it is not a phemu state document (document has version 99"),
        (
            b'{"version": 1, "projects": [{"id": "x"}]}',
            "it is not a phemu state document (projects[0]",
        ),
        # A lone surrogate could never be saved again: refused, never loaded into the store.
        (
            b'{"version": 1, "dashboards": [{"id": 1, "name": "\\ud800"}]}',
            "it is not a phemu state document (dashboards[0].name holds U+D800 (a lone surrogate)",
        ),
        (
            b'{"version": 1, "insights": [{"id": 1, "query": {"kind": {"\\udfff x": 1}}}]}',
            'it is not a phemu state document (insights[0].query.kind["\\udfff x"] holds U+DFFF',
        ),
    ],
)
def test_damaged_file_is_refused_with_a_message_naming_it(
    tmp_path: Path, content: bytes, problem: str
) -> None:
    path = tmp_path / "state.json"
    path.write_bytes(content)
    emulator = Emulator()
    before = emulator.export_state()
    with pytest.raises(StateFileError) as raised:
        StateFile(emulator, path).load()
    message = str(raised.value)
    assert message.startswith(f"{path}: refusing to start from this state file: {problem}")
    assert "\n" not in message
    message.encode("utf-8")  # printable: the message never carries the bad character itself
    assert emulator.export_state() == before
    assert path.read_bytes() == content  # never touched


def test_truncated_real_export_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    StateFile(saved_emulator(), path).save()
    whole = path.read_bytes()
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(StateFileError, match="probably truncated"):
        StateFile(Emulator(), path).load()


def test_failed_save_keeps_the_previous_good_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "state.json"
    emulator = saved_emulator()
    StateFile(emulator, path).save()
    good = path.read_bytes()
    emulator.load_seed(
        {
            "version": 1,
            "projects": [
                {"id": 8, "name": "Unsaved", "organization": "01928a6e-3c1d-7000-8000-0000000000aa"}
            ],
        }
    )

    def broken_fsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(StateFileError, match=r"could not save state: \[Errno 28\] No space left"):
        StateFile(emulator, path).save()
    assert path.read_bytes() == good
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


def test_failed_rename_keeps_the_previous_good_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "state.json"
    state_file = StateFile(saved_emulator(), path)
    state_file.save()
    good = path.read_bytes()

    def broken_replace(src: str, dst: object) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "replace", broken_replace)
    assert state_file.save_logged() is False
    assert path.read_bytes() == good
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


def test_save_into_a_missing_directory_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "state.json"
    with pytest.raises(StateFileError, match=f"^{path}: could not save state"):
        StateFile(Emulator(), path).save()


def test_save_endpoint_writes_the_file(tmp_path: Path) -> None:
    emulator = saved_emulator()
    path = tmp_path / "state.json"
    emulator.state_file = StateFile(emulator, path)
    response = emulator.client().post("/_phemu/state/save")
    assert response.status_code == 200
    assert response.json == {"status": "saved", "path": str(path)}
    assert json.loads(path.read_text())["projects"][-1]["name"] == "Saved project"


def test_save_endpoint_without_a_state_file_is_400() -> None:
    response = Emulator().client().post("/_phemu/state/save")
    assert response.status_code == 400
    assert response.json == {"error": "no state file: start phemu serve with --state-file PATH"}


def test_save_endpoint_reports_a_failed_save(tmp_path: Path) -> None:
    emulator = Emulator()
    emulator.state_file = StateFile(emulator, tmp_path / "missing-dir" / "state.json")
    response = emulator.client().post("/_phemu/state/save")
    assert response.status_code == 500
    assert "could not save state" in response.json["error"]


def test_autosave_writes_periodically_and_stops(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    state_file = StateFile(saved_emulator(), path)
    state_file.start_autosave(0.05)
    try:
        for _ in range(200):
            if state_file.saves >= 2:
                break
            time.sleep(0.01)
    finally:
        state_file.stop_autosave()
    assert state_file.saves >= 2
    saves = state_file.saves
    assert json.loads(path.read_text())["version"] == 1
    assert state_file.saves == saves  # stopped


def test_a_flag_created_without_filters_survives_a_state_file(tmp_path: Path) -> None:
    """Found by tests/test_text_integrity.py: its export was refused on load ("at least one
    condition set"), so a restart lost the whole state file."""
    emulator = Emulator()
    created = emulator.client().post(
        "/api/projects/1/feature_flags/", json={"key": "bare"}, headers=emulator.auth_headers
    )
    assert created.status_code == 201
    path = tmp_path / "state.json"
    StateFile(emulator, path).save()
    again = Emulator()
    assert StateFile(again, path).load()
    assert again.export_state() == emulator.export_state()


# -- issue 12: symlinks, duplicate ids, deep nesting, the generator, group commit ---------------


def test_a_symlinked_state_file_updates_its_target(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    target = real / "state.json"
    target.write_text("{}")
    link = tmp_path / "state.json"
    link.symlink_to(target)
    StateFile(saved_emulator(), link).save()
    assert link.is_symlink() and link.resolve() == target
    assert [p["id"] for p in json.loads(target.read_text())["projects"]] == [1, 7]
    loaded = Emulator()
    assert StateFile(loaded, link).load() is True
    assert 7 in loaded.store.projects


def test_a_dangling_symlink_creates_its_target(tmp_path: Path) -> None:
    link = tmp_path / "state.json"
    link.symlink_to(tmp_path / "elsewhere.json")
    StateFile(saved_emulator(), link).save()
    assert link.is_symlink()
    assert json.loads((tmp_path / "elsewhere.json").read_text())["version"] == 1


def test_duplicate_ids_are_refused_in_one_line(tmp_path: Path) -> None:
    document = Emulator().export_state()
    document["projects"].append(dict(document["projects"][0], name="Twin"))
    path = tmp_path / "state.json"
    path.write_text(json.dumps(document))
    with pytest.raises(StateFileError) as raised:
        StateFile(Emulator(), path).load()
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith(
        f"{path}: refusing to start from this state file: it has two projects records with id 1"
    )


@pytest.mark.parametrize("depth", [100_000, 5_000])
def test_a_deeply_nested_state_file_is_refused_in_one_line(tmp_path: Path, depth: int) -> None:
    path = tmp_path / "state.json"
    nested = "[" * depth + "]" * depth
    path.write_text(
        '{"version": 1, "dashboards": [{"id": 1, "name": "x", "tags": ' + nested + "}]}"
    )
    with pytest.raises(StateFileError) as raised:
        StateFile(Emulator(), path).load()
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: refusing to start from this state file: it ")


def test_values_drawn_after_a_restart_never_repeat(tmp_path: Path) -> None:
    """Seeded projects without a ``uuid``/``api_token`` draw them from the store's generator: a
    restart continues its sequence instead of drawing the same values again."""
    path = tmp_path / "state.json"
    drawn = []
    for pid in (5, 6, 7):
        emulator = Emulator()
        StateFile(emulator, path).load()
        emulator.load_seed(
            {"version": 1, "projects": [{"id": pid, "name": f"p{pid}", "organization": ORG}]}
        )
        project = emulator.store.projects[pid]
        drawn.append((project.uuid, project.api_token))
        StateFile(emulator, path).save()
    assert len({uuid for uuid, _ in drawn}) == 3
    assert len({token for _, token in drawn}) == 3
    uninterrupted = Emulator()
    for pid in (5, 6, 7):
        uninterrupted.load_seed(
            {"version": 1, "projects": [{"id": pid, "name": f"p{pid}", "organization": ORG}]}
        )
    projects = uninterrupted.store.projects
    assert drawn == [(projects[pid].uuid, projects[pid].api_token) for pid in (5, 6, 7)]


@pytest.mark.parametrize(
    ("change", "after_restart"),
    [
        (lambda e: e.freeze_time("2026-06-15T10:00:00Z"), "2026-06-15T10:00:00Z"),
        (lambda e: e.set_time("2040-01-01T00:00:00Z"), "2040-01-01"),  # runs on from there
    ],
)
def test_the_clock_survives_a_restart(tmp_path: Path, change: Any, after_restart: str) -> None:
    emulator = Emulator()
    change(emulator)
    StateFile(emulator, tmp_path / "state.json").save()
    restarted = Emulator()
    assert StateFile(restarted, tmp_path / "state.json").load()
    assert restarted.clock.describe()["now"].startswith(after_restart)
    assert restarted.clock.frozen == emulator.clock.frozen


@pytest.mark.parametrize(
    "clock", [{"frozen_at": "yesterday", "offset_us": 0}, {"frozen_at": None}, [1, 2]]
)
def test_a_damaged_clock_is_refused_in_one_line(tmp_path: Path, clock: Any) -> None:
    path = tmp_path / "state.json"
    StateFile(Emulator(), path).save()
    document = json.loads(path.read_text())
    document["_clock"] = clock
    path.write_text(json.dumps(document))
    with pytest.raises(StateFileError, match="refusing to start from this state file: its _clock"):
        StateFile(Emulator(), path).load()


def on_disk(path: Path) -> dict[str, Any]:
    """The state a restart from ``path`` (and its mutation log) would hold."""
    restarted = Emulator(load_entrypoints=False)
    assert StateFile(restarted, path).load()
    return restarted.export_state()


@pytest.mark.parametrize("sync", ["snapshot", "always"])
def test_concurrent_commits_share_writes_and_all_are_durable(tmp_path: Path, sync: str) -> None:
    import threading

    emulator = Emulator()
    path = tmp_path / "state.json"
    state_file = StateFile(emulator, path, sync=sync, verify=True)
    state_file.open()
    created: list[int] = []
    lock = threading.Lock()

    def writer(n: int) -> None:
        for i in range(10):
            response = emulator.client().post(
                "/api/projects/1/dashboards/",
                json={"name": f"w{n}-{i}"},
                headers=emulator.auth_headers,
            )
            state_file.commit()
            # Acknowledged: a restart from the files on disk holds this dashboard right now.
            present = {d["id"] for d in on_disk(path)["dashboards"]}
            with lock:
                created.append(response.json["id"])
                assert response.json["id"] in present

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(created) == 80
    if state_file.log is None:
        assert 0 < state_file.saves <= 80
    else:  # one fold at the start; batches shared between writers
        assert state_file.saves == 1
        assert 0 < state_file.log.batches <= 80
        assert state_file.log.problems == []


@pytest.mark.parametrize("sync", ["snapshot", "always"])
def test_a_failed_commit_raises_and_the_next_one_recovers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sync: str
) -> None:
    emulator = Emulator()
    state_file = StateFile(emulator, tmp_path / "state.json", sync=sync)
    state_file.open()
    emulator.load_seed(EXTRA)

    with disk_full(monkeypatch), pytest.raises(StateFileError, match="No space left"):
        state_file.commit()
    state_file.commit()
    assert on_disk(tmp_path / "state.json")["projects"][-1]["id"] == 7
