"""Request bodies checked against an operation's schema the way a DRF serializer checks them.

PostHog's request schemas are drf-spectacular renderings of DRF serializers, so the field that
produced each schema fragment is known (``format: date-time`` is a ``DateTimeField``, an enum is
a ``ChoiceField``, ``properties`` a nested serializer, ``additionalProperties`` a
``DictField``...). Each is checked with DRF's coercion and messages (``phemu/fields.py`` and
:class:`~phemu.errors.Msg`), in the serializer's field order, and the first error is raised
as :class:`~phemu.errors.ValidationError` with the nested ``attr`` PostHog's exception handler
writes (``filters__groups__0__rollout_percentage``). Read-only fields are ignored on input.

Two inferences stand in for what the schema does not say: a required string field may not be
blank (a ModelSerializer makes a model ``CharField`` required only when it has
``blank=False`` and no default), and an optional one may be.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from datetime import date
from datetime import time
from typing import Any

from phemu.context import FormBody
from phemu.context import has_list
from phemu.errors import Msg
from phemu.errors import ValidationError
from phemu.fields import parse_bool
from phemu.fields import parse_choice
from phemu.fields import parse_datetime
from phemu.fields import parse_int
from phemu.fields import parse_text
from phemu.openapi.schema import Node
from phemu.openapi.schema import node
from phemu.serialization import format_datetime

# Django's validators, reduced to what decides acceptance for ordinary input.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_URL = re.compile(r"^(?:https?|ftps?)://[^\s/?#]+(?:[/?#][^\s]*)?$", re.IGNORECASE)
_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_TIME = re.compile(r"^(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:[.,](\d{1,6})\d*)?)?$")
_NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")


def validate_body(body: Any, schema: Any, *, partial: bool) -> dict[str, Any]:
    """The validated data of a request body (only the writable fields it carries).

    ``partial`` is PATCH: absent required fields are fine. Raises the first error.
    """
    if body is None:
        raise ValidationError(Msg.NO_DATA, code="null")
    if not isinstance(body, Mapping):
        raise ValidationError(Msg.EXPECTED_DICT.format(type=type(body).__name__), code="invalid")
    return _object(body, node(schema), prefix=None, partial=partial)


def _object(
    data: Mapping[str, Any], flat: Node, prefix: str | None, partial: bool
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, sub in flat.properties:
        field = node(sub)
        if field.read_only:
            continue
        attr = name if prefix is None else f"{prefix}__{name}"
        present, raw = _read(data, name, field, partial)
        if not present:
            if name in flat.required and not partial and not field.has_default:
                raise ValidationError(Msg.REQUIRED, code="required", attr=attr)
            continue
        required = name in flat.required
        out[name] = value(raw, field, attr, partial=partial, required=required)
    return out


def _read(data: Mapping[str, Any], name: str, field: Node, partial: bool) -> tuple[bool, Any]:
    """Whether the body carries ``name``, and its raw value, as DRF's fields read them."""
    if isinstance(data, FormBody):
        if field.kind == "array" and node(field.items).kind in ("object", "union"):
            # A list of objects is read as ``name[0]key`` fields (html.parse_html_list); a
            # plain form value of that name is not one.
            return False, None
        if field.kind == "array":
            # ``ListField.get_value``: the repeated key, else ``name[0]``... unless partial.
            return has_list(data, name, partial=partial), data.getlist(name)
        if field.kind in ("object", "union"):
            # A dict or nested serializer is read from a form as ``name.key`` fields
            # (DRF's html.parse_html_dict); without them the field is absent.
            dotted = {k[len(name) + 1 :]: v for k, v in data.items() if k.startswith(f"{name}.")}
            return bool(dotted), dotted
    return name in data, data.get(name)


def value(
    raw: Any, field: Node, attr: str, *, partial: bool = False, required: bool = False
) -> Any:
    """One field's validated value (the form it is stored and rendered in)."""
    if raw is None:
        if field.nullable or field.kind == "any":
            return None
        raise ValidationError(Msg.NULL, code="null", attr=attr)
    kind = field.kind
    if field.enum is not None and kind in ("string", "integer", "number", "boolean"):
        choices = [str(choice) for choice in field.enum if choice is not None]
        key = parse_choice(raw, attr, choices)
        return next(c for c in field.enum if c is not None and str(c) == key)
    if kind == "union":
        return _union(raw, field, attr, partial)
    if kind == "string":
        return _string(raw, field, attr, required)
    if kind == "integer":
        return parse_int(
            raw, attr, min_value=_bound(field.minimum), max_value=_bound(field.maximum)
        )
    if kind == "number":
        return _number(raw, field, attr)
    if kind == "boolean":
        return parse_bool(raw, attr)
    if kind == "array":
        return _array(raw, field, attr, partial)
    if kind == "object":
        return _nested(raw, field, attr, partial)
    return raw


def _bound(limit: float | None) -> int | None:
    return None if limit is None else int(limit)


def _union(raw: Any, field: Node, attr: str, partial: bool) -> Any:
    tagged = [v for v in field.variants if isinstance(raw, Mapping) and _tag_matches(raw, node(v))]
    if len(tagged) == 1:
        # A discriminated union (``kind``): the variant the tag names decides, errors included.
        return value(raw, node(tagged[0]), attr, partial=partial)
    first: ValidationError | None = None
    for variant in field.variants:
        try:
            return value(raw, node(variant), attr, partial=partial)
        except ValidationError as error:
            first = first or error
    assert first is not None
    raise first


def _tag_matches(raw: Mapping[str, Any], flat: Node) -> bool:
    """Whether an object carries the constant a variant requires (``"kind": "TrendsQuery"``)."""
    tags = [
        (name, (node(sub).enum or (None,))[0])
        for name, sub in flat.properties
        if name in raw and len(node(sub).enum or ()) == 1
    ]
    return bool(tags) and all(raw[name] == constant for name, constant in tags)


def _string(raw: Any, field: Node, attr: str, required: bool) -> Any:
    fmt = field.fmt
    if fmt == "date-time":
        return format_datetime(parse_datetime(raw, attr))
    if fmt == "date":
        return _date(raw, attr)
    if fmt == "time":
        return _time(raw, attr)
    if fmt == "decimal":
        return str(_number(raw, field, attr))
    allow_blank = not required and not (field.min_length or 0) > 0
    text = parse_text(raw, attr, allow_blank=allow_blank, max_length=field.max_length)
    if field.min_length is not None and text and len(text) < field.min_length:
        raise ValidationError(
            Msg.MIN_LENGTH.format(min=field.min_length), code="min_length", attr=attr
        )
    if fmt == "uuid":
        try:
            return str(uuid.UUID(text))
        except ValueError:
            raise ValidationError(Msg.INVALID_UUID, code="invalid", attr=attr) from None
    if fmt == "email" and text and not _EMAIL.match(text):
        raise ValidationError(Msg.INVALID_EMAIL, code="invalid", attr=attr)
    if fmt == "uri" and text and not _URL.match(text):
        raise ValidationError(Msg.INVALID_URL, code="invalid", attr=attr)
    if field.pattern and text and not re.search(field.pattern, text):
        raise ValidationError(Msg.PATTERN_MISMATCH, code="invalid", attr=attr)
    return text


def _date(raw: Any, attr: str) -> str:
    match = _DATE.match(raw.strip()) if isinstance(raw, str) else None
    if match:
        try:
            return date(*(int(part) for part in match.groups())).isoformat()
        except ValueError:
            pass
    raise ValidationError(Msg.INVALID_DATE, code="invalid", attr=attr)


def _time(raw: Any, attr: str) -> str:
    """DRF's TimeField via Django's ``parse_time``: ``time.fromisoformat`` first (offsets are
    read and dropped), then Django's own pattern."""
    if isinstance(raw, str):
        try:
            return time.fromisoformat(raw.strip()).replace(tzinfo=None).isoformat()
        except ValueError:
            pass
    match = _TIME.match(raw.strip()) if isinstance(raw, str) else None
    if match:
        hour, minute, second, micro = match.groups()
        try:
            return time(
                int(hour), int(minute), int(second or 0), int((micro or "0").ljust(6, "0"))
            ).isoformat()
        except ValueError:
            pass
    raise ValidationError(Msg.INVALID_TIME, code="invalid", attr=attr)


def _number(raw: Any, field: Node, attr: str) -> float | int:
    if isinstance(raw, bool):
        raise ValidationError(Msg.INVALID_NUMBER, code="invalid", attr=attr)
    if isinstance(raw, (int, float)):
        number: float | int = raw
    elif isinstance(raw, str) and _NUMBER.match(raw.strip()) and len(raw) <= 1000:
        text = raw.strip()
        number = float(text) if any(c in text for c in ".eE") else int(text)
    else:
        raise ValidationError(Msg.INVALID_NUMBER, code="invalid", attr=attr)
    if number != number or number in (float("inf"), float("-inf")):
        raise ValidationError(Msg.INVALID_NUMBER, code="invalid", attr=attr)
    if field.minimum is not None and number < field.minimum:
        raise ValidationError(
            Msg.MIN_VALUE.format(min=_plain(field.minimum)), code="min_value", attr=attr
        )
    if field.maximum is not None and number > field.maximum:
        raise ValidationError(
            Msg.MAX_VALUE.format(max=_plain(field.maximum)), code="max_value", attr=attr
        )
    return number


def _plain(limit: float) -> str:
    return str(int(limit)) if float(limit).is_integer() else str(limit)


def _array(raw: Any, field: Node, attr: str, partial: bool) -> list[Any]:
    if isinstance(raw, (str, dict)) or not isinstance(raw, (list, tuple)):
        raise ValidationError(
            Msg.NOT_A_LIST.format(type=type(raw).__name__), code="not_a_list", attr=attr
        )
    if field.min_items is not None and len(raw) < field.min_items:
        raise ValidationError(
            Msg.LIST_MIN_LENGTH.format(min=field.min_items), code="min_length", attr=attr
        )
    if field.max_items is not None and len(raw) > field.max_items:
        raise ValidationError(
            Msg.LIST_MAX_LENGTH.format(max=field.max_items), code="max_length", attr=attr
        )
    if field.items is None:
        return list(raw)
    item = node(field.items)
    return [
        value(entry, item, f"{attr}__{index}", partial=partial) for index, entry in enumerate(raw)
    ]


def _nested(raw: Any, field: Node, attr: str, partial: bool) -> Any:
    if not isinstance(raw, Mapping):
        if field.properties:
            # A nested serializer's own error is a non-field error of it, which PostHog's
            # exception handler (drf-exceptions-hog) names ``<field>__non_field_errors``.
            raise ValidationError(
                Msg.EXPECTED_DICT.format(type=type(raw).__name__),
                code="invalid",
                attr=f"{attr}__non_field_errors",
            )
        raise ValidationError(
            Msg.NOT_A_DICT.format(type=type(raw).__name__), code="not_a_dict", attr=attr
        )
    if field.properties:
        return _object(raw, field, prefix=attr, partial=partial)
    if isinstance(field.additional, dict) and field.additional:
        inner = node(field.additional)
        return {str(k): value(v, inner, f"{attr}__{k}", partial=partial) for k, v in raw.items()}
    return dict(raw)
