"""Helpers for the session-recording AI tests: emulators with the default responder, posting.

Every 200 answer goes through :func:`post_ai`, which also checks it against the strict schema,
so every answer the tests see is schema-checked a second time, independently of the pipeline.
"""

from __future__ import annotations

import json
from typing import Any

import phemu_ai_rules

from phemu.ai_schema import check_filters_output
from phemu.ai_schema import check_regex_output
from phemu.emulator import Emulator

FILTERS = "/api/projects/1/session_recordings/ai/filters/"
REGEX = "/api/projects/1/session_recordings/ai/regex/"
OFF_TOPIC = "please specify your question about session replay"
REFUSAL = "Please ask questions only about regex generation."


def error(status_type: str, code: str, detail: str, attr: str | None = None) -> dict[str, Any]:
    return {"type": status_type, "code": code, "detail": detail, "attr": attr}


def validation(code: str, detail: str, attr: str | None = None) -> dict[str, Any]:
    return error("validation_error", code, detail, attr)


SERVER_ERROR = error("server_error", "error", "A server error occurred.")


def rules_emulator(**options: Any) -> Emulator:
    """An emulator whose default responder is the rules plugin (entry points off for speed)."""
    return Emulator(
        load_entrypoints=False, plugins=[phemu_ai_rules, *options.pop("plugins", [])], **options
    )


def post_ai(emu: Emulator, path: str, payload: Any, **kwargs: Any) -> tuple[int, Any]:
    """POST ``payload`` as JSON; returns ``(status, parsed body)`` and schema-checks 200s."""
    headers = {**emu.auth_headers, **kwargs.pop("headers", {})}
    response = emu.client().post(path, json=payload, headers=headers, **kwargs)
    data = json.loads(response.get_data(as_text=True)) if response.get_data() else None
    if response.status_code == 200:
        check = check_filters_output if "/ai/filters" in path else check_regex_output
        assert check(data) == [], f"schema violations in {data!r}"
    return response.status_code, data


def regex_output(emu: Emulator, description: str, engine: str | None = None) -> dict[str, Any]:
    payload: dict[str, Any] = {"regex": description}
    if engine is not None:
        payload["engine"] = engine
    status, data = post_ai(emu, REGEX, payload)
    assert status == 200, data
    return data


def filters_output(emu: Emulator, *user_messages: str) -> dict[str, Any]:
    messages = [{"role": "user", "content": text} for text in user_messages]
    status, data = post_ai(emu, FILTERS, {"messages": messages})
    assert status == 200, data
    return data


def leaf(key: str, kind: str, value: str, operator: str = "exact") -> dict[str, Any]:
    return {"key": key, "type": kind, "value": [value], "operator": operator}


def url(value: str, operator: str = "icontains") -> dict[str, Any]:
    return leaf("$current_url", "event", value, operator)


def and_group(*leaves: dict[str, Any]) -> dict[str, Any]:
    return {"type": "AND", "values": [{"type": "AND", "values": list(leaves)}]}


def or_group(*inner: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "OR", "values": [{"type": "AND", "values": list(x)} for x in inner]}


EMPTY_GROUP = and_group()


def filter_result(date_from: str, group: dict[str, Any], date_to: str = "") -> dict[str, Any]:
    data = {"question": "", "date_from": date_from, "date_to": date_to, "filter_group": group}
    return {"result": "filter", "data": data}


def question_result(text: str) -> dict[str, Any]:
    data = {"question": text, "date_from": "", "date_to": "", "filter_group": EMPTY_GROUP}
    return {"result": "question", "data": data}
