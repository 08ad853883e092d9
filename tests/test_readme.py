"""Every snippet of every README and doc is tested; the README's tables match the code.

Code blocks are found in ``README.md``, ``docs/*.md``, ``plugins/README.md`` and
``plugins/*/README.md``. A block's test follows from its language, or from a marker comment on
the line right above it, ``<!-- snippet: MODE ARGS -->`` (invisible once rendered):

- ``python``: run, in order, in one namespace per document (later blocks build on earlier ones,
  as a reader's session would), which starts with what the docs assume you have: ``Emulator``,
  ``phemu``, ``pytest`` and a fresh ``emulator``. A block defining ``def test_`` runs as a pytest
  file instead and must pass. ``module NAME``: the block is the source of module ``NAME``, which
  later blocks import. ``excerpt PATH``: the block quotes ``PATH`` (its lines, comments aside,
  appear there in order).
- ``json``: must parse. ``seed``: also loads into the document's ``emulator``; ``seed-records
  KEY``: it is one record of the seed key ``KEY`` (loaded alone into a fresh emulator).
- ``bash``/``console``: ``curl``: every ``curl`` command runs against a live server on the
  default seed and its output matches the ``# ...`` comment below it (``...`` is a wildcard).
  ``covered-by PATH``: another test runs these commands (``PATH`` must exist and name each
  ``phemu``/``pip`` command and flag). ``console`` blocks are ``curl`` transcripts (``$ curl``).
"""

from __future__ import annotations

import itertools
import json
import re
import shlex
import shutil
import subprocess
import sys
import textwrap
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import phemu
from phemu.emulator import Emulator

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = [
    ROOT / "README.md",
    *sorted((ROOT / "docs").glob("*.md")),
    ROOT / "plugins" / "README.md",
    *sorted((ROOT / "plugins").glob("*/README.md")),
]
_BLOCK = re.compile(
    r"(?:^[ ]*<!-- snippet: (?P<mode>[^\n]*?) -->\n)?^(?P<indent>[ ]*)```(?P<lang>\w*)\n"
    r"(?P<body>.*?)^(?P=indent)```$",
    re.S | re.M,
)


@dataclass(frozen=True)
class Block:
    doc: Path
    line: int
    lang: str
    mode: str
    body: str

    @property
    def name(self) -> str:
        return f"{self.doc.relative_to(ROOT)}:{self.line}"


def blocks(doc: Path) -> list[Block]:
    text = doc.read_text(encoding="utf-8")
    found = []
    for match in _BLOCK.finditer(text):
        body = textwrap.dedent(match.group("body"))
        line = text.count("\n", 0, match.start("indent")) + 1
        found.append(Block(doc, line, match.group("lang"), match.group("mode") or "", body))
    return found


ALL = [block for doc in DOCS for block in blocks(doc)]
PYTHON_DOCS = sorted({b.doc for b in ALL if b.lang in ("python", "json")})


def test_every_doc_is_scanned_and_has_blocks() -> None:
    assert {d.name for d in DOCS} >= {"README.md", "testing.md", "server.md"}
    assert len([b for b in ALL if b.lang == "python"]) >= 20
    unknown = {(b.lang, b.mode.split(" ")[0]) for b in ALL} - {
        ("python", ""),
        ("python", "module"),
        ("python", "excerpt"),
        ("json", ""),
        ("json", "seed"),
        ("json", "seed-records"),
        ("bash", "curl"),
        ("bash", "covered-by"),
        ("console", "curl"),
        ("", ""),  # plain text: sample output, trees, tables of figures
    }
    assert not unknown, f"blocks without a test: {unknown}"


# -- python -------------------------------------------------------------------------------------


def prelude() -> dict[str, Any]:
    return {"__name__": "docs", "Emulator": Emulator, "phemu": phemu, "pytest": pytest}


def excerpt_lines(text: str) -> list[str]:
    lines = []
    for line in text.splitlines():
        code = re.sub(r"\s+#.*$", "", line).strip()
        if code:
            lines.append(code)
    return lines


@pytest.mark.parametrize("doc", PYTHON_DOCS, ids=[str(d.relative_to(ROOT)) for d in PYTHON_DOCS])
def test_python_blocks_run(
    doc: Path, monkeypatch: pytest.MonkeyPatch, pytester: pytest.Pytester
) -> None:
    namespace = prelude()
    namespace["emulator"] = Emulator()
    for block in blocks(doc):
        mode, _, argument = block.mode.partition(" ")
        if block.lang == "json":
            document = json.loads(block.body)
            if mode == "seed":
                namespace["emulator"].load_seed(document)
            elif mode == "seed-records":  # an example record, standing alone
                Emulator().load_seed({argument: [document]})
            continue
        if block.lang != "python":
            continue
        if mode == "module":
            module = types.ModuleType(argument)
            exec(compile(block.body, f"{argument}.py", "exec"), module.__dict__)
            monkeypatch.setitem(sys.modules, argument, module)
        elif mode == "excerpt":
            source = excerpt_lines((ROOT / argument).read_text(encoding="utf-8"))
            quoted = excerpt_lines(block.body)
            found = iter(source)
            assert all(line in found for line in quoted), f"{block.name} does not quote {argument}"
        elif "def test_" in block.body:
            path = pytester.makepyfile(**{f"test_doc_{block.line}": block.body})
            result = pytester.runpytest_inprocess(path, "-q", "-p", "no:cacheprovider")
            result.assert_outcomes(passed=block.body.count("def test_"))
        else:
            exec(compile(block.body, block.name, "exec"), namespace)
    emulator = namespace["emulator"]
    if isinstance(emulator, Emulator):
        emulator.check()


# -- shell ----------------------------------------------------------------------------------------

SHELL = [b for b in ALL if b.lang in ("bash", "console")]


@pytest.mark.parametrize("block", SHELL, ids=[b.name for b in SHELL])
def test_shell_blocks(block: Block) -> None:
    mode, _, argument = block.mode.partition(" ")
    if mode == "covered-by":
        cover = (ROOT / argument).read_text(encoding="utf-8")
        for line in block.body.splitlines():
            command = line.split("#", 1)[0].strip()
            if not command:
                continue
            if argument == ".ci/run":
                assert command in cover, f"{block.name}: {argument} does not run {command!r}"
                continue
            for word in named_parts(command):
                assert word in cover, f"{block.name}: {argument} does not exercise {word}"
        return
    assert mode == "curl", block.name
    curl = shutil.which("curl")
    if curl is None:
        pytest.skip("curl is not installed")
    from phemu.server import ThreadedServer

    commands = parse_curl_block(block.body, console=block.lang == "console")
    assert commands, block.name
    with ThreadedServer(Emulator(), port=0) as server:
        for command, expected in commands:
            words = [
                re.sub(r"^(http://)?(127\.0\.0\.1|localhost):8000", server.url, w)
                for w in shlex.split(command)
            ]
            done = subprocess.run(words, capture_output=True, text=True, timeout=30, check=False)
            assert done.returncode == 0, (command, done.stderr)
            if expected is not None:
                pattern = ".*".join(map(re.escape, expected.split("...")))
                assert re.fullmatch(pattern, done.stdout.strip()), (command, done.stdout[:300])


def named_parts(command: str) -> list[str]:
    """What a covering test must exercise: ``phemu`` subcommands, flags and extras."""
    words = shlex.split(command)
    needed = [w for w in words if w.startswith("--") or "[" in w]
    needed += [after for word, after in itertools.pairwise(words) if word.endswith("phemu")]
    return needed


def parse_curl_block(body: str, *, console: bool) -> list[tuple[str, str | None]]:
    """``(command, expected output or None)`` pairs, joining ``\\`` continuation lines."""
    commands: list[tuple[str, str | None]] = []
    pending = ""
    for raw in body.splitlines():
        line = raw.strip()
        if console and not pending:
            if not line.startswith("$ "):
                continue
            line = line[2:].split("  #", 1)[0].strip()
            if line.endswith("\\"):
                pending = line.rstrip("\\").strip()
            else:
                commands.append((line, None))
            continue
        if pending:
            pending += " " + line.rstrip("\\").strip()
            if not line.endswith("\\"):
                commands.append((pending, None))
                pending = ""
        elif line.startswith("curl "):
            if line.endswith("\\"):
                pending = line.rstrip("\\").strip()
            else:
                commands.append((line, None))
        elif line.startswith("# ") and commands and commands[-1][1] is None:
            commands[-1] = (commands[-1][0], line[2:])
    return commands


# -- the README's tables ----------------------------------------------------------------------------


def test_readme_names_every_emulated_route() -> None:
    from phemu.resources.generic import OperationRoute

    for route in Emulator().routes.routes.values():
        if isinstance(route, OperationRoute) and not route.exact_methods:
            continue  # schema-driven: listed in COVERAGE.md, explained in the README
        path = route.path.split("<")[0].rstrip("/") or route.path
        assert path in README, f"README's endpoint table misses {route.endpoint} ({route.path})"


def test_readme_lists_every_control_route() -> None:
    for rule in Emulator().control_table.url_map.iter_rules():
        path = rule.rule.split("<")[0].rstrip("/") or rule.rule
        assert f"`{path}" in README, f"README's control-plane table misses {rule.rule}"
