"""The default ``ai/regex`` responder (``docs/ai.md``): every specified row, and a wider table of
plain-language requests, each with strings the pattern must and must not match."""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field

import pytest

REFUSAL = "Please ask questions only about regex generation."
EMAIL = r"[^@\s]+@[^@\s]+\.[^@\s]+"
UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
LOOKAROUND = ("(?=", "(?!", "(?<=", "(?<!")
SAME = "same as javascript"


@dataclass(frozen=True)
class Case:
    description: str
    javascript: str | None  # None: PostHog's refusal
    re2: str | None = SAME
    match: tuple[str, ...] = ()
    no_match: tuple[str, ...] = field(default=())

    def expected(self, engine: str) -> str | None:
        return self.javascript if engine == "javascript" or self.re2 == SAME else self.re2


NEG = r"^(?!.*(?:{})).*$"

CASES = [
    # -- the rows the responder was specified with, outputs kept verbatim --
    Case(
        "all urls that include app.posthog.com/auth",
        r"app\.posthog\.com/auth",
        match=("https://app.posthog.com/auth/login",),
        no_match=("https://app-posthog.com/auth", "https://appxposthogxcom/auth"),
    ),
    Case(
        "urls that contain /pricing",
        "/pricing",
        match=("https://x.com/pricing?a=1",),
        no_match=("https://x.com/plans",),
    ),
    Case(
        "urls that contain /pricing or /plans",
        "(?:/pricing|/plans)",
        match=("/plans/pro", "/pricing"),
        no_match=("/signup",),
    ),
    Case(
        "match any page that is not the auth page and not the registration page",
        NEG.format("auth|registration"),
        None,
        match=("/home", "/pricing"),
        no_match=("/auth/login", "/user/registration"),
    ),
    Case(
        "neither /login nor /signup",
        NEG.format("/login|/signup"),
        None,
        match=("/pricing",),
        no_match=("/login", "/app/signup?x=1"),
    ),
    Case(
        "match the numeric id in /users/123/profile",
        r"/users/\d+/profile",
        match=("/users/9/profile", "/users/123456/profile"),
        no_match=("/users/abc/profile", "/users//profile"),
    ),
    Case(
        "urls starting with https://shop.example.com",
        r"^https://shop\.example\.com",
        match=("https://shop.example.com/cart",),
        no_match=(
            "http://shop.example.com",
            "https://x.com/?r=https://shop.example.com",
            "https://shopXexample.com",
        ),
    ),
    Case(
        "pages ending in .pdf",
        r"\.pdf$",
        match=("/files/report.pdf",),
        no_match=("/files/report.pdf.html", "/files/reportpdf"),
    ),
    Case(
        "an email address",
        EMAIL,
        match=("ada@example.com",),
        no_match=("ada@example", "no at sign"),
    ),
    Case("what is the capital of France?", None),
    # -- more requests of each kind --
    Case("", None),
    Case("hello", None),
    Case(
        "a uuid",
        UUID,
        match=("0192a6e3-3c1d-7000-8000-000000000001",),
        no_match=("0192a6e3-3c1d-7000-8000", "zzzzzzzz-3c1d-7000-8000-000000000001"),
    ),
    Case("only digits", r"^\d+$", match=("123",), no_match=("abc", "a1")),  # "only" anchors
    Case("a number", r"\d+", match=("id 7",), no_match=("seven",)),
    Case(
        "urls that are exactly /home",
        "^/home$",
        match=("/home",),
        no_match=("/home/", "/homepage", "x/home"),
    ),
    Case(
        "url equals https://example.com/",
        r"^https://example\.com/$",
        match=("https://example.com/",),
        no_match=("https://example.com/a",),
    ),
    Case("pages under '/docs/api'", "/docs/api", match=("/docs/api/v1",), no_match=("/docs",)),
    Case(
        'the text "hello world" somewhere',
        "hello world",
        match=("say hello world!",),
        no_match=("hello-world",),
    ),
    Case('urls that contain "[beta]"', r"\[beta\]", match=("/x[beta]",), no_match=("/xbeta",)),
    Case(
        'text that is exactly "a.b|c"',
        r"^a\.b\|c$",
        match=("a.b|c",),
        no_match=("aXb|c", "a.b", "c"),
    ),
    Case(
        "urls containing /blog, case-insensitive",
        "/[bB][lL][oO][gG]",
        "(?i)/blog",
        match=("/BLOG/post", "/Blog"),
        no_match=("/blag",),
    ),
    Case(
        "URLs which include /Checkout (ignore case)",
        "/[cC][hH][eE][cC][kK][oO][uU][tT]",
        "(?i)/Checkout",
        match=("/checkout", "/CHECKOUT"),
        no_match=("/check-out",),
    ),
    Case(
        "anything except /admin",
        NEG.format("/admin"),
        None,
        match=("/home",),
        no_match=("/admin/users",),
    ),
    Case(
        "any url without /internal/ in it",
        NEG.format("/internal/"),
        None,
        match=("/internal", "/public/x"),
        no_match=("/a/internal/b",),
    ),
    Case(
        "urls other than example.org",
        NEG.format(r"example\.org"),
        None,
        match=("https://example.com", "https://exampleXorg"),
        no_match=("https://example.org/x",),
    ),
    Case(
        "pages that do not contain checkout",
        NEG.format("checkout"),
        None,
        match=("/cart",),
        no_match=("/checkout/step-1",),
    ),
    Case(
        "every page except the settings page",
        NEG.format("settings"),
        None,
        match=("/profile",),
        no_match=("/project/settings",),
    ),
    Case(
        "exclude /health and /metrics",
        NEG.format("/health|/metrics"),
        None,
        match=("/api/users",),
        no_match=("/health", "/internal/metrics"),
    ),
    Case(
        "paths that start with /api/v2",
        "^/api/v2",
        match=("/api/v2/users",),
        no_match=("/v1/api/v2",),
    ),
    Case(
        "paths that begin with '/app/'", "^/app/", match=("/app/settings",), no_match=("/web/app/",)
    ),
    Case(
        "messages that start with 'Error: '",
        "^Error: ",
        match=("Error: disk full",),
        no_match=("Fatal Error: x",),
    ),
    Case(
        "paths ending with .html or .htm",
        r"(?:\.html|\.htm)$",
        match=("/a.html", "/b.htm"),
        no_match=("/a.html5", "/a.htmx"),
    ),
    Case(
        "files ending in .tar.gz",
        r"\.tar\.gz$",
        match=("pkg-1.0.tar.gz",),
        no_match=("pkg.tar.gz.sig", "pkg.tarXgz"),
    ),
    Case("paths that end with /", "/$", match=("/a/",), no_match=("/a",)),
    Case(
        "emails at posthog.com",
        r"[^@\s]+@posthog\.com$",
        match=("ada@posthog.com",),
        no_match=("ada@posthogXcom", "posthog.com", "ada@posthog.com.evil.io"),
    ),
    Case(
        "users with @gmail.com addresses",
        r"@gmail\.com",
        match=("bob@gmail.com",),
        no_match=("bob@gmailxcom", "bob@yahoo.com"),
    ),
    Case(
        "match the digits in page-42.html",
        r"page-\d+\.html",
        match=("page-7.html",),
        no_match=("page-x.html",),
    ),
    Case(
        "match the order number in /orders/2024-0042",
        r"/orders/\d+-\d+",
        match=("/orders/1-2",),
        no_match=("/orders/ab-cd",),
    ),
    Case(
        "query string with ref=twitter.com",
        r"[?&]ref=twitter\.com(?:[&#]|$)",
        match=("/?ref=twitter.com&x=1", "/?a=1&ref=twitter.com"),
        no_match=("/?ref=facebook.com", "/?xref=twitter.com", "/?ref=twitter.com.evil"),
    ),
    Case(
        "links to docs.google.com or drive.google.com",
        r"(?:docs\.google\.com|drive\.google\.com)",
        match=("https://drive.google.com/x", "https://docs.google.com"),
        no_match=("https://mail.google.com",),
    ),
    Case(
        "subdomains like eu.posthog.com",
        r"eu\.posthog\.com",
        match=("https://eu.posthog.com",),
        no_match=("https://us.posthog.com",),
    ),
]


@pytest.mark.parametrize("engine", ["javascript", "re2"])
@pytest.mark.parametrize("case", CASES, ids=[c.description or "<empty>" for c in CASES])
def test_description_to_pattern(ask_regex, case, engine):
    output = ask_regex(case.description, None if engine == "javascript" else engine)
    expected = case.expected(engine)
    if expected is None:
        assert output == {"result": "error", "data": {"output": REFUSAL}}
        return
    assert output == {"result": "success", "data": {"output": expected}}
    pattern = re.compile(expected)
    for text in case.match:
        assert pattern.search(text), f"{expected!r} should match {text!r}"
    for text in case.no_match:
        assert not pattern.search(text), f"{expected!r} should not match {text!r}"


def test_table_is_large_enough():
    with_strings = [c for c in CASES if c.match and c.no_match]
    assert len(with_strings) >= 30


@pytest.mark.parametrize("case", CASES, ids=[c.description or "<empty>" for c in CASES])
def test_re2_patterns_have_no_lookaround_or_backreferences(ask_regex, case):
    output = ask_regex(case.description, "re2")["data"]["output"]
    if output == REFUSAL:
        return
    assert not any(token in output for token in LOOKAROUND)
    assert not re.search(r"(?<!\\)\\[1-9]|\\k<|\(\?P=", output)
    re2 = pytest.importorskip("re2")  # google-re2, when installed: compile with the real engine
    assert re2.compile(output) is not None


@pytest.mark.parametrize("case", CASES, ids=[c.description or "<empty>" for c in CASES])
def test_javascript_patterns_use_no_python_only_syntax(ask_regex, case):
    output = ask_regex(case.description)["data"]["output"]
    assert not re.search(r"\(\?[aiLmsux]+\)|\(\?P[<=]|\\[AZz]", output)


def test_engine_must_be_exactly_re2(ask_regex):
    negation = "neither /login nor /signup"
    assert ask_regex(negation, "RE2")["data"]["output"] == NEG.format("/login|/signup")
    assert ask_regex(negation, "re2")["data"]["output"] == REFUSAL


def test_keywords_match_whole_words_only(ask_regex):
    # "knot" and "another" contain "not"; "/not-found" is a literal, not a negation.
    assert ask_regex("urls with knot.example")["data"]["output"] == r"knot\.example"
    assert ask_regex("another /pricing")["data"]["output"] == "/pricing"
    assert ask_regex("urls that contain /not-found")["data"]["output"] == "/not-found"
    assert ask_regex("numbered lists in /docs")["data"]["output"] == "/docs"


def test_quoted_strings_win_over_tokens(ask_regex):
    output = ask_regex("in app.posthog.com match 'signup' or \"register\"")
    assert output["data"]["output"] == "(?:signup|register)"


def test_quoted_negation_is_a_literal_not_a_keyword(ask_regex):
    assert ask_regex("match 'not found'")["data"]["output"] == "not found"


@pytest.mark.parametrize(
    "description",
    ["99999999999 digits", "at least 5000 characters", "between 3 and 99999999999 characters"],
)
def test_counts_beyond_re2s_limit_are_not_quantifiers(ask_regex, description):
    # RE2 refuses repetition counts above 1000 and Python's re overflows far above that.
    for engine in ("javascript", "re2"):
        output = ask_regex(description, engine)["data"]["output"]
        re.compile(output)
        re2 = pytest.importorskip("re2")
        assert re2.compile(output) is not None
        assert not re.search(r"\{\d{4,}", output)


def test_same_input_same_output(ask_regex):
    outputs = {
        ask_regex("urls that contain /pricing or /plans")["data"]["output"] for _ in range(3)
    }
    assert outputs == {"(?:/pricing|/plans)"}
