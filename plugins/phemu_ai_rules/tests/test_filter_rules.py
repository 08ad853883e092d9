"""The default ``ai/filters`` responder (``docs/ai.md``): every specified row, then a table of
plain-language requests with the filter groups they must produce."""

from __future__ import annotations

from typing import Any

import pytest

# The filter-group shapes are shared with the endpoint tests (one definition of ``docs/ai.md``).
from tests.resources.ai_support import EMPTY_GROUP as EMPTY
from tests.resources.ai_support import and_group as AND
from tests.resources.ai_support import filter_result as filters
from tests.resources.ai_support import leaf
from tests.resources.ai_support import or_group as OR
from tests.resources.ai_support import question_result as question
from tests.resources.ai_support import url

OFF_TOPIC = "please specify your question about session replay"
VAGUE = "Which page, event or property should the recordings match?"
TODAY = "2026-06-15"  # the module emulator's frozen clock (conftest)


def entry(value: str, operator: str = "icontains") -> dict[str, Any]:
    return leaf("$entry_current_url", "session", value, operator)


def device(name: str) -> dict[str, Any]:
    return leaf("$device_type", "person", name)


def browser(name: str) -> dict[str, Any]:
    return leaf("$browser", "person", name)


def os_(name: str) -> dict[str, Any]:
    return leaf("$os", "person", name)


def channel(name: str) -> dict[str, Any]:
    return leaf("$channel_type", "session", name)


def duration(seconds: int, operator: str) -> dict[str, Any]:
    return leaf("duration", "recording", str(seconds), operator)


ERRORS = leaf("level", "log_entry", "error")


REFERENCE = [
    (["users who visited /login in the last 7 days"], filters("-7d", AND(url("/login")))),
    (
        ["show me recordings of mobile users on /checkout"],
        filters("-5d", AND(url("/checkout"), device("Mobile"))),
    ),
    (
        ["people who visited /pricing or /signup"],
        filters("-5d", OR([url("/pricing")], [url("/signup")])),
    ),
    (["sessions with errors in the past 24 hours"], filters("-24h", AND(ERRORS))),
    (
        ["recordings of chrome users who landed on /blog"],
        filters("-5d", AND(entry("/blog"), browser("Chrome"))),
    ),
    (["show me people visiting the login page"], question("What is the URL of the login page?")),
    (["show me people visiting the login page", "/login"], filters("-5d", AND(url("/login")))),
    (["last 3 days"], filters("-3d", EMPTY)),
    (["what is the weather in Paris"], question(OFF_TOPIC)),
]

MORE = [
    (
        ["firefox users on windows who hit https://app.example.com/billing?tab=plan."],
        filters(
            "-5d",
            AND(
                url("https://app.example.com/billing?tab=plan"),
                browser("Firefox"),
                os_("Windows"),
            ),
        ),
    ),
    (
        ["users with email ada@example.com"],
        filters("-5d", AND(leaf("email", "person", "ada@example.com", "icontains"))),
    ),
    (
        ["sessions longer than 5 minutes from android phones"],
        filters("-5d", AND(device("Mobile"), os_("Android"), duration(300, "gt"))),
    ),
    (
        ["recordings shorter than 30 seconds since 2026-01-15"],
        filters("2026-01-15", AND(duration(30, "lt"))),
    ),
    (
        ["sessions between 2026-01-01 and 2026-01-31 on safari"],
        filters("2026-01-01", AND(browser("Safari")), "2026-01-31"),
    ),
    (
        ["Paid Search visitors on 2026-02-14"],
        filters("2026-02-14", AND(channel("Paid Search")), "2026-02-14"),
    ),
    (
        ["users from organic social in the last 2 weeks"],
        filters("-14d", AND(channel("Organic Social"))),
    ),
    (
        ["visitors with utm_source=newsletter who visited /pricing"],
        filters("-5d", AND(url("/pricing"), leaf("$entry_utm_source", "session", "newsletter"))),
    ),
    (
        ["utm source Google users in the previous 3 days"],
        filters("-3d", AND(leaf("$entry_utm_source", "session", "Google"))),
    ),
    (
        ["people whose landing page is /promo and who then visited /checkout"],
        filters("-5d", AND(url("/checkout"), entry("/promo"))),
    ),
    (["recordings where the url is exactly /"], filters("-5d", AND(url("/", "exact")))),
    (["url equals /Pricing"], filters("-5d", AND(url("/Pricing", "exact")))),
    (
        ["tablet users on macos last month"],
        filters("-30d", AND(device("Tablet"), os_("Mac OS X"))),
    ),
    (["iPhone owners on iOS last week"], filters("-7d", AND(device("Mobile"), os_("iOS")))),
    (
        ["linux desktop users on Edge with crashes"],
        filters("-5d", AND(device("Desktop"), browser("Edge"), os_("Linux"), ERRORS)),
    ),
    (
        ["ios users visiting /app or /store on opera"],
        filters(
            "-5d",
            OR(
                [url("/app"), browser("Opera"), os_("iOS")],
                [url("/store"), browser("Opera"), os_("iOS")],
            ),
        ),
    ),
    (
        ["entry page /home and visited /pricing or /plans"],
        filters("-5d", OR([url("/pricing"), entry("/home")], [url("/plans"), entry("/home")])),
    ),
    (
        ["users who visited /a and /b"],  # two URLs without "or": one AND group
        filters("-5d", AND(url("/a"), url("/b"))),
    ),
    (
        ["people who visited /pricing or used chrome"],  # one URL leaf: no OR split
        filters("-5d", AND(url("/pricing"), browser("Chrome"))),
    ),
    (["users with knowledge of /docs"], filters("-5d", AND(url("/docs")))),
    (["show me recordings"], question(VAGUE)),
    (["which users churned?"], question(VAGUE)),
    (["hello", "how are you"], question(OFF_TOPIC)),
    (["", "  "], question(OFF_TOPIC)),
    (
        ["users from direct traffic in the previous 48 hours"],
        filters("-48h", AND(channel("Direct"))),
    ),
    (
        ["show me bugs on 'https://x.com/a'"],
        filters("-5d", AND(url("https://x.com/a"), ERRORS)),
    ),
    (["mobile and phone users"], filters("-5d", AND(device("Mobile")))),
    (["visits to (/docs) or /blog"], filters("-5d", OR([url("/docs")], [url("/blog")]))),
    (["users on the /pricing page"], filters("-5d", AND(url("/pricing")))),
    (["checkout page on desktop"], question("What is the URL of the checkout page?")),
    (["the page was slow"], question(OFF_TOPIC)),
    (["problems on /mobile/checkout"], filters("-5d", AND(url("/mobile/checkout"), ERRORS))),
    (["sessions from yesterday"], filters("2026-06-14", EMPTY, "2026-06-14")),
    (["recordings from today on chrome"], filters(TODAY, AND(browser("Chrome")))),
    (["sessions from this month"], filters("2026-06-01", EMPTY)),
    (["sessions from this week"], filters("2026-06-15", EMPTY)),
    (["last 2 weeks since 2026-01-01"], filters("-14d", EMPTY)),
    (["replays on 2026-02-30"], question(VAGUE)),  # not a date
]


@pytest.mark.parametrize(
    ("messages", "expected"), REFERENCE, ids=[" / ".join(m) for m, _ in REFERENCE]
)
def test_reference_rows(ask_filters, messages, expected):
    assert ask_filters(*messages) == expected


@pytest.mark.parametrize(("messages", "expected"), MORE, ids=[" / ".join(m) for m, _ in MORE])
def test_requests_to_filter_groups(ask_filters, messages, expected):
    assert ask_filters(*messages) == expected


def test_table_is_large_enough():
    assert len([e for _, e in REFERENCE + MORE if e["result"] == "filter"]) >= 20


def test_assistant_messages_are_ignored(ask_filters):
    output = ask_filters(
        "show me people visiting the login page",
        ("assistant", "What is the URL of the login page? /signup"),
        "/login",
    )
    assert output == filters("-5d", AND(url("/login")))


def test_keywords_match_whole_words_only(ask_filters):
    # "knowledge" holds "edge", "windowsill" holds "windows", "errorless" holds "error".
    assert ask_filters("knowledge windowsill errorless /x") == filters("-5d", AND(url("/x")))


def test_literals_keep_their_case_and_drop_trailing_punctuation(ask_filters):
    output = ask_filters("who visited /Docs/API?, then /Blog!")
    assert output["data"]["filter_group"] == AND(url("/Docs/API"), url("/Blog"))


def test_email_word_with_an_email_literal_is_not_the_email_channel(ask_filters):
    assert ask_filters("email channel users")["data"]["filter_group"] == AND(channel("Email"))
    output = ask_filters("users with email Bob@Example.com")
    assert output["data"]["filter_group"] == AND(
        leaf("email", "person", "Bob@Example.com", "icontains")
    )


def test_channel_names_take_the_longest_match(ask_filters):
    # A session has one channel: two names of the same property are one leaf with both values
    # (two exact leaves ANDed together would match nothing).
    output = ask_filters("paid unknown and unknown traffic")
    both = leaf("$channel_type", "session", "Paid Unknown", "exact")
    both["value"].append("Unknown")
    assert output["data"]["filter_group"] == AND(both)


def test_days_ago_before_year_one_is_not_a_date(ask_filters):
    assert ask_filters("sessions from 99999999999 days ago") == question(VAGUE)
    assert ask_filters("sessions from 3 days ago") == filters("2026-06-12", EMPTY, "2026-06-12")


def test_same_input_same_output(ask_filters):
    chat = "users who visited /pricing or /signup on chrome in the last 3 days"
    assert ask_filters(chat) == ask_filters(chat)
