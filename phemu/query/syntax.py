"""HogQL syntax errors worded as PostHog's parser words them.

PostHog parses HogQL with an ANTLR grammar (``posthog/hogql/grammar/HogQLParser.g4``, run by the
``hogql_parser`` C++ module) and answers the ANTLR runtime's first message. A top-level SELECT is
one prediction decision in that grammar (a set of SELECTs or a single SELECT), so ANTLR reads the
whole statement before it chooses, and a mistake anywhere in it is reported as

    no viable alternative at input '<the statement from its first token to the offending one>'

where the offending token is the first one that no valid HogQL statement can continue with. A
statement that cannot even start answers ``mismatched input 'x' expecting {SELECT, WITH, '{',
'(', '<'}``. The error's ``start`` is the offending token's offset, ``end`` the query's length
(``HogQLErrorListener`` in ``posthog/hogql/parser.py``).

phemu finds the offending token with an Earley recognizer (lark) over a HogQL grammar written
from PostHog's documented syntax: an Earley parser fails exactly at the first token that ends
the longest viable prefix, which is the token ANTLR's full-context prediction stops at. This runs
only for queries sqlglot cannot read, so a valid query pays nothing for it.

The lexer follows HogQL's: whitespace is kept in the quoted text (ANTLR's hidden channel),
comments are dropped, an unterminated string or quoted identifier leaves its quote as a token of
its own, and a character no HogQL token starts with is dropped as ANTLR's lexer drops it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from phemu.errors import Msg

#: Keywords HogQL also accepts as identifiers (the identifier-starting tokens ANTLR lists).
KEYWORDS = [
    "ALL",
    "AND",
    "ANTI",
    "ANY",
    "ARRAY",
    "AS",
    "ASCENDING",
    "ASOF",
    "BETWEEN",
    "BOTH",
    "BY",
    "CASE",
    "CAST",
    "COHORT",
    "COLLATE",
    "CROSS",
    "CUBE",
    "CURRENT",
    "DATE",
    "DESC",
    "DESCENDING",
    "DISTINCT",
    "ELSE",
    "END",
    "EXTRACT",
    "FINAL",
    "FIRST",
    "FOLLOWING",
    "FOR",
    "FROM",
    "FULL",
    "GROUP",
    "HAVING",
    "ID",
    "IF",
    "ILIKE",
    "IN",
    "INNER",
    "INTERVAL",
    "IS",
    "JOIN",
    "KEY",
    "LAST",
    "LEADING",
    "LEFT",
    "LIKE",
    "LIMIT",
    "NOT",
    "NULLS",
    "OFFSET",
    "ON",
    "OR",
    "ORDER",
    "OUTER",
    "OVER",
    "PARTITION",
    "PRECEDING",
    "PREWHERE",
    "RANGE",
    "RETURN",
    "RIGHT",
    "ROLLUP",
    "ROW",
    "ROWS",
    "SAMPLE",
    "SELECT",
    "SEMI",
    "SETTINGS",
    "SUBSTRING",
    "THEN",
    "TIES",
    "TIMESTAMP",
    "TO",
    "TOP",
    "TOTALS",
    "TRAILING",
    "TRIM",
    "TRUNCATE",
    "UNBOUNDED",
    "UNION",
    "USING",
    "WHEN",
    "WHERE",
    "WINDOW",
    "WITH",
]
INTERVALS = ["SECOND", "MINUTE", "HOUR", "DAY", "WEEK", "MONTH", "QUARTER", "YEAR"]
#: Keywords that are never identifiers.
RESERVED = ["EXCEPT", "INTERSECT", "NULL", "INF", "NAN"]
_ALIASES = {"ASC": "ASCENDING", "NAN_SQL": "NAN"}

_SET_OPERATORS = ("UNION", "EXCEPT", "INTERSECT")
#: Keywords that continue an expression as operators.
_OPERATOR_KEYWORDS = ("AND", "OR", "NOT", "LIKE", "ILIKE", "IN", "IS", "BETWEEN")

_PUNCTUATION = [
    ("NOT_IREGEX", "!~*"),
    ("IREGEX", "=~*"),
    ("NULLISH", "??"),
    ("NULL_PROPERTY", "?."),
    ("ARROW", "->"),
    ("CONCAT", "||"),
    ("EQ_DOUBLE", "=="),
    ("NOT_EQ", "!="),
    ("NOT_EQ", "<>"),
    ("LT_EQ", "<="),
    ("GT_EQ", ">="),
    ("REGEX", "=~"),
    ("NOT_REGEX", "!~"),
    ("EQ", "="),
    ("LT", "<"),
    ("GT", ">"),
    ("LPAREN", "("),
    ("RPAREN", ")"),
    ("LBRACKET", "["),
    ("RBRACKET", "]"),
    ("LBRACE", "{"),
    ("RBRACE", "}"),
    ("COMMA", ","),
    ("DOT", "."),
    ("STAR", "*"),
    ("SLASH", "/"),
    ("PERCENT", "%"),
    ("PLUS", "+"),
    ("DASH", "-"),
    ("QUESTION", "?"),
    ("COLON", ":"),
    ("SEMI", ";"),
    ("HASH", "#"),
    ("BACKSLASH", "\\"),
    ("TILDE", "~"),
]
_TOKEN = re.compile(
    r"""
    (?P<ws>[ \t\n\r\f\v]+)
  | (?P<comment>--[^\n\r]*(\r\n|[\n\r])?|/\*.*?\*/)
  | (?P<STRING>'(?:[^'\\]|\\.|'')*')
  | (?P<QIDENT>`(?:[^`\\]|\\.|``)*`|"(?:[^"\\]|\\.|"")*")
  | (?P<HEX>0[xX][0-9a-fA-F]+)
  | (?P<FLOAT>(?:\d+\.\d*|\.\d+)[eE][+-]?\d+|\d+[eE][+-]?\d+)
  | (?P<NUMBER>\d+)
  | (?P<IDENT>[A-Za-z_$][A-Za-z0-9_$]*)
  | (?P<punct>"""
    + "|".join(re.escape(text) for _name, text in _PUNCTUATION)
    + r""")
  | (?P<quote>['"`])
    """,
    re.VERBOSE | re.DOTALL,
)
_PUNCT_NAMES = {text: name for name, text in _PUNCTUATION}
_QUOTE_NAMES = {"'": "QUOTE_SINGLE", '"': "QUOTE_DOUBLE", "`": "BACKTICK"}


@dataclass(frozen=True)
class Lexeme:
    """A token ANTLR's parser would see (``hidden`` ones only appear in quoted text)."""

    type: str
    text: str
    start: int
    hidden: bool = False


def tokenize(text: str) -> list[Lexeme]:
    """HogQL's tokens, whitespace included (hidden), comments and unknown characters dropped."""
    found: list[Lexeme] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:  # ANTLR: "token recognition error", the character is skipped
            position += 1
            continue
        kind = match.lastgroup or ""
        value = match.group()
        if kind == "ws":
            found.append(Lexeme("WS", value, position, hidden=True))
        elif kind == "IDENT":
            upper = _ALIASES.get(value.upper(), value.upper())
            if upper in KEYWORDS or upper in INTERVALS or upper in RESERVED:
                kind = upper
            found.append(Lexeme(kind, value, position))
        elif kind == "punct":
            found.append(Lexeme(_PUNCT_NAMES[value], value, position))
        elif kind == "quote":
            found.append(Lexeme(_QUOTE_NAMES[value], value, position))
        elif kind != "comment":
            found.append(Lexeme(kind, value, position))
        position = match.end()
    return found


_GRAMMAR = r"""
start: query SEMI?
expression: expr
query: select_set | hogqlx

select_set: select_parens (set_op select_parens)*
set_op: UNION ALL | UNION DISTINCT | EXCEPT | EXCEPT DISTINCT | INTERSECT | INTERSECT DISTINCT
select_parens: select_stmt | LPAREN select_set RPAREN | placeholder
select_stmt: with_opt SELECT distinct_opt top_opt expr_list from_opt array_join_opt prewhere_opt \
    where_opt group_opt group_mod_opt totals_opt having_opt window_opt order_opt limit_by_opt \
    limit_opt settings_opt
with_opt: with_clause |
distinct_opt: DISTINCT |
top_opt: top |
from_opt: from_clause |
array_join_opt: array_join |
prewhere_opt: prewhere |
where_opt: where |
group_opt: group_by |
group_mod_opt: WITH CUBE | WITH ROLLUP |
totals_opt: WITH TOTALS |
having_opt: having |
window_opt: window_clause |
order_opt: order_by |
limit_by_opt: limit_by |
limit_opt: limit_offset |
settings_opt: settings |

with_clause: WITH with_expr (COMMA with_expr)*
with_expr: ident AS LPAREN select_set RPAREN | expr AS ident
top: TOP NUMBER (WITH TIES)?
from_clause: FROM join_expr
array_join: (LEFT | INNER)? ARRAY JOIN expr_list
prewhere: PREWHERE expr
where: WHERE expr
group_by: GROUP BY ((CUBE | ROLLUP) LPAREN expr_list RPAREN | expr_list)
having: HAVING expr
window_clause: WINDOW ident AS LPAREN window_expr RPAREN (COMMA ident AS LPAREN window_expr RPAREN)*
order_by: ORDER BY order_expr (COMMA order_expr)*
order_expr: expr direction_opt nulls_opt collate_opt
direction_opt: ASCENDING | DESCENDING | DESC |
nulls_opt: NULLS FIRST | NULLS LAST |
collate_opt: COLLATE STRING |
limit_by: LIMIT expr ((COMMA | OFFSET) expr)? BY expr_list
limit_offset: LIMIT expr (COMMA expr)? (WITH TIES)? | LIMIT expr (WITH TIES)? OFFSET expr \
    | OFFSET expr
settings: SETTINGS setting (COMMA setting)*
setting: ident EQ literal

join_expr: join_expr join_op? JOIN join_expr join_constraint
    | join_expr (CROSS JOIN | COMMA) join_expr
    | table_expr FINAL? sample?
    | LPAREN join_expr RPAREN
join_op: join_kind? INNER | INNER join_kind? | join_kind
    | join_side_kind? (LEFT | RIGHT) OUTER? | (LEFT | RIGHT) OUTER? join_side_kind?
    | (ALL | ANY)? FULL OUTER? | FULL OUTER? (ALL | ANY)?
join_kind: ALL | ANY | ASOF
join_side_kind: SEMI | ALL | ANTI | ANY | ASOF
join_constraint: ON expr_list | USING LPAREN expr_list RPAREN | USING expr_list
sample: SAMPLE ratio (OFFSET ratio)?
ratio: placeholder | number (SLASH number)?
table_expr: dotted | ident LPAREN args? RPAREN | LPAREN select_set RPAREN | placeholder | hogqlx
    | table_expr alias | table_expr AS ident
alias: IDENT | QIDENT | DATE | FIRST | ID | KEY

window_expr: partition_opt order_opt frame_opt
partition_opt: PARTITION BY expr_list |
frame_opt: frame |
frame: (ROWS | RANGE) (frame_bound | BETWEEN frame_bound AND frame_bound)
frame_bound: CURRENT ROW | UNBOUNDED (PRECEDING | FOLLOWING) | number (PRECEDING | FOLLOWING)

expr_list: expr (COMMA expr)* COMMA?
args: arg (COMMA arg)* COMMA?
arg: expr | lambda
expr: CASE expr? (WHEN expr THEN expr)+ (ELSE expr)? END
    | CAST LPAREN expr AS type_expr RPAREN
    | (DATE | TIMESTAMP | INTERVAL) STRING
    | INTERVAL expr interval
    | SUBSTRING LPAREN expr FROM expr (FOR expr)? RPAREN
    | TRIM LPAREN (BOTH | LEADING | TRAILING) STRING FROM expr RPAREN
    | ident LPAREN expr_list? RPAREN (LPAREN args? RPAREN)? OVER (LPAREN window_expr RPAREN | ident)
    | ident (LPAREN expr_list? RPAREN)? LPAREN DISTINCT? args? RPAREN
    | hogqlx
    | literal
    | expr LBRACKET expr RBRACKET
    | expr DOT NUMBER
    | expr NULL_PROPERTY ident
    | DASH expr
    | expr (STAR | SLASH | PERCENT) expr
    | expr (PLUS | DASH | CONCAT) expr
    | expr compare expr
    | expr IS NOT? NULL
    | NOT expr
    | expr AND expr
    | expr OR expr
    | expr NOT? BETWEEN expr AND expr
    | expr QUESTION expr COLON expr
    | expr AS (ident | STRING)
    | expr NULLISH expr
    | STAR
    | dotted DOT STAR
    | LPAREN select_set RPAREN
    | LPAREN expr_list RPAREN
    | LBRACKET expr_list? RBRACKET
    | LBRACE (expr COLON expr (COMMA expr COLON expr)* COMMA?)? RBRACE
    | lambda
    | dotted
    | placeholder
compare: EQ | EQ_DOUBLE | NOT_EQ | LT | LT_EQ | GT | GT_EQ | NOT? IN COHORT? | NOT? LIKE \
    | NOT? ILIKE | REGEX | NOT_REGEX | IREGEX | NOT_IREGEX
lambda: (LPAREN ident (COMMA ident)* COMMA? RPAREN | ident (COMMA ident)* | LPAREN RPAREN) \
    ARROW expr
type_expr: ident | ident LPAREN (type_expr | expr) (COMMA (type_expr | expr))* RPAREN
placeholder: LBRACE expr RBRACE
dotted: ident (DOT ident)*
ident: IDENT | QIDENT | interval | keyword
interval: SECOND | MINUTE | HOUR | DAY | WEEK | MONTH | QUARTER | YEAR
literal: number | STRING | NULL
number: (PLUS | DASH)? (FLOAT | NUMBER | NUMBER DOT NUMBER? | DOT NUMBER | HEX | INF | NAN)
hogqlx: LT ident hogqlx_attr* SLASH GT
    | LT ident hogqlx_attr* GT hogqlx_child* LT SLASH ident GT
hogqlx_attr: ident EQ (STRING | LBRACE expr RBRACE)
hogqlx_child: hogqlx | LBRACE expr RBRACE
"""


def _grammar() -> str:
    keywords = " | ".join(KEYWORDS)
    terminals = sorted(
        {
            *KEYWORDS,
            *INTERVALS,
            *RESERVED,
            *_PUNCT_NAMES.values(),
            *_QUOTE_NAMES.values(),
            "STRING",
            "QIDENT",
            "HEX",
            "FLOAT",
            "NUMBER",
            "IDENT",
        }
    )
    return f"{_GRAMMAR}keyword: {keywords}\n%declare {' '.join(terminals)}\n"


@lru_cache(maxsize=1)
def _parser() -> Any:
    from lark import Lark
    from lark import Token
    from lark.lexer import Lexer

    class HogQLLexer(Lexer):
        def __init__(self, lexer_conf: Any) -> None:
            pass

        def lex(self, text: Any, *_state: Any) -> Iterator[Any]:  # Earley passes the text
            for lexeme in tokenize(str(text)):
                if not lexeme.hidden:
                    yield Token(lexeme.type, lexeme.text, start_pos=lexeme.start)

    return Lark(
        _grammar(),
        parser="earley",
        lexer=HogQLLexer,
        ambiguity="resolve",
        start=["start", "expression"],
    )


def _quoted(text: str) -> str:
    """ANTLR's ``escapeWSAndQuote``."""
    return "'" + text.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t") + "'"


@dataclass(frozen=True)
class Diagnosis:
    message: str
    start: int
    end: int


def _failure(text: str, rule: str) -> tuple[bool, int | None]:
    """Whether ``text`` parses as ``rule``, and the offset of the offending token (None: EOF)."""
    from lark.exceptions import UnexpectedEOF
    from lark.exceptions import UnexpectedToken

    try:
        _parser().parse(text, start=rule)
    except UnexpectedToken as error:
        if error.token.type == "$END":
            return False, None
        return False, int(error.token.start_pos)
    except UnexpectedEOF:
        return False, None
    return True, None


def diagnose(text: str) -> Diagnosis | None:
    """PostHog's syntax error for a SELECT, or ``None`` if HogQL's grammar accepts it."""
    parsed, at = _failure(text, "start")
    if parsed:
        return None
    lexemes = tokenize(text)
    visible = [index for index, lexeme in enumerate(lexemes) if not lexeme.hidden]
    offending = None if at is None else next(i for i in visible if lexemes[i].start == at)
    return _message(text, lexemes, visible, offending)


def diagnose_expression(text: str) -> Diagnosis | None:
    """PostHog's syntax error for one expression (``parse_expr``), or ``None`` if it parses.

    Outside a SELECT, ANTLR decides token by token: where an expression must start, it expects
    any expression token (and calls the token extraneous if the next one would do); after a
    complete expression it expects the end.
    """
    parsed, at = _failure(text, "expression")
    if parsed:
        return None
    lexemes = [lexeme for lexeme in tokenize(text) if not lexeme.hidden]
    offending = (
        len(lexemes)
        if at is None
        else next(i for i, lexeme in enumerate(lexemes) if lexeme.start == at)
    )

    def prefix(count: int, *extra: str) -> str:
        end = lexemes[count].start if count < len(lexemes) else len(text)
        return " ".join([text[:end], *extra])

    def shown(index: int) -> str:
        return "'<EOF>'" if index >= len(lexemes) else _quoted(lexemes[index].text)

    def position(index: int) -> int:
        return len(text) if index >= len(lexemes) else lexemes[index].start

    previous = lexemes[offending - 1] if offending else None
    committed = previous is not None and (
        previous.type in _OPERATOR_KEYWORDS
        or (previous.type == "LPAREN" and offending >= 2 and lexemes[offending - 2].type == "IDENT")
    )
    if not committed and _viable(prefix(offending, "x")):  # an expression was expected here
        follow = lexemes[offending + 1].text if offending + 1 < len(lexemes) else None
        extraneous = follow is not None and _viable(prefix(offending, follow))
        template = Msg.HOGQL_EXTRANEOUS if extraneous else Msg.HOGQL_MISMATCHED
        message = template.format(token=shown(offending), expected=Msg.HOGQL_EXPRESSION_TOKENS)
        return Diagnosis(message, position(offending), len(text))
    complete = max(
        [k for k in range(1, offending + 1) if _failure(prefix(k), "expression")[0]], default=0
    )
    last = complete + 1 == len(lexemes)
    if (
        last
        and lexemes[complete].type in KEYWORDS
        and lexemes[complete].type not in (_OPERATOR_KEYWORDS)
    ):
        quoted = _quoted(
            text[lexemes[0].start : lexemes[complete].start + len(lexemes[complete].text)]
        )
        return Diagnosis(Msg.HOGQL_NO_VIABLE.format(input=quoted), position(complete), len(text))
    template = Msg.HOGQL_EXTRANEOUS if last else Msg.HOGQL_MISMATCHED
    message = template.format(token=shown(complete), expected="<EOF>")
    return Diagnosis(message, position(complete), len(text))


def _viable(text: str) -> bool:
    """Whether ``text`` can be continued into an expression."""
    parsed, at = _failure(text, "expression")
    return parsed or at is None


def _message(
    text: str, lexemes: list[Lexeme], visible: list[int], offending: int | None
) -> Diagnosis:
    at = len(text) if offending is None else lexemes[offending].start
    display = "'<EOF>'" if offending is None else _quoted(lexemes[offending].text)

    def mismatched(expected: str) -> Diagnosis:
        message = Msg.HOGQL_MISMATCHED.format(token=display, expected=expected)
        return Diagnosis(message, at, len(text))

    def no_viable(first: int) -> Diagnosis:
        last = len(lexemes) if offending is None else offending + 1
        quoted = "".join(lexeme.text for lexeme in lexemes[first:last])
        return Diagnosis(Msg.HOGQL_NO_VIABLE.format(input=_quoted(quoted)), at, len(text))

    if not visible or offending == visible[0]:
        return mismatched(Msg.HOGQL_STATEMENT_TOKENS)
    before = [i for i in visible if offending is None or i < offending]
    top = [i for i in before if _depth(lexemes, i) == 0]
    if lexemes[before[-1]].type == "SEMI" and before[-1] in top:
        return mismatched("<EOF>")
    # A set operator, or a statement opening with "(", settles ANTLR's first decision early;
    # later mistakes are reported by the rules inside (only the common shapes are known here).
    operators = [i for i in top if lexemes[i].type in _SET_OPERATORS]
    if operators:
        if lexemes[before[-1]].type == "UNION":  # UNION needs ALL or DISTINCT
            return no_viable(before[-1])
        rest = [i for i in before if i > operators[-1]]
        if all(lexemes[i].type in ("ALL", "DISTINCT", "LPAREN") for i in rest):
            return mismatched(Msg.HOGQL_MEMBER_TOKENS)
        return no_viable(next(i for i in rest if lexemes[i].type not in ("ALL", "DISTINCT")))
    if lexemes[visible[0]].type == "LPAREN":
        if all(lexemes[i].type == "LPAREN" for i in before):
            return mismatched(Msg.HOGQL_MEMBER_TOKENS)
        if offending is None and diagnose(text + ")") is None:
            return Diagnosis(Msg.HOGQL_MISSING_PAREN, at, len(text))
    return no_viable(visible[0])


def _depth(lexemes: list[Lexeme], index: int) -> int:
    depth = 0
    for lexeme in lexemes[:index]:
        if lexeme.type in ("LPAREN", "LBRACKET", "LBRACE"):
            depth += 1
        elif lexeme.type in ("RPAREN", "RBRACKET", "RBRACE"):
            depth -= 1
    return depth
