"""Matching one property filter against a set of property values, as PostHog's flags service does.

The server evaluates with the person's (or group's) stored properties merged with the request's
overrides, so a missing property is a definite answer here, never "inconclusive": ``exact`` does
not match, ``is_not`` and the other negated operators do (``rust/feature-flags/src/properties/
property_matching.rs``, ``match_property``). The SDKs' local evaluation (``posthog``'s
``posthog/feature_flags.py``) agrees wherever the property is present, which is what the oracle
tests compare.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from datetime import date
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from datetime import tzinfo
from functools import lru_cache
from typing import Any

from dateutil.relativedelta import relativedelta

#: Operators that need no filter value.
_PRESENCE = ("is_set", "is_not_set")
#: Operators whose negated form matches a missing property.
_NEGATED = frozenset({"is_not", "not_icontains", "not_regex", "not_starts_with", "not_ends_with"})
_TEXT = {
    "icontains": "contains",
    "not_icontains": "contains",
    "starts_with": "startswith",
    "not_starts_with": "startswith",
    "ends_with": "endswith",
    "not_ends_with": "endswith",
}
_NUMERIC = ("gt", "gte", "lt", "lte")
_DATES = ("is_date_before", "is_date_after", "is_date_exact")
SEMVER_OPERATORS = (
    "semver_eq",
    "semver_neq",
    "semver_gt",
    "semver_gte",
    "semver_lt",
    "semver_lte",
    "semver_tilde",
    "semver_caret",
    "semver_wildcard",
)
#: Every operator :func:`match_property` understands (cohort ``in``/``not_in`` and
#: ``flag_evaluates_to`` are handled by the flag evaluator).
OPERATORS = frozenset(
    {"exact", "is_not", *_PRESENCE, *_TEXT, "regex", "not_regex", *_NUMERIC, *_DATES}
    | set(SEMVER_OPERATORS)
)

# Rust's ``str::parse::<f64>`` grammar: no whitespace, no underscores (Python's float() takes both).
_RUST_FLOAT = re.compile(
    r"[+-]?(?:inf|infinity|nan|(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)", re.IGNORECASE
)
_RELATIVE_DATE = re.compile(r"^-?(?P<number>[0-9]+)(?P<interval>[a-z])$")


def as_text(value: Any) -> str:
    """A JSON value as the flags service compares it: strings as they are, others as JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    text = as_text(value)
    return float(text) if _RUST_FLOAT.fullmatch(text) else None


def _truthy_or_falsy(value: Any) -> bool:
    if isinstance(value, bool):
        return True
    if isinstance(value, str):
        return value.lower() in ("true", "false")
    if isinstance(value, list):
        return all(_truthy_or_falsy(item) for item in value)
    return False


def _truthy(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value.lower() == "true"
    if isinstance(value, list):
        return all(_truthy(item) for item in value)
    return False


def _exact(expected: Any, actual: Any) -> bool:
    if _truthy_or_falsy(expected):
        return _truthy(expected) == _truthy(actual)
    target = as_text(actual).lower()
    if isinstance(expected, list):
        return any(as_text(item).lower() == target for item in expected)
    return as_text(expected).lower() == target


@lru_cache(maxsize=512)
def _compiled(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern)
    except (re.error, RecursionError, OverflowError):
        return None


def match_property(
    prop: Mapping[str, Any],
    values: Mapping[str, Any],
    *,
    now: datetime,
    tz: tzinfo = timezone.utc,
) -> bool:
    """Whether ``values`` satisfy the filter ``prop`` (``key``, ``operator``, ``value``).

    An unusable filter (an unknown operator, a non-numeric ``gt`` value, an invalid regex or
    semver) does not match, which is how the flags service treats its matching errors.
    """
    key = str(prop.get("key"))
    operator = prop.get("operator") or "exact"
    present = key in values
    if operator == "is_set":
        return present
    if operator == "is_not_set":
        return not present
    expected = prop.get("value")
    if expected is None:
        return False
    if not present:
        return operator in _NEGATED
    actual = values[key]
    if operator in ("exact", "is_not"):
        return _exact(expected, actual) == (operator == "exact")
    if operator in _TEXT:
        method = _TEXT[operator]
        haystack, needle = _ascii_lower(as_text(actual)), _ascii_lower(as_text(expected))
        found = needle in haystack if method == "contains" else getattr(haystack, method)(needle)
        return found != operator.startswith("not_")
    if operator in ("regex", "not_regex"):
        regex = _compiled(as_text(expected))
        if regex is None:
            return False
        return (regex.search(as_text(actual)) is not None) == (operator == "regex")
    if operator in _NUMERIC:
        return _compare_numbers(operator, actual, expected)
    if operator in _DATES:
        return _compare_dates(operator, actual, expected, now, tz)
    if operator in SEMVER_OPERATORS:
        return _compare_semver(operator, actual, expected)
    return False


def _ascii_lower(text: str) -> str:
    return text.translate(_ASCII_LOWER)


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _compare_numbers(operator: str, actual: Any, expected: Any) -> bool:
    left, right = as_number(actual), as_number(expected)
    if left is None or right is None:
        return False
    if operator == "gt":
        return left > right
    if operator == "gte":
        return left >= right
    if operator == "lt":
        return left < right
    return left <= right


# -- dates ---------------------------------------------------------------------------------------


def parse_date(value: Any, now: datetime, tz: tzinfo = timezone.utc) -> datetime | None:
    """A filter or property date: relative (``-7d``, ``3m``), offset-aware, or naive in ``tz``."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=tz)
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    text = str(value).strip()
    relative = _relative(text, now)
    if relative is not None:
        return relative
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            return None
        try:
            return datetime.fromtimestamp(value, tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            return None
    iso = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
    try:
        parsed = datetime.fromisoformat(iso)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)


def _relative(text: str, now: datetime) -> datetime | None:
    # posthog/queries/base.py relative_date_parse_for_feature_flag_matching (and its Rust twin):
    # "-7d", "1w", "3m", "1y", "24h"; 10,000 units or more is not a date.
    match = _RELATIVE_DATE.match(text)
    if match is None:
        return None
    number = int(match["number"])
    if number >= 10_000:
        return None
    interval = match["interval"]
    steps = {
        "h": timedelta(hours=number),
        "d": timedelta(days=number),
        "w": timedelta(weeks=number),
    }
    if interval in steps:
        return now - steps[interval]
    if interval == "m":
        return now - relativedelta(months=number)
    if interval == "y":
        return now - relativedelta(years=number)
    return None


def _compare_dates(operator: str, actual: Any, expected: Any, now: datetime, tz: tzinfo) -> bool:
    left = parse_date(actual, now, tz)
    right = parse_date(expected, now, tz) if isinstance(expected, str) else None
    if left is None or right is None:
        return False
    if operator == "is_date_before":
        return left < right
    if operator == "is_date_after":
        return left > right
    return left == right


# -- semantic versions -----------------------------------------------------------------------------

Version = tuple[int, int, int]


def parse_version(value: Any) -> Version | None:
    """``major.minor.patch`` of a version string: a ``v`` prefix, missing parts and leading zeros
    are accepted and pre-release / build suffixes dropped, as the flags service canonicalises
    mobile-style versions (``3.08`` is ``3.8.0``)."""
    text = as_text(value).strip()
    if text[:1] in ("v", "V"):
        text = text[1:]
    core = re.split(r"[-+]", text, maxsplit=1)[0]
    parts = core.split(".")
    if not 1 <= len(parts) <= 3 or not all(p.isascii() and p.isdigit() for p in parts):
        return None
    numbers = [int(p) for p in parts] + [0] * (3 - len(parts))
    return numbers[0], numbers[1], numbers[2]


def version_bounds(operator: str, value: Any) -> tuple[Version, Version] | None:
    """The ``[lower, upper)`` range of ``semver_tilde`` / ``caret`` / ``wildcard`` filters."""
    if operator == "semver_wildcard":
        text = as_text(value).strip().lstrip("vV").replace("*", "").rstrip(".")
        parts = [p for p in text.split(".") if p]
        if not parts or len(parts) > 3 or not all(p.isdigit() for p in parts):
            return None
        numbers = [int(p) for p in parts]
        lower = (*numbers, *([0] * (3 - len(numbers))))
        bumped = [*numbers[:-1], numbers[-1] + 1]
        upper = (*bumped, *([0] * (3 - len(bumped))))
        return (lower[0], lower[1], lower[2]), (upper[0], upper[1], upper[2])
    base = parse_version(value)
    if base is None:
        return None
    major, minor, patch = base
    if operator == "semver_tilde":
        return base, (major, minor + 1, 0)
    if major > 0:
        return base, (major + 1, 0, 0)
    if minor > 0:
        return base, (0, minor + 1, 0)
    return base, (0, 0, patch + 1)


def _compare_semver(operator: str, actual: Any, expected: Any) -> bool:
    version = parse_version(actual)
    if version is None:
        return False
    if operator in ("semver_tilde", "semver_caret", "semver_wildcard"):
        bounds = version_bounds(operator, expected)
        return bounds is not None and bounds[0] <= version < bounds[1]
    target = parse_version(expected)
    if target is None:
        return False
    return {
        "semver_eq": version == target,
        "semver_neq": version != target,
        "semver_gt": version > target,
        "semver_gte": version >= target,
        "semver_lt": version < target,
        "semver_lte": version <= target,
    }[operator]
