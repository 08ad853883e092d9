"""HogQL text to a sqlglot syntax tree.

HogQL is ClickHouse SQL with a few additions (``posthog/hogql/grammar/HogQLParser.g4``); the one
that matters for parsing is that identifiers may start with ``$`` (``properties.$browser``,
``$session_id``). sqlglot's ClickHouse dialect reads ``$`` as the start of a heredoc string, so
the dialect below turns heredocs off and joins a ``$`` with the identifier written right after
it. Everything else is sqlglot's ClickHouse grammar.
"""

from __future__ import annotations

import re
from typing import Any
from typing import ClassVar

import sqlglot
from sqlglot import exp
from sqlglot.dialects.clickhouse import ClickHouse
from sqlglot.errors import ParseError
from sqlglot.errors import TokenError
from sqlglot.generators.clickhouse import ClickHouseGenerator
from sqlglot.parsers.clickhouse import ClickHouseParser
from sqlglot.tokenizer_core import Token
from sqlglot.tokenizer_core import TokenType

from phemu.errors import Msg
from phemu.errors import QueryError
from phemu.errors import QueryNotComputed
from phemu.errors import QuerySyntaxError

_WORD = re.compile(r"[A-Za-z0-9_]+\Z")
_PLAIN = re.compile(r"\$?[A-Za-z_][A-Za-z0-9_]*\Z")
#: Tokens that end a top-level select list.
_CLAUSES = {
    TokenType.FROM,
    TokenType.WHERE,
    TokenType.GROUP_BY,
    TokenType.ORDER_BY,
    TokenType.LIMIT,
    TokenType.HAVING,
    TokenType.UNION,
    TokenType.EXCEPT,
    TokenType.INTERSECT,
    TokenType.SETTINGS,
    TokenType.WINDOW,
    TokenType.QUALIFY,
    TokenType.PREWHERE,
    TokenType.OFFSET,
    TokenType.SEMICOLON,
}


class HogQL(ClickHouse):
    """ClickHouse's dialect with ``$``-prefixed identifiers."""

    class Tokenizer(ClickHouse.Tokenizer):
        HEREDOC_STRINGS: ClassVar[list[str | tuple[str, str]]] = []

        def tokenize(self, sql: str) -> list[Token]:
            merged: list[Token] = []
            tokens = super().tokenize(sql)
            index = 0
            while index < len(tokens):
                token = tokens[index]
                after = tokens[index + 1] if index + 1 < len(tokens) else None
                if (
                    token.text == "$"
                    and after is not None
                    and after.start == token.end + 1
                    and _WORD.match(after.text)
                ):
                    merged.append(
                        Token(
                            TokenType.IDENTIFIER,
                            "$" + after.text,
                            token.line,
                            after.col,
                            token.start,
                            after.end,
                            token.comments + after.comments,
                        )
                    )
                    index += 2
                    continue
                merged.append(token)
                index += 1
            return merged

    class Parser(ClickHouseParser):
        # ClickHouse's JSONExtract* keep their own semantics (``''`` for a missing key) and
        # formatDateTime its own specifiers (``%i`` is the minute), so they stay plain calls for
        # ``phemu.query.functions`` instead of sqlglot's generic nodes.
        FUNCTIONS: ClassVar[dict[str, Any]] = {
            name: builder
            for name, builder in ClickHouseParser.FUNCTIONS.items()
            if not name.startswith("JSONEXTRACT") and name != "FORMATDATETIME"
        }

    class Generator(ClickHouseGenerator):
        def identifier_sql(self, expression: exp.Identifier) -> str:
            name = expression.this
            if isinstance(name, str) and _PLAIN.match(name) and name.upper() not in _RESERVED:
                return name
            return str(super().identifier_sql(expression))


_RESERVED = {"SELECT", "FROM", "WHERE", "GROUP", "ORDER", "BY", "LIMIT", "AS", "AND", "OR", "NOT"}


def hogql_text(node: exp.Expr, *, pretty: bool = False) -> str:
    """An expression or query printed back as HogQL."""
    return node.sql(dialect=HogQL, pretty=pretty)


def select_texts(text: str) -> list[str] | None:
    """The top-level select list as written, one string per column (``None`` if unreadable)."""
    try:
        tokens = HogQL().tokenize(text)
    except TokenError:
        return None
    depth, start = 0, None
    for index, token in enumerate(tokens):
        if token.token_type in (TokenType.L_PAREN, TokenType.L_BRACKET):
            depth += 1
        elif token.token_type in (TokenType.R_PAREN, TokenType.R_BRACKET):
            depth -= 1
        elif depth == 0 and token.token_type == TokenType.SELECT:
            start = index + 1
            break
    if start is None:
        return None
    if start < len(tokens) and tokens[start].token_type == TokenType.DISTINCT:
        start += 1
    parts: list[str] = []
    first = start
    depth = 0
    index = start
    while index < len(tokens):
        token = tokens[index]
        if token.token_type in (TokenType.L_PAREN, TokenType.L_BRACKET):
            depth += 1
        elif token.token_type in (TokenType.R_PAREN, TokenType.R_BRACKET):
            depth -= 1
            if depth < 0:
                break
        elif depth == 0 and (token.token_type in _CLAUSES or token.token_type == TokenType.COMMA):
            if token.token_type != TokenType.COMMA:
                break
            parts.append(text[tokens[first].start : tokens[index - 1].end + 1])
            first = index + 1
        index += 1
    if first < index:
        parts.append(text[tokens[first].start : tokens[index - 1].end + 1])
    return parts


_TOKEN_REPR = re.compile(
    r"<Token token_type: [^,]*, text: (.*?), line: \d+, col: \d+, start: \d+, end: \d+, "
    r"comments: \[.*?\]>"
)


def _syntax_error(text: str, reason: str, *, expression: bool = False) -> QueryError:
    """PostHog's syntax error for text sqlglot could not read (``phemu.query.syntax``).

    When HogQL's grammar accepts the text after all, the construct is one phemu's parser does
    not read: say so instead of inventing a syntax error.
    """
    from phemu.query.syntax import diagnose
    from phemu.query.syntax import diagnose_expression

    found = diagnose_expression(text) if expression else diagnose(text)
    if found is not None:
        return QuerySyntaxError(found.message, start=found.start, end=found.end)
    readable = _TOKEN_REPR.sub(lambda m: repr(m.group(1)), reason.strip().splitlines()[0])
    return QueryNotComputed(Msg.HOGQL_NOT_READ.format(reason=readable))


def _read(text: str) -> list[exp.Expr]:
    try:
        return [s for s in sqlglot.parse(text, read=HogQL) if s is not None]
    except (ParseError, TokenError) as error:
        raise _ReadError(_describe(error)) from None


class _ReadError(Exception):
    pass


def _describe(error: ParseError | TokenError) -> str:
    if isinstance(error, ParseError) and error.errors:
        first = error.errors[0]
        return f"{first.get('description')} (line {first.get('line')}, column {first.get('col')})"
    return str(error)


def parse_select(text: str) -> exp.Query:
    """One SELECT (or set of SELECTs) of HogQL; anything else is PostHog's syntax error."""
    try:
        statements = _read(text)
    except _ReadError as error:
        raise _syntax_error(text, str(error)) from None
    if len(statements) != 1 or not isinstance(statements[0], exp.Query):
        raise _syntax_error(text, "not one SELECT")
    return statements[0]


def parse_expression(text: str) -> exp.Expr:
    """One HogQL expression (an ``EventsQuery`` column, ``where`` or ``orderBy`` entry)."""
    if text == "":  # posthog/hogql/parser.py, parse_expr
        raise QuerySyntaxError(Msg.HOGQL_EMPTY_QUERY)
    try:
        statements = _read(f"SELECT {text}")
    except _ReadError as error:
        raise _syntax_error(text, str(error), expression=True) from None
    query = statements[0] if len(statements) == 1 else None
    if not isinstance(query, exp.Select) or len(query.expressions) != 1 or query.args.get("from_"):
        raise _syntax_error(text, "not one expression", expression=True)
    found: exp.Expr = query.expressions[0]
    return found
