"""``phemu`` on the command line: every ``serve`` flag and its ``PHEMU_*`` variable.

Most tests run a real ``python -m phemu serve --port 0`` and talk to the printed URL; option
resolution (flag beats variable) is also checked in-process where a subprocess adds nothing.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from phemu import __version__
from phemu import cli
from phemu import plugin_manager
from phemu.plugin_manager import hookimpl
from tests._server_support import Serve
from tests._server_support import run_fails

ORG = "01928a6e-3c1d-7000-8000-0000000000aa"
DEFAULT_KEY = "phx_phemuDefaultPersonalApiKey000000000000000000"
SAMPLE = "sessions_sample.json (bundled)"
OWN_KEY = "phx_ownSeedKey0000000000000000000000000000000000"
JSON = {"Content-Type": "application/json"}


def write(path: Path, document: dict[str, Any]) -> str:
    path.write_text(json.dumps(document))
    return str(path)


@pytest.fixture
def extra_seed(tmp_path: Path) -> str:
    return write(
        tmp_path / "extra.json",
        {"version": 1, "projects": [{"id": 7, "name": "From seed", "organization": ORG}]},
    )


@pytest.fixture
def own_seed(tmp_path: Path) -> str:
    """A complete document of its own (organization, project, user, key), no default needed."""
    return write(
        tmp_path / "own.json",
        {
            "version": 1,
            "organizations": [{"id": ORG, "name": "Own org"}],
            "projects": [{"id": 3, "name": "Own project", "organization": ORG}],
            "users": [
                {
                    "id": 1,
                    "email": "own@example.com",
                    "organizations": [{"id": ORG, "level": 15}],
                    "current_project": 3,
                }
            ],
            "personal_api_keys": [{"user": "own@example.com", "value": OWN_KEY, "label": "own"}],
        },
    )


def get(server: Serve, path: str, key: str | None = None) -> requests.Response:
    headers = {"Authorization": f"Bearer {key or server.key}"}
    return requests.get(server.url + path, headers=headers, timeout=10)


def config(server: Serve) -> dict[str, Any]:
    return dict(requests.get(server.url + "/_phemu/config", timeout=10).json())


# -- the command itself --------------------------------------------------------------------------


def test_version() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "phemu", "--version"], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0
    assert done.stdout.strip() == f"phemu {__version__}"


def serve_help() -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "phemu", "serve", "--help"],
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_serve_help_lists_examples_and_every_variable() -> None:
    done = serve_help()
    assert done.returncode == 0
    assert "examples:" in done.stdout
    assert "phemu serve --port 0" in done.stdout
    for variable in (
        "PHEMU_HOST", "PHEMU_PORT", "PHEMU_SEED", "PHEMU_NO_DEFAULT_SEED", "PHEMU_PROFILE",
        "PHEMU_STATE_FILE", "PHEMU_EPHEMERAL", "PHEMU_AUTOSAVE", "PHEMU_PLUGIN",
        "PHEMU_NO_DEFAULT_PLUGINS", "PHEMU_RATE_LIMITS", "PHEMU_LOG_LEVEL", "PHEMU_QUIET",
    ):  # fmt: skip
        assert variable in done.stdout, variable


def test_no_command_prints_help() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "phemu"], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0
    assert "serve" in done.stdout


# -- banner, port, host ---------------------------------------------------------------------------


def test_banner_and_port_zero() -> None:
    with Serve() as server:
        assert server.banner_lines[0] == (
            f"phemu {__version__} serving PostHog's API on {server.url}  (profile docs)"
        )
        assert server.banner_lines[1:] == [
            f"  seeds: default, {SAMPLE}",
            f"  personal API key: {DEFAULT_KEY}",
            f"  inspector: {server.url}/_phemu/",
        ]
        port = int(server.url.rsplit(":", 1)[1])
        assert port not in (0, 8000)
        assert get(server, "/api/projects/").json()["count"] == 1


def test_port_from_environment_and_flag_wins() -> None:
    with Serve(env={"PHEMU_PORT": "0"}) as server:
        assert get(server, "/api/projects/").status_code == 200
    with Serve("--port", "0", env={"PHEMU_PORT": "not-a-port"}) as server:
        assert get(server, "/api/projects/").status_code == 200


def test_host_flag_and_variable() -> None:
    with Serve("--host", "127.0.0.1", env={"PHEMU_HOST": "256.0.0.1"}) as server:
        assert server.url.startswith("http://127.0.0.1:")
    with Serve(env={"PHEMU_HOST": "127.0.0.1"}) as server:
        assert server.url.startswith("http://127.0.0.1:")
    failed = run_fails(env={"PHEMU_HOST": "256.0.0.1"})
    assert failed.returncode == 2
    assert failed.stderr.startswith("phemu: cannot listen on 256.0.0.1:0:")


def test_busy_port_is_refused() -> None:
    with Serve() as server:
        port = server.url.rsplit(":", 1)[1]
        failed = run_fails("--port", port)
    assert failed.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in failed.stderr


def test_bad_variable_values_are_refused_naming_the_variable() -> None:
    for variable, value in [
        ("PHEMU_PORT", "eighty"),
        ("PHEMU_QUIET", "maybe"),
        ("PHEMU_PROFILE", "staging"),
        ("PHEMU_LOG_LEVEL", "loud"),
        ("PHEMU_RATE_LIMITS", "strict"),
        ("PHEMU_AUTOSAVE", "often"),
    ]:
        failed = run_fails(env={variable: value})
        assert failed.returncode == 2
        assert failed.stderr.startswith(f"phemu: {variable}={value!r}"), failed.stderr


# -- seeds and profile -----------------------------------------------------------------------------


def test_seed_flag_is_loaded_after_the_default(extra_seed: str) -> None:
    with Serve("--seed", extra_seed) as server:
        assert server.banner_lines[1] == f"  seeds: default, {SAMPLE}, {extra_seed}"
        assert get(server, "/api/projects/7/").json()["name"] == "From seed"


def test_seed_variable_is_a_comma_list_and_the_flag_wins(
    extra_seed: str, own_seed: str, tmp_path: Path
) -> None:
    failed = run_fails(env={"PHEMU_SEED": f"{extra_seed},{tmp_path / 'missing.json'}"})
    assert failed.returncode == 2
    assert "missing.json: seed file not found" in failed.stderr
    with Serve(env={"PHEMU_SEED": extra_seed}) as server:
        assert get(server, "/api/projects/7/").status_code == 200
    with Serve("--seed", extra_seed, env={"PHEMU_SEED": str(tmp_path / "missing.json")}) as server:
        assert get(server, "/api/projects/7/").status_code == 200


def test_bad_seed_file_is_refused(tmp_path: Path) -> None:
    bad = write(tmp_path / "bad.json", {"version": 1, "projects": [{"id": "seven"}]})
    failed = run_fails("--seed", bad)
    assert failed.returncode == 2
    assert failed.stderr.startswith(f"phemu: {bad}: projects[0] (id 'seven'):")


@pytest.mark.parametrize("how", ["flag", "variable"])
def test_no_default_seed(own_seed: str, how: str) -> None:
    args = ["--seed", own_seed] + (["--no-default-seed"] if how == "flag" else [])
    env = {"PHEMU_NO_DEFAULT_SEED": "1"} if how == "variable" else {}
    with Serve(*args, env=env) as server:
        assert server.key == OWN_KEY
        assert server.banner_lines[1] == f"  seeds: {own_seed}"
        assert [p["id"] for p in get(server, "/api/projects/").json()["results"]] == [3]
        assert get(server, "/api/projects/", key=DEFAULT_KEY).status_code == 401


@pytest.mark.parametrize(
    ("args", "env"), [(["--profile", "cloud"], {}), ([], {"PHEMU_PROFILE": "cloud"})]
)
def test_profile(args: list[str], env: dict[str, str]) -> None:
    with Serve(*args, env=env) as server:
        assert server.banner_lines[0].endswith("(profile cloud)")
        assert config(server)["profile"] == "cloud"


def test_profile_flag_wins_over_variable() -> None:
    with Serve("--profile", "docs", env={"PHEMU_PROFILE": "cloud"}) as server:
        assert config(server)["profile"] == "docs"


# -- plugins and rate limits -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "env"), [(["--plugin", "_notes_plugin"], {}), ([], {"PHEMU_PLUGIN": "_notes_plugin"})]
)
def test_plugin(args: list[str], env: dict[str, str]) -> None:
    with Serve(*args, env=env) as server:
        assert get(server, "/api/projects/1/test_notes/").json() == {"count": 0, "results": []}
        assert "_notes_plugin" in config(server)["plugins"]


def test_without_plugin_the_route_does_not_exist() -> None:
    with Serve() as server:
        assert get(server, "/api/projects/1/test_notes/").status_code == 404


def test_unknown_plugin_is_refused() -> None:
    failed = run_fails("--plugin", "no_such_module_anywhere")
    assert failed.returncode == 2
    assert "no_such_module_anywhere" in failed.stderr


@pytest.mark.parametrize(
    ("args", "env", "shipped"),
    [
        ([], {}, True),
        (["--no-default-plugins"], {}, False),
        ([], {"PHEMU_NO_DEFAULT_PLUGINS": "1"}, False),
    ],
)
def test_no_default_plugins_over_the_wire(
    args: list[str], env: dict[str, str], shipped: bool
) -> None:
    """The shipped entry-point plugins (ai_rules, faults) are listed in /_phemu/config."""
    with Serve(*args, env=env) as server:
        plugins = config(server)["plugins"]
    assert ("faults" in plugins and "ai_rules" in plugins) is shipped


class EntryPointPlugin:
    @hookimpl
    def phemu_seed(self, emulator: Any) -> None:
        return None


@pytest.mark.parametrize(
    ("argv", "env", "loaded"),
    [
        ([], {}, True),
        (["--no-default-plugins"], {}, False),
        ([], {"PHEMU_NO_DEFAULT_PLUGINS": "yes"}, False),
        ([], {"PHEMU_NO_DEFAULT_PLUGINS": "0"}, True),
    ],
)
def test_no_default_plugins_skips_entry_point_plugins(
    monkeypatch: pytest.MonkeyPatch, argv: list[str], env: dict[str, str], loaded: bool
) -> None:
    monkeypatch.setattr(
        plugin_manager, "entry_point_plugins", lambda: (("shipped", EntryPointPlugin()),)
    )
    args = cli.resolve(cli.build_parser().parse_args(["serve", *argv]), env)
    emulator = cli.make_emulator(args)
    names = [name for name, _ in emulator.hooks.list_name_plugin()]
    assert ("shipped" in names) is loaded


@pytest.mark.parametrize(
    ("args", "env"), [(["--rate-limits", "posthog"], {}), ([], {"PHEMU_RATE_LIMITS": "posthog"})]
)
def test_rate_limits(args: list[str], env: dict[str, str]) -> None:
    with Serve(*args, env=env) as server:
        assert config(server)["throttling"] is True


def test_rate_limits_off_by_default_and_flag_wins() -> None:
    with Serve("--rate-limits", "off", env={"PHEMU_RATE_LIMITS": "posthog"}) as server:
        assert config(server)["throttling"] is False


# -- logging ------------------------------------------------------------------------------------


def stop_and_read_stderr(server: Serve) -> str:
    assert server.terminate() == 0
    time.sleep(0.1)
    return server.stderr_text()


def test_access_log_on_stderr_by_default() -> None:
    with Serve() as server:
        get(server, "/api/projects/?limit=1")
        log = stop_and_read_stderr(server)
    assert " phemu.access INFO GET /api/projects/?limit=1 200 " in log
    assert "phemu.server INFO SIGTERM: stopping" in log


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (["--quiet"], {}),
        ([], {"PHEMU_QUIET": "true"}),
        (["--log-level", "warning"], {}),
        ([], {"PHEMU_LOG_LEVEL": "WARNING"}),
    ],
)
def test_quiet_and_log_level_silence_access_lines(args: list[str], env: dict[str, str]) -> None:
    with Serve(*args, env=env) as server:
        get(server, "/api/projects/")
        log = stop_and_read_stderr(server)
    assert "phemu.access" not in log


def test_log_level_flag_wins_and_debug_shows_saves(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    with Serve(
        "--log-level", "debug", "--state-file", str(state), env={"PHEMU_LOG_LEVEL": "error"}
    ) as server:
        requests.post(server.url + "/_phemu/state/save", headers=JSON, timeout=10)
        log = stop_and_read_stderr(server)
    assert f"phemu.state DEBUG state saved to {state}" in log


# -- state file, ephemeral, autosave, signals -----------------------------------------------------


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_state_file_saved_on_signal_and_loaded_on_restart(
    tmp_path: Path, extra_seed: str, sig: int
) -> None:
    state = tmp_path / "state.json"
    with Serve("--state-file", str(state)) as server:
        assert server.banner_lines[1] == f"  state: {state} (new; seeds: default, {SAMPLE})"
        requests.post(
            server.url + "/_phemu/seed",
            data=Path(extra_seed).read_bytes(),
            headers=JSON,
            timeout=10,
        )
        assert server.terminate(sig) == 0
    assert [p["id"] for p in json.loads(state.read_text())["projects"]] == [1, 7]
    with Serve("--state-file", str(state)) as server:
        assert server.banner_lines[1] == f"  state: {state} (loaded; seeds: default, {SAMPLE})"
        assert get(server, "/api/projects/7/").json()["name"] == "From seed"


def test_state_file_from_variable(tmp_path: Path, extra_seed: str) -> None:
    state = tmp_path / "state.json"
    with Serve("--seed", extra_seed, env={"PHEMU_STATE_FILE": str(state)}) as server:
        assert server.terminate() == 0
    assert [p["id"] for p in json.loads(state.read_text())["projects"]] == [1, 7]


def test_state_save_endpoint_while_running(tmp_path: Path, extra_seed: str) -> None:
    state = tmp_path / "state.json"
    with Serve("--state-file", str(state), "--seed", extra_seed) as server:
        response = requests.post(server.url + "/_phemu/state/save", headers=JSON, timeout=10)
        assert response.json() == {"status": "saved", "path": str(state)}
        assert [p["id"] for p in json.loads(state.read_text())["projects"]] == [1, 7]


@pytest.mark.parametrize(
    ("args", "env"), [(["--autosave", "0.2"], {}), ([], {"PHEMU_AUTOSAVE": "0.2"})]
)
def test_autosave(tmp_path: Path, extra_seed: str, args: list[str], env: dict[str, str]) -> None:
    state = tmp_path / "state.json"
    with Serve("--state-file", str(state), *args, env=env) as server:
        requests.post(
            server.url + "/_phemu/seed",
            data=Path(extra_seed).read_bytes(),
            headers=JSON,
            timeout=10,
        )
        for _ in range(100):  # bounded: 10 s
            if state.exists() and len(json.loads(state.read_text())["projects"]) == 2:
                break
            time.sleep(0.1)
        assert [p["id"] for p in json.loads(state.read_text())["projects"]] == [1, 7]
        assert server.proc.poll() is None  # saved while still running


def test_ephemeral_flag_beats_state_file_variable(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    with Serve("--ephemeral", env={"PHEMU_STATE_FILE": str(state)}) as server:
        assert server.banner_lines[1] == f"  seeds: default, {SAMPLE}"
        assert (
            requests.post(server.url + "/_phemu/state/save", headers=JSON, timeout=10).status_code
            == 400
        )
        assert server.terminate() == 0
    assert not state.exists()


def test_ephemeral_variable(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    with Serve(env={"PHEMU_STATE_FILE": str(state), "PHEMU_EPHEMERAL": "1"}) as server:
        assert server.terminate() == 0
    assert not state.exists()


def test_state_file_flag_beats_ephemeral_variable(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    with Serve("--state-file", str(state), env={"PHEMU_EPHEMERAL": "1"}) as server:
        assert server.terminate() == 0
    assert state.exists()


def test_ephemeral_and_state_file_flags_conflict(tmp_path: Path) -> None:
    failed = run_fails("--ephemeral", "--state-file", str(tmp_path / "s.json"))
    assert failed.returncode == 2
    assert "not allowed with argument" in failed.stderr


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "it is empty"),
        (b'{"version": 1, "projects": [{"id": 1, "name": "Def', "it is not valid JSON"),
        (b'{"version": 2}', "it is not a phemu state document"),
    ],
)
def test_damaged_state_file_refused_at_start(tmp_path: Path, content: bytes, problem: str) -> None:
    state = tmp_path / "state.json"
    state.write_bytes(content)
    failed = run_fails("--state-file", str(state))
    assert failed.returncode == 2
    assert failed.stdout == ""
    assert failed.stderr.startswith(
        f"phemu: {state}: refusing to start from this state file: {problem}"
    )
    assert state.read_bytes() == content


def test_failed_save_at_shutdown_exits_non_zero_and_keeps_nothing_half_written(
    tmp_path: Path,
) -> None:
    directory = tmp_path / "gone"
    directory.mkdir()
    state = directory / "state.json"
    with Serve("--state-file", str(state)) as server:
        directory.rmdir()
        assert server.terminate() == 1
        assert f"{state}: could not save state" in server.stderr_text()


# -- issue 12: ports, pipes, plugins from the current folder, help, hosts, tokens, sync -----------

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("args", "env", "named"),
    [
        (["--port", "99999"], {}, "--port 99999"),
        (["--port", "-1"], {}, "--port -1"),
        ([], {"PHEMU_PORT": "70000"}, "PHEMU_PORT='70000'"),
        ([], {"PHEMU_PORT": "-3"}, "PHEMU_PORT='-3'"),
    ],
)
def test_a_port_out_of_range_is_one_line_and_exit_2(
    args: list[str], env: dict[str, str], named: str
) -> None:
    failed = run_fails(*args, env=env)
    assert failed.returncode == 2
    assert failed.stderr == f"phemu: {named}: expected a TCP port from 0 to 65535\n"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_closed_stdout_does_not_kill_the_server() -> None:
    """``phemu serve --port 0 | head -1``: the reader goes away; the server keeps serving."""
    port = free_port()
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("PHEMU_")}
    read_end, write_end = __import__("os").pipe()
    __import__("os").close(read_end)  # the reader is gone before the banner is written
    proc = subprocess.Popen(
        [sys.executable, "-m", "phemu", "serve", "--port", str(port)],
        stdout=write_end,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    __import__("os").close(write_end)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                health = requests.get(f"http://127.0.0.1:{port}/_phemu/health", timeout=2)
                break
            except requests.ConnectionError:
                assert proc.poll() is None, proc.communicate()[1]
                assert time.monotonic() < deadline
                time.sleep(0.1)
        assert health.status_code == 200
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    assert proc.returncode == 0, stderr
    assert "BrokenPipe" not in stderr and "Traceback" not in stderr, stderr


def test_a_plugin_module_in_the_current_folder_is_found(tmp_path: Path) -> None:
    (tmp_path / "my_plugin.py").write_text(
        "from phemu.plugin_manager import hookimpl\n\n\n"
        "@hookimpl\n"
        "def phemu_seed(emulator):\n"
        f"    return {{'version': 1, 'projects': [{{'id': 77, 'name': 'From my_plugin', "
        f"'organization': {ORG!r}}}]}}\n"
    )
    script = Path(sys.executable).with_name("phemu")
    assert script.exists(), "the phemu console script is installed with the package"
    with Serve("--plugin", "my_plugin", command=[str(script)], cwd=tmp_path) as server:
        assert get(server, "/api/projects/77/").json()["name"] == "From my_plugin"


def test_serve_help_names_no_file_that_does_not_exist() -> None:
    import re

    done = serve_help()
    paths = re.findall(r"[\w.-]+/[\w./-]+\.json", done.stdout)
    assert [p for p in paths if not (REPO / p).exists()] == []
    for variable in ("PHEMU_ALLOWED_HOSTS", "PHEMU_CONTROL_TOKEN", "PHEMU_SYNC"):
        assert variable in done.stdout, variable


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (["--allowed-host", "phemu.internal", "--allowed-host", ".corp.example"], {}),
        ([], {"PHEMU_ALLOWED_HOSTS": "phemu.internal,.corp.example"}),
    ],
)
def test_allowed_hosts(args: list[str], env: dict[str, str]) -> None:
    with Serve(*args, env=env) as server:
        port = server.url.rsplit(":", 1)[1]
        for host in (f"phemu.internal:{port}", "api.corp.example", "localhost", "127.0.0.9"):
            response = requests.get(
                server.url + "/api/projects/", headers={**server.headers, "Host": host}, timeout=10
            )
            assert response.status_code == 200, host
        refused = requests.get(
            server.url + "/api/projects/", headers={**server.headers, "Host": "evil.example"},
            timeout=10,
        )  # fmt: skip
        assert refused.status_code == 400
        assert "--allowed-host evil.example" in refused.json()["detail"]


def test_control_token_flag_protects_the_control_plane() -> None:
    with Serve("--control-token", "s3cret-token") as server:
        assert "  control token: from --control-token" in server.banner
        assert (
            requests.post(server.url + "/_phemu/reset", headers=JSON, timeout=10).status_code == 401
        )
        assert requests.get(server.url + "/_phemu/health", timeout=10).status_code == 200
        allowed = requests.post(
            server.url + "/_phemu/reset", headers={**JSON, "X-Phemu-Token": "s3cret-token"},
            timeout=10,
        )  # fmt: skip
        assert allowed.status_code == 200
        assert get(server, "/api/projects/").status_code == 200  # the API needs no token


@pytest.fixture
def restored_logging() -> Any:
    """``cli.main`` configures the ``phemu`` loggers for a process; put them back afterwards."""
    import logging

    root, access = logging.getLogger("phemu"), logging.getLogger("phemu.access")
    saved = (list(root.handlers), root.level, access.disabled)
    yield
    root.handlers[:], root.level, access.disabled = saved[0], saved[1], saved[2]


@pytest.mark.usefixtures("restored_logging")
def test_binding_a_non_loopback_address_warns_and_generates_a_token(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--host 0.0.0.0`` (bound here on 127.0.0.1 instead: tests never listen beyond loopback)."""
    import os
    import threading

    from phemu import server as server_module

    started: list[Any] = []

    class LoopbackOnly(server_module.ThreadedServer):
        def start(self) -> Any:
            wanted, self.host = self.host, "127.0.0.1"
            try:
                return super().start()
            finally:
                self.host = wanted
                started.append(self)

    monkeypatch.setattr(server_module, "ThreadedServer", LoopbackOnly)
    outcome: dict[str, Any] = {}

    def drive() -> None:
        deadline = time.monotonic() + 20
        while not started and time.monotonic() < deadline:
            time.sleep(0.05)
        running = started[0]
        base = f"http://127.0.0.1:{running.port}"
        outcome["without"] = requests.post(base + "/_phemu/reset", headers=JSON, timeout=10)
        outcome["with"] = requests.post(
            base + "/_phemu/reset",
            headers={**JSON, "X-Phemu-Token": running.control_token},
            timeout=10,
        )
        os.kill(os.getpid(), signal.SIGTERM)

    driver = threading.Thread(target=drive)
    driver.start()
    status = cli.main(["serve", "--host", "0.0.0.0", "--port", "0", "--quiet"], env={})
    driver.join(30)
    captured = capsys.readouterr()
    assert status == 0
    token = started[0].control_token
    assert token and len(token) >= 24
    assert f"  control token: {token}  (send it as X-Phemu-Token)" in captured.out
    assert "0.0.0.0 is not a loopback address" in captured.err
    assert outcome["without"].status_code == 401
    assert outcome["with"].status_code == 200


def test_sync_always_needs_a_state_file() -> None:
    failed = run_fails("--sync", "always")
    assert failed.returncode == 2
    assert failed.stderr == "phemu: --sync always needs --state-file PATH\n"
    failed = run_fails(env={"PHEMU_SYNC": "sometimes"})
    assert failed.returncode == 2
    assert failed.stderr.startswith(
        "phemu: PHEMU_SYNC='sometimes': expected always, off or snapshot"
    )
