"""Django-REST-Framework-like input coercion with DRF's exact error codes and messages.

PostHog's serializers are DRF serializers, so the way a value is accepted or rejected (numbers
as strings, ``"t"`` as a boolean, naive datetimes as UTC...) is DRF's. Each parser takes the raw
JSON (or form) value and the field name and returns the Python value or raises
:class:`~phemu.errors.ValidationError` with ``attr`` set to the field name.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from datetime import datetime
from datetime import timezone
from typing import Any
from typing import TypeVar

from phemu.context import list_value
from phemu.errors import Msg
from phemu.errors import ServerError
from phemu.errors import ValidationError
from phemu.serialization import find_bad_text
from phemu.serialization import lone_surrogate

T = TypeVar("T")

INT32_MIN = -2147483648
INT32_MAX = 2147483647

TRUE_VALUES = frozenset({"t", "true", "y", "yes", "on", "1"})
FALSE_VALUES = frozenset({"f", "false", "n", "no", "off", "0"})

# DRF's iso-8601 parsing (django.utils.dateparse.datetime_re), plus date-only values.
_DATETIME_RE = re.compile(
    r"(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})"
    r"(?:[T ](?P<hour>\d{1,2}):(?P<minute>\d{1,2})"
    r"(?::(?P<second>\d{1,2})(?:[.,](?P<microsecond>\d{1,6})\d*)?)?"
    r"\s*(?P<tzinfo>Z|[+-]\d{2}(?::?\d{2})?)?)?$"
)


class _Missing:
    """Marker for "key absent from the request body" (distinct from JSON ``null``)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


def require(data: Mapping[str, Any], name: str, *, nullable: bool = False) -> Any:
    """The raw value of ``name``; ``required``/``null`` errors as DRF raises them."""
    if name not in data:
        raise ValidationError(Msg.REQUIRED, code="required", attr=name)
    value = data[name]
    if value is None and not nullable:
        raise ValidationError(Msg.NULL, code="null", attr=name)
    return value


def not_null(value: Any, name: str) -> None:
    if value is None:
        raise ValidationError(Msg.NULL, code="null", attr=name)


def nullable(data: Mapping[str, Any], name: str, parse: Callable[[Any, str], T]) -> T | None:
    """A field with ``allow_null``: JSON ``null`` stays ``None``, anything else is ``parse``d."""
    value = data[name]
    return None if value is None else parse(value, name)


def parse_text(
    value: Any,
    name: str,
    *,
    allow_blank: bool = True,
    max_length: int | None = None,
    trim: bool = True,
) -> str:
    """DRF ``CharField``: strings and numbers accepted, whitespace trimmed.

    Its validators run in DRF's order: ``max_length``, then NUL, then lone surrogates, so a
    string Postgres could not store never reaches the store (docs/architecture.md, "Text
    PostHog cannot store").
    """
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValidationError(Msg.NOT_A_STRING, code="invalid", attr=name)
    text = str(value)
    if trim:
        text = text.strip()
    if not allow_blank and text == "":
        raise ValidationError(Msg.BLANK, code="blank", attr=name)
    if max_length is not None and len(text) > max_length:
        raise ValidationError(Msg.MAX_LENGTH.format(max=max_length), code="max_length", attr=name)
    if "\x00" in text:
        raise ValidationError(Msg.NULL_CHARACTERS, code="null_characters_not_allowed", attr=name)
    surrogate = lone_surrogate(text)
    if surrogate is not None:
        raise ValidationError(
            Msg.SURROGATE_CHARACTERS.format(code_point=ord(surrogate)),
            code="surrogate_characters_not_allowed",
            attr=name,
        )
    return text


def storable_json(value: T) -> T:
    """A DRF ``JSONField`` value as PostHog saves it into a Postgres ``jsonb`` column.

    DRF accepts any JSON, but Postgres refuses a ``\\u0000`` escape or a lone surrogate anywhere
    in a ``jsonb`` document (keys included); the failed save is PostHog's 500. Call it after
    every other field of the body has validated, before anything is written.
    """
    if find_bad_text(value, nul=True) is not None:
        raise ServerError()
    return value


def lookup_int(raw: str) -> int | None:
    """A path id as Django reads it for a lookup: ``int(raw)``; ``None`` finds nothing (404).

    Django's ``IntegerField.get_prep_value`` and PostHog's ``TeamAndOrgViewSetMixin``
    (``posthog/api/routing.py``) both coerce with ``int()``, so ``" 7"``, ``"+7"``, ``"7_0"`` and
    non-ASCII digits are numbers, and whatever ``int()`` refuses (letters, or more digits than
    Python's 4,300-digit conversion limit) is a ``ValueError`` they answer with a 404.
    """
    try:
        return int(raw)
    except ValueError:
        return None


def parse_choice(value: Any, name: str, choices: Iterable[str]) -> str:
    """DRF ``ChoiceField``: exact, case-sensitive match against ``choices``."""
    key = str(value) if not isinstance(value, bool) else ("True" if value else "False")
    if key not in set(choices):
        raise ValidationError(
            Msg.INVALID_CHOICE.format(value=key), code="invalid_choice", attr=name
        )
    return key


def parse_int(
    value: Any, name: str, *, min_value: int | None = INT32_MIN, max_value: int | None = INT32_MAX
) -> int:
    """DRF ``IntegerField``: ints, integral floats and digit strings."""
    if isinstance(value, bool):
        # DRF coerces via int(str(value)) after a regex that rejects "True"/"False".
        raise ValidationError(Msg.INVALID_INTEGER, code="invalid", attr=name)
    number: int
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise ValidationError(Msg.INVALID_INTEGER, code="invalid", attr=name)
        number = int(value)
    elif isinstance(value, str):
        text = value.strip()
        if not re.fullmatch(r"[+-]?\d+(\.0*)?", text) or len(text) > 1000:
            raise ValidationError(Msg.INVALID_INTEGER, code="invalid", attr=name)
        number = int(text.split(".")[0])
    else:
        raise ValidationError(Msg.INVALID_INTEGER, code="invalid", attr=name)
    if min_value is not None and number < min_value:
        raise ValidationError(Msg.MIN_VALUE.format(min=min_value), code="min_value", attr=name)
    if max_value is not None and number > max_value:
        raise ValidationError(Msg.MAX_VALUE.format(max=max_value), code="max_value", attr=name)
    return number


def parse_bool(value: Any, name: str) -> bool:
    """DRF ``BooleanField``: JSON booleans, 1/0 and the usual yes/no strings."""
    if value is True or value is False:
        return bool(value)
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        lowered = value.lower()
        if lowered in TRUE_VALUES:
            return True
        if lowered in FALSE_VALUES:
            return False
    raise ValidationError(Msg.INVALID_BOOLEAN, code="invalid", attr=name)


def str_to_bool(value: Any) -> bool:
    """PostHog's ``str_to_bool`` (``posthog/utils.py``): falsy values are false, anything else
    must read as true once lower-cased (no trimming: ``" true"`` is false)."""
    if not value:
        return False
    return str(value).lower() in TRUE_VALUES


def parse_datetime(value: Any, name: str) -> datetime:
    """DRF ``DateTimeField`` with ``USE_TZ``: naive values are UTC, offsets are converted."""
    if isinstance(value, str):
        match = _DATETIME_RE.match(value.strip())
        if match:
            try:
                return _build_datetime(match)
            except ValueError:
                pass
    raise ValidationError(Msg.INVALID_DATETIME, code="invalid", attr=name)


def _build_datetime(match: re.Match[str]) -> datetime:
    parts = match.groupdict()
    micro = (parts["microsecond"] or "0").ljust(6, "0")
    dt = datetime(
        int(parts["year"]),
        int(parts["month"]),
        int(parts["day"]),
        int(parts["hour"] or 0),
        int(parts["minute"] or 0),
        int(parts["second"] or 0),
        int(micro),
        tzinfo=timezone.utc,
    )
    tz = parts["tzinfo"]
    if tz and tz != "Z":
        sign = -1 if tz[0] == "-" else 1
        digits = tz[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
        if hours > 23 or minutes > 59:
            raise ValueError(tz)
        from datetime import timedelta

        dt = dt - sign * timedelta(hours=hours, minutes=minutes)
    return dt


def parse_pk(value: Any, name: str, exists: Callable[[int], bool]) -> int:
    """DRF ``PrimaryKeyRelatedField``: the id must name an object ``exists`` accepts."""
    if isinstance(value, bool) or not isinstance(value, (int, str, float)):
        raise ValidationError(
            Msg.PK_INCORRECT_TYPE.format(type=type(value).__name__),
            code="incorrect_type",
            attr=name,
        )
    pk: int | None = None
    if isinstance(value, int):
        pk = value
    elif isinstance(value, float) and value.is_integer():
        pk = int(value)
    elif isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d{1,18}\s*", value):
        pk = int(value)
    elif isinstance(value, str):
        # Django raises ValueError on int("abc"), which DRF reports as incorrect_type.
        raise ValidationError(
            Msg.PK_INCORRECT_TYPE.format(type="str"), code="incorrect_type", attr=name
        )
    if pk is None or not exists(pk):
        raise ValidationError(
            Msg.PK_DOES_NOT_EXIST.format(value=_pk_text(value)), code="does_not_exist", attr=name
        )
    return pk


def _pk_text(value: Any) -> str:
    return str(value)


def parse_list(value: Any, name: str, item: Callable[[Any, str], T]) -> list[T]:
    """DRF ``ListField``: an array, each item parsed with ``item`` (attr ``name__<index>``)."""
    if isinstance(value, (str, dict)) or not isinstance(value, (list, tuple)):
        raise ValidationError(
            Msg.NOT_A_LIST.format(type=type(value).__name__), code="not_a_list", attr=name
        )
    result: list[T] = []
    for index, raw in enumerate(value):
        try:
            result.append(item(raw, name))
        except ValidationError as error:
            raise ValidationError(error.detail, code=error.code, attr=f"{name}__{index}") from None
    return result


def optional_text(body: Any, name: str, *, nullable: bool, max_length: int | None) -> str | None:
    """A present ``CharField`` (``allow_null=nullable``): ``None`` or the trimmed text."""
    value = body[name]
    if value is None:
        if nullable:
            return None
        not_null(value, name)
    return parse_text(value, name, max_length=max_length)


def required_bool(body: Any, name: str) -> bool:
    """A present non-null ``BooleanField``."""
    value = body[name]
    not_null(value, name)
    return parse_bool(value, name)


def _tag(value: Any, name: str) -> str:
    # A DRF ``CharField`` child: null and blank are their own errors.
    not_null(value, name)
    return parse_text(value, name, allow_blank=False)


def parse_tags(body: Any, name: str = "tags") -> list[str]:
    """PostHog's tags field: strings, duplicates dropped, first-seen order kept."""
    raw = list_value(body, name)
    not_null(raw, name)
    seen: dict[str, None] = {}
    for tag in parse_list(raw, name, _tag):
        seen.setdefault(tag, None)
    return list(seen)


def expect_object(data: Any) -> dict[str, Any]:
    """A request body that must be an object (DRF ``Serializer.to_internal_value``)."""
    if data is None:
        raise ValidationError(Msg.NO_DATA, code="null")
    if not isinstance(data, dict):
        raise ValidationError(Msg.EXPECTED_DICT.format(type=type(data).__name__), code="invalid")
    return data
