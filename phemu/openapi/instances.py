"""Deterministic, schema-valid JSON values: minimal instances and conformed records.

:func:`instance` builds the smallest value a schema accepts (defaults first, then the first
enum choice, ``0``, ``false``, ``""``, ``[]``...; formatted strings from the emulator clock
and fixed examples), so a ``shaped`` answer is the same on every run. :func:`conform` keeps
what a stored record already holds wherever it fits the target schema and fills the rest, so a
record created through one operation renders validly through another whose schema differs.
"""

from __future__ import annotations

import copy
import uuid
from datetime import datetime
from typing import Any

from phemu.openapi.schema import Node
from phemu.openapi.schema import accepts_scalar
from phemu.openapi.schema import json_kind
from phemu.openapi.schema import node

#: Past this depth only required properties of non-nullable objects are built (schemas of
#: query results nest deeply and some recurse).
MAX_DEPTH = 24
EXAMPLE_UUID = "00000000-0000-4000-8000-000000000000"
_FORMATS = {
    "uuid": EXAMPLE_UUID,
    "email": "user@example.com",
    "uri": "https://example.com/",
    "decimal": "0",
    "time": "00:00:00",
}


def instance(
    schema: Any, now: str, *, depth: int = 0, full: bool = False, request: bool = False
) -> Any:
    """The minimal valid value of ``schema``; ``full`` includes every (non write-only) property
    at the top level, as a serializer renders all its fields. ``request`` builds a request
    body as PostHog's API docs show one: read-only fields left out, placeholder ``"string"``
    values, nulls only where nothing else fits."""
    flat = node(schema)
    if flat.has_default and _fits(flat.default, flat):
        return copy.deepcopy(flat.default)
    if flat.nullable and not request:
        return None
    if flat.enum is not None:
        choices = [choice for choice in flat.enum if choice is not None]
        return choices[0] if choices else None
    kind = flat.kind
    if kind == "object":
        out: dict[str, Any] = {}
        for name, sub in flat.properties:
            sub_flat = node(sub)
            if sub_flat.read_only if request else sub_flat.write_only:
                continue
            if name in flat.required or (full and depth == 0):
                out[name] = instance(sub, now, depth=depth + 1, request=request)
        return out
    if kind == "array":
        return [
            instance(flat.items, now, depth=depth + 1, request=request)
            for _ in range(flat.min_items or 0)
        ]
    if kind == "string":
        if request and not flat.fmt and not flat.pattern:
            return "string"[: flat.max_length] if flat.max_length else "string"
        return _string(flat, now)
    if kind in ("integer", "number"):
        return _number(flat)
    if kind == "boolean":
        return False
    if kind == "union":
        return instance(flat.variants[0], now, depth=depth + 1, request=request)
    return None


def _string(flat: Node, now: str) -> str:
    if flat.fmt == "date-time":
        return now
    if flat.fmt == "date":
        return now[:10]
    if flat.fmt in _FORMATS:
        return _FORMATS[flat.fmt]
    if flat.pattern:
        return "0" if "\\d" in flat.pattern or "0-9" in flat.pattern else "a"
    return "x" * (flat.min_length or 0)


def _number(flat: Node) -> int:
    value = 0
    if flat.minimum is not None and value < flat.minimum:
        value = int(flat.minimum) if float(flat.minimum).is_integer() else int(flat.minimum) + 1
    if flat.maximum is not None and value > flat.maximum:
        value = int(flat.maximum)
    return value


def conform(value: Any, schema: Any, now: str, *, depth: int = 0) -> Any:
    """``value`` reshaped to ``schema``: fitting parts kept, missing required parts filled,
    write-only and unknown properties dropped."""
    flat = node(schema)
    if value is None:
        return None if flat.nullable or flat.kind == "any" else instance(schema, now, depth=depth)
    kind = flat.kind
    if kind == "union":
        for variant in flat.variants:
            if _shape_matches(value, node(variant)):
                return conform(value, variant, now, depth=depth + 1)
        return instance(schema, now, depth=depth)
    if kind == "object" and flat.enum is None:
        if not isinstance(value, dict):
            return instance(schema, now, depth=depth)
        if not flat.properties:
            if isinstance(flat.additional, dict) and flat.additional:
                # A DictField's values follow its child schema too (``inputs`` of hog functions).
                return {
                    k: conform(v, flat.additional, now, depth=depth + 1) for k, v in value.items()
                }
            return value
        out: dict[str, Any] = {}
        for name, sub in flat.properties:
            if node(sub).write_only:
                continue
            if name in value:
                out[name] = conform(value[name], sub, now, depth=depth + 1)
            elif name in flat.required:
                out[name] = instance(sub, now, depth=depth + 1)
        return out
    if kind == "array" and flat.enum is None:
        if not isinstance(value, list):
            return instance(schema, now, depth=depth)
        items = [conform(item, flat.items, now, depth=depth + 1) for item in value]
        if flat.max_items is not None:
            items = items[: flat.max_items]
        while flat.min_items is not None and len(items) < flat.min_items:
            items.append(instance(flat.items, now, depth=depth + 1))
        return items
    return value if _fits(value, flat) else instance(schema, now, depth=depth)


def _fits(value: Any, flat: Node) -> bool:
    if isinstance(value, (dict, list)):
        return _shape_matches(value, flat)
    if not accepts_scalar(flat, value):
        return False
    if isinstance(value, str) and flat.fmt in ("uuid", "date-time"):
        return _formatted(value, flat.fmt)
    return True


def _formatted(text: str, fmt: str) -> bool:
    try:
        if fmt == "uuid":
            uuid.UUID(text)
        else:
            datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _shape_matches(value: Any, flat: Node) -> bool:
    """Whether ``value`` is the kind of JSON value ``flat`` describes (for unions: the variant
    whose constant ``kind``/``type`` property, if any, the value carries)."""
    kind = json_kind(value)
    if flat.kind == "any":
        return True
    if kind == "null":
        return flat.nullable
    if flat.kind == "object":
        if kind != "object":
            return False
        for name, sub in flat.properties:
            marker = node(sub)
            constant = (name in flat.required or name in value) and len(marker.enum or ()) == 1
            if constant and value.get(name) != (marker.enum or (None,))[0]:
                return False
        return True
    if flat.kind == "array":
        return kind == "array"
    if flat.kind == "union":
        return any(_shape_matches(value, node(v)) for v in flat.variants)
    return accepts_scalar(flat, value)
