"""The twenty-line plugin of plugins/README.md gets every platform check.

Every block of the guide runs as written in ``tests/test_readme.py``; this test goes further
with the first one.
"""

from __future__ import annotations

import re
import sys
import types
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "plugins" / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_the_plugin_gets_the_platform_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType("my_plugin")
    exec(compile(python_blocks()[0], "my_plugin.py", "exec"), module.__dict__)
    monkeypatch.setitem(sys.modules, "my_plugin", module)
    from phemu import Emulator

    emulator = Emulator(plugins=["my_plugin"], load_entrypoints=False)
    client = emulator.client()
    assert client.get("/api/environments/@current/hello", headers=emulator.auth_headers).json == {
        "project": 1,
        "hello": "ada@example.com",
    }
    assert client.get("/api/projects/1/hello/").status_code == 401
    assert client.post("/api/projects/1/hello/", headers=emulator.auth_headers).status_code == 403
    assert client.patch("/api/projects/1/hello/", headers=emulator.auth_headers).status_code == 405
