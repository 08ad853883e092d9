"""Seed documents: format, validation, merging, rollback, default seed (README.md, "Seed documents"; issue 2)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from phemu.emulator import Emulator
from phemu.errors import SeedError
from phemu.seed import default_seed_path

ROOT = Path(__file__).resolve().parents[1]


def test_the_packaged_default_seed_is_the_only_copy():
    assert default_seed_path().is_file()
    assert not (ROOT / "fixtures" / "default.json").exists()


def test_default_key_is_documented_in_readme():
    key = Emulator(load_entrypoints=False).default_api_key
    assert key and key in (ROOT / "README.md").read_text()


def test_seed_from_file_and_merge_order(tmp_path):
    first = tmp_path / "a.json"
    first.write_text(json.dumps({"version": 1, "projects": [{"id": 2, "name": "Staging"}]}))
    second = {"version": 1, "projects": [{"id": 2, "name": "Renamed"}]}
    emu = Emulator(load_entrypoints=False, seeds=[first, second])
    assert emu.store.projects[2].name == "Renamed"


def test_no_default_seed():
    emu = Emulator(load_entrypoints=False, default_seed=False)
    assert emu.store.projects == {} and emu.default_api_key is None


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"version": 2}, "has version 2"),
        ({"version": 1, "projets": []}, "unknown key(s) 'projets'"),
        ({"version": 1, "projects": {}}, "projects: must be a list"),
        (
            {"version": 1, "projects": [{"id": "x"}]},
            "projects[0] (id 'x'): 'id' must be a positive integer",
        ),
        (
            {"version": 1, "users": [{"email": "b@x", "organizations": ["zz"]}]},
            "users[0] (id 'b@x'): organization 'zz'",
        ),
        (
            {"version": 1, "personal_api_keys": [{"user": "nobody@x", "value": "k"}]},
            "user 'nobody@x' does not exist",
        ),
        (
            {"version": 1, "personal_api_keys": [{"user": "ada@example.com"}]},
            "needs a non-empty 'value'",
        ),
        (
            {
                "version": 1,
                "personal_api_keys": [{"user": "ada@example.com", "value": "k", "label": "x" * 41}],
            },
            "longer than 40",
        ),
    ],
)
def test_bad_documents_name_the_record(doc, message):
    emu = Emulator(load_entrypoints=False)
    with pytest.raises(SeedError) as raised:
        emu.load_seed(doc)
    assert message in str(raised.value)


def test_a_bad_record_never_half_loads():
    emu = Emulator(load_entrypoints=False)
    before = emu.export_state()
    with pytest.raises(SeedError):
        emu.load_seed(
            {"version": 1, "projects": [{"id": 9, "name": "ok"}]},
            {"version": 1, "projects": [{"id": 10, "organization": "missing"}]},
        )
    assert emu.export_state() == before


def test_bad_seed_file_names_the_file(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{not json")
    with pytest.raises(SeedError, match=r"broken\.json"):
        Emulator(load_entrypoints=False, seeds=[path])


def test_emulators_do_not_share_state():
    one, two = Emulator(load_entrypoints=False), Emulator(load_entrypoints=False)
    one.load_seed({"version": 1, "projects": [{"id": 2, "name": "Only here"}]})
    assert 2 not in two.store.projects


def test_same_seed_gives_same_state():
    from phemu.clock import Clock

    def build() -> Emulator:
        clock = Clock()
        clock.freeze("2026-06-15T10:00:00Z")  # untimed records take the clock's time
        doc = {"version": 1, "projects": [{"id": 2}], "users": [{"email": "b@example.com"}]}
        return Emulator(load_entrypoints=False, seeds=[doc], clock=clock)

    assert build().export_state() == build().export_state()


def test_state_import_with_counters_keeps_sequences():
    emu = Emulator(load_entrypoints=False)
    emu.load_seed({"version": 1, "projects": [{"name": "auto"}]})
    assert 2 in emu.store.projects
    state = emu.export_state()
    other = Emulator(load_entrypoints=False, default_seed=False)
    other.import_state(state)
    other.load_seed({"version": 1, "projects": [{"name": "next"}]})
    assert 3 in other.store.projects


def test_seed_errors_name_the_file_and_count_only_the_users_documents(tmp_path: Path) -> None:
    """Issue 12, item 9: the default seed is not "seed document #1"; a file is named."""
    bad = tmp_path / "extra.json"
    bad.write_text(json.dumps({"dashboards": [{"name": 5}]}))
    with pytest.raises(SeedError) as raised:
        Emulator(load_entrypoints=False, seeds=[bad])
    assert str(raised.value).startswith(f"{bad}: dashboards[0]: 'name' must be a string")
    with pytest.raises(SeedError, match=r"^seed document #2: dashboards\[0\]: 'name'"):
        Emulator(load_entrypoints=False, seeds=[{"version": 1}, {"dashboards": [{"name": 5}]}])
    emulator = Emulator(load_entrypoints=False)
    with pytest.raises(SeedError, match=rf"^{re.escape(str(bad))}: dashboards\[0\]"):
        emulator.load_seed({"version": 1}, bad)
    with pytest.raises(SeedError, match=r"^dashboards\[0\]: 'name'"):  # one document: no prefix
        emulator.load_seed({"dashboards": [{"name": 5}]})
