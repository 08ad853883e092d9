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


@pytest.mark.parametrize("snippet", SNIPPETS, ids=[f"snippet{i}" for i in range(len(SNIPPETS))])
def test_readme_snippet_runs(snippet):
    exec(compile(snippet, "README.md", "exec"), {"__name__": "readme"})


def test_readme_names_every_emulated_route():
    from phemu.emulator import Emulator

    for route in Emulator().routes.routes.values():
        path = route.path.split("<")[0].rstrip("/") or route.path
        assert path in README, f"README's endpoint table misses {route.endpoint} ({route.path})"
