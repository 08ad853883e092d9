"""A flattened view of OpenAPI 3.0 schemas, as drf-spectacular writes them.

drf-spectacular wraps references to carry siblings (``{"allOf": [{"$ref": ...}], "readOnly":
true}``), marks nullability with ``nullable`` and spells choice fields as enum components
(``oneOf: [XEnum, BlankEnum, NullEnum]``). :func:`node` turns any schema into one
:class:`Node` with those folded in, cached per schema object, so validation, instance
generation and conformance all read the same facts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from phemu.openapi.document import components
from phemu.openapi.document import ref_name

#: Schema kinds after flattening; ``any`` accepts every JSON value, ``union`` has variants.
KINDS = ("object", "array", "string", "integer", "number", "boolean", "any", "union")
_NO_DEFAULT: Any = object()


@dataclass(frozen=True, slots=True, eq=False)
class Node:
    kind: str
    nullable: bool = False
    read_only: bool = False
    write_only: bool = False
    enum: tuple[Any, ...] | None = None
    fmt: str | None = None
    max_length: int | None = None
    min_length: int | None = None
    minimum: float | None = None
    maximum: float | None = None
    pattern: str | None = None
    default: Any = _NO_DEFAULT
    properties: tuple[tuple[str, Any], ...] = ()
    required: frozenset[str] = frozenset()
    items: Any = None
    additional: Any = None
    variants: tuple[Any, ...] = ()
    min_items: int | None = None
    max_items: int | None = None
    name: str | None = None

    @property
    def has_default(self) -> bool:
        return self.default is not _NO_DEFAULT

    def prop(self, name: str) -> Any:
        for key, schema in self.properties:
            if key == name:
                return schema
        return None


_CACHE: dict[int, Node] = {}
# Keeps the schemas behind _CACHE's ids alive (they are parts of the process-wide document, or
# small literals built by callers).
_KEEP: list[Any] = []


def node(schema: Any) -> Node:
    """The flattened view of ``schema`` (cached by object identity)."""
    key = id(schema)
    found = _CACHE.get(key)
    if found is None:
        found = _build(schema, depth=0)
        _CACHE[key] = found
        _KEEP.append(schema)
    return found


def _build(schema: Any, depth: int) -> Node:
    if not isinstance(schema, dict) or depth > 40:
        return Node("any", nullable=True)
    ref = schema.get("$ref")
    if isinstance(ref, str):
        name = ref_name(schema)
        target = components().get(name or "")
        base = node(target)
        return _with(base, schema, name=name)
    parts = schema.get("allOf")
    if isinstance(parts, list) and parts:
        merged = [node(part) for part in parts]
        base = merged[0] if len(merged) == 1 else _merge_objects(merged)
        return _with(base, schema, name=ref_name(schema) if len(parts) == 1 else None)
    variants = schema.get("oneOf") or schema.get("anyOf")
    enum = schema.get("enum")
    nullable = bool(schema.get("nullable"))
    if isinstance(variants, list) and variants:
        usable = []
        for variant in variants:
            flat = node(variant)
            if flat.enum == (None,):
                nullable = True
                continue
            usable.append(variant)
        if len(usable) == 1:
            return _with(node(usable[0]), schema, nullable=nullable or node(usable[0]).nullable)
        flats = [node(variant) for variant in usable]
        if all(flat.enum is not None and flat.kind == "string" for flat in flats):
            # ``oneOf: [XEnum, BlankEnum]``: one choice field whose choices include "".
            choices = tuple(value for flat in flats for value in flat.enum or ())
            return Node(
                "string",
                nullable=nullable,
                read_only=bool(schema.get("readOnly")),
                write_only=bool(schema.get("writeOnly")),
                enum=choices,
                default=schema.get("default", _NO_DEFAULT),
            )
        return Node(
            "union",
            nullable=nullable,
            read_only=bool(schema.get("readOnly")),
            write_only=bool(schema.get("writeOnly")),
            variants=tuple(usable),
        )
    kind = schema.get("type")
    if isinstance(enum, list):
        nullable = nullable or None in enum
        enum_values: tuple[Any, ...] | None = tuple(enum)
    else:
        enum_values = None
    if kind not in KINDS:
        kind = "object" if "properties" in schema else ("any" if enum_values is None else "enum")
    if kind == "enum":
        kind = "string"
    properties = schema.get("properties") or {}
    return Node(
        kind=kind,
        nullable=nullable,
        read_only=bool(schema.get("readOnly")),
        write_only=bool(schema.get("writeOnly")),
        enum=enum_values,
        fmt=schema.get("format"),
        max_length=schema.get("maxLength"),
        min_length=schema.get("minLength"),
        minimum=schema.get("minimum"),
        maximum=schema.get("maximum"),
        pattern=schema.get("pattern"),
        default=schema.get("default", _NO_DEFAULT),
        properties=tuple(properties.items()),
        required=frozenset(schema.get("required") or ()),
        items=schema.get("items"),
        additional=schema.get("additionalProperties"),
        min_items=schema.get("minItems"),
        max_items=schema.get("maxItems"),
    )


def _with(base: Node, schema: dict[str, Any], **changes: Any) -> Node:
    """``base`` with the wrapper's own siblings (nullable, readOnly, writeOnly, default)."""
    fields = {slot: getattr(base, slot) for slot in Node.__slots__}
    if schema.get("nullable"):
        fields["nullable"] = True
    if schema.get("readOnly"):
        fields["read_only"] = True
    if schema.get("writeOnly"):
        fields["write_only"] = True
    if "default" in schema:
        fields["default"] = schema["default"]
    fields.update(changes)
    if fields.get("name") is None:
        fields["name"] = base.name
    return Node(**fields)


def _merge_objects(parts: list[Node]) -> Node:
    properties: dict[str, Any] = {}
    required: set[str] = set()
    for part in parts:
        properties.update(part.properties)
        required |= part.required
    return Node("object", properties=tuple(properties.items()), required=frozenset(required))


def json_kind(value: Any) -> str:
    """The JSON type of a Python value as the schema kinds name it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "unknown"


def accepts_scalar(flat: Node, value: Any) -> bool:
    """Whether a scalar (or ``None``) fits ``flat`` at its own level (not nested content)."""
    kind = json_kind(value)
    if kind == "null":
        return flat.nullable or flat.kind == "any"
    if flat.enum is not None and value not in flat.enum:
        return False
    if flat.kind == "any":
        return True
    if flat.kind == "number":
        return kind in ("integer", "number")
    if flat.kind == "string" and kind == "string":
        if flat.max_length is not None and len(value) > flat.max_length:
            return False
        return flat.min_length is None or len(value) >= flat.min_length
    if flat.kind == "integer" and kind == "integer":
        low_ok = flat.minimum is None or value >= flat.minimum
        return low_ok and (flat.maximum is None or value <= flat.maximum)
    return flat.kind == kind
