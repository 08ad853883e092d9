"""HogQL functions that sqlglot leaves as plain calls, written in DuckDB.

sqlglot already knows many ClickHouse functions (``count``, ``countIf``, ``toStartOfMonth``,
``dateDiff``, ``if``, ``coalesce``...) and transpiles them itself. The ones it leaves as
``Anonymous`` calls are listed here with their DuckDB form, keeping ClickHouse's results where
they differ (weeks start on Sunday in ``toStartOfWeek``, ``JSONExtractString`` answers ``''``
for a missing key, ``uniq`` counts exactly). Names follow ``posthog/hogql/functions/mapping.py``;
a call to anything else is PostHog's "Unsupported function call".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo
from zoneinfo import ZoneInfoNotFoundError

import sqlglot
from sqlglot import exp

from phemu.errors import Msg
from phemu.errors import QueryError
from phemu.errors import QueryNotComputed
from phemu.query.schema import quote_text

Builder = Callable[[Sequence[exp.Expr]], exp.Expr]


def _template(sql: str) -> Builder:
    """A DuckDB expression with ``_0``, ``_1``... standing for the call's arguments."""
    tree = sqlglot.parse_one(sql, read="duckdb")

    def build(args: Sequence[exp.Expr]) -> exp.Expr:
        def fill(node: exp.Expr) -> exp.Expr:
            if isinstance(node, exp.Column) and not node.table and node.name.startswith("_"):
                index = int(node.name[1:])
                return args[index].copy() if index < len(args) else exp.null()
            return node

        return tree.copy().transform(fill)

    return build


def _call(name: str) -> Builder:
    """A DuckDB function of the same arguments."""
    return lambda args: exp.Anonymous(this=name, expressions=[a.copy() for a in args])


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def json_pointer(keys: Sequence[exp.Expr]) -> exp.Expr:
    """A JSON pointer (``/a/b``) from HogQL key arguments (strings or 1-based indexes)."""
    parts: list[exp.Expr] = []
    for key in keys:
        if isinstance(key, exp.Literal):
            text = key.this if key.is_string else str(int(key.this) - 1)
            parts.append(exp.Literal.string("/" + _escape(text)))
        else:
            parts.append(
                _template("'/' || replace(replace(CAST(_0 AS VARCHAR), '~', '~0'), '/', '~1')")(
                    [key]
                )
            )
    if all(isinstance(part, exp.Literal) for part in parts):
        return exp.Literal.string("".join(part.this for part in parts))
    return exp.Anonymous(this="concat", expressions=parts)


def _json(kind: str) -> Builder:
    """ClickHouse's ``JSONExtract*``: typed values, ``''``/``0`` when absent or of another type."""

    def build(args: Sequence[exp.Expr]) -> exp.Expr:
        document, pointer = args[0].copy(), json_pointer(args[1:])
        value = exp.Anonymous(this="json_extract", expressions=[document, pointer])
        kind_of = exp.Anonymous(this="json_type", expressions=[value.copy()])
        text = exp.Anonymous(this="json_extract_string", expressions=[document.copy(), pointer])
        if kind == "String":
            return _template("CASE WHEN _0 = 'VARCHAR' THEN _1 ELSE '' END")([kind_of, text])
        if kind == "Int":
            return _template("COALESCE(TRY_CAST(TRY_CAST(_0 AS DOUBLE) AS BIGINT), 0)")([text])
        if kind == "Float":
            return _template("COALESCE(TRY_CAST(_0 AS DOUBLE), 0)")([text])
        if kind == "Bool":
            return _template("CASE WHEN _0 = 'true' THEN 1 ELSE 0 END")([text])
        if kind == "Raw":
            return _template("COALESCE(CAST(_0 AS VARCHAR), '')")([value])
        if kind == "Has":
            return _template("CASE WHEN _0 IS NULL THEN 0 ELSE 1 END")([value])
        return _template("COALESCE(json_array_length(_0), 0)")([value])  # JSONLength

    return build


def clock_functions(now: datetime) -> dict[str, Builder]:
    """``now()``, ``today()``, ``yesterday()`` from the emulator's clock, not the machine's, in
    ``now``'s zone (the project's), with ``toTimeZone`` from that zone."""
    moment = now.replace(tzinfo=None).isoformat(sep=" ")
    home = str(getattr(now.tzinfo, "key", "UTC"))

    def to_time_zone(args: Sequence[exp.Expr]) -> exp.Expr:
        # Wall time in the project's zone -> the same instant's wall time in ``zone``.
        zone = args[1] if len(args) == 2 else None
        if not isinstance(zone, exp.Literal) or not zone.is_string:
            raise QueryError(Msg.HOGQL_UNSUPPORTED_FUNCTION.format(name="toTimeZone"))
        try:
            ZoneInfo(zone.this)
        except (ValueError, ZoneInfoNotFoundError):
            feature = f"the time zone {zone.this!r}"
            raise QueryNotComputed(Msg.QUERY_FEATURE_NOT_COMPUTED.format(feature=feature)) from None
        instant = f"timezone({quote_text(home)}, CAST(_0 AS TIMESTAMP))"
        node = _template(f"timezone({quote_text(zone.this)}, {instant})")(args[:1])
        return _typed(node, f"DateTime64(6, '{zone.this}')")

    return {
        "toTimeZone": to_time_zone,
        "now": lambda _args: _template(f"TIMESTAMP '{moment}'")([]),
        "today": lambda _args: _template(f"CAST(TIMESTAMP '{moment}' AS DATE)")([]),
        "yesterday": lambda _args: _template(
            f"CAST(TIMESTAMP '{moment}' AS DATE) - INTERVAL 1 DAY"
        )([]),
    }


def parameterized(name: str, levels: Sequence[exp.Expr], args: Sequence[exp.Expr]) -> exp.Expr:
    """ClickHouse's parametric quantiles: ``quantiles(p, ...)(x)``, ``quantileExact(p)(x)``."""
    if name in ("quantile", "median") and len(levels) == 1 and len(args) == 1:
        return _template("quantile_cont(_0, _1)")([args[0], levels[0]])
    if name == "quantiles" and levels and len(args) == 1:
        return _template("quantile_cont(_0, _1)")([args[0], exp.Array(expressions=list(levels))])
    if name == "quantileExact" and len(levels) == 1 and len(args) == 1:
        # the element at index floor(p * n) of the sorted values (not interpolated)
        return _template(
            "list_sort(list(_0) FILTER (WHERE _0 IS NOT NULL))"
            "[least(CAST(floor(_1 * count(_0)) AS BIGINT) + 1, count(_0))]"
        )([args[0], levels[0]])
    raise QueryError(Msg.HOGQL_UNSUPPORTED_FUNCTION.format(name=name))


def _start_of_interval(args: Sequence[exp.Expr]) -> exp.Expr:
    """``toStartOfInterval(t, INTERVAL n unit)``: buckets counted from the Unix epoch; whole
    days and longer give a Date, as ClickHouse's."""
    if len(args) < 2 or not isinstance(args[1], exp.Interval):
        raise QueryError(Msg.HOGQL_UNSUPPORTED_FUNCTION.format(name="toStartOfInterval"))
    unit = args[1].text("unit").upper()
    bucket = _template("time_bucket(_1, CAST(_0 AS TIMESTAMP), TIMESTAMP '1970-01-01')")(args)
    if unit in ("DAY", "WEEK", "MONTH", "QUARTER", "YEAR"):
        return exp.cast(bucket, "DATE")
    return bucket


#: ClickHouse's ``formatDateTime`` specifiers as strftime's (``%i`` is the minute, ``%M`` the
#: month's name, ``%W`` the weekday's); others are the same letter.
_DATE_FORMATS = {
    "i": "%M",
    "M": "%B",
    "W": "%A",
    "h": "%I",
    "F": "%Y-%m-%d",
    "T": "%H:%M:%S",
    "D": "%m/%d/%y",
    "R": "%H:%M",
    "n": "\n",
    "t": "\t",
    "%": "%%",
}
_SAME_FORMATS = set("YmdHSyjpabuVGfI")


def _format_datetime(args: Sequence[exp.Expr]) -> exp.Expr:
    pattern = args[1] if len(args) > 1 else None
    if not isinstance(pattern, exp.Literal) or not pattern.is_string:
        raise QueryNotComputed(
            Msg.QUERY_FEATURE_NOT_COMPUTED.format(feature="formatDateTime with a computed format")
        )
    text, out, index = pattern.this, [], 0
    while index < len(text):
        char = text[index]
        if char == "%" and index + 1 < len(text):
            letter = text[index + 1]
            if letter in _DATE_FORMATS:
                out.append(_DATE_FORMATS[letter])
            elif letter in _SAME_FORMATS:
                out.append("%" + letter)
            else:
                feature = f"the formatDateTime specifier %{letter}"
                raise QueryNotComputed(Msg.QUERY_FEATURE_NOT_COMPUTED.format(feature=feature))
            index += 2
            continue
        out.append("%%" if char == "%" else char)
        index += 1
    return exp.Anonymous(
        this="strftime",
        expressions=[exp.cast(args[0].copy(), "TIMESTAMP"), exp.Literal.string("".join(out))],
    )


def _extract(args: Sequence[exp.Expr]) -> exp.Expr:
    """ClickHouse's ``extract(s, pattern)``: the first group if the pattern has one, else the
    whole match; ``''`` when nothing matches."""
    pattern = args[1] if len(args) > 1 else None
    groups = (
        isinstance(pattern, exp.Literal)
        and pattern.is_string
        and re.search(r"(?<!\\)\((?!\?)", pattern.this) is not None
    )
    return _template(f"regexp_extract(_0, _1, {1 if groups else 0})")(args)


def _typed(node: exp.Expr, ch_type: str) -> exp.Expr:
    node.meta["hogql_type"] = ch_type
    return node


def _to_string(args: Sequence[exp.Expr]) -> exp.Expr:
    """ClickHouse prints a whole Float64 without a decimal point (``toString(46.0)`` is ``46``)."""
    if str(args[0].meta.get("hogql_type", "")).endswith("Float64)"):
        return _template(
            "CASE WHEN _0 = trunc(_0) AND abs(_0) < 1e15 THEN CAST(CAST(_0 AS BIGINT) AS VARCHAR) "
            "ELSE CAST(_0 AS VARCHAR) END"
        )(args)
    return _template("CAST(_0 AS VARCHAR)")(args)


def _multi_if(args: Sequence[exp.Expr]) -> exp.Expr:
    case = exp.Case()
    pairs, default = args[:-1], args[-1] if len(args) % 2 else exp.null()
    for index in range(0, len(pairs) - 1, 2):
        case = case.when(pairs[index].copy(), pairs[index + 1].copy())
    return case.else_(default.copy())


FUNCTIONS: dict[str, Builder] = {
    # dates and times (ClickHouse's Monday-first day numbers, Sunday-first weeks by default)
    "toDate": _template("CAST(_0 AS DATE)"),
    "toDateTime": _template("CAST(_0 AS TIMESTAMP)"),
    "toStartOfWeek": _template(
        "CASE WHEN COALESCE(_1, 0) % 2 = 1 THEN CAST(date_trunc('week', _0) AS DATE) "
        "ELSE CAST(date_trunc('week', _0 + INTERVAL 1 DAY) - INTERVAL 1 DAY AS DATE) END"
    ),
    "toMonday": _template("CAST(date_trunc('week', _0) AS DATE)"),
    "toStartOfYear": _template("CAST(date_trunc('year', _0) AS DATE)"),
    "toStartOfQuarter": _template("CAST(date_trunc('quarter', _0) AS DATE)"),
    "toStartOfHour": _template("date_trunc('hour', _0)"),
    "toStartOfMinute": _template("date_trunc('minute', _0)"),
    "toStartOfInterval": _start_of_interval,
    "formatDateTime": _format_datetime,
    "extract": _extract,
    "toYear": _template("year(_0)"),
    "toMonth": _template("month(_0)"),
    "toDayOfMonth": _template("day(_0)"),
    "toDayOfWeek": _template("isodow(_0)"),
    "toHour": _template("hour(_0)"),
    "toMinute": _template("minute(_0)"),
    "toYYYYMM": _template("year(_0) * 100 + month(_0)"),
    "toYYYYMMDD": _template("year(_0) * 10000 + month(_0) * 100 + day(_0)"),
    # times are the project's wall time: the session zone (the project's) gives the instant
    "toUnixTimestamp": _template("CAST(epoch(CAST(_0 AS TIMESTAMPTZ)) AS BIGINT)"),
    "addDays": _template("_0 + to_days(CAST(_1 AS INTEGER))"),
    "addHours": _template("_0 + to_hours(CAST(_1 AS BIGINT))"),
    "subtractDays": _template("_0 - to_days(CAST(_1 AS INTEGER))"),
    "subtractHours": _template("_0 - to_hours(CAST(_1 AS BIGINT))"),
    # conversions
    "toString": lambda args: _to_string(args),
    # toInt truncates towards zero (ClickHouse's integer conversion), text included
    "toInt": _template("TRY_CAST(trunc(TRY_CAST(_0 AS DECIMAL(38, 6))) AS BIGINT)"),
    "toInt64": _template("TRY_CAST(trunc(TRY_CAST(_0 AS DECIMAL(38, 6))) AS BIGINT)"),
    "toFloat": lambda args: _typed(_template("TRY_CAST(_0 AS DOUBLE)")(args), "Nullable(Float64)"),
    "toFloat64": lambda args: _typed(
        _template("TRY_CAST(_0 AS DOUBLE)")(args), "Nullable(Float64)"
    ),
    "toUUID": _template("CAST(_0 AS VARCHAR)"),
    # conditionals and nulls
    "multiIf": _multi_if,
    "ifNull": _template("COALESCE(_0, _1)"),
    "isNull": _template("(_0 IS NULL)"),
    "isNotNull": _template("(_0 IS NOT NULL)"),
    # aggregates
    "uniqExact": _template("COUNT(DISTINCT _0)"),
    "uniqIf": _template("COUNT(DISTINCT CASE WHEN _1 THEN _0 END)"),
    "sumIf": _template("SUM(_0) FILTER (WHERE _1)"),
    "avgIf": _template("AVG(_0) FILTER (WHERE _1)"),
    "minIf": _template("MIN(_0) FILTER (WHERE _1)"),
    "maxIf": _template("MAX(_0) FILTER (WHERE _1)"),
    "groupArray": _template("list(_0) FILTER (WHERE _0 IS NOT NULL)"),
    "arrayJoin": _template("unnest(_0)"),
    "groupUniqArray": _template("list(DISTINCT _0)"),
    "argMax": _template("arg_max(_0, _1)"),
    "argMin": _template("arg_min(_0, _1)"),
    # strings
    "like": _template("(_0 LIKE _1)"),
    "ilike": _template("(_0 ILIKE _1)"),
    "notLike": _template("(_0 NOT LIKE _1)"),
    "notILike": _template("(_0 NOT ILIKE _1)"),
    "match": _template("regexp_matches(_0, _1)"),
    "replaceRegexpAll": _template("regexp_replace(_0, _1, _2, 'g')"),
    "replaceRegexpOne": _template("regexp_replace(_0, _1, _2)"),
    "replaceAll": _call("replace"),
    "splitByChar": _template("string_split(_1, _0)"),
    "startsWith": _call("starts_with"),
    "endsWith": _call("ends_with"),
    "empty": _template("(length(_0) = 0)"),
    "notEmpty": _template("(length(_0) > 0)"),
    "lengthUTF8": _call("length"),
    "positionCaseInsensitive": _template("strpos(lower(_0), lower(_1))"),
    # operators written as functions
    "equals": _template("(_0 = _1)"),
    "notEquals": _template("(_0 <> _1)"),
    "less": _template("(_0 < _1)"),
    "greater": _template("(_0 > _1)"),
    "lessOrEquals": _template("(_0 <= _1)"),
    "greaterOrEquals": _template("(_0 >= _1)"),
    "plus": _template("(_0 + _1)"),
    "minus": _template("(_0 - _1)"),
    "multiply": _template("(_0 * _1)"),
    "divide": _template("(_0 / _1)"),
    "has": _template("list_contains(_0, _1)"),
    # JSON
    "JSONExtractString": _json("String"),
    "JSONExtractInt": _json("Int"),
    "JSONExtractUInt": _json("Int"),
    "JSONExtractFloat": _json("Float"),
    "JSONExtractBool": _json("Bool"),
    "JSONExtractRaw": _json("Raw"),
    "JSONHas": _json("Has"),
    "JSONLength": _json("Length"),
}

#: Names callable in any letter case (HogQL's case-insensitive SQL functions).
CASE_INSENSITIVE = {name.lower(): name for name in ("like", "ilike", "ifNull", "isNull")}

#: Everything a query may call, for "Perhaps you meant" hints.
KNOWN_NAMES = sorted(
    {
        *FUNCTIONS,
        "now",
        "today",
        "yesterday",
        "count",
        "countIf",
        "uniq",
        "sum",
        "avg",
        "min",
        "max",
        "if",
        "coalesce",
        "toStartOfDay",
        "toStartOfMonth",
        "dateDiff",
        "concat",
        "lower",
        "upper",
        "length",
        "round",
    }
)
