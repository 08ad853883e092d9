"""JSON rendering as PostHog renders it.

Datetimes are UTC with a ``Z`` suffix and fractional seconds only when non-zero (Django REST
Framework's ``DateTimeField`` output under PostHog's settings).
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from datetime import timezone
from typing import Any


def format_datetime(value: datetime | None) -> str | None:
    """``2026-06-15T10:00:00Z`` or ``2026-06-15T10:00:00.123456Z``; ``None`` stays ``None``."""
    if value is None:
        return None
    if value.tzinfo is timezone.utc:  # the clock's and the parsers' instants
        return value.isoformat()[:-6] + "Z"  # drops "+00:00"
    utc = value.astimezone(timezone.utc) if value.tzinfo else value
    text = utc.replace(tzinfo=None).isoformat()
    return text + "Z"


def dumps(data: Any) -> bytes:
    """Compact UTF-8 JSON; key order as built by the serializers."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=_default).encode()


def _default(value: object) -> object:
    if isinstance(value, datetime):
        return format_datetime(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


# -- text PostHog's database cannot hold ---------------------------------------------------------
# json.loads turns a "\ud800" escape into a lone surrogate, which is not a Unicode character:
# UTF-8 cannot encode it, so a store holding one could never be rendered, exported or saved.
# Postgres refuses it in text and jsonb columns, and refuses NUL (U+0000) in both as well.
_SURROGATE = re.compile("[\ud800-\udfff]")


def lone_surrogate(text: str) -> str | None:
    """The first lone surrogate of ``text`` (json.loads has already joined valid pairs)."""
    if text.isascii():  # O(1) for CPython's compact strings: the common case costs nothing
        return None
    found = _SURROGATE.search(text)
    return None if found is None else found.group()


def bad_character(text: str, *, nul: bool) -> str | None:
    """A lone surrogate in ``text``, or (when ``nul``) a NUL character, else ``None``."""
    if nul and "\x00" in text:
        return "\x00"
    return lone_surrogate(text)


def describe_character(char: str) -> str:
    """``U+D800 (a lone surrogate)`` / ``U+0000 (NUL)``: printable whatever the character."""
    kind = "NUL" if char == "\x00" else "a lone surrogate"
    return f"U+{ord(char):04X} ({kind})"


def find_bad_text(value: Any, *, nul: bool, where: str = "") -> tuple[str, str] | None:
    """``(path, character)`` of the first string, key or value, of a JSON value holding a
    character :func:`bad_character` reports, else ``None``.

    The path reads ``dashboards[0].name`` or ``query["\\ud800"]`` (keys are escaped, so the
    path itself can always be printed). The walk is iterative: a document nested as deep as the
    JSON parser allows cannot overflow the stack here.
    """
    stack: list[tuple[Any, str]] = [(value, where)]
    while stack:
        item, path = stack.pop()
        if isinstance(item, str):
            char = bad_character(item, nul=nul)
            if char is not None:
                return path or "$", char
        elif isinstance(item, dict):
            children: list[tuple[Any, str]] = []
            for key, child in item.items():
                step = _key_step(path, key)
                if isinstance(key, str):
                    char = bad_character(key, nul=nul)
                    if char is not None:
                        return step, char
                children.append((child, step))
            stack.extend(reversed(children))
        elif isinstance(item, (list, tuple)):
            stack.extend((child, f"{path}[{i}]") for i, child in reversed(list(enumerate(item))))
    return None


def _key_step(path: str, key: object) -> str:
    if isinstance(key, str) and key.isidentifier() and key.isascii():
        return f"{path}.{key}" if path else key
    return f"{path}[{json.dumps(key)}]"
