"""``docs/architecture.md``: its Python example runs as written, and the layout it describes is
the package's (every resource listed, every resource package with the contract's files)."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

from phemu.resources import ALL_RESOURCES

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")


def test_the_worked_example_runs() -> None:
    snippets = re.findall(r"```python\n(.*?)```", DOC, flags=re.S)
    assert snippets
    for snippet in snippets:
        exec(compile(textwrap.dedent(snippet), "architecture.md", "exec"), {"__name__": "doc"})


def test_every_resource_is_described_and_follows_the_layout() -> None:
    for resource in ALL_RESOURCES:
        assert f"| {resource.name}" in DOC or f", {resource.name}" in DOC, resource.name
        package = ROOT / "phemu" / "resources" / resource.name
        if resource.backend is None and not package.is_dir():
            continue  # a read-only view of platform tables: one module
        assert package.is_dir(), resource.name
        assert (package / "__init__.py").is_file(), resource.name
        if resource.routes:
            for role in ("urls.py", "responses.py"):
                assert (package / role).is_file(), f"{resource.name}/{role}"
        if resource.backend is not None:
            assert resource.backend.__module__ == f"phemu.resources.{resource.name}.models"
        if resource.seed_sections:
            assert (package / "seed.py").is_file(), resource.name
