"""Matching one property filter against a set of property values, as PostHog's flags service does.

The server evaluates with the person's (or group's) stored properties merged with the request's
overrides, so a missing property is a definite answer here, never "inconclusive": ``exact`` does
not match, ``is_not`` and the other negated operators do (``rust/feature-flags/src/properties/
property_matching.rs``, ``match_property``). A filter the service cannot use (a non-numeric
``gt`` value, an invalid semver requirement) is a matching error there, which the condition
reads as "no match" (``flag_matching_utils.rs``, ``all_properties_match``: ``unwrap_or(false)``).

Values are read the way the service's Rust reads them, not the way Python would: non-string
values are compared through their ``serde_json`` text (``1e16``, not ``1e+16``), numbers through
Rust's ``f64`` grammar, dates through ``chrono`` and the ``dateparser`` crate, versions through
the ``semver`` crate. Where the ``posthog`` SDK's local evaluation reads a value differently, the
oracle tests (``tests/resources/test_feature_flags_oracle.py``) name the class and leave it out.
Huge numbers (thousands of digits) never reach Python's ``int`` digit limit: they are measured as
text first, as Rust's fixed-width parsers reject them.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
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
    r"[+-]?(?:inf|infinity|nan|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:e[+-]?[0-9]+)?)", re.IGNORECASE
)
#: Rust's ``char::is_whitespace`` (Unicode White_Space): what ``trim`` and regex ``\s`` strip.
_SPACES = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_S = "[" + re.escape(_SPACES) + "]"
_U64_MAX = 2**64 - 1
_I64_MIN = -(2**63)


# -- values as serde_json holds them -------------------------------------------------------------


def filter_tree(group: Mapping[str, Any], leaf: Callable[[Mapping[str, Any]], bool]) -> bool:
    """A cohort's AND/OR tree of filters, as the flags service and the cohort calculation read
    it: an empty group holds, ``negation`` flips one filter, ``leaf`` decides the others."""
    values = group.get("values") or []
    if not values:
        return True
    results = [
        filter_tree(item, leaf) if "values" in item else leaf(item) != bool(item.get("negation"))
        for item in values
    ]
    return all(results) if group.get("type", "AND") == "AND" else any(results)


def as_text(value: Any) -> str:
    """A value as the flags service compares it: strings as they are, others as serde_json text."""
    if isinstance(value, str):
        return value
    return _json_text(value)


def _json_text(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        if _I64_MIN <= value <= _U64_MAX:
            return str(value)
        # serde_json keeps integers beyond 64 bits as f64 (and refuses those beyond f64's range).
        number = _int_as_f64(value)
        return "null" if number is None else _f64_text(number)
    if isinstance(value, float):
        return _f64_text(value) if math.isfinite(value) else "null"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ",".join(_json_text(item) for item in value) + "]"
    if isinstance(value, Mapping):
        # serde_json's default map is a BTreeMap: keys in byte (code point) order.
        items = sorted((str(k), v) for k, v in value.items())
        return (
            "{"
            + ",".join(f"{json.dumps(k, ensure_ascii=False)}:{_json_text(v)}" for k, v in items)
            + "}"
        )
    return str(value)


def _int_as_f64(value: int) -> float | None:
    if value.bit_length() > 1024:
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def _f64_text(number: float) -> str:
    """``ryu``'s shortest form, as serde_json prints a float (``1e16``, ``1e-7``, ``0.00001``)."""
    if number == 0:
        return "-0.0" if math.copysign(1.0, number) < 0 else "0.0"
    sign = "-" if number < 0 else ""
    mantissa, _, exponent = repr(abs(number)).partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = whole + fraction
    point = len(whole) + int(exponent or 0)  # the value is 0.<digits> * 10**point
    stripped = digits.lstrip("0")
    point -= len(digits) - len(stripped)
    digits = stripped.rstrip("0")
    length = len(digits)
    if length <= point <= 16:
        return sign + digits + "0" * (point - length) + ".0"
    if 0 < point <= 16:
        return sign + digits[:point] + "." + digits[point:]
    if -5 < point <= 0:
        return sign + "0." + "0" * -point + digits
    tail = "." + digits[1:] if length > 1 else ""
    return f"{sign}{digits[0]}{tail}e{point - 1}"


def as_number(value: Any) -> float | None:
    """``to_f64_representation``: JSON numbers as they are, other values through their text."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return _int_as_f64(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
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


# -- instants: what chrono holds ------------------------------------------------------------------
# An instant is an int of nanoseconds since 1970-01-01T00:00:00Z: chrono's range (years -262143
# to 262142) is far wider than Python's datetime (1 to 9999), and relative dates ("-9999y") or epoch
# seconds (1e12) land outside it.

_NS = 1_000_000_000
_DAY_NS = 86_400 * _NS
_MIN_YEAR, _MAX_YEAR = -262_143, 262_142


def _days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm)."""
    year -= month <= 2
    era = year // 400
    yoe = year - era * 400
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146_097 + doe - 719_468


def _civil_from_days(days: int) -> tuple[int, int, int]:
    days += 719_468
    era = days // 146_097
    doe = days - era * 146_097
    yoe = (doe - doe // 1460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = mp + (3 if mp < 10 else -9)
    return yoe + era * 400 + (month <= 2), month, day


def _month_length(year: int, month: int) -> int:
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


@dataclass(frozen=True, slots=True)
class _Wall:
    """A naive wall-clock time (chrono's ``NaiveDateTime``); ``nano`` may exceed 1e9 in a leap
    second, as chrono represents ``:60``."""

    year: int
    month: int
    day: int
    hour: int = 0
    minute: int = 0
    second: int = 0
    nano: int = 0

    def valid(self) -> bool:
        return (
            _MIN_YEAR <= self.year <= _MAX_YEAR
            and 1 <= self.month <= 12
            and 1 <= self.day <= _month_length(self.year, self.month)
            and 0 <= self.hour <= 23
            and 0 <= self.minute <= 59
            and 0 <= self.second <= 59
            and 0 <= self.nano < 2 * _NS
        )

    def wall_ns(self) -> int:
        days = _days_from_civil(self.year, self.month, self.day)
        seconds = self.hour * 3600 + self.minute * 60 + self.second
        return days * _DAY_NS + seconds * _NS + self.nano

    @classmethod
    def of_ns(cls, total: int) -> _Wall:
        days, rest = divmod(total, _DAY_NS)
        year, month, day = _civil_from_days(days)
        seconds, nano = divmod(rest, _NS)
        return cls(year, month, day, seconds // 3600, seconds // 60 % 60, seconds % 60, nano)

    @classmethod
    def of(cls, moment: datetime) -> _Wall:
        return cls(
            moment.year,
            moment.month,
            moment.day,
            moment.hour,
            moment.minute,
            moment.second,
            moment.microsecond * 1000,
        )


def _utc_in(wall: _Wall, tz: tzinfo) -> int | None:
    """The instant of a wall clock in ``tz``: the earliest on a fall-back overlap, none in a
    spring-forward gap (``relative_date.rs``, ``naive_to_utc_in_tz``). Outside Python's years
    the zone's offset at the nearest year it can hold is used."""
    if not wall.valid():
        return None
    if 1 <= wall.year <= 9999:
        local = datetime(wall.year, wall.month, wall.day, wall.hour, wall.minute, wall.second)
        aware = local.replace(tzinfo=tz, fold=0)
        try:
            back = aware.astimezone(timezone.utc).astimezone(tz).replace(tzinfo=None)
        except (OverflowError, ValueError):
            back = local
        if back != local:
            return None
    else:
        aware = datetime(
            1 if wall.year < 1 else 9999,
            1 if wall.year < 1 else 12,
            1 if wall.year < 1 else 31,
            tzinfo=tz,
        )
    offset = aware.utcoffset() or timedelta(0)
    return _in_range(wall.wall_ns() - (offset // timedelta(microseconds=1)) * 1000)


def _in_range(total: int) -> int | None:
    year = _civil_from_days(total // _DAY_NS)[0]
    return total if _MIN_YEAR <= year <= _MAX_YEAR else None


# -- dates, as the flags service reads them (property_matching.rs, relative_date.rs) -------------

_RELATIVE = re.compile(r"-?(?P<number>[0-9]+)(?P<interval>[hdwmy])")


def _relative(text: str, now: datetime, tz: tzinfo) -> int | None:
    """``-7d``, ``3m``, ``1y``: the team's wall clock minus the interval, read back in the team's
    zone. Months and years step one at a time, clamping the day as they go (March 31 minus two
    months is January 28 or 29); 10,000 units or more is not a date."""
    match = _RELATIVE.fullmatch(text)
    if match is None:
        return None
    digits = match["number"].lstrip("0") or "0"
    if len(digits) > 4:
        return None
    number = int(digits)
    wall = _Wall.of(now.astimezone(tz))
    interval = match["interval"]
    hours = {"h": 1, "d": 24, "w": 168}.get(interval)
    if hours is not None:
        return _utc_in(_Wall.of_ns(wall.wall_ns() - number * hours * 3600 * _NS), tz)
    year, month, day = wall.year, wall.month, wall.day
    for _ in range(number):
        if interval == "m":
            year, month = (year - 1, 12) if month == 1 else (year, month - 1)
            day = min(day, _month_length(year, month))
        else:
            year -= 1
            if month == 2:
                day = min(day, _month_length(year, 2))
    if not _MIN_YEAR <= year <= _MAX_YEAR:
        return None
    return _utc_in(_Wall(year, month, day, wall.hour, wall.minute, wall.second, wall.nano), tz)


def _timestamp(seconds: float) -> int | None:
    """``parse_float_timestamp``: seconds since the epoch, with Rust's saturating casts (NaN is
    the epoch itself; a negative fraction rounds its nanoseconds to 0)."""
    if math.isnan(seconds):
        whole, nano = 0, 0
    elif math.isinf(seconds):
        return None
    else:
        whole = math.floor(seconds)
        scaled = math.fmod(seconds, 1.0) * 1e9
        nano = math.floor(scaled)
        if scaled - nano >= 0.5:
            nano += 1
        nano = max(nano, 0)
    if nano >= 2 * _NS or (nano >= _NS and whole % 60 != 59):
        return None
    return _in_range(whole * _NS + nano)


def _chrono_now_time(now: datetime) -> tuple[int, int, int, int]:
    utc = now.astimezone(timezone.utc)
    return utc.hour, utc.minute, utc.second, utc.microsecond * 1000


#: The naive forms ``parse_date_string_in_tz`` reads in the team's zone, after a bare date.
_NAIVE_FORMATS = (
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
)


def _date_text(text: str, now: datetime, tz: tzinfo) -> int | None:
    """``parse_date_string_in_tz``: relative, RFC 3339, a bare date or naive date-time in the
    team's zone, then the ``dateparser`` crate (UTC, the service's local zone)."""
    relative = _relative(text, now, tz)
    if relative is not None:
        return relative
    rfc3339 = _rfc3339(text)
    if rfc3339 is not None:
        return rfc3339
    bare = _chrono(text, "%Y-%m-%d")
    if bare is not None:
        wall = bare.wall(date_only=True)
        return None if wall is None else _utc_in(wall, tz)
    for fmt in _NAIVE_FORMATS:
        parsed = _chrono(text, fmt)
        if parsed is not None:
            wall = parsed.wall()
            return None if wall is None else _utc_in(wall, tz)
    return _dateparser(text, now)


def _person_date(value: Any, now: datetime, tz: tzinfo) -> int | None:
    """``determine_parsed_date_for_property_matching``: a number, or a string that reads as one,
    is epoch seconds (``"2020"`` is 1970-01-01T00:33:40Z); other strings are dates."""
    if isinstance(value, str):
        if _RUST_FLOAT.fullmatch(value):
            return _timestamp(float(value))
        return _date_text(value, now, tz)
    if isinstance(value, datetime):
        wall = _Wall.of(value)
        if value.tzinfo is not None:
            return _utc_in(
                _Wall.of(value.astimezone(timezone.utc).replace(tzinfo=None)), timezone.utc
            )
        return _utc_in(wall, tz)
    if isinstance(value, date):
        return _utc_in(_Wall(value.year, value.month, value.day), tz)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = _int_as_f64(value)
        return None if number is None else _timestamp(number)
    if isinstance(value, float):
        return _timestamp(value) if math.isfinite(value) else None
    return None


def _compare_dates(operator: str, actual: Any, expected: Any, now: datetime, tz: tzinfo) -> bool:
    left = _person_date(actual, now, tz)
    if left is None or not isinstance(expected, str):
        return False
    right = _date_text(expected, now, tz)
    if right is None:
        return False
    if operator == "is_date_before":
        return left < right
    if operator == "is_date_after":
        return left > right
    return left == right


# -- chrono's parsers ----------------------------------------------------------------------------

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH_SUFFIXES = (
    "uary",
    "ruary",
    "ch",
    "il",
    "",
    "e",
    "y",
    "ust",
    "tember",
    "ober",
    "ember",
    "ember",
)


@dataclass(slots=True)
class _Parsed:
    """chrono's ``Parsed``: the fields a format string read."""

    year: int | None = None
    year_mod100: int | None = None
    month: int | None = None
    day: int | None = None
    hour: int | None = None
    hour12: int | None = None
    pm: bool | None = None
    minute: int | None = None
    second: int | None = None
    nano: int | None = None
    offset: int | None = None

    def wall(
        self, *, date_only: bool = False, time: tuple[int, int, int, int] | None = None
    ) -> _Wall | None:
        year = self.year
        if year is None and self.year_mod100 is not None:
            year = self.year_mod100 + (2000 if self.year_mod100 < 70 else 1900)
        if year is None or self.month is None or self.day is None:
            return None
        if date_only or time is not None:
            hour, minute, second, nano = time or (0, 0, 0, 0)
        else:
            if self.hour is not None:
                hour = self.hour
            elif self.hour12 is not None and self.pm is not None:
                hour = self.hour12 % 12 + (12 if self.pm else 0)
            else:
                return None
            if self.minute is None:
                return None
            minute, second, nano = self.minute, self.second or 0, self.nano or 0
            if second == 60:
                second, nano = 59, nano + _NS
        wall = _Wall(year, self.month, self.day, hour, minute, second, nano)
        return wall if wall.valid() else None


def _skip_spaces(text: str, at: int) -> int:
    while at < len(text) and text[at] in _SPACES:
        at += 1
    return at


def _number(text: str, at: int, most: int) -> tuple[int, int] | None:
    end = at
    while end < len(text) and end - at < most and "0" <= text[end] <= "9":
        end += 1
    if end == at:
        return None
    return int(text[at:end]), end


def _month_name(text: str, at: int, long: bool) -> tuple[int, int] | None:
    head = text[at : at + 3].lower()
    if head not in _MONTHS:
        return None
    index = _MONTHS.index(head)
    at += 3
    suffix = _MONTH_SUFFIXES[index]
    if long and suffix and text[at : at + len(suffix)].lower() == suffix:
        at += len(suffix)
    return index + 1, at


def _offset(
    text: str, at: int, *, colon: Callable[[str, int], int], missing_minutes: bool
) -> tuple[int, int] | None:
    """chrono's ``timezone_offset_internal``: ``+HH[:]MM``, or ``+HH`` where minutes may be
    missing."""
    if at >= len(text) or text[at] not in "+-":
        return None
    negative = text[at] == "-"
    hours = text[at + 1 : at + 3]
    if len(hours) < 2 or not hours.isascii() or not hours.isdigit():
        return None
    at = colon(text, at + 3)
    minutes = text[at : at + 2]
    if len(minutes) == 2:
        # chrono: two more characters must be minutes, even where minutes may be missing.
        if not (minutes.isascii() and minutes.isdigit() and minutes[0] <= "5"):
            return None
        at += 2
    elif not missing_minutes:
        return None
    else:
        minutes = "0"
    seconds = int(hours) * 3600 + int(minutes) * 60
    return (-seconds if negative else seconds), at


def _colon_or_space(text: str, at: int) -> int:
    while at < len(text) and (text[at] == ":" or text[at] in _SPACES):
        at += 1
    return at


def _no_colon(text: str, at: int) -> int:
    return at


@lru_cache(maxsize=64)
def _tokens(fmt: str) -> tuple[str, ...]:
    return tuple(re.findall(r"%\.f|%#z|%.|.", fmt, re.DOTALL))


def _chrono(text: str, fmt: str) -> _Parsed | None:
    """``parse_from_str`` with chrono's rules: whitespace in the format skips any whitespace,
    numbers skip leading whitespace and take 1-2 digits (years 1-4, or a sign and any), ``%.f``
    is optional, month names and am/pm ignore case, nothing may be left over."""
    parsed = _Parsed()
    at = 0
    for token in _tokens(fmt):
        if token in ("%Y", "%y", "%m", "%d", "%H", "%I", "%M", "%S"):
            at = _skip_spaces(text, at)
            if token == "%Y" and text[at : at + 1] in ("+", "-"):
                sign = -1 if text[at] == "-" else 1
                end = at + 1
                while end < len(text) and "0" <= text[end] <= "9":
                    end += 1
                if end == at + 1 or len(text[at + 1 : end].lstrip("0")) > 7:
                    return None
                value, at = sign * int(text[at + 1 : end]), end
            else:
                read = _number(text, at, 4 if token == "%Y" else 2)
                if read is None:
                    return None
                value, at = read
            if not _set_field(parsed, token, value):
                return None
        elif token == "%.f":
            if text[at : at + 1] == ".":
                read = _number(text, at + 1, 9)
                if read is None:
                    return None
                digits, end = read
                parsed.nano = digits * 10 ** (9 - (end - at - 1))
                at = end
                while at < len(text) and "0" <= text[at] <= "9":
                    at += 1
        elif token == "%P":
            pair = text[at : at + 2].lower()
            if pair not in ("am", "pm"):
                return None
            parsed.pm, at = pair == "pm", at + 2
        elif token in ("%B", "%b"):
            name = _month_name(text, at, token == "%B")
            if name is None:
                return None
            parsed.month, at = name
        elif token == "%Z":
            while at < len(text) and text[at] not in _SPACES:
                at += 1
        elif token == "%#z":
            at = _skip_spaces(text, at)
            if text[at : at + 1] in ("z", "Z"):
                parsed.offset, at = 0, at + 1
            else:
                found = _offset(text, at, colon=_colon_or_space, missing_minutes=True)
                if found is None:
                    return None
                parsed.offset, at = found
        elif token in _SPACES:
            at = _skip_spaces(text, at)
        elif text[at : at + len(token)] == token:
            at += len(token)
        else:
            return None
    return parsed if at == len(text) else None


def _set_field(parsed: _Parsed, token: str, value: int) -> bool:
    limits = {
        "%m": (1, 12),
        "%d": (1, 31),
        "%H": (0, 23),
        "%I": (1, 12),
        "%M": (0, 59),
        "%S": (0, 60),
    }
    low, high = limits.get(token, (-(10**9), 10**9))
    if not low <= value <= high:
        return False
    field = {
        "%Y": "year",
        "%y": "year_mod100",
        "%m": "month",
        "%d": "day",
        "%H": "hour",
        "%I": "hour12",
        "%M": "minute",
        "%S": "second",
    }[token]
    setattr(parsed, field, value)
    return True


_RFC3339 = re.compile(
    r"(?P<y>[0-9]{4})-(?P<mo>[0-9]{2})-(?P<d>[0-9]{2})[Tt ](?P<h>[0-9]{2}):(?P<mi>[0-9]{2}):"
    r"(?P<s>[0-9]{2})(?:\.(?P<f>[0-9]+))?(?:(?P<z>[Zz])|(?P<sign>[+\-\u2212])(?P<oh>[0-9]{2}):(?P<om>[0-9]{2}))"
)


def _rfc3339(text: str) -> int | None:
    """``DateTime::parse_from_rfc3339``: four-digit years, seconds required, ``T``/``t``/space,
    any number of fraction digits (nanoseconds kept), ``Z`` or ``+HH:MM``."""
    match = _RFC3339.fullmatch(text)
    if match is None:
        return None
    fraction = (match["f"] or "")[:9]
    nano = int(fraction.ljust(9, "0")) if fraction else 0
    second = int(match["s"])
    if second == 60:
        second, nano = 59, nano + _NS
    wall = _Wall(
        int(match["y"]),
        int(match["mo"]),
        int(match["d"]),
        int(match["h"]),
        int(match["mi"]),
        second,
        nano,
    )
    if not wall.valid():
        return None
    offset = 0
    if match["sign"]:
        if match["om"][0] > "5":
            return None
        offset = int(match["oh"]) * 3600 + int(match["om"]) * 60
        offset = -offset if match["sign"] != "+" else offset
        if offset <= -86_400 or offset >= 86_400:
            return None
    return _in_range(wall.wall_ns() - offset * _NS)


# -- the dateparser crate (dateparser::parse, the service's fallback) ---------------------------
# Its families in its order, each a gate and parsers: (regex, formats, how the result is read).
# "local": a naive date-time in the service's zone (UTC); "offset": the format reads an offset;
# "zone": the regex's tz group names the zone (dateparser's timezone::parse); "date": a date
# at the current time of day; "zone_date": the same in a named zone; "time"/"zone_time": a time
# of day today.


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern.replace(r"\s", _S))


_AMPM = r"(am|pm|AM|PM)?"
_FRACTION = r"(\.[0-9]{1,9})?"
_TZ = r"(?P<tz>\s*[+\-:a-zA-Z0-9]{3,6})"
_TZ_SPACED = r"(?P<tz>\s+[+\-:a-zA-Z0-9]{3,6})"

_Parser = tuple[re.Pattern[str], tuple[str, ...], str, Callable[[str], str]]


def _same(text: str) -> str:
    return text


def _p(
    pattern: str, formats: tuple[str, ...], kind: str, prepare: Callable[[str], str] = _same
) -> _Parser:
    return _rx(pattern), formats, kind, prepare


def _hms_formats(date_part: str) -> tuple[str, ...]:
    return (
        f"{date_part} %H:%M:%S",
        f"{date_part} %H:%M",
        f"{date_part} %H:%M:%S%.f",
        f"{date_part} %I:%M:%S %P",
        f"{date_part} %I:%M %P",
    )


def _mdy_family(sep: str) -> tuple[re.Pattern[str], tuple[_Parser, ...]]:
    """``slash_mdy_family`` / ``hyphen_mdy_family``: month, day, year with a time or without."""
    mdy = rf"^[0-9]{{1,2}}{sep}[0-9]{{1,2}}{sep}[0-9]{{2,4}}"
    time = r"\s+[0-9]{1,2}:[0-9]{2}(:[0-9]{2})?" + _FRACTION + r"\s*" + _AMPM
    dates = (f"%m{sep}%d{sep}%y", f"%m{sep}%d{sep}%Y")
    return _rx(rf"^[0-9]{{1,2}}{sep}[0-9]{{1,2}}"), (
        _p(mdy + time + "$", _hms_formats(dates[0]) + _hms_formats(dates[1]), "local"),
        _p(mdy + "$", dates, "date"),
    )


@lru_cache(maxsize=1)
def _families() -> tuple[tuple[re.Pattern[str], tuple[_Parser, ...]], ...]:
    """The date parser families, compiled on the first date that needs them (some 50
    patterns: compiling them at import would cost every emulator start)."""
    return (
        (
            _rx(r"^[0-9]{4}-[0-9]{2}"),
            (
                _p(
                    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}\s+[0-9]{2}:[0-9]{2}(:[0-9]{2})?"
                    + _FRACTION
                    + r"[+\-:0-9]{3,6}$",
                    ("%Y-%m-%d %H:%M:%S%#z", "%Y-%m-%d %H:%M:%S%.f%#z", "%Y-%m-%d %H:%M%#z"),
                    "offset",
                ),
                _p(
                    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}\s+[0-9]{2}:[0-9]{2}(:[0-9]{2})?"
                    + _FRACTION
                    + r"\s*"
                    + _AMPM
                    + "$",
                    (
                        "%Y-%m-%d %H:%M:%S",
                        "%Y-%m-%d %H:%M",
                        "%Y-%m-%d %H:%M:%S%.f",
                        "%Y-%m-%d %I:%M:%S %P",
                        "%Y-%m-%d %I:%M %P",
                    ),
                    "local",
                ),
                _p(
                    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}\s+[0-9]{2}:[0-9]{2}(:[0-9]{2})?"
                    + _FRACTION
                    + _TZ
                    + "$",
                    ("%Y-%m-%d %H:%M:%S %Z", "%Y-%m-%d %H:%M %Z", "%Y-%m-%d %H:%M:%S%.f %Z"),
                    "zone",
                ),
                _p(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", ("%Y-%m-%d",), "date"),
                _p(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}" + _TZ + "$", ("%Y-%m-%d %Z",), "zone_date"),
            ),
        ),
        (
            _rx(r"^[0-9]{1,2}:[0-9]{2}"),
            (
                _p(
                    r"^[0-9]{1,2}:[0-9]{2}(:[0-9]{2})?\s*" + _AMPM + "$",
                    ("%H:%M:%S", "%H:%M", "%I:%M:%S %P", "%I:%M %P"),
                    "time",
                ),
                _p(
                    r"^[0-9]{1,2}:[0-9]{2}(:[0-9]{2})?\s*" + _AMPM + _TZ_SPACED + "$",
                    ("%H:%M:%S %Z", "%H:%M %Z", "%I:%M:%S %P %Z", "%I:%M %P %Z"),
                    "zone_time",
                ),
            ),
        ),
        (
            _rx(r"^[0-9]{4}-[a-zA-Z]{3,9}-[0-9]{2}$"),
            (_p(r"^[0-9]{4}-[a-zA-Z]{3,9}-[0-9]{2}$", ("%Y-%m-%d", "%Y-%b-%d"), "date"),),
        ),
        (
            _rx(r"^[a-zA-Z]{3,9}\.?\s+[0-9]{1,2}"),
            (
                _p(
                    r"^[a-zA-Z]{3}\s+[0-9]{1,2}\s*(at)?\s+[0-9]{1,2}:[0-9]{2}(:[0-9]{2})?\s*"
                    + _AMPM
                    + "$",
                    ("%Y %b %d at %I:%M %P", "%Y %b %d %H:%M:%S"),
                    "local_this_year",
                ),
                _p(
                    r"^[a-zA-Z]{3,9}\.?\s+[0-9]{1,2},\s+[0-9]{2,4},?\s+[0-9]{1,2}:[0-9]{2}(:[0-9]{2})?\s*"
                    + _AMPM
                    + "$",
                    (
                        "%B %d %Y %H:%M:%S",
                        "%B %d %Y %H:%M",
                        "%B %d %Y %I:%M:%S %P",
                        "%B %d %Y %I:%M %P",
                    ),
                    "local",
                    lambda text: text.replace(", ", " ").replace(". ", " "),
                ),
                _p(
                    r"^[a-zA-Z]{3,9}\s+[0-9]{1,2},?\s+[0-9]{4}\s*,?(at)?\s+[0-9]{2}:[0-9]{2}(:[0-9]{2})?\s*"
                    + _AMPM
                    + _TZ_SPACED
                    + "$",
                    (
                        "%B %d %Y %H:%M:%S %Z",
                        "%B %d %Y %H:%M %Z",
                        "%B %d %Y %I:%M:%S %P %Z",
                        "%B %d %Y %I:%M %P %Z",
                    ),
                    "zone",
                    lambda text: text.replace(",", "").replace("at", ""),
                ),
                _p(
                    r"^[a-zA-Z]{3,9}\.?\s+[0-9]{1,2},\s+[0-9]{2,4}$",
                    ("%B %d %y", "%B %d %Y"),
                    "date",
                    lambda text: text.replace(", ", " ").replace(". ", " "),
                ),
            ),
        ),
        (
            _rx(r"^[0-9]{1,2}\s+[a-zA-Z]{3,9}"),
            (
                _p(
                    r"^[0-9]{1,2}\s+[a-zA-Z]{3,9}\s+[0-9]{2,4},?\s+[0-9]{1,2}:[0-9]{2}(:[0-9]{2})?"
                    + _FRACTION
                    + "$",
                    (
                        "%d %B %Y %H:%M:%S",
                        "%d %B %Y %H:%M",
                        "%d %B %Y %H:%M:%S%.f",
                        "%d %B %Y %I:%M:%S %P",
                        "%d %B %Y %I:%M %P",
                    ),
                    "local",
                    lambda text: text.replace(", ", " "),
                ),
                _p(r"^[0-9]{1,2}\s+[a-zA-Z]{3,9}\s+[0-9]{2,4}$", ("%d %B %y", "%d %B %Y"), "date"),
            ),
        ),
        _mdy_family("/"),
        _mdy_family("-"),
        (
            _rx(r"^[0-9]{4}/[0-9]{1,2}"),
            (
                _p(
                    r"^[0-9]{4}/[0-9]{1,2}/[0-9]{1,2}\s+[0-9]{1,2}:[0-9]{2}(:[0-9]{2})?"
                    + _FRACTION
                    + r"\s*"
                    + _AMPM
                    + "$",
                    _hms_formats("%Y/%m/%d"),
                    "local",
                ),
                _p(r"^[0-9]{4}/[0-9]{1,2}/[0-9]{1,2}$", ("%Y/%m/%d",), "date"),
            ),
        ),
        (
            _rx(r"[0-9]{1,4}.[0-9]{1,4}[0-9]{1,4}"),
            (_p(r"", ("%m.%d.%y", "%m.%d.%Y", "%Y.%m.%d"), "dotted"),),
        ),
        (
            _rx(r"[0-9]{6}\s+[0-9]{2}:[0-9]{2}:[0-9]{2}"),
            (_p(r"", ("%y%m%d %H:%M:%S",), "local"),),
        ),
        (
            _rx(r"^[0-9]{4}年[0-9]{2}月"),
            (
                _p(
                    r"^[0-9]{4}年[0-9]{2}月[0-9]{2}日[0-9]{2}时[0-9]{2}分[0-9]{2}秒$",
                    ("%Y年%m月%d日%H时%M分%S秒",),
                    "local",
                ),
                _p(r"^[0-9]{4}年[0-9]{2}月[0-9]{2}日$", ("%Y年%m月%d日",), "date"),
            ),
        ),
    )


_UNIX = re.compile(r"[0-9]{10,19}")
#: dateparser's ``timezone::parse`` names (anything else alphabetic is UTC, as RFC 2822 says).
_ZONE_NAMES = {
    "gmt": 0,
    "ut": 0,
    "utc": 0,
    "edt": -4,
    "est": -5,
    "cdt": -5,
    "cst": -6,
    "mdt": -6,
    "mst": -7,
    "pdt": -7,
    "pst": -8,
}


class _Refused(Exception):
    """dateparser's ``Some(Err(..))``: a parser that claimed the input and failed ends the
    chain."""


def _zone(text: str) -> int:
    if ":" in text:
        found = _offset(text, 0, colon=_colon_or_space, missing_minutes=False)
    else:
        letters = len(text) - len(
            text.lstrip("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
        )
        if letters:
            return _ZONE_NAMES.get(text[:letters].lower(), 0) * 3600
        found = _offset(text, 0, colon=_no_colon, missing_minutes=False)
    if found is None:
        raise _Refused
    return found[0]


def _dateparser(text: str, now: datetime) -> int | None:
    """``dateparser::parse`` (the ``dateparser`` crate, ``src/datetime.rs``): the families in
    its order; a date without a time takes the current time of day."""
    try:
        if _UNIX.fullmatch(text) and len(text) in (10, 13, 19) and int(text) < 2**63:
            scale = {10: _NS, 13: 1_000_000, 19: 1}[len(text)]
            return _in_range(int(text) * scale)
        rfc2822 = _rfc2822(text)
        if rfc2822 is not None:
            return rfc2822
        for gate, parsers in _families():
            if gate.search(text) is None:
                continue
            for pattern, formats, kind, prepare in parsers:
                match = pattern.search(text)
                if match is None:
                    continue
                found = _read(prepare(text), formats, kind, match, now)
                if found is not None:
                    return found
    except _Refused:
        return None
    return None


def _read(
    text: str, formats: tuple[str, ...], kind: str, match: re.Match[str], now: datetime
) -> int | None:
    offset = 0
    if kind.startswith("zone"):
        offset = _zone(match["tz"].strip(_SPACES))
    clock = _chrono_now_time(now + timedelta(seconds=offset))
    if kind == "local_this_year":
        text = f"{now.astimezone(timezone.utc).year} {text}"
    if kind == "dotted":
        formats = (*formats, "%Y.%m.%d")
    for index, fmt in enumerate(formats):
        source = text
        if kind == "dotted" and index == len(formats) - 1:
            source = f"{text}.{now.astimezone(timezone.utc).day}"
        parsed = _chrono(source, fmt)
        if parsed is None:
            continue
        if kind in ("time", "zone_time"):
            today = _Wall.of_ns(math.floor(now.timestamp()) * _NS + offset * _NS)
            parsed.year, parsed.month, parsed.day = today.year, today.month, today.day
        dated = kind in ("date", "zone_date", "dotted")
        wall = parsed.wall(time=clock) if dated else parsed.wall()
        if wall is None or not wall.valid():
            continue
        if kind == "offset":
            if parsed.offset is None or not -86_400 < parsed.offset < 86_400:
                continue
            return _in_range(wall.wall_ns() - parsed.offset * _NS)
        return _in_range(wall.wall_ns() - offset * _NS)
    return None


_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RFC2822 = re.compile(
    _S
    + r"*(?:(?P<wd>[A-Za-z]{3})"
    + _S
    + r"*,"
    + _S
    + r"*)?(?P<d>[0-9]{1,2})"
    + _S
    + r"+(?P<mo>[A-Za-z]{3})"
    + _S
    + r"+(?P<y>[0-9]{2,})"
    + _S
    + r"+(?P<h>[0-9]{2}):(?P<mi>[0-9]{2})(?::(?P<s>[0-9]{2}))?"
    + _S
    + r"+(?P<zone>[A-Za-z]+|[+\-][0-9]{4})"
    + _S
    + r"*"
)
_MILITARY = set("abcdefghiklmnopqrstuvwxyz")


def _rfc2822(text: str) -> int | None:
    """``DateTime::parse_from_rfc2822`` (chrono): ``Wed, 02 Jun 2021 06:31:39 GMT``."""
    match = _RFC2822.fullmatch(text)
    if match is None:
        return None
    if match["mo"].lower() not in _MONTHS or len(match["y"]) > 9:
        return None
    year = int(match["y"])
    year += 2000 if year < 50 and len(match["y"]) <= 2 else 1900 if year < 1000 else 0
    zone = match["zone"]
    if zone[0] in "+-":
        minutes = int(zone[3:])
        if minutes > 59:
            return None
        offset = int(zone[1:3]) * 3600 + minutes * 60
        offset = -offset if zone[0] == "-" else offset
    elif zone.lower() in _ZONE_NAMES and zone.lower() != "utc":
        offset = _ZONE_NAMES[zone.lower()] * 3600
    elif len(zone) == 1 and zone.lower() in _MILITARY:
        offset = 0
    else:
        return None
    second = int(match["s"] or 0)
    nano = 0
    if second == 60:
        second, nano = 59, _NS
    wall = _Wall(
        year,
        _MONTHS.index(match["mo"].lower()) + 1,
        int(match["d"]),
        int(match["h"]),
        int(match["mi"]),
        second,
        nano,
    )
    if not wall.valid():
        return None
    # chrono refuses a weekday that is not the date's (1970-01-01 was a Thursday).
    weekday = _WEEKDAYS[(_days_from_civil(wall.year, wall.month, wall.day) + 3) % 7]
    if match["wd"] and match["wd"].lower() != weekday:
        return None
    return _in_range(wall.wall_ns() - offset * _NS)


# -- the Django validator's reading (posthog/queries/base.py) --------------------------------------


def parse_date(value: Any, now: datetime, tz: tzinfo = timezone.utc) -> datetime | None:
    """A flag's date as ``FeatureFlagSerializer`` validates it (``determine_parsed_date_for_
    property_matching`` in ``posthog/queries/base.py``): relative (``-7d``), ISO, or naive in
    ``tz``. Matching reads dates as the flags service does (:func:`match_property`)."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=tz)
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    text = str(value).strip()
    relative = _django_relative(text, now)
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


def _django_relative(text: str, now: datetime) -> datetime | None:
    # relative_date_parse_for_feature_flag_matching: "-7d", "1w", "3m", "1y", "24h"; 10,000
    # units or more is not a date.
    match = re.match(r"^-?(?P<number>[0-9]+)(?P<interval>[a-z])$", text)
    if match is None:
        return None
    digits = match["number"].lstrip("0") or "0"
    if len(digits) > 4:
        return None
    number = int(digits)
    interval = match["interval"]
    steps = {
        "h": timedelta(hours=number),
        "d": timedelta(days=number),
        "w": timedelta(weeks=number),
    }
    try:
        if interval in steps:
            return now - steps[interval]
        if interval == "m":
            return now - relativedelta(months=number)
        if interval == "y":
            return now - relativedelta(years=number)
    except (OverflowError, ValueError):
        return None
    return None


# -- semantic versions (the semver crate) ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Version:
    """``semver::Version``: ordered by numbers, then pre-release (none ranks highest), then build
    metadata, as the crate's ``Ord`` (and ``Eq``) do."""

    major: int
    minor: int
    patch: int
    pre: tuple[str, ...] = ()
    build: tuple[str, ...] = ()

    def key(self) -> tuple[Any, ...]:
        return (self.major, self.minor, self.patch, _pre_key(self.pre), _build_key(self.build))


def _identifier_key(part: str) -> tuple[int, int, str]:
    if part.isdigit():
        return (0, len(part.lstrip("0")), part.lstrip("0"))
    return (1, 0, part)


def _pre_key(pre: tuple[str, ...]) -> tuple[Any, ...]:
    if not pre:
        return (1,)
    return (0, tuple(_identifier_key(p) for p in pre))


def _build_key(build: tuple[str, ...]) -> tuple[Any, ...]:
    return tuple((*_identifier_key(p), len(p)) for p in build)


_NUMERIC_ID = re.compile(r"0|[1-9][0-9]*")
_IDENTIFIER = re.compile(r"[0-9A-Za-z-]+")


def _u64(text: str) -> int | None:
    if not _NUMERIC_ID.fullmatch(text) or len(text) > 20:
        return None
    value = int(text)
    return value if value <= _U64_MAX else None


def _semver(text: str) -> Version | None:
    """``Version::parse``: strict ``MAJOR.MINOR.PATCH[-pre][+build]``, numbers fit 64 bits."""
    core, plus, build = text.partition("+")
    core, dash, pre = core.partition("-")
    parts = core.split(".")
    if len(parts) != 3:
        return None
    numbers = [_u64(part) for part in parts]
    if None in numbers:
        return None
    pre_ids = tuple(pre.split(".")) if dash else ()
    build_ids = tuple(build.split(".")) if plus else ()
    if any(not _IDENTIFIER.fullmatch(p) for p in pre_ids + build_ids):
        return None
    if any(p.isdigit() and not _NUMERIC_ID.fullmatch(p) for p in pre_ids):
        return None
    major, minor, patch = (n for n in numbers if n is not None)
    return Version(major, minor, patch, pre_ids, build_ids)


def _normalised(value: Any) -> str:
    # normalize_version_string: one lowercase "v" off, then Rust's trim.
    text = as_text(value)
    return (text[1:] if text.startswith("v") else text).strip(_SPACES)


def _strip_zeros(part: str) -> str:
    if not part or not (part.isascii() and part.isdigit()):
        return part
    return part.lstrip("0") or "0"


def _canonical(text: str) -> str:
    """``canonicalize_version_string``: leading zeros off the numeric core, padded to three
    parts (``3.08`` is ``3.8.0``); the pre-release / build suffix is kept."""
    cut = min((i for i in (text.find("-"), text.find("+")) if i >= 0), default=len(text))
    parts = [_strip_zeros(p) for p in text[:cut].split(".")]
    parts += ["0"] * (3 - len(parts))
    return ".".join(parts) + text[cut:]


def parse_version(value: Any) -> Version | None:
    """A property or filter version as ``to_semver_representation`` reads it."""
    return _semver(_canonical(_normalised(value)))


@dataclass(frozen=True, slots=True)
class _Comparator:
    """One ``semver::Comparator``: an operator over a partial version."""

    op: str
    major: int
    minor: int | None = None
    patch: int | None = None
    pre: tuple[str, ...] = ()


_COMPARATOR = re.compile(
    r"(?P<op>=|>=|>|<=|<|~|\^)?" + _S + r"*(?P<major>[0-9]+|[*xX])(?:\.(?P<minor>[0-9]+|[*xX]))?"
    r"(?:\.(?P<patch>[0-9]+|[*xX]))?(?:-(?P<pre>[0-9A-Za-z.-]+))?(?:\+(?P<build>[0-9A-Za-z.-]+))?"
)


def _requirement(text: str) -> list[_Comparator] | None:
    """``VersionReq::parse`` for one comparator (or ``*``), the shapes the service builds:
    ``~1.2.3``, ``^1.2.3`` and wildcards ``1.x`` / ``1.2.x``; a bare version means ``^``."""
    text = text.strip(_SPACES)
    if text in ("*", "x", "X"):
        return []
    match = _COMPARATOR.fullmatch(text)
    if match is None:
        return None
    fields = [match["major"], match["minor"], match["patch"]]
    wild = [f is not None and f in "*xX" for f in fields]
    if wild[0]:
        return (
            None
            if match["op"] not in (None, "=") or any(f and f not in "*xX" for f in fields[1:])
            else []
        )
    if wild[1] and fields[2] is not None and not wild[2]:
        return None
    numbers: list[int | None] = []
    for part, is_wild in zip(fields, wild, strict=True):
        if part is None or is_wild:
            numbers.append(None)
            continue
        number = _u64(part)
        if number is None:
            return None
        numbers.append(number)
    pre: tuple[str, ...] = tuple(match["pre"].split(".")) if match["pre"] else ()
    if pre and (
        numbers[2] is None
        or any(not p or (p.isdigit() and not _NUMERIC_ID.fullmatch(p)) for p in pre)
    ):
        return None
    if match["build"] is not None:
        return None  # a requirement takes no build metadata
    op = match["op"] or ("wildcard" if any(wild) else "^")
    if any(wild) and op == "=":
        op = "wildcard"
    major = numbers[0]
    assert major is not None
    return [_Comparator(op, major, numbers[1], numbers[2], pre)]


def _cmp_matches(cmp: _Comparator, v: Version) -> bool:
    # semver's eval.rs: matches_exact / greater / less / tilde / caret.
    def exact() -> bool:
        return (
            v.major == cmp.major
            and (cmp.minor is None or v.minor == cmp.minor)
            and (cmp.patch is None or v.patch == cmp.patch)
            and v.pre == cmp.pre
        )

    def ordered(greater: bool) -> bool:
        mine = (v.major, v.minor, v.patch)
        theirs = (cmp.major, cmp.minor, cmp.patch)
        for index in range(3):
            if theirs[index] is None:
                return False
            if mine[index] != theirs[index]:
                return (mine[index] > theirs[index]) == greater  # type: ignore[operator]
        left, right = _pre_key(v.pre), _pre_key(cmp.pre)
        return (left > right) if greater else (left < right)

    def at_least_patch() -> bool:
        if cmp.patch is not None and v.patch != cmp.patch:
            return v.patch > cmp.patch
        return _pre_key(v.pre) >= _pre_key(cmp.pre)

    if cmp.op in ("=", "wildcard"):
        return exact()
    if cmp.op == ">":
        return ordered(True)
    if cmp.op == ">=":
        return exact() or ordered(True)
    if cmp.op == "<":
        return ordered(False)
    if cmp.op == "<=":
        return exact() or ordered(False)
    if v.major != cmp.major:
        return False
    if cmp.op == "~":
        if cmp.minor is not None and v.minor != cmp.minor:
            return False
        return at_least_patch()
    # caret
    if cmp.minor is None:
        return True
    if cmp.patch is None:
        return v.minor >= cmp.minor if cmp.major > 0 else v.minor == cmp.minor
    if cmp.major > 0:
        if v.minor != cmp.minor:
            return v.minor > cmp.minor
        return at_least_patch()
    if cmp.minor > 0:
        return v.minor == cmp.minor and at_least_patch()
    return v.minor == cmp.minor and v.patch == cmp.patch and _pre_key(v.pre) >= _pre_key(cmp.pre)


def _req_matches(comparators: list[_Comparator], v: Version) -> bool:
    """``VersionReq::matches``: every comparator, and a pre-release only where a comparator
    names the same ``major.minor.patch`` with a pre-release of its own."""
    if not all(_cmp_matches(c, v) for c in comparators):
        return False
    if not v.pre:
        return True
    return any(
        c.major == v.major and c.minor == v.minor and c.patch == v.patch and c.pre
        for c in comparators
    )


def version_requirement(operator: str, value: Any) -> list[_Comparator] | None:
    """The requirement ``semver_tilde`` / ``caret`` / ``wildcard`` filters build."""
    normalised = _normalised(value)
    if operator == "semver_tilde":
        return _requirement("~" + _canonical(normalised))
    if operator == "semver_caret":
        return _requirement("^" + _canonical(normalised))
    wildcard = ".".join(_strip_zeros(p) for p in normalised.split(".")).replace("*", "x")
    return _requirement(wildcard)


def _compare_semver(operator: str, actual: Any, expected: Any) -> bool:
    version = parse_version(actual)
    if version is None:
        return False
    if operator in ("semver_tilde", "semver_caret", "semver_wildcard"):
        requirement = version_requirement(operator, expected)
        return requirement is not None and _req_matches(requirement, version)
    target = parse_version(expected)
    if target is None:
        return False
    left, right = version.key(), target.key()
    return {
        "semver_eq": left == right,
        "semver_neq": left != right,
        "semver_gt": left > right,
        "semver_gte": left >= right,
        "semver_lt": left < right,
        "semver_lte": left <= right,
    }[operator]
