"""OpenAPI 3.0 schemas of PostHog's document rewritten as JSON Schema (draft 2020-12).

OpenAPI 3.0's ``nullable`` and ``$ref`` with siblings are not JSON Schema, and drf-spectacular's
``NullEnum`` (``{"type": "string", "enum": [null]}``) accepts nothing under JSON Schema's
reading. :func:`to_json_schema` rewrites one schema (components referenced through ``$defs``,
so recursive schemas stay finite) for a JSON Schema validator such as ``jsonschema`` (the
``test`` extra): the tests validate every answer against its operation's response schema.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from phemu.openapi.document import REF_PREFIX
from phemu.openapi.document import components

#: Keywords JSON Schema does not know or reads differently; dropped.
_DROP = frozenset({"nullable", "discriminator", "example", "xml", "externalDocs"})


def to_json_schema(schema: Any, direction: str = "response") -> dict[str, Any]:
    """``schema`` with every component it may reference under ``$defs``.

    ``direction`` is ``response`` or ``request``: OpenAPI lets a ``required`` property be
    write-only (required in requests, absent from responses) or read-only (the reverse), and
    drf-spectacular's shared components rely on it.
    """
    return {"$defs": _definitions(direction), **convert(schema, direction)}


@cache
def _definitions(direction: str) -> dict[str, Any]:
    return {name: convert(body, direction) for name, body in components().items()}


def convert(node: Any, direction: str = "response") -> Any:
    """One OpenAPI schema fragment as JSON Schema (references point into ``#/$defs``)."""
    if isinstance(node, list):
        return [convert(item, direction) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        target = {"$ref": "#/$defs/" + node["$ref"][len(REF_PREFIX) :]}
        siblings = {k: v for k, v in node.items() if k != "$ref"}
        if not siblings:
            return target
        return convert({"allOf": [{"$ref": node["$ref"]}], **siblings}, direction)
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DROP:
            continue
        if key in ("properties", "patternProperties"):
            out[key] = {name: convert(sub, direction) for name, sub in value.items()}
        elif key in ("items", "additionalProperties", "not") and isinstance(value, dict):
            out[key] = convert(value, direction)
        elif key in ("allOf", "anyOf", "oneOf"):
            out[key] = [convert(sub, direction) for sub in value]
        else:
            out[key] = value
    if isinstance(out.get("required"), list) and isinstance(node.get("properties"), dict):
        hidden = "writeOnly" if direction == "response" else "readOnly"
        out["required"] = [
            name for name in out["required"] if not (node["properties"].get(name) or {}).get(hidden)
        ]
    enum = out.get("enum")
    nullable = bool(node.get("nullable")) or (isinstance(enum, list) and None in enum)
    if nullable:
        if isinstance(enum, list) and None not in enum:
            out["enum"] = [*enum, None]
        if "type" in out:
            types = out["type"] if isinstance(out["type"], list) else [out["type"]]
            if "null" not in types:
                out["type"] = [*types, "null"]
        elif enum is None:
            out = {"anyOf": [out, {"type": "null"}]}
    return out
