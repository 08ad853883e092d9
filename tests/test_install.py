"""What a newcomer installs (issue 12, items 8 and 9), checked in throwaway virtual environments.

- the wheel ships phemu and its plugins, not their tests;
- ``pip install phemu`` alone runs the README's ``phemu.mock()`` snippet (``requests`` and
  ``responses`` are core dependencies) and ``phemu serve``, and an httpx door without httpx
  fails with one line naming the extra;
- the front-door tests pass with the oldest versions ``pyproject.toml`` allows (``responses``
  0.25.0, ``requests`` 2.31.0, httpx 0.27.0) and with the newest.

Slow (a wheel build and three environments, about a minute each on the development machine);
skipped, saying why, when the package index cannot be reached.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

#: The front-door tests run against each set of versions.
DOOR_TESTS = [
    "tests/test_door_lifecycle.py",
    "tests/test_patcher.py",
    "tests/test_patcher_httpx.py",
    "tests/test_doors_parity.py",
]
VERSIONS = {
    "oldest": ["responses==0.25.0", "requests==2.31.0", "httpx==0.27.0"],
    "newest": ["--upgrade", "responses", "requests", "httpx"],
}


def run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=600, check=False
    )


def pip_or_skip(python: Path, *args: str | Path) -> None:
    done = run(python, "-m", "pip", "install", "-q", "--disable-pip-version-check", *args)
    if done.returncode != 0:
        pytest.skip(f"pip install {' '.join(map(str, args))} failed: {done.stderr[-500:]}")


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project (the checkout stays untouched by builds)."""
    copy = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, copy / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis")
    for name in ("phemu", "plugins", "tests", "fixtures"):
        shutil.copytree(ROOT / name, copy / name, ignore=ignore)
    return copy


@pytest.fixture(scope="module")
def wheel(source: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    built = run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", out, source)
    if built.returncode != 0:
        pytest.skip(f"cannot build the wheel: {built.stderr[-500:]}")
    (found,) = out.glob("phemu-*.whl")
    return found


def venv(tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    where = tmp_path_factory.mktemp(name)
    made = run(sys.executable, "-m", "venv", where)
    assert made.returncode == 0, made.stderr
    return where / "bin" / "python"


def test_the_wheel_ships_the_packages_and_no_tests(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert "phemu/py.typed" in names and "phemu/data/default.json" in names
    assert {n.split("/")[0] for n in names if n.endswith(".py")} == {
        "phemu",
        "phemu_ai_rules",
        "phemu_example",
        "phemu_faults",
    }
    shipped_tests = [n for n in names if "/tests/" in n or n.split("/")[-1] == "conftest.py"]
    assert shipped_tests == []


def readme_mock_snippet() -> str:
    snippets = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    (snippet,) = [s for s in snippets if "phemu.mock(" in s]
    return snippet


def test_a_plain_install_runs_the_readme_mock_snippet_and_names_the_httpx_extra(
    wheel: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    python = venv(tmp_path_factory, "plain")
    pip_or_skip(python, wheel)
    assert run(python, "-c", "import httpx").returncode != 0, "httpx came in without the extra"
    snippet = run(python, "-c", readme_mock_snippet())
    assert snippet.returncode == 0, snippet.stderr
    hint = run(python, "-c", "import phemu; phemu.httpx_transport()")
    assert hint.returncode != 0
    assert hint.stderr.strip().splitlines()[-1] == (
        "ModuleNotFoundError: phemu's httpx doors need httpx, which is an optional extra: "
        "pip install 'phemu[httpx]'"
    )
    assert "During handling" not in hint.stderr  # one error, not a chain
    # the README's first command: the installed script serves (then SIGTERM stops it)
    serve = subprocess.Popen(
        [str(python.parent / "phemu"), "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert serve.stdout is not None
        banner = serve.stdout.readline()
    finally:
        serve.terminate()
        serve.wait(timeout=30)
    assert re.match(r"phemu \S+ serving PostHog's API on http://127\.0\.0\.1:\d+ ", banner), banner


@pytest.mark.parametrize("which", sorted(VERSIONS))
def test_the_door_tests_pass_with_the_oldest_and_newest_supported_versions(
    which: str, wheel: Path, source: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    python = venv(tmp_path_factory, which)
    pip_or_skip(python, wheel, "pytest", "pytest-timeout", *VERSIONS[which])
    versions = run(
        python,
        "-c",
        "import importlib.metadata as m; "
        "print(*(f'{p}=={m.version(p)}' for p in ('responses', 'requests', 'httpx', 'urllib3')))",
    ).stdout.split()
    if which == "oldest":
        assert set(VERSIONS["oldest"]) <= set(versions), versions
    tests = run(python, "-m", "pytest", "-q", "-p", "no:cacheprovider", *DOOR_TESTS, cwd=source)
    assert tests.returncode == 0, (versions, tests.stdout[-3000:])
    assert re.search(r"\d+ passed", tests.stdout), tests.stdout[-500:]
    print(which, *versions, tests.stdout.strip().splitlines()[-1])
