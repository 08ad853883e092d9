"""Request validation of the AI endpoints, byte for byte (docs/ai.md, "Request validation";
``posthog/session_recordings/session_recording_api.py``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from phemu import hookimpl
from phemu.emulator import Emulator
from tests.resources.ai_support import FILTERS
from tests.resources.ai_support import OFF_TOPIC
from tests.resources.ai_support import REFUSAL
from tests.resources.ai_support import REGEX
from tests.resources.ai_support import SERVER_ERROR
from tests.resources.ai_support import post_ai
from tests.resources.ai_support import question_result
from tests.resources.ai_support import rules_emulator
from tests.resources.ai_support import validation


@pytest.fixture
def ai() -> Iterator[Emulator]:
    emu = rules_emulator()
    yield emu
    emu.check()


NOT_DICT = "Invalid data. Expected a dictionary, but got {}."
REQUIRED = ("required", "This field is required.")
NULL = ("null", "This field may not be null.")


# -- ai/filters: every row -------------------------------------------------------------------------
FILTER_ERRORS = [
    ("messages missing", {}, *REQUIRED, "messages"),
    ("other keys only", {"message": []}, *REQUIRED, "messages"),
    ("messages null", {"messages": None}, *NULL, "messages"),
    (
        "messages a string",
        {"messages": "hi"},
        "not_a_list",
        'Expected a list of items but got type "str".',
        "messages",
    ),
    (
        "messages an object",
        {"messages": {"role": "user"}},
        "not_a_list",
        'Expected a list of items but got type "dict".',
        "messages",
    ),
    (
        "messages a number",
        {"messages": 3},
        "not_a_list",
        'Expected a list of items but got type "int".',
        "messages",
    ),
    (
        "messages a float",
        {"messages": 1.5},
        "not_a_list",
        'Expected a list of items but got type "float".',
        "messages",
    ),
    (
        "messages a boolean",
        {"messages": True},
        "not_a_list",
        'Expected a list of items but got type "bool".',
        "messages",
    ),
    ("item a string", {"messages": ["hi"]}, "invalid_input", NOT_DICT.format("str"), "messages__0"),
    (
        "item a list",
        {"messages": [{"role": "user", "content": ""}, []]},
        "invalid_input",
        NOT_DICT.format("list"),
        "messages__1",
    ),
    ("item null", {"messages": [None]}, *NULL, "messages__0"),
    ("item an int", {"messages": [1]}, "invalid_input", NOT_DICT.format("int"), "messages__0"),
    ("role missing", {"messages": [{"content": "x"}]}, *REQUIRED, "messages__0__role"),
    ("role null", {"messages": [{"role": None, "content": "x"}]}, *NULL, "messages__0__role"),
    (
        "role system",
        {"messages": [{"role": "system", "content": "x"}]},
        "invalid_choice",
        '"system" is not a valid choice.',
        "messages__0__role",
    ),
    (
        "role blank",
        {"messages": [{"role": "", "content": "x"}]},
        "invalid_choice",
        '"" is not a valid choice.',
        "messages__0__role",
    ),
    (
        "role wrong case",
        {"messages": [{"role": "User", "content": "x"}]},
        "invalid_choice",
        '"User" is not a valid choice.',
        "messages__0__role",
    ),
    (
        "role a number",
        {"messages": [{"role": 1, "content": "x"}]},
        "invalid_choice",
        '"1" is not a valid choice.',
        "messages__0__role",
    ),
    ("role missing and content missing", {"messages": [{}]}, *REQUIRED, "messages__0__role"),
    ("content missing", {"messages": [{"role": "user"}]}, *REQUIRED, "messages__0__content"),
    (
        "content null",
        {"messages": [{"role": "user", "content": None}]},
        *NULL,
        "messages__0__content",
    ),
    (
        "content a boolean",
        {"messages": [{"role": "user", "content": False}]},
        "invalid_input",
        "Not a valid string.",
        "messages__0__content",
    ),
    (
        "content an array",
        {"messages": [{"role": "user", "content": ["a"]}]},
        "invalid_input",
        "Not a valid string.",
        "messages__0__content",
    ),
    (
        "content an object",
        {"messages": [{"role": "user", "content": {"a": 1}}]},
        "invalid_input",
        "Not a valid string.",
        "messages__0__content",
    ),
    (
        "first bad item wins",
        {"messages": [{"role": "user", "content": "ok"}, {"role": "bot", "content": None}, "x"]},
        "invalid_choice",
        '"bot" is not a valid choice.',
        "messages__1__role",
    ),
]


@pytest.mark.parametrize(
    ("payload", "code", "detail", "attr"),
    [row[1:] for row in FILTER_ERRORS],
    ids=[row[0] for row in FILTER_ERRORS],
)
def test_filters_validation_errors(ai, payload, code, detail, attr):
    assert post_ai(ai, FILTERS, payload) == (400, validation(code, detail, attr))


@pytest.mark.parametrize(
    "payload",
    [
        {"messages": []},
        {"messages": [{"role": "user", "content": ""}]},
        {"messages": [{"role": "assistant", "content": "   "}]},
        {"messages": [{"role": "user", "content": "x", "name": "ignored"}], "extra": 1},
        {"messages": [{"role": "user", "content": 42}]},
    ],
    ids=["empty list", "blank content", "assistant only", "extra keys", "number content"],
)
def test_filters_accepts_what_posthog_accepts(ai, payload):
    status, data = post_ai(ai, FILTERS, payload)
    assert status == 200
    assert data["result"] in ("filter", "question")


def test_filters_empty_chat_is_asked_to_be_specific(ai):
    assert post_ai(ai, FILTERS, {"messages": []}) == (200, question_result(OFF_TOPIC))


def test_filters_number_content_is_a_string_to_the_responder():
    seen: list[Any] = []

    class Spy:
        @hookimpl
        def phemu_ai_filters(self, ctx, messages):
            seen.append(messages)

    emu = rules_emulator(plugins=[Spy()])
    payload = {
        "messages": [
            {"role": "user", "content": 42, "x": 1},
            {"role": "assistant", "content": "  hi  "},
        ]
    }
    assert post_ai(emu, FILTERS, payload)[0] == 200
    assert seen == [[{"role": "user", "content": "42"}, {"role": "assistant", "content": "hi"}]]


@pytest.mark.parametrize(
    ("raw", "detail"),
    [
        ("null", "No data provided"),
        ("[]", NOT_DICT.format("list")),
        ('"text"', NOT_DICT.format("str")),
        ("3", NOT_DICT.format("int")),
    ],
)
def test_filters_body_must_be_an_object(ai, raw, detail):
    response = ai.client().post(
        FILTERS, data=raw, content_type="application/json", headers=ai.auth_headers
    )
    assert response.status_code == 400
    code = "null" if raw == "null" else "invalid_input"
    assert json.loads(response.get_data()) == validation(code, detail)


def test_filters_form_body_without_messages_is_required(ai):
    response = ai.client().post(FILTERS, data={"distinct_id": "string"}, headers=ai.auth_headers)
    assert response.status_code == 400
    assert json.loads(response.get_data()) == validation(*REQUIRED, "messages")


def test_filters_form_body_repeated_messages_are_items(ai):
    response = ai.client().post(FILTERS, data={"messages": "hi"}, headers=ai.auth_headers)
    assert json.loads(response.get_data()) == validation(
        "invalid_input", NOT_DICT.format("str"), "messages__0"
    )


def test_filters_form_body_with_drf_list_keys(ai):
    form = {"messages[0]role": "user", "messages[0]content": "users who visited /login"}
    response = ai.client().post(FILTERS, data=form, headers=ai.auth_headers)
    assert response.status_code == 200
    assert json.loads(response.get_data())["result"] == "filter"


def test_malformed_json_is_a_parse_error(ai):
    response = ai.client().post(
        REGEX, data="{", content_type="application/json", headers=ai.auth_headers
    )
    assert response.status_code == 400
    assert json.loads(response.get_data()) == {
        "type": "invalid_request",
        "code": "parse_error",
        "detail": "JSON parse error - Expecting property name enclosed in double quotes: "
        "line 1 column 2 (char 1)",
        "attr": None,
    }


def test_unsupported_media_type(ai):
    response = ai.client().post(
        FILTERS, data="hi", content_type="text/plain", headers=ai.auth_headers
    )
    assert response.status_code == 415
    assert (
        json.loads(response.get_data())["detail"]
        == 'Unsupported media type "text/plain" in request.'
    )


# -- ai/regex --------------------------------------------------------------------------------------
MISSING_REGEX = validation("invalid_input", "Missing required field: regex")


@pytest.mark.parametrize(
    "raw",
    ["{}", '{"description": "x"}', '{"Regex": "x"}', "[]", '["x"]', '[["regex"]]', '"abc"', '""'],
)
def test_regex_missing(ai, raw):
    """``posthog/session_recordings/session_recording_api.py`` (``ai_regex``) tests
    ``"regex" not in request.data`` on the parsed body as is: a string or list without the
    item/substring ``regex`` is "missing"."""
    response = ai.client().post(
        REGEX, data=raw, content_type="application/json", headers=ai.auth_headers
    )
    assert response.status_code == 400
    assert json.loads(response.get_data()) == MISSING_REGEX


@pytest.mark.parametrize(
    "raw", ["null", "5", "1.5", "true", '"regex"', '"my regex please"', '["regex"]', '["regex", 1]']
)
def test_regex_non_object_body_raises_posthogs_type_error(raw):
    """Same view: ``"regex" in None`` / ``in 5`` raise TypeError, and a string or list that does
    contain ``regex`` passes the test and then fails on ``request.data["regex"]`` (TypeError).
    PostHog answers its 500; deliberate, so not recorded as a phemu bug."""
    emu = rules_emulator()
    response = emu.client().post(
        REGEX, data=raw, content_type="application/json", headers=emu.auth_headers
    )
    assert (response.status_code, json.loads(response.get_data())) == (500, SERVER_ERROR)
    emu.check()
    assert emu.requests()[-1].error is None


def test_regex_empty_body_is_missing(ai):
    response = ai.client().post(REGEX, headers=ai.auth_headers)
    assert json.loads(response.get_data()) == MISSING_REGEX


def test_regex_seed_page_curl_body_fails_validation(ai):
    # The seed page's curl: -d distinct_id="string" (a form body).
    response = ai.client().post(REGEX, data={"distinct_id": "string"}, headers=ai.auth_headers)
    assert response.status_code == 400
    assert json.loads(response.get_data()) == MISSING_REGEX


@pytest.mark.parametrize("value", [None, 3, 1.5, True, [], ["a"], {"a": 1}])
def test_regex_non_string_is_posthogs_deliberate_500(value):
    emu = rules_emulator()
    assert post_ai(emu, REGEX, {"regex": value}) == (500, SERVER_ERROR)
    emu.check()  # deliberate: PostHog fails here too, so it is not a phemu bug
    assert emu.requests()[-1].error is None


def test_regex_empty_string_is_accepted_and_refused(ai):
    expected = {"result": "error", "data": {"output": REFUSAL}}
    assert post_ai(ai, REGEX, {"regex": ""}) == (200, expected)
    assert post_ai(ai, REGEX, {"regex": " \n\t "}) == (200, expected)


def test_regex_form_body(ai):
    response = ai.client().post(
        REGEX,
        data={"regex": "urls that contain /pricing", "engine": "re2"},
        headers=ai.auth_headers,
    )
    assert json.loads(response.get_data()) == {"result": "success", "data": {"output": "/pricing"}}


def _spy_regex() -> tuple[Emulator, list[tuple[str, str]]]:
    seen: list[tuple[str, str]] = []

    class Spy:
        @hookimpl
        def phemu_ai_regex(self, ctx, description, engine):
            seen.append((description, engine))

    return rules_emulator(plugins=[Spy()]), seen


def test_regex_whitespace_is_collapsed_and_trimmed_before_the_responder():
    emu, seen = _spy_regex()
    post_ai(emu, REGEX, {"regex": "  urls\n\nthat \t contain   /pricing \r\n", "other": 1})
    assert seen == [("urls that contain /pricing", "javascript")]


@pytest.mark.parametrize(
    ("engine", "seen_engine"),
    [
        ("re2", "re2"),
        ("RE2", "javascript"),
        ("javascript", "javascript"),
        ("pcre", "javascript"),
        (None, "javascript"),
        (2, "javascript"),
        (["re2"], "javascript"),
    ],
)
def test_regex_engine_is_never_validated(engine, seen_engine):
    emu, seen = _spy_regex()
    assert post_ai(emu, REGEX, {"regex": "x", "engine": engine})[0] == 200
    assert seen == [("x", seen_engine)]
