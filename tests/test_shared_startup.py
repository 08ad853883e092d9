"""What emulators share to start fast (one plugin manager per plugin configuration, one prepared
default seed per process) and what must stay theirs: canned AI queues, fault rules, plugin
extensions, plugin objects, seed data."""

from __future__ import annotations

import sys
import types
from typing import Any

import phemu_example
import pytest
from werkzeug.wrappers import Request
from werkzeug.wrappers import Response

from phemu import hookimpl
from phemu.clock import Clock
from phemu.emulator import Emulator
from phemu.errors import ConfigurationError
from phemu.extend import json_response
from phemu.seed import read_document
from phemu.store import Store

REGEX = "/api/projects/1/session_recordings/ai/regex/"
ASK = {"regex": "urls that contain /pricing"}
CANNED = {"result": "success", "data": {"output": "^/canned$"}}
RULES = {"result": "success", "data": {"output": "/pricing"}}
PROJECT = "/api/projects/1/"


def get(emulator: Emulator, path: str = PROJECT) -> int:
    return emulator.client().get(path, headers=emulator.auth_headers).status_code


def ask_regex(emulator: Emulator) -> Any:
    response = emulator.client().post(REGEX, json=ASK, headers=emulator.auth_headers)
    assert response.status_code == 200
    return response.json


def teapot(request: Request) -> Response:
    return json_response({"teapot": request.path}, status=418)


# -- the shared plugin manager --------------------------------------------------------------
def test_default_emulators_share_one_manager_but_not_their_canned_queues() -> None:
    first, second = Emulator(), Emulator()
    assert first.hooks is second.hooks
    first.ai.queue_regex(CANNED)
    assert second.ai.pending() == {"filters": 0, "regex": 0}
    assert ask_regex(second) == RULES
    assert ask_regex(first) == CANNED
    assert ask_regex(first) == RULES


def test_shared_manager_keeps_faults_and_extensions_per_emulator() -> None:
    broken = Emulator(faults=[{"status": 503, "path": "/api/projects/*/"}])
    fine = Emulator()
    assert broken.hooks is fine.hooks  # options are not plugins
    assert broken.extensions is not fine.extensions
    assert broken.faults is not fine.faults
    assert (get(broken), get(fine)) == (503, 200)
    fine.faults.add(status=429, path="/api/projects/*/")
    assert (get(broken), get(fine)) == (503, 429)
    fine.reset()  # its run-time rule goes, the other's configured rule stays
    broken.reset()
    assert (get(broken), get(fine)) == (503, 200)


def test_a_module_plugin_keeps_its_state_per_emulator() -> None:
    first = Emulator(plugins=["phemu_example"])
    second = Emulator(plugins=[phemu_example])
    assert first.hooks is second.hooks
    assert first.extensions["example"] is not second.extensions["example"]
    assert first.hooks is not Emulator().hooks  # another configuration, another manager


def test_a_plugin_object_affects_only_its_own_emulator() -> None:
    class Teapot:
        phemu_before_request = staticmethod(teapot)

    mine, plain = Emulator(plugins=[Teapot()]), Emulator()
    assert (get(mine), get(plain)) == (418, 200)
    assert mine.hooks is not plain.hooks
    assert get(Emulator()) == 200


def test_a_plugin_object_changed_after_use_is_seen_by_the_next_emulator() -> None:
    class Bare:
        pass

    plugin = Bare()
    assert get(Emulator(plugins=[plugin])) == 200
    plugin.phemu_before_request = teapot  # type: ignore[attr-defined]
    assert get(Emulator(plugins=[plugin])) == 418


def test_a_replaced_hook_function_builds_a_new_manager(monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType("phemu_fake_shared")
    module.phemu_before_request = teapot  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "phemu_fake_shared", module)
    before = Emulator(plugins=["phemu_fake_shared"])
    assert get(before) == 418
    monkeypatch.setattr(module, "phemu_before_request", lambda request: None)
    after = Emulator(plugins=["phemu_fake_shared"])
    assert after.hooks is not before.hooks
    assert (get(after), get(before)) == (200, 418)


def test_misspelt_hooks_fail_at_load_time_every_time(monkeypatch: pytest.MonkeyPatch) -> None:
    class Typo:
        @hookimpl
        def phemu_before_requests(self, request: Request) -> None:
            return None

    module = types.ModuleType("phemu_fake_misspelt")
    module.phemu_sed = lambda emulator: None  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "phemu_fake_misspelt", module)
    for _ in range(2):  # a failed build is never cached
        with pytest.raises(ConfigurationError, match="phemu_before_requests"):
            Emulator(plugins=[Typo()])
        with pytest.raises(ConfigurationError, match="phemu_sed"):
            Emulator(plugins=["phemu_fake_misspelt"])
    assert get(Emulator()) == 200


def test_disabling_a_plugin_is_its_own_configuration() -> None:
    assert Emulator(disable_plugins=["faults"]).hooks.get_plugin("faults") is None
    assert Emulator().hooks.get_plugin("faults") is not None
    assert Emulator(disable_plugins=["ai_canned"]).hooks.get_plugin("ai_canned") is None
    assert Emulator().hooks.get_plugin("ai_canned") is not None


# -- the prepared default seed -----------------------------------------------------------------
def slow_default(**options: Any) -> Emulator:
    """The default seed loaded as an ordinary document (a private copy, no template)."""
    emulator = Emulator(default_seed=False, **options)
    emulator.load_seed(read_document("default"))
    return emulator


def platform_tables(store: Store) -> tuple[Any, ...]:
    return (store.organizations, store.projects, store.users, store.keys, store.counters)


@pytest.mark.parametrize("random_seed", [0, 7])
@pytest.mark.parametrize("at", [None, "2001-02-03T04:05:06Z", "2099-12-31T23:59:59Z"])
def test_the_template_gives_what_loading_the_document_gives(
    random_seed: int, at: str | None
) -> None:
    def clock() -> Clock:
        made = Clock()
        if at is not None:
            made.freeze(at)
        return made

    fast = Emulator(random_seed=random_seed, clock=clock())
    slow = slow_default(random_seed=random_seed, clock=clock())
    assert platform_tables(fast.store) == platform_tables(slow.store)
    assert fast.export_state() == slow.export_state()
    assert fast.store.rng.getstate() == slow.store.rng.getstate()
    fast.reset()
    assert fast.export_state() == slow.export_state()


def test_emulators_never_share_seeded_records() -> None:
    first, second = Emulator(), Emulator()
    for table in ("organizations", "projects", "users", "keys"):
        mine, theirs = getattr(first.store, table), getattr(second.store, table)
        assert mine == theirs
        assert all(mine[key] is not theirs[key] for key in mine)
    first.store.users[1].memberships.clear()
    first.store.projects[1].custom_channel_types.append("x")
    next(iter(first.store.keys.values())).scopes.append("insight:read")
    expected = slow_default().export_state()
    assert second.export_state() == expected
    assert Emulator().export_state() == expected
    first.reset()
    assert first.export_state() == expected


def test_reset_still_runs_user_seeds_and_plugin_seeds() -> None:
    extra = {"version": 1, "projects": [{"id": 5, "name": "Extra"}]}
    emulator = Emulator(seeds=[extra], plugins=["phemu_example"])
    emulator.load_seed({"version": 1, "projects": [{"id": 6, "name": "Gone on reset"}]})
    emulator.reset()
    assert sorted(emulator.store.projects) == [1, 5]
    notes = emulator.export_state()["example_notes"]
    assert [n["project"] for n in notes] == [1, 5]
    assert get(emulator, "/api/projects/5/example_notes/") == 200


def test_loading_the_default_seed_again_is_the_ordinary_load() -> None:
    emulator = Emulator()
    state = emulator.export_state()
    emulator.load_seed("default")
    assert emulator.export_state() == state


def test_the_template_is_not_used_on_a_store_with_data(monkeypatch: pytest.MonkeyPatch) -> None:
    """A plugin may put data in the store before the seeds load; the default seed must then
    load exactly as the ordinary loader would (here: its key goes to the first user with the
    key's owner email, the plugin's)."""
    module = types.ModuleType("phemu_fake_early_user")

    def phemu_configure(emulator: Emulator) -> None:
        emulator.load_seed({"users": [{"id": 7, "email": "ada@example.com"}]})

    module.phemu_configure = phemu_configure  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "phemu_fake_early_user", module)

    def frozen() -> Clock:
        clock = Clock()
        clock.freeze("2026-03-04T05:06:07Z")
        return clock

    emulator = Emulator(plugins=["phemu_fake_early_user"], clock=frozen())
    expected = slow_default(plugins=["phemu_fake_early_user"], clock=frozen()).export_state()
    assert emulator.export_state() == expected
    assert [k["user"] for k in expected["personal_api_keys"]] == ["ada@example.com"]
    assert next(iter(emulator.store.keys.values())).user == 7


def test_a_lazy_generator_rolls_back_to_its_seed() -> None:
    store, reference = Store(seed=3), Store(seed=3)
    saved = store.checkpoint()
    store.new_uuid()
    store.rollback(saved)
    assert store.new_uuid() == reference.new_uuid()
    saved = store.checkpoint()
    store.new_uuid()
    store.rollback(saved)
    assert store.new_uuid() == reference.new_uuid()


def test_fault_probabilities_draw_the_same_after_reset() -> None:
    def statuses(emulator: Emulator) -> list[int]:
        return [get(emulator) for _ in range(12)]

    rule = {"status": 503, "path": "/api/projects/*/", "probability": 0.5}
    emulator = Emulator(faults=[rule], random_seed=4)
    first = statuses(emulator)
    assert set(first) == {200, 503}
    emulator.reset()
    assert statuses(emulator) == first
    assert statuses(Emulator(faults=[rule], random_seed=4)) == first
