"""Running one HogQL SELECT: limits, translation, execution, PostHog's columns and types.

Limits follow ``posthog/hogql/query.py`` and ``posthog/hogql_queries/hogql_query_runner.py``:
a top-level SELECT without LIMIT is paginated (``LIMIT 101`` run, 100 rows answered,
``hasMore`` set); each SELECT of a UNION without LIMIT gets ``LIMIT 100``; no LIMIT may exceed
50 000 (``MAX_SELECT_RETURNED_ROWS``).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlglot import exp

from phemu.query.engine import Database
from phemu.query.engine import json_value
from phemu.query.engine import zone_name
from phemu.query.functions import clock_functions
from phemu.query.parse import hogql_text
from phemu.query.parse import parse_select
from phemu.query.parse import select_texts
from phemu.query.records import ProjectData
from phemu.query.translate import TYPE_META
from phemu.query.translate import Translator

#: ``posthog/hogql/constants.py``.
DEFAULT_RETURNED_ROWS = 100
MAX_SELECT_RETURNED_ROWS = 50_000

_CLICKHOUSE_TYPES = {
    "BIGINT": "Int64",
    "INTEGER": "Int32",
    "SMALLINT": "Int16",
    "TINYINT": "Int8",
    "UBIGINT": "UInt64",
    "UINTEGER": "UInt32",
    "HUGEINT": "Int64",
    "DOUBLE": "Float64",
    "FLOAT": "Float32",
    "VARCHAR": "String",
    "BOOLEAN": "UInt8",
    "TIMESTAMP": "DateTime64(6, 'UTC')",
    "DATE": "Date",
    "UUID": "UUID",
}


def clickhouse_type(duck_type: str) -> str:
    """The ClickHouse name PostHog would report for a DuckDB result type."""
    duck_type = duck_type.upper()
    if duck_type.endswith("[]"):
        return f"Array({clickhouse_type(duck_type[:-2])})"
    if duck_type.startswith("DECIMAL"):
        return "Float64"
    return _CLICKHOUSE_TYPES.get(duck_type, "String")


@dataclass
class Timings:
    """PostHog's ``timings``: seconds per step, ``.`` last for the whole run."""

    started: float = field(default_factory=time.perf_counter)
    steps: list[dict[str, Any]] = field(default_factory=list)
    _last: float = 0.0

    def mark(self, name: str) -> None:
        now = time.perf_counter()
        self.steps.append({"k": f"./{name}", "t": round(now - (self._last or self.started), 6)})
        self._last = now

    def done(self) -> list[dict[str, Any]]:
        return [*self.steps, {"k": ".", "t": round(time.perf_counter() - self.started, 6)}]


@dataclass
class SelectResult:
    results: list[list[Any]]
    columns: list[str]
    types: list[str]
    hogql: str
    limit: int | None = None
    offset: int | None = None
    has_more: bool | None = None


def _limit_value(node: exp.Expr | None) -> int | None:
    if node is None:
        return None
    expression = node.expression if isinstance(node, exp.Limit) else node
    if isinstance(expression, exp.Literal) and not expression.is_string:
        return int(expression.this)
    return None


def _clamp(select: exp.Select) -> None:
    limit = _limit_value(select.args.get("limit"))
    if limit is not None and limit > MAX_SELECT_RETURNED_ROWS:
        select.limit(MAX_SELECT_RETURNED_ROWS, copy=False)


def run_select(
    database: Database,
    project: int,
    data: ProjectData,
    query: str | exp.Query,
    now: datetime,
    timings: Timings | None = None,
    *,
    paginate: bool = True,
) -> SelectResult:
    """Run one HogQL query over the project's tables.

    ``query`` is HogQL text or an already built syntax tree (the query kinds build theirs);
    ``paginate`` applies PostHog's default limit and ``hasMore``.
    """
    timings = timings or Timings()
    text = query if isinstance(query, str) else None
    tree = parse_select(query) if isinstance(query, str) else query
    timings.mark("parse_select")
    paginated = False
    if isinstance(tree, exp.Select):
        if tree.args.get("limit") is None and paginate:
            tree.limit(DEFAULT_RETURNED_ROWS + 1, copy=False)
            paginated = True
        _clamp(tree)
    elif isinstance(tree, exp.SetOperation):
        for select in _members(tree):
            if select.args.get("limit") is None:
                select.limit(DEFAULT_RETURNED_ROWS, copy=False)
            _clamp(select)
    printed = hogql_text(tree, pretty=True)
    zone = zone_name(now)
    database.sync(project, data, zone)
    timings.mark("load")
    learned_events, learned_persons = database.types_of(project)
    declared_events, declared_persons = data.declared_types()
    translator = Translator(
        project,
        clock_functions(now),
        {**learned_events, **declared_events},
        {**learned_persons, **declared_persons},
    )
    translated, outputs = translator.query(tree.copy())
    sql = translated.sql(dialect="duckdb")
    timings.mark("translate")
    rows, duck_types = database.execute(sql, zone)
    timings.mark("execute")
    names = _column_names(tree, text, [name for name, _ in outputs])
    types = [
        _zoned(output.ch_type or clickhouse_type(duck_type), zone)
        for (_, output), duck_type in zip(outputs, duck_types, strict=False)
    ]
    booleans = [kind.endswith("Bool)") or kind == "Bool" for kind in types]
    zones = [_zone_of(kind) for kind in types]
    results = [
        [
            value if flag and isinstance(value, bool) else json_value(value, column_zone)
            for value, flag, column_zone in zip(row, booleans, zones, strict=False)
        ]
        for row in rows
    ]
    if paginated:
        has_more = len(results) > DEFAULT_RETURNED_ROWS
        return SelectResult(
            results[:DEFAULT_RETURNED_ROWS],
            names,
            types,
            printed,
            DEFAULT_RETURNED_ROWS,
            0,
            has_more,
        )
    return SelectResult(results, names, types, printed)


_ZONED = re.compile(r"DateTime(?:64\(6, |\()'([^']+)'\)")


def _zoned(kind: str, zone: str) -> str:
    """A DateTime type without a zone of its own is in the project's (``posthog/hogql/printer.py``
    prints the team's zone into every DateTime)."""
    return kind.replace("'UTC')", f"'{zone}')") if zone != "UTC" and "'UTC')" in kind else kind


def _zone_of(kind: str) -> ZoneInfo | None:
    """The zone a column's values render in; ``None`` for UTC (and for non-time columns)."""
    match = _ZONED.search(kind)
    return None if match is None or match.group(1) == "UTC" else ZoneInfo(match.group(1))


def _members(tree: exp.Expr) -> list[exp.Select]:
    """The SELECTs a UNION (or INTERSECT, EXCEPT) combines, not subqueries inside them."""
    if isinstance(tree, exp.SetOperation):
        return [*_members(tree.this), *_members(tree.expression)]
    if isinstance(tree, exp.Subquery):
        return _members(tree.this)
    return [tree] if isinstance(tree, exp.Select) else []


def _column_names(tree: exp.Query, text: str | None, fallback: list[str]) -> list[str]:
    """PostHog's ``columns``: aliases, else the expression as written."""
    first = tree
    while isinstance(first, exp.SetOperation):
        first = first.this
    if not isinstance(first, exp.Select):
        return fallback
    written = select_texts(text) if text is not None else None
    if written is None or len(written) != len(first.expressions):
        written = [hogql_text(e) for e in first.expressions]
    names: list[str] = []
    position = 0
    for expression, as_written in zip(first.expressions, written, strict=False):
        if isinstance(expression, exp.Star) or (
            isinstance(expression, exp.Column) and isinstance(expression.this, exp.Star)
        ):
            count = len(fallback) - (len(first.expressions) - 1)
            names.extend(fallback[position : position + count])
            position += count
            continue
        names.append(expression.alias if isinstance(expression, exp.Alias) else as_written)
        position += 1
    return names if len(names) == len(fallback) else fallback


def type_of(node: exp.Expr) -> str | None:
    return node.meta.get(TYPE_META)
