"""Nothing is lost across a save and restart, for every resource (issue 12, durability).

Varied records of every resource (``tests/_state_scenario.py``: soft-deleted rows, every optional
field set, changed rows, merged persons, scheduled deliveries) are written through the API, the
state is saved to a state file and loaded into a fresh emulator, and every list and detail answer
of the two emulators is compared byte for byte, then the next ids each hands out.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from phemu.emulator import Emulator
from phemu.persistence import StateFile
from tests import _state_scenario as scenario


@pytest.fixture(scope="module", params=["docs", "cloud"])
def original(request: pytest.FixtureRequest) -> Emulator:
    emulator = Emulator(load_entrypoints=False, profile=request.param)
    scenario.build(emulator)
    return emulator


def restarted(original: Emulator, path: Path) -> Emulator:
    StateFile(original, path).save()
    fresh = Emulator(load_entrypoints=False, profile=original.profile)
    assert StateFile(fresh, path).load()
    return fresh


def test_every_section_of_the_scenario_holds_records(original: Emulator) -> None:
    """The scenario reaches every registered seed section, so the comparison covers them all."""
    state = original.export_state()
    empty = [key for key in original.seed_sections() if not state.get(key)]
    assert empty == []


def test_every_answer_is_the_same_after_a_save_and_restart(
    original: Emulator, tmp_path: Path
) -> None:
    copy = restarted(original, tmp_path / "state.json")
    assert copy.export_state() == original.export_state()
    assert copy.now() == original.now()
    different = []
    for method, path, body, who in scenario.reads(original):
        before = scenario.answer(original, method, path, body, who)
        after = scenario.answer(copy, method, path, body, who)
        if before != after:
            different.append(f"{method} {path}:\n  before {before!r}\n  after  {after!r}")
    assert different == [], "\n".join(different)
    original.check()
    copy.check()


def test_the_next_ids_and_random_values_continue(tmp_path: Path) -> None:
    emulator = Emulator(load_entrypoints=False)
    scenario.build(emulator)
    copy = restarted(emulator, tmp_path / "state.json")
    for method, path, body, who in scenario.next_writes():
        before = scenario.answer(emulator, method, path, body, who)
        after = scenario.answer(copy, method, path, body, who)
        assert before[0] in (200, 201), before
        assert before == after
    # The new person, event and cohort got the same ids and uuids in both.
    assert emulator.cohorts.create(name="next") == copy.cohorts.create(name="next")
    assert copy.export_state() == emulator.export_state()
