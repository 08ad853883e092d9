"""Resolve a HogQL syntax tree against the virtual tables and rewrite it for DuckDB.

This plays the part of PostHog's resolver and ClickHouse printer (``posthog/hogql/resolver.py``,
``posthog/hogql/printer.py``): table names become the project's DuckDB tables, field chains
become columns (``properties.$browser`` reads the JSON text, ``person.properties.email`` joins
persons through ``person_distinct_ids``, ``session.$session_duration`` joins sessions), select
aliases may be used anywhere in their SELECT, and ClickHouse functions sqlglot does not know
are rewritten from :mod:`phemu.query.functions`. Unknown tables, fields and functions raise
PostHog's messages.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field

import sqlglot
from sqlglot import exp

from phemu.errors import Msg
from phemu.errors import QueryError
from phemu.errors import QueryNotComputed
from phemu.query.functions import CASE_INSENSITIVE
from phemu.query.functions import FUNCTIONS
from phemu.query.functions import KNOWN_NAMES
from phemu.query.functions import Builder
from phemu.query.functions import json_pointer
from phemu.query.functions import parameterized
from phemu.query.schema import SESSIONS
from phemu.query.schema import TABLES
from phemu.query.schema import physical

#: Marks a translated node with the ClickHouse type PostHog reports for it.
TYPE_META = "hogql_type"
NULLABLE_STRING = "Nullable(String)"

_DATE_UNITS = {"WEEK", "MONTH", "QUARTER", "YEAR"}


@dataclass
class Output:
    """A column a (sub)query gives its parent: is it JSON text one can read keys from?"""

    json: bool = False
    ch_type: str | None = None


@dataclass
class Source:
    """A table in a FROM or JOIN: a virtual table, a CTE or a subquery."""

    alias: str
    table: str | None  # the virtual table, None for CTEs and subqueries
    outputs: dict[str, Output]
    node: exp.Expr
    person: bool = False
    session: bool = False


@dataclass
class Scope:
    sources: list[Source] = field(default_factory=list)
    aliases: dict[str, exp.Expr] = field(default_factory=dict)


def chain_of(node: exp.Expr) -> list[str] | None:
    """``a.b.$c`` as ``["a", "b", "$c"]`` for column references and dotted accesses."""
    if isinstance(node, exp.Column):
        if isinstance(node.this, exp.Star):
            return None
        return _column_chain(node)
    if isinstance(node, exp.Dot):
        left = chain_of(node.this)
        if left is None or not isinstance(node.expression, exp.Identifier):
            return None
        return [*left, node.expression.name]
    return None


def _column_chain(node: exp.Column) -> list[str]:
    parts = [node.args.get("catalog"), node.args.get("db"), node.args.get("table"), node.this]
    return [p.name for p in parts if p is not None]


def _col(alias: str, name: str) -> exp.Column:
    return exp.column(
        exp.to_identifier(name, quoted=True), table=exp.to_identifier(alias, quoted=True)
    )


def _json_read(
    document: exp.Expr, keys: list[str], types: Mapping[str, str] | None = None
) -> exp.Expr:
    """PostHog's property read: the value as text, JSON null and missing keys as NULL.

    A top-level key with a property definition reads as its type, as HogQL's property swapper
    does (``posthog/hogql/transforms/property_types.py``): ``Numeric`` through ``toFloat`` (text
    that is not a number is NULL), ``Boolean`` through ``transform(toString(x), ['true',
    'false'], [1, 0], NULL)``, ``DateTime`` through ``toDateTime`` (ClickHouse's best-effort
    parse).
    """
    pointer = json_pointer([exp.Literal.string(key) for key in keys])
    read: exp.Expr = exp.Anonymous(this="json_extract_string", expressions=[document, pointer])
    kind = (types or {}).get(keys[0]) if len(keys) == 1 else None
    if kind in _TYPED_READS:
        template, ch_type = _TYPED_READS[kind]
        typed = sqlglot.parse_one(template, read="duckdb").transform(
            lambda node: read.copy() if isinstance(node, exp.Column) and node.name == "_0" else node
        )
        typed.meta[TYPE_META] = ch_type
        return typed
    read.meta[TYPE_META] = NULLABLE_STRING
    return read


_TYPED_READS = {
    "Numeric": ("TRY_CAST(_0 AS DOUBLE)", "Nullable(Float64)"),
    "Boolean": ("CASE _0 WHEN 'true' THEN TRUE WHEN 'false' THEN FALSE END", "Nullable(Bool)"),
    "DateTime": (
        # casts between zoned and wall time use DuckDB's session zone, the project's
        "COALESCE(TRY_CAST(TRY_CAST(_0 AS TIMESTAMPTZ) AS TIMESTAMP), "
        "CASE WHEN regexp_full_match(_0, '[0-9]{9,10}(\\.[0-9]+)?') "
        "THEN CAST(to_timestamp(CAST(_0 AS DOUBLE)) AS TIMESTAMP) END)",
        "Nullable(DateTime64(6, 'UTC'))",
    ),
}


class Translator:
    """Rewrites one query for one project; ``functions`` adds the clock-bound ones."""

    def __init__(
        self,
        project: int,
        functions: Mapping[str, Builder],
        event_types: Mapping[str, str] | None = None,
        person_types: Mapping[str, str] | None = None,
    ) -> None:
        self.project = project
        self.functions = {**FUNCTIONS, **functions}
        self.types = {"events": event_types or {}, "persons": person_types or {}}
        self._generated = 0

    # -- queries ----------------------------------------------------------------------------
    def query(
        self, node: exp.Query, ctes: Mapping[str, dict[str, Output]] | None = None
    ) -> tuple[exp.Query, list[tuple[str, Output]]]:
        """The rewritten query and the columns it outputs, in order."""
        ctes = dict(ctes or {})
        if isinstance(node, exp.SetOperation):
            left, outputs = self.query(node.this, ctes)
            right, _ = self.query(node.expression, ctes)
            node.set("this", left)
            node.set("expression", right)
            return node, outputs
        if isinstance(node, exp.Subquery):
            inner, outputs = self.query(node.this, ctes)
            node.set("this", inner)
            return node, outputs
        if not isinstance(node, exp.Select):
            raise QueryNotComputed(Msg.HOGQL_NOT_READ.format(reason="not a SELECT"))
        with_ = node.args.get("with_")
        if with_ is not None:
            for cte in with_.expressions:
                inner, outputs = self.query(cte.this, ctes)
                cte.set("this", inner)
                ctes[cte.alias_or_name] = dict(outputs)
        scope = Scope()
        from_ = node.args.get("from_")
        if from_ is not None:
            from_.set("this", self._source(from_.this, scope, ctes))
        for join in node.args.get("joins") or []:
            join.set("this", self._source(join.this, scope, ctes))
        outputs = self._select_list(node, scope, ctes)
        for key in ("where", "group", "having", "order", "qualify"):
            part = node.args.get(key)
            if part is not None:
                node.set(key, self._rewrite(part, scope, ctes))
        for join in node.args.get("joins") or []:
            for key in ("on",):
                part = join.args.get(key)
                if part is not None:
                    join.set(key, self._rewrite(part, scope, ctes))
        for source in scope.sources:
            if source.table is not None:
                self._bind(source)
        return node, outputs

    def _source(
        self, node: exp.Expr, scope: Scope, ctes: Mapping[str, dict[str, Output]]
    ) -> exp.Expr:
        if isinstance(node, exp.Table):
            name = ".".join(p.name for p in (node.args.get("db"), node.this) if p is not None)
            alias = node.alias_or_name
            if name in ctes and node.args.get("db") is None:
                scope.sources.append(Source(alias, None, dict(ctes[name]), node))
                return node
            table = TABLES.get(name)
            if table is None:
                raise QueryError(Msg.HOGQL_UNKNOWN_TABLE.format(name=name))
            fields = {c.name: Output(json=c.json, ch_type=c.ch_type) for c in table.values()}
            source = Source(alias, name, fields, node)
            scope.sources.append(source)
            return node
        if isinstance(node, exp.Subquery):
            inner, outputs = self.query(node.this, ctes)
            node.set("this", inner)
            alias = node.alias
            if not alias:
                self._generated += 1
                alias = f"__subquery_{self._generated}"
                node.set("alias", exp.TableAlias(this=exp.to_identifier(alias, quoted=True)))
            scope.sources.append(Source(alias, None, dict(outputs), node))
            return node
        raise QueryError(Msg.HOGQL_UNKNOWN_TABLE.format(name=node.sql(dialect="clickhouse")))

    def _bind(self, source: Source) -> None:
        """Point a virtual table at the project's DuckDB table (with its lazy joins)."""
        assert source.table is not None
        alias = exp.TableAlias(this=exp.to_identifier(source.alias, quoted=True))
        table_sql = physical(self.project, source.table)
        if not (source.person or source.session):
            replacement: exp.Expr = exp.Table(
                this=exp.to_identifier(table_sql.strip('"'), quoted=True), alias=alias
            )
        else:
            replacement = exp.Subquery(this=self._lazy_join(source), alias=alias)
        source.node.replace(replacement)
        source.node = replacement

    def _lazy_join(self, source: Source) -> exp.Select:
        pieces = ["SELECT e.*"]
        joins = [f"FROM {physical(self.project, 'events')} AS e"]
        if source.person:
            pieces.append(
                ", COALESCE(d.person_id, e.person_id) AS __person_id, "
                "COALESCE(e.person_properties, p.properties) AS __person_properties, "
                "p.created_at AS __person_created_at"
            )
            joins.append(
                f"LEFT JOIN {physical(self.project, 'person_distinct_ids')} AS d "
                f"ON d.distinct_id = e.distinct_id LEFT JOIN {physical(self.project, 'persons')} "
                "AS p ON p.id = COALESCE(d.person_id, e.person_id)"
            )
        if source.session:
            pieces.extend(f", s.{_quoted(c)} AS {_quoted('__session_' + c)}" for c in SESSIONS)
            joins.append(
                f"LEFT JOIN {physical(self.project, 'sessions')} AS s "
                'ON s.session_id = e."$session_id"'
            )
        parsed = sqlglot.parse_one(" ".join(["".join(pieces), *joins]), read="duckdb")
        assert isinstance(parsed, exp.Select)
        return parsed

    def _select_list(
        self, node: exp.Select, scope: Scope, ctes: Mapping[str, dict[str, Output]]
    ) -> list[tuple[str, Output]]:
        outputs: list[tuple[str, Output]] = []
        expressions: list[exp.Expr] = []
        for item in node.expressions:
            if isinstance(item, exp.Star) or (
                isinstance(item, exp.Column) and isinstance(item.this, exp.Star)
            ):
                expressions.extend(self._star(item, scope, outputs))
                continue
            alias = item.alias if isinstance(item, exp.Alias) else None
            original = item.this if isinstance(item, exp.Alias) else item
            chain = chain_of(original)
            translated = self._rewrite(original.copy(), scope, ctes)
            name = alias or (chain[-1] if chain else original.sql(dialect="clickhouse"))
            json = bool(translated.meta.get("json"))
            outputs.append((name, Output(json=json, ch_type=translated.meta.get(TYPE_META))))
            if alias:
                scope.aliases[alias] = translated
            expressions.append(exp.alias_(translated.copy(), name, quoted=True))
        node.set("expressions", expressions)
        return outputs

    def _star(
        self, item: exp.Expr, scope: Scope, outputs: list[tuple[str, Output]]
    ) -> list[exp.Expr]:
        wanted = item.table if isinstance(item, exp.Column) else None
        chosen = [s for s in scope.sources if not wanted or s.alias == wanted]
        if wanted and not chosen:
            raise QueryError(Msg.HOGQL_UNRESOLVED_FIELD.format(name=wanted))
        columns: list[exp.Expr] = []
        for source in chosen:
            for name, output in source.outputs.items():
                if source.table is not None and not TABLES[source.table][name].star:
                    continue
                outputs.append((name, output))
                column = _col(source.alias, name)
                column.meta["json"] = output.json
                if output.ch_type:
                    column.meta[TYPE_META] = output.ch_type
                columns.append(exp.alias_(column, name, quoted=True))
        return columns

    # -- expressions ------------------------------------------------------------------------
    def _rewrite(
        self, node: exp.Expr, scope: Scope, ctes: Mapping[str, dict[str, Output]]
    ) -> exp.Expr:
        if isinstance(node, (exp.Select, exp.SetOperation)):
            return self.query(node, ctes)[0]
        if isinstance(node, exp.Subquery):
            node.set("this", self.query(node.this, ctes)[0])
            return node
        chain = chain_of(node)
        if chain is not None:
            return self._field(chain, scope)
        for key, value in list(node.args.items()):
            if isinstance(value, exp.Expr):
                node.set(key, self._rewrite(value, scope, ctes))
            elif isinstance(value, list):
                node.set(
                    key,
                    [
                        self._rewrite(v, scope, ctes) if isinstance(v, exp.Expr) else v
                        for v in value
                    ],
                )
        return self._function(node)

    def _function(self, node: exp.Expr) -> exp.Expr:
        if isinstance(node, (exp.Anonymous, exp.AnonymousAggFunc, exp.CombinedAggFunc)):
            name = node.name
            builder = self.functions.get(name) or self.functions.get(
                CASE_INSENSITIVE.get(name.lower(), "")
            )
            if builder is None:
                close = difflib.get_close_matches(name, KNOWN_NAMES, 1)
                if close:
                    raise QueryError(
                        Msg.HOGQL_UNSUPPORTED_FUNCTION_HINT.format(name=name, hint=close[0])
                    )
                raise QueryError(Msg.HOGQL_UNSUPPORTED_FUNCTION.format(name=name))
            return builder(node.expressions)
        if isinstance(node, exp.ParameterizedAgg):  # quantiles(0.1, 0.9)(x), quantileExact(p)(x)
            return parameterized(node.name, node.expressions, node.args.get("params") or [])
        if isinstance(node, exp.Quantile):  # quantile(p)(x), median(x): interpolated
            return exp.Anonymous(
                this="quantile_cont", expressions=[node.this, node.args["quantile"]]
            )
        if isinstance(node, exp.Length):  # strings and arrays alike (characters, elements)
            return exp.Anonymous(this="length", expressions=[node.this])
        if isinstance(node, exp.Round):  # ClickHouse rounds float ties to even
            digits = node.args.get("decimals") or exp.Literal.number(0)
            return exp.Anonymous(this="round_even", expressions=[node.this, digits])
        if isinstance(node, exp.ApproxDistinct):  # uniq(): exact, as ClickHouse is on small sets
            counted = exp.Count(this=exp.Distinct(expressions=[node.this]))
            counted.meta[TYPE_META] = "UInt64"
            return counted
        if isinstance(node, exp.Count):
            node.meta[TYPE_META] = "UInt64"
        if isinstance(node, exp.CountIf):
            node.meta[TYPE_META] = "UInt64"
        if isinstance(node, exp.TimestampTrunc) and node.text("unit").upper() in _DATE_UNITS:
            return exp.cast(node, "DATE")
        return node

    def _field(self, chain: list[str], scope: Scope) -> exp.Expr:
        first = chain[0]
        if len(chain) == 1 and first in scope.aliases:
            return scope.aliases[first].copy()
        if len(chain) > 1:
            for source in scope.sources:
                if source.alias == first:
                    return self._in_source(source, chain[1:])
        found = [s for s in scope.sources if self._has(s, first)]
        if not found:
            raise QueryError(Msg.HOGQL_UNRESOLVED_FIELD.format(name=first))
        if len(found) > 1:
            raise QueryError(Msg.HOGQL_AMBIGUOUS_FIELD.format(name=first))
        return self._in_source(found[0], chain)

    @staticmethod
    def _has(source: Source, name: str) -> bool:
        if name in source.outputs:
            return True
        return source.table == "events" and name in {"person_id", "person", "session"}

    def _in_source(self, source: Source, chain: list[str]) -> exp.Expr:
        name, rest = chain[0], chain[1:]
        if source.table == "events" and name in {"person_id", "person", "session"}:
            return self._lazy_field(source, name, rest)
        output = source.outputs.get(name)
        if output is None:
            raise QueryError(Msg.HOGQL_UNRESOLVED_FIELD.format(name=name))
        column = _col(source.alias, name)
        if rest:
            if not output.json:
                raise QueryError(Msg.HOGQL_UNRESOLVED_FIELD.format(name=rest[0]))
            typed = name == "properties" and source.table in self.types
            return _json_read(column, rest, self.types[source.table or ""] if typed else None)
        column.meta["json"] = output.json
        if output.ch_type:
            column.meta[TYPE_META] = output.ch_type
        return column

    def _lazy_field(self, source: Source, name: str, rest: list[str]) -> exp.Expr:
        """``person_id``, ``person.*`` and ``session.*`` on events (PostHog's lazy joins)."""
        if name == "person_id" or (name == "person" and rest[:1] == ["id"] and len(rest) == 1):
            source.person = True
            column = _col(source.alias, "__person_id")
            column.meta[TYPE_META] = "UUID"
            return column
        if name == "person" and rest[:1] == ["created_at"] and len(rest) == 1:
            source.person = True
            column = _col(source.alias, "__person_created_at")
            column.meta[TYPE_META] = "DateTime64(6, 'UTC')"
            return column
        if name == "person" and rest[:1] == ["properties"]:
            source.person = True
            document = _col(source.alias, "__person_properties")
            if len(rest) == 1:
                document.meta["json"] = True
                document.meta[TYPE_META] = "String"
                return document
            return _json_read(document, rest[1:], self.types["persons"])
        if name == "session" and len(rest) == 1 and rest[0] in SESSIONS:
            source.session = True
            column = _col(source.alias, "__session_" + rest[0])
            column.meta[TYPE_META] = SESSIONS[rest[0]].ch_type
            return column
        raise QueryError(Msg.HOGQL_UNRESOLVED_FIELD.format(name=rest[0] if rest else name))


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
