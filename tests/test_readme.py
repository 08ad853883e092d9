"""The README's Python snippets run as written, and its default key is the seed's."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
SNIPPETS = re.findall(r"```python\n(.*?)```", README, flags=re.S)


def test_readme_has_python_snippets():
    assert SNIPPETS


PLAIN = [s for s in SNIPPETS if "def test_" not in s]
PYTEST = [s for s in SNIPPETS if "def test_" in s]


@pytest.mark.parametrize("snippet", PLAIN, ids=[f"snippet{i}" for i in range(len(PLAIN))])
def test_readme_snippet_runs(snippet):
    exec(compile(snippet, "README.md", "exec"), {"__name__": "readme"})


@pytest.mark.parametrize("snippet", PYTEST, ids=[f"pytest{i}" for i in range(len(PYTEST))])
def test_readme_pytest_snippet_passes(pytester, snippet):
    pytester.makepyfile(test_readme_example=snippet)
    result = pytester.runpytest_inprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=snippet.count("def test_"))


def test_readme_names_every_emulated_route():
    from phemu.emulator import Emulator
    from phemu.resources.generic import OperationRoute

    for route in Emulator().routes.routes.values():
        if isinstance(route, OperationRoute) and not route.exact_methods:
            continue  # schema-driven: listed in COVERAGE.md, explained in the README

        path = route.path.split("<")[0].rstrip("/") or route.path
        assert path in README, f"README's endpoint table misses {route.endpoint} ({route.path})"


def test_readme_lists_every_control_route():
    from phemu.emulator import Emulator

    for rule in Emulator().control_table.url_map.iter_rules():
        path = rule.rule.split("<")[0].rstrip("/") or rule.rule
        assert f"`{path}" in README, f"README's control-plane table misses {rule.rule}"
