"""docs/server.md stays true: every flag documented, snippets run, quoted answers are real."""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path

import pytest
import requests

from phemu import cli
from phemu.emulator import Emulator
from phemu.server import ThreadedServer

DOC = (Path(__file__).resolve().parents[1] / "docs" / "server.md").read_text(encoding="utf-8")
SNIPPETS = re.findall(r"```python\n(.*?)```", DOC, flags=re.S)


def serve_options() -> list[tuple[str, str]]:
    parser = cli.build_parser()
    serve = next(
        action.choices["serve"]
        for action in parser._actions
        if getattr(action, "choices", None) and "serve" in action.choices
    )
    found = []
    for action in serve._actions:
        flags = [f for f in action.option_strings if f.startswith("--") and f != "--help"]
        variable = re.search(r"\((PHEMU_[A-Z_]+)", action.help or "")
        if flags:
            found.append((flags[0], variable.group(1) if variable else ""))
    return found


@pytest.mark.parametrize(("flag", "variable"), serve_options())
def test_every_serve_option_is_in_the_table(flag: str, variable: str) -> None:
    rows = [line for line in DOC.splitlines() if line.startswith(f"| `{flag}")]
    assert rows, f"docs/server.md's options table misses {flag}"
    assert variable and f"`{variable}`" in rows[0], (flag, variable)


@pytest.mark.parametrize("snippet", SNIPPETS, ids=[f"snippet{i}" for i in range(len(SNIPPETS))])
def test_python_snippets_run(snippet: str) -> None:
    exec(compile(snippet, "docs/server.md", "exec"), {"__name__": "server_doc"})


def quoted(code: str) -> dict[str, object]:
    """The answer body with this ``code`` that the doc quotes (one JSON line)."""
    found = re.search(r'\{"type":"[a-z_]+","code":"' + code + r'".*\}', DOC)
    assert found, f"docs/server.md quotes no {code} answer"
    return dict(json.loads(found.group(0)))


def raw(server: ThreadedServer, payload: bytes) -> dict[str, object]:
    with socket.create_connection((server.host, server.port), timeout=5) as sock:
        sock.sendall(payload)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return dict(json.loads(data.partition(b"\r\n\r\n")[2]))


def test_the_quoted_refusals_are_what_the_server_answers() -> None:
    head = b"POST /api/projects/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: "
    with ThreadedServer(Emulator()) as server:
        host = requests.get(
            server.url + "/api/projects/", headers={"Host": "attacker.example"}, timeout=5
        )
        assert host.json() == quoted("disallowed_host")
        assert raw(server, head + b"-5\r\n\r\n") == quoted("malformed_request")
        assert raw(server, head + b"99999999\r\n\r\n") == quoted("request_too_large")
