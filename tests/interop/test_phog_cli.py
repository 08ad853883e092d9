"""phog-cli (``posthog`` command, httpx inside) driven against phemu.

In-process through the ``posthog_httpx`` fixture (the CLI calls ``httpx.get`` etc., which build
clients on ``httpx.HTTPTransport``), and as a real subprocess against ``posthog_server``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest

pytest.importorskip("posthog_cli", reason="needs the interop extra: pip install -e '.[interop]'")

from typer.testing import CliRunner

from phemu.emulator import Emulator
from phemu.patcher import PostHogMock
from phemu.pytest_plugin import PostHogServer
from tests.interop.conftest import SUBSCRIPTION
from tests.interop.conftest import has_route
from tests.interop.conftest import make_insight

Run = Callable[..., tuple[int, str]]

#: Operations this third-party client drives here (evidence for COVERAGE.md's "real client"
#: column; regenerate with ``python tools/coverage_report.py`` after changing it).
REAL_CLIENT_OPERATIONS = (
    "projects_list",
    "projects_retrieve",
    "environments_subscriptions_list",
    "environments_subscriptions_create",
    "environments_subscriptions_retrieve",
    "environments_subscriptions_partial_update",
    "environments_subscriptions_destroy",
)


def env_for(host: str, key: str) -> dict[str, str]:
    return {
        "POSTHOG_HOST": host,
        "POSTHOG_API_KEY": key,
        "POSTHOG_PROJECT_ID": "1",
        "COLUMNS": "200",
    }


@pytest.fixture(params=["in_process", "subprocess"])
def cli(request: pytest.FixtureRequest, posthog_emulator: Emulator) -> Run:
    """``run(*args) -> (exit code, stdout)`` for the ``posthog`` command."""
    key = posthog_emulator.default_api_key or ""
    if request.param == "in_process":
        door: PostHogMock = request.getfixturevalue("posthog_httpx")
        from posthog_cli.main import app

        runner = CliRunner()

        def run_in_process(*args: str) -> tuple[int, str]:
            result = runner.invoke(app, list(args), env=env_for(door.base_url, key))
            return result.exit_code, result.output

        return run_in_process

    server: PostHogServer = request.getfixturevalue("posthog_server")

    def run_subprocess(*args: str) -> tuple[int, str]:
        code = "import sys; from posthog_cli.main import app; sys.argv[0] = 'posthog'; app()"
        done = subprocess.run(
            [sys.executable, "-c", code, *args],
            env={**env_for(server.url, key), "PATH": "/usr/bin:/bin", "HOME": "/nonexistent"},
            capture_output=True,
            text=True,
            timeout=60,
        )
        return done.returncode, done.stdout + done.stderr

    return run_subprocess


def as_json(output: str) -> Any:
    return json.loads(output)


def test_project_list_and_current(cli: Run, posthog_emulator: Emulator) -> None:
    code, out = cli("--json", "project", "list")
    assert code == 0, out
    assert [p["name"] for p in as_json(out)] == ["Default project (active)"]  # the CLI marks it
    code, out = cli("project", "list")
    assert code == 0, out
    assert "Default project (active)" in out
    code, out = cli("--json", "project", "current")
    assert code == 0, out
    assert as_json(out)["api_token"] == "phc_phemuDefaultProjectToken0000000000000000000"
    posthog_emulator.assert_called("GET", "/api/projects/", times=2)
    posthog_emulator.assert_called("GET", "/api/projects/1/", times=1)


def test_errors_reach_the_cli_as_posthog_sends_them(cli: Run) -> None:
    code, out = cli("api", "get", "/no_such_thing/")
    assert code == 1
    assert "API error 404: Endpoint not found." in out


def test_subscriptions_create_list_retrieve_soft_delete(
    cli: Run, posthog_emulator: Emulator
) -> None:
    if not has_route(posthog_emulator, "/api/projects/1/subscriptions/"):
        pytest.skip("the subscriptions resource is not merged into this branch yet")
    insight = make_insight(posthog_emulator)
    code, out = cli("--json", "api", "get", "/subscriptions/")
    assert code == 0, out
    assert as_json(out)["count"] == 0
    body = json.dumps({**SUBSCRIPTION, "insight": insight})
    code, out = cli("--json", "api", "post", "/subscriptions/", "-d", body)
    assert code == 0, out
    created = as_json(out)
    assert (created["insight"], created["deleted"]) == (insight, False)
    code, out = cli("--json", "api", "get", "/subscriptions/")
    assert [s["id"] for s in as_json(out)["results"]] == [created["id"]]
    code, out = cli("--json", "api", "get", f"/subscriptions/{created['id']}/")
    assert as_json(out)["title"] == "Weekly numbers"
    code, out = cli(
        "--json", "api", "patch", f"/subscriptions/{created['id']}/", "-d", '{"deleted": true}'
    )
    assert code == 0, out
    assert as_json(out)["deleted"] is True
    code, out = cli("--json", "api", "get", "/subscriptions/")
    assert as_json(out)["count"] == 0
    code, out = cli("api", "delete", f"/subscriptions/{created['id']}/")
    assert code == 1  # PostHog's ForbidDestroyModel: 405 with an empty body
    assert "API error 405" in out
