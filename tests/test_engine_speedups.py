"""The engine shortcuts taken for the front-door benchmarks change no observable behaviour."""

from __future__ import annotations

import json
import random
import subprocess
import sys

import pytest

from phemu.clock import parse_instant
from phemu.emulator import Emulator
from phemu.errors import SeedError
from phemu.store import Store

ALPHABETS = ["ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "abc", "x"]


@pytest.mark.parametrize("seed", [0, 1, 12345])
def test_random_token_draws_exactly_what_random_choice_draws(seed: int) -> None:
    store, reference = Store(seed=seed), random.Random(seed)
    for alphabet in ALPHABETS:
        for length in (1, 8, 43):
            expected = "".join(reference.choice(alphabet) for _ in range(length))
            assert store.random_token(length, alphabet) == expected
    assert store.rng.getstate() == reference.getstate()


def test_parsed_instants_are_shared_but_immutable_and_errors_still_raise() -> None:
    first = parse_instant("2026-06-15T10:00:00Z")
    assert parse_instant("2026-06-15T10:00:00Z") is first
    assert parse_instant("2026-06-15T12:00:00+02:00") == first
    with pytest.raises(ValueError):
        parse_instant("not a date")
    with pytest.raises(ValueError):
        parse_instant("not a date")


def test_a_failed_seed_on_a_fresh_store_rolls_back_to_empty() -> None:
    emulator = Emulator(default_seed=False, load_entrypoints=False)
    with pytest.raises(SeedError, match="organization 'nope' does not exist"):
        emulator.load_seed(
            {
                "version": 1,
                "organizations": [{"id": "o1", "name": "O"}],
                "projects": [{"id": 1, "organization": "nope", "name": "P"}],
            }
        )
    assert emulator.store.organizations == {}
    assert emulator.store.projects == {}


def test_emulators_and_resets_are_identical_to_a_first_one() -> None:
    first = Emulator(load_entrypoints=False)
    state = first.export_state()
    second = Emulator(load_entrypoints=False)
    assert second.export_state() == state
    second.load_seed({"version": 1, "projects": [{"id": 5, "name": "Extra"}]})
    second.reset()
    assert second.export_state() == state
    assert second.store.rng.getstate() == first.store.rng.getstate()


def test_route_matching_uses_the_request_path_whatever_the_host() -> None:
    emulator = Emulator(load_entrypoints=False)
    client = emulator.client()
    for base in ("http://a.example:1", "https://eu.posthog.com"):
        response = client.get("/api/projects/", base_url=base, headers=emulator.auth_headers)
        assert response.status_code == 200
    assert emulator.routes.matches("/api/projects/1")
    assert not emulator.routes.matches("/api/projects/1/nothing/")


def test_memoised_hook_discovery_still_sees_per_instance_and_per_class_hooks() -> None:
    from phemu.plugin_manager import build_plugin_manager
    from phemu.plugin_manager import hookimpl

    class ClassHooks:
        @hookimpl
        def phemu_routes(self, profile: str) -> list[object]:
            return [f"class:{profile}"]

    class Bare:
        pass

    def instance_routes(profile: str) -> list[object]:
        return [f"instance:{profile}"]

    marked = Bare()
    marked.phemu_routes = instance_routes  # type: ignore[attr-defined]
    for _ in range(2):  # the second round is served from the memo
        pm = build_plugin_manager(plugins=[ClassHooks(), marked], load_entrypoints=False)
        results = pm.hook.phemu_routes(profile="docs")
        assert sorted(r[0] for r in results) == ["class:docs", "instance:docs"]
    plain = build_plugin_manager(plugins=[Bare()], load_entrypoints=False)
    assert plain.hook.phemu_routes(profile="docs") == []


#: Modules ``import phemu.emulator`` leaves for their first use (``benchmarks/bench_frontdoors.py``
#: measure (c')): each is imported by the function that needs it.
FIRST_USE_MODULES = (
    "dateutil.parser",  # instants the standard library cannot read (phemu/clock.py)
    "importlib.metadata",  # entry-point plugins, when the first emulator is built
    "phemu.query.records",  # the engine's records (phemu/query/__init__.py loads them on access)
    "phemu.throttling",  # rate_limits=
    "phemu.resources.subscriptions.rules",
    "phemu.resources.subscriptions.schedule",
    "phemu.resources.definitions.rules",
    "phemu.resources.definitions.taxonomy",
    # the flag engine and flag validation: evaluation, matching (its date regexes and
    # relativedelta), rules; zoneinfo for the project's timezone
    "phemu.resources.feature_flags.evaluation",
    "phemu.resources.feature_flags.matching",
    "phemu.resources.feature_flags.rules",
    "dateutil.relativedelta",
    "zoneinfo",
    "phemu.resources.capture.decoding",  # compressed /flags bodies
    "phemu.resources.cohorts.derived",
    "phemu.resources.cohorts.rules",
    "phemu.resources.experiments.actions",
    "phemu.resources.experiments.rules",
    "phemu.resources.persons.actors",  # persons/<insight>/ actors and their legacy filters
    "phemu.resources.persons.legacy",
    "phemu.query.dates",
    "phemu.resources.surveys.rules",  # survey writes: nh3 cleans HTML, rrule iterations
    "nh3",
    "dateutil.rrule",
    "phemu.openapi.validate",  # schema-driven writes and answers
    "phemu.openapi.instances",
)

#: The default AI responder's rule modules: the plugin loads with every first ``Emulator()``,
#: each rule module (regular expressions compiled at import) with the first request it answers.
AI_RULE_MODULES = ("phemu_ai_rules.filter_rules", "phemu_ai_rules.regex_rules")


def fresh_python(code: str) -> str:
    """What ``code`` prints in a fresh interpreter (what it imports is not imported here yet)."""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    return done.stdout


def test_importing_the_engine_leaves_first_use_modules_unloaded() -> None:
    code = (
        "import sys; before = set(sys.modules); import phemu.emulator; "
        f"print(sorted(m for m in {FIRST_USE_MODULES!r} if m in sys.modules and m not in before))"
    )
    output = fresh_python(code)
    assert output.strip() == "[]"


def test_first_use_imports_what_the_engine_left_out() -> None:
    code = (
        "import sys; from phemu.clock import parse_instant; from phemu.emulator import Emulator; "
        "emulator = Emulator(rate_limits='posthog'); "
        "print(parse_instant('2026-06-15 10:00:00+0000').isoformat()); "
        "print(sorted(m for m in ('dateutil.parser', 'importlib.metadata', 'phemu.throttling') "
        "if m not in sys.modules))"
    )
    output = fresh_python(code)
    assert output.split() == ["2026-06-15T10:00:00+00:00", "[]"]


def test_first_use_loads_the_flag_engine_and_answers() -> None:
    code = (
        "import sys; from phemu.emulator import Emulator; "
        "emulator = Emulator(load_entrypoints=False); "
        "emulator.feature_flags.create(key='beta', filters={'groups': [{'properties': [{'key': "
        "'plan', 'value': ['pro'], 'type': 'person'}], 'rollout_percentage': 100}]}); "
        "print(emulator.feature_flags.value('beta', 'u1', person_properties={'plan': 'pro'})); "
        "print(emulator.feature_flags.value('beta', 'u1', person_properties={'plan': 'free'})); "
        "print(sorted(m for m in ('phemu.resources.feature_flags.evaluation', "
        "'phemu.resources.feature_flags.matching', 'phemu.resources.feature_flags.rules') "
        "if m not in sys.modules))"
    )
    output = fresh_python(code)
    assert output.split() == ["True", "False", "[]"]


def test_ai_rules_compile_on_the_first_ai_request_not_with_the_plugin() -> None:
    code = (
        "import sys; from phemu.emulator import Emulator; emulator = Emulator(); "
        "names = dict(emulator.hooks.list_name_plugin()); "
        f"modules = {AI_RULE_MODULES!r}; "
        "print('ai_rules' in names, sorted(m for m in modules if m in sys.modules)); "
        "response = emulator.client().post('/api/projects/1/session_recordings/ai/regex/', "
        "json={'regex': 'emails ending in gmail.com'}, headers=emulator.auth_headers); "
        "print(response.status_code, response.get_data(as_text=True)); "
        "print(sorted(m for m in modules if m in sys.modules))"
    )
    output = fresh_python(code)
    loaded, answered, after = output.splitlines()
    assert loaded == "True []"
    status, body = answered.split(" ", 1)
    assert (status, json.loads(body)) == (
        "200",
        {"result": "success", "data": {"output": r"[^@\s]+@gmail\.com$"}},
    )
    assert after == "['phemu_ai_rules.regex_rules']"  # filter rules wait for a filters request
