"""Fixtures for the default responder's tests: the rules answer real HTTP requests."""

from __future__ import annotations

import json
from collections.abc import Callable
from collections.abc import Iterator
from typing import Any

import pytest

from phemu.ai_schema import check_filters_output
from phemu.ai_schema import check_regex_output
from phemu.emulator import Emulator

REGEX = "/api/projects/1/session_recordings/ai/regex/"
FILTERS = "/api/projects/1/session_recordings/ai/filters/"


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    """One emulator per module with the plugin loaded from its ``phemu`` entry point."""
    emu = Emulator()
    assert "ai_rules" in dict(emu.hooks.list_name_plugin())
    emu.freeze_time("2026-06-15T10:00:00Z")
    yield emu
    emu.check()


def _post(emu: Emulator, path: str, payload: Any) -> Any:
    response = emu.client().post(path, json=payload, headers=emu.auth_headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return json.loads(response.get_data())


@pytest.fixture
def ask_regex(emulator: Emulator) -> Callable[..., dict[str, Any]]:
    def ask(description: str, engine: str | None = None) -> dict[str, Any]:
        payload = (
            {"regex": description} if engine is None else {"regex": description, "engine": engine}
        )
        output = _post(emulator, REGEX, payload)
        assert check_regex_output(output) == []
        return output  # type: ignore[no-any-return]

    return ask


@pytest.fixture
def ask_filters(emulator: Emulator) -> Callable[..., dict[str, Any]]:
    def ask(*messages: str | tuple[str, str]) -> dict[str, Any]:
        chat = [
            {"role": m[0], "content": m[1]}
            if isinstance(m, tuple)
            else {"role": "user", "content": m}
            for m in messages
        ]
        output = _post(emulator, FILTERS, {"messages": chat})
        assert check_filters_output(output) == []
        return output  # type: ignore[no-any-return]

    return ask
