"""HogQL syntax errors: PostHog's wording and positions.

Each expectation was recorded from PostHog's own parser (the ``hogql_parser`` wheel, 1.2.13 of
27 November 2025, which ``posthog/hogql/parser.py`` calls): the message is ANTLR's, ``start`` the
offending token's offset and ``end`` the query's length, as ``HogQLErrorListener`` raises them.
"""

from __future__ import annotations

import pytest

pytest.importorskip("lark")
pytest.importorskip("sqlglot")

from phemu.errors import Msg
from phemu.errors import QueryError
from phemu.errors import QuerySyntaxError
from phemu.query.parse import parse_expression
from phemu.query.parse import parse_select
from phemu.query.syntax import diagnose

SELECTS = [
    (
        "select event from events where",
        "no viable alternative at input 'select event from events where'",
        30,
        30,
    ),
    ("select 1 from", "no viable alternative at input 'select 1 from'", 13, 13),
    (
        "select count( from events",
        "no viable alternative at input 'select count( from events'",
        19,
        25,
    ),
    (
        "select event from events where event = 'abc",
        "no viable alternative at input 'select event from events where event = ''",
        39,
        43,
    ),
    ("select (1", "no viable alternative at input 'select (1'", 9, 9),
    ("select 1)", "no viable alternative at input 'select 1)'", 8, 9),
    ("   ", "mismatched input '<EOF>' expecting {SELECT, WITH, '{', '(', '<'}", 3, 3),
    ("selec 1", "mismatched input 'selec' expecting {SELECT, WITH, '{', '(', '<'}", 0, 7),
    ("select event,, from events", "no viable alternative at input 'select event,,'", 13, 26),
    (
        "select event from events order event",
        "no viable alternative at input 'select event from events order event'",
        31,
        36,
    ),
    (
        'select * from events where event = "x',
        "no viable alternative at input 'select * from events where event = \"'",
        35,
        37,
    ),
    (
        "select count() from events\nwhere\n  event = ",
        "no viable alternative at input 'select count() from events\\nwhere\\n  event = '",
        43,
        43,
    ),
    ("select 1 from  ", "no viable alternative at input 'select 1 from  '", 15, 15),
    ("select 1 -- hi\nfrom", "no viable alternative at input 'select 1 from'", 19, 19),
    ("select 1 # from events", "no viable alternative at input 'select 1 #'", 9, 22),
    (
        "select event from events where event in ('a', 'b'",
        "no viable alternative at input 'select event from events where event in ('a', 'b''",
        49,
        49,
    ),
    (
        "select (select 1 from) as x",
        "no viable alternative at input 'select (select 1 from)'",
        21,
        27,
    ),
    (
        "with x as (select 1 from) select * from x",
        "no viable alternative at input 'with x as (select 1 from)'",
        24,
        41,
    ),
    (
        "select 1 from events e join persons p",
        "no viable alternative at input 'select 1 from events e join persons p'",
        37,
        37,
    ),
    (
        "select sum(properties.$x from events",
        "no viable alternative at input 'select sum(properties.$x from'",
        25,
        36,
    ),
    ("select `abc from events", "no viable alternative at input 'select `'", 7, 23),
    ("select 1 & 2", "no viable alternative at input 'select 1  2'", 11, 12),
    (
        "select event from events where event = 'a' /* c */ and",
        "no viable alternative at input 'select event from events where event = 'a'  and'",
        54,
        54,
    ),
    ("select 1; select 2", "mismatched input 'select' expecting <EOF>", 10, 18),
    (
        "SELECT properties.$current_url, count() FROM events WHERE event = '$pageview' GROUP BY properties.$current_url ORDER BY count() DESC LIMIT",
        "no viable alternative at input 'SELECT properties.$current_url, count() FROM events WHERE event = '$pageview' GROUP BY properties.$current_url ORDER BY count() DESC LIMIT'",
        138,
        138,
    ),
    ("select 1 union select", "no viable alternative at input 'union select'", 15, 21),
    ("(select 1", "missing ')' at '<EOF>'", 9, 9),
    ("(", "mismatched input '<EOF>' expecting {SELECT, WITH, '{', '('}", 1, 1),
    (
        "select * except (uuid) from events",
        "mismatched input 'uuid' expecting {SELECT, WITH, '{', '('}",
        17,
        34,
    ),
    (
        "select 1 union all select 2 union all",
        "mismatched input '<EOF>' expecting {SELECT, WITH, '{', '('}",
        37,
        37,
    ),
    (
        "select quantile(0.9)(properties.price from events",
        "no viable alternative at input 'select quantile(0.9)(properties.price from'",
        38,
        49,
    ),
    (
        "select case when 1 then 2 from events",
        "no viable alternative at input 'select case when 1 then 2 from'",
        26,
        37,
    ),
]


@pytest.mark.parametrize(("query", "message", "start", "end"), SELECTS)
def test_select_syntax_errors_as_posthog(query: str, message: str, start: int, end: int) -> None:
    found = diagnose(query)
    assert found is not None
    assert (found.message, found.start, found.end) == (message, start, end)


@pytest.mark.parametrize(
    "query", ["select event from events where", "select count( from events", "select (1", "selec 1"]
)
def test_parse_select_raises_the_diagnosis(query: str) -> None:
    found = diagnose(query)
    assert found is not None
    with pytest.raises(QuerySyntaxError) as raised:
        parse_select(query)
    assert (raised.value.detail, raised.value.start, raised.value.end) == (
        found.message,
        found.start,
        found.end,
    )


def test_the_expression_token_set_is_antlrs() -> None:
    listed = Msg.HOGQL_EXPRESSION_TOKENS
    assert listed.startswith("{ALL, AND, ANTI, ANY, ARRAY, AS, ASCENDING, ASOF, BETWEEN, BOTH, ")
    assert ", NOT, NULL_SQL, NULLS, OFFSET, " in listed  # ANTLR's token order, not sorted
    assert listed.endswith("STRING_LITERAL, '*', '-', '.', '{', '[', '(', '<', '+', 'f''}")


EXPRESSIONS = [
    ("count(", "extraneous input '(' expecting <EOF>", 5, 6),
    ("event =", "mismatched input '<EOF>' expecting " + Msg.HOGQL_EXPRESSION_TOKENS, 7, 7),
    ("a, b", "mismatched input ',' expecting <EOF>", 1, 4),
    ("sum(x", "mismatched input '(' expecting <EOF>", 3, 5),
    ("event = 'a' and", "extraneous input 'and' expecting <EOF>", 12, 15),
    (
        "properties.$x = 'abc",
        "extraneous input ''' expecting " + Msg.HOGQL_EXPRESSION_TOKENS,
        16,
        20,
    ),
    (")", "mismatched input ')' expecting " + Msg.HOGQL_EXPRESSION_TOKENS, 0, 1),
]


def test_keyword_after_an_expression_is_no_viable_alternative() -> None:
    from phemu.query.syntax import diagnose_expression

    found = diagnose_expression("count() desc")  # sqlglot reads this one as an alias
    assert found is not None
    assert (found.message, found.start, found.end) == (
        "no viable alternative at input 'count() desc'",
        8,
        12,
    )


@pytest.mark.parametrize(("text", "message", "start", "end"), EXPRESSIONS)
def test_expression_syntax_errors_as_posthog(text: str, message: str, start: int, end: int) -> None:
    with pytest.raises(QuerySyntaxError) as raised:
        parse_expression(text)
    assert (raised.value.detail, raised.value.start, raised.value.end) == (message, start, end)


def test_empty_expression_is_posthogs_empty_query() -> None:
    with pytest.raises(QuerySyntaxError) as raised:
        parse_expression("")
    assert raised.value.detail == "Empty query"


@pytest.mark.parametrize(
    "query",
    [
        "select x.1 from events",
        "select arrayMap(x -> x * 2, [1, 2])",
        "select {'a': 1}, [1, 2], (1, 2), a ?? b, c ? d : e from events",
        "select 1 from events e left outer join persons p using id",
        "SELECT * FROM events WHERE event = '$pageview' ORDER BY timestamp DESC LIMIT 10;",
        "select 1 § from events",  # ANTLR's lexer drops a character no token starts with
        "select <Sparkline data={[1, 2]} />",
    ],
)
def test_valid_hogql_is_not_a_syntax_error(query: str) -> None:
    assert diagnose(query) is None


def test_valid_hogql_that_phemu_cannot_read_says_so_in_one_line() -> None:
    with pytest.raises(QueryError) as raised:
        parse_select("select <Sparkline data={[1, 2]} />")
    assert not isinstance(raised.value, QuerySyntaxError)
    assert raised.value.detail.startswith("phemu does not compute this HogQL syntax: ")
    assert "<Token" not in raised.value.detail and "\n" not in raised.value.detail
