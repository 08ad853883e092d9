"""The responder pipeline: canned queues, plugins, nothing-usable answers, the output check
(docs/ai.md, "Where the answer comes from")."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import phemu_ai_rules
import pytest

from phemu import hookimpl
from phemu.ai import AIError
from phemu.emulator import Emulator
from phemu.emulator import PhemuBug
from phemu.errors import ServerError
from tests.resources.ai_support import EMPTY_GROUP
from tests.resources.ai_support import FILTERS
from tests.resources.ai_support import REGEX
from tests.resources.ai_support import SERVER_ERROR
from tests.resources.ai_support import and_group
from tests.resources.ai_support import filter_result
from tests.resources.ai_support import post_ai
from tests.resources.ai_support import question_result
from tests.resources.ai_support import rules_emulator
from tests.resources.ai_support import url
from tests.resources.ai_support import validation

CHAT = {"messages": [{"role": "user", "content": "users who visited /login"}]}
ASK = {"regex": "urls that contain /pricing"}
DEFAULT_REGEX = {"result": "success", "data": {"output": "/pricing"}}
CANNED_REGEX = {"result": "success", "data": {"output": "^/canned$"}}
CANNED_FILTERS = filter_result("-1d", and_group(url("/canned")))
INVALID_RESPONSE = validation("invalid_input", "Invalid response from OpenAI")
INVALID_JSON = validation("invalid_input", "Invalid JSON response from OpenAI")


@pytest.fixture
def ai() -> Iterator[Emulator]:
    emu = rules_emulator()
    yield emu
    emu.check()


# -- canned answers (Python) ----------------------------------------------------------------
def test_canned_answers_are_fifo_one_per_request_then_default(ai):
    second = {"result": "error", "data": {"output": "nope"}}
    ai.ai.queue_regex(CANNED_REGEX, second)
    ai.ai.queue_filters(CANNED_FILTERS)
    assert ai.ai.pending() == {"filters": 1, "regex": 2}
    assert post_ai(ai, REGEX, ASK) == (200, CANNED_REGEX)
    assert post_ai(ai, FILTERS, CHAT) == (200, CANNED_FILTERS)
    assert post_ai(ai, REGEX, ASK) == (200, second)
    assert post_ai(ai, REGEX, ASK) == (200, DEFAULT_REGEX)
    assert post_ai(ai, FILTERS, CHAT)[1] == filter_result("-5d", and_group(url("/login")))
    assert ai.ai.pending() == {"filters": 0, "regex": 0}


def test_queues_are_per_endpoint_and_per_emulator(ai):
    other = rules_emulator()
    ai.ai.queue_regex(CANNED_REGEX)
    assert post_ai(other, REGEX, ASK) == (200, DEFAULT_REGEX)
    assert post_ai(ai, FILTERS, CHAT)[1]["data"]["filter_group"] == and_group(url("/login"))
    assert post_ai(ai, REGEX, ASK) == (200, CANNED_REGEX)


def test_queued_outputs_are_copied_and_sent_in_schema_key_order(ai):
    output: dict[str, Any] = {"data": {"output": "a"}, "result": "success"}
    ai.ai.queue_regex(output)
    output["data"]["output"] = "changed after queueing"
    response = ai.client().post(REGEX, json=ASK, headers=ai.auth_headers)
    assert response.get_data() == b'{"result":"success","data":{"output":"a"}}'


def test_filters_output_is_reordered_to_schema_order(ai):
    messy = {
        "data": {
            "filter_group": {
                "values": [
                    {
                        "values": [
                            {
                                "operator": "exact",
                                "value": ["Mobile"],
                                "type": "person",
                                "key": "$device_type",
                            }
                        ],
                        "type": "OR",
                    }
                ],
                "type": "AND",
            },
            "date_to": "2026-01-02",
            "date_from": "2026-01-01",
            "question": "",
        },
        "result": "filter",
    }
    ai.ai.queue_filters(messy)
    response = ai.client().post(FILTERS, json=CHAT, headers=ai.auth_headers)
    assert response.get_data().decode() == (
        '{"result":"filter","data":{"question":"","date_from":"2026-01-01","date_to":"2026-01-02",'
        '"filter_group":{"type":"AND","values":[{"type":"OR","values":[{"key":"$device_type",'
        '"type":"person","value":["Mobile"],"operator":"exact"}]}]}}}'
    )


def test_clear_and_reset_empty_the_queues(ai):
    ai.ai.queue_regex(CANNED_REGEX, CANNED_REGEX)
    ai.ai.queue_filters(CANNED_FILTERS)
    ai.ai.clear("regex")
    assert ai.ai.pending() == {"filters": 1, "regex": 0}
    ai.ai.clear()
    assert ai.ai.pending() == {"filters": 0, "regex": 0}
    ai.ai.queue_regex(CANNED_REGEX)
    ai.reset()
    assert ai.ai.pending() == {"filters": 0, "regex": 0}
    assert post_ai(ai, REGEX, ASK) == (200, DEFAULT_REGEX)


def test_unknown_endpoint_name_is_refused(ai):
    with pytest.raises(ValueError, match="unknown AI endpoint 'sql'"):
        ai.ai.queue("sql", {})


def test_queued_none_lets_the_next_responder_answer(ai):
    ai.ai.queue_regex(None, CANNED_REGEX)
    assert post_ai(ai, REGEX, ASK) == (200, DEFAULT_REGEX)
    assert post_ai(ai, REGEX, ASK) == (200, CANNED_REGEX)


# -- malformed canned answers (client error handling) ---------------------------------------
@pytest.mark.parametrize(
    ("output", "expected"),
    [
        ("", (400, INVALID_RESPONSE)),
        (b"", (400, INVALID_RESPONSE)),
        ("not json", (400, INVALID_JSON)),
        ("{'result': 'success'}", (400, INVALID_JSON)),
        ("   ", (400, INVALID_JSON)),
        (
            '{"result": "success", "data": {"output": "x"}}',
            (200, {"result": "success", "data": {"output": "x"}}),
        ),
        (
            b'{"result": "error", "data": {"output": "no"}}',
            (200, {"result": "error", "data": {"output": "no"}}),
        ),
    ],
    ids=["empty", "empty bytes", "text", "python repr", "blank", "json string", "json bytes"],
)
def test_canned_strings_are_parsed_like_the_models_reply(ai, output, expected):
    ai.ai.queue_regex(output)
    assert post_ai(ai, REGEX, ASK) == expected


def test_ai_error_is_posthogs_400_with_null_attr(ai):
    for detail in (
        AIError.CLOUD_ONLY,
        AIError.OPENAI_KEY_NOT_CONFIGURED,
        AIError.ANALYTICS_CLIENT_NOT_CONFIGURED,
        AIError.FILTERS_CLOUD_ONLY,
    ):
        ai.ai.queue_filters(AIError(detail))
        assert post_ai(ai, FILTERS, CHAT) == (400, validation("invalid_input", detail))
    assert AIError.CLOUD_ONLY == "AI features are only available in PostHog Cloud"
    assert AIError.OPENAI_KEY_NOT_CONFIGURED == "OpenAI API key is not configured"
    assert AIError.ANALYTICS_CLIENT_NOT_CONFIGURED == "PostHog analytics client is not configured"
    assert AIError.FILTERS_CLOUD_ONLY == "AI filters are only available in PostHog Cloud"


BAD_REGEX_OUTPUTS = [
    ({}, '(root): missing key "result"'),
    ([], '(root): expected an object with keys "result", "data", got array'),
    ('"just a string"', '(root): expected an object with keys "result", "data", got string'),
    ("42", "(root): expected an object"),
    ({"result": "ok", "data": {"output": "x"}}, 'result: "ok" is not one of "success", "error"'),
    ({"result": "success", "data": {"output": 5}}, "data.output: expected a string, got number"),
    ({"result": "success", "data": {"output": None}}, "data.output: expected a string, got null"),
    ({"result": "success", "data": {}}, 'data: missing key "output"'),
    ({"result": "success", "data": "x"}, "data: expected an object"),
    ({"result": "success", "data": {"output": "x", "regex": "x"}}, 'data: unexpected key "regex"'),
    ({"result": "success", "data": {"output": "x"}, "extra": 1}, '(root): unexpected key "extra"'),
    ({"result": None, "data": {"output": "x"}}, "result: expected a string, got null"),
    (3.5, "(root): expected an object"),
    (
        {"result": "success", "data": {"output": {1, 2}}},
        "data.output: expected a string, got non-JSON set",
    ),
    ({"result": "success", "data": {"output": "x"}, (1, 2): 3}, "(root): unexpected key (1, 2)"),
]


@pytest.mark.parametrize(("output", "violation"), BAD_REGEX_OUTPUTS)
def test_schema_violations_answer_500_and_are_reported(output, violation):
    emu = rules_emulator()
    emu.ai.queue_regex(output)
    assert post_ai(emu, REGEX, ASK) == (500, SERVER_ERROR)
    entry = emu.requests()[-1]
    assert entry.status == 500
    assert violation in entry.error
    assert "'ai_canned'" in entry.error and "ai/regex schema" in entry.error
    with pytest.raises(PhemuBug, match="ai_canned") as raised:
        emu.check()
    assert violation in str(raised.value)
    emu.check()  # reported once


BAD_FILTER_OUTPUTS = [
    ({"result": "filter", "data": {}}, 'data: missing key "question"'),
    (
        filter_result("-7d", {"type": "XOR", "values": []}),
        'data.filter_group.type: "XOR" is not one of "AND", "OR"',
    ),
    (
        filter_result("-7d", {"type": "AND", "values": [url("/x")]}),
        'data.filter_group.values[0]: unexpected key "key"',
    ),
    (
        filter_result(
            "-7d",
            and_group(
                {"key": "$browser", "type": "person", "value": "Chrome", "operator": "exact"}
            ),
        ),
        "data.filter_group.values[0].values[0].value: expected an array, got string",
    ),
    (
        filter_result(
            "-7d",
            and_group({"key": "$browser", "type": "person", "value": [1], "operator": "exact"}),
        ),
        "data.filter_group.values[0].values[0].value[0]: expected a string, got number",
    ),
    (
        filter_result("-7d", and_group(url("/x", "contains"))),
        'data.filter_group.values[0].values[0].operator: "contains" is not one of',
    ),
    (
        filter_result("-7d", and_group({**url("/x"), "type": "events"})),
        'data.filter_group.values[0].values[0].type: "events" is not one of',
    ),
    (
        filter_result(
            "-7d",
            {"type": "AND", "values": [{"type": "AND", "values": [{"type": "AND", "values": []}]}]},
        ),
        'data.filter_group.values[0].values[0]: missing key "key"',
    ),
    (
        {**question_result("?"), "result": "answer"},
        'result: "answer" is not one of "filter", "question"',
    ),
    (
        {
            "result": "filter",
            "data": {**filter_result("-7d", EMPTY_GROUP)["data"], "date_to": None},
        },
        "data.date_to: expected a string, got null",
    ),
    (
        {"result": "filter", "data": {**filter_result("-7d", EMPTY_GROUP)["data"], "extra": ""}},
        'data: unexpected key "extra"',
    ),
    (
        filter_result("-7d", {"type": "AND", "values": {}}),
        "data.filter_group.values: expected an array, got object",
    ),
    (
        {"result": "question", "data": {**question_result("?")["data"], "question": True}},
        "data.question: expected a string, got boolean",
    ),
]


@pytest.mark.parametrize(("output", "violation"), BAD_FILTER_OUTPUTS)
def test_filter_schema_violations_answer_500_and_are_reported(output, violation):
    emu = rules_emulator()
    emu.ai.queue_filters(output)
    assert post_ai(emu, FILTERS, CHAT) == (500, SERVER_ERROR)
    assert violation in emu.requests()[-1].error
    with pytest.raises(PhemuBug, match="ai/filters schema"):
        emu.check()


def test_valid_edge_outputs_pass(ai):
    # Empty outer group, empty leaf value (is_set), free-text dates: the strict schema allows them.
    outputs = [
        filter_result("", {"type": "OR", "values": []}),
        filter_result(
            "-1h", and_group({"key": "email", "type": "person", "value": [], "operator": "is_set"})
        ),
        filter_result("yesterday-ish", EMPTY_GROUP, date_to="whenever"),
    ]
    ai.ai.queue_filters(*outputs)
    for output in outputs:
        assert post_ai(ai, FILTERS, CHAT) == (200, output)


# -- plugins ---------------------------------------------------------------------------------
class Override:
    """A user responder: answers regex, passes on filters unless told otherwise."""

    def __init__(self, filters: Any = None) -> None:
        self.filters = filters
        self.calls: list[tuple[str, str, int]] = []

    @hookimpl
    def phemu_ai_regex(self, ctx, description, engine):
        self.calls.append((description, engine, ctx.project.id))
        return {"result": "success", "data": {"output": f"user:{description}"}}

    @hookimpl
    def phemu_ai_filters(self, ctx, messages):
        return self.filters


def test_user_plugin_overrides_the_default_but_not_canned_answers():
    plugin = Override()
    emu = rules_emulator(plugins=[plugin])
    assert post_ai(emu, REGEX, {"regex": "x", "engine": "re2"}) == (
        200,
        {"result": "success", "data": {"output": "user:x"}},
    )
    assert plugin.calls == [("x", "re2", 1)]
    # It passes on filters, so the default responder answers those.
    assert post_ai(emu, FILTERS, CHAT)[1]["data"]["filter_group"] == and_group(url("/login"))
    emu.ai.queue_regex(CANNED_REGEX)
    assert post_ai(emu, REGEX, ASK) == (200, CANNED_REGEX)
    assert len(plugin.calls) == 1


def test_user_plugin_may_answer_json_text_and_ai_errors():
    emu = rules_emulator(plugins=[Override(filters=json.dumps(CANNED_FILTERS))])
    assert post_ai(emu, FILTERS, CHAT) == (200, CANNED_FILTERS)
    emu = rules_emulator(plugins=[Override(filters=AIError(AIError.CLOUD_ONLY))])
    assert post_ai(emu, FILTERS, CHAT) == (400, validation("invalid_input", AIError.CLOUD_ONLY))


def test_user_plugin_raising_ai_error_is_a_400():
    class Raiser:
        @hookimpl
        def phemu_ai_regex(self, ctx, description, engine):
            raise AIError(AIError.OPENAI_KEY_NOT_CONFIGURED)

    emu = rules_emulator(plugins=[Raiser()])
    assert post_ai(emu, REGEX, ASK) == (
        400,
        validation("invalid_input", "OpenAI API key is not configured"),
    )
    emu.check()


def test_invalid_output_from_a_user_plugin_names_it():
    class Sloppy:
        @hookimpl
        def phemu_ai_regex(self, ctx, description, engine):
            return {"result": "success", "data": {"output": "x", "confidence": 0.9}}

    emu = rules_emulator(plugins=[Sloppy()])
    assert post_ai(emu, REGEX, ASK) == (500, SERVER_ERROR)
    with pytest.raises(PhemuBug) as raised:
        emu.check()
    report = str(raised.value)
    assert "Sloppy.phemu_ai_regex" in report
    assert 'data: unexpected key "confidence"' in report


def test_crashing_plugin_is_a_500_naming_it():
    class Crashing:
        @hookimpl
        def phemu_ai_filters(self, ctx, messages):
            raise KeyError("boom")

    emu = rules_emulator(plugins=[Crashing()])
    assert post_ai(emu, FILTERS, CHAT) == (500, SERVER_ERROR)
    with pytest.raises(PhemuBug, match=r"Crashing\.phemu_ai_filters.*raised an exception"):
        emu.check()


def test_hook_wrappers_are_honoured():
    class Wrapper:
        @hookimpl(wrapper=True)
        def phemu_ai_regex(self, ctx, description, engine):
            result = yield
            return {"result": "success", "data": {"output": result["data"]["output"] + "$"}}

    emu = rules_emulator(plugins=[Wrapper()])
    assert post_ai(emu, REGEX, ASK) == (200, {"result": "success", "data": {"output": "/pricing$"}})


def test_without_the_default_responder_nothing_answers():
    emu = Emulator(disable_plugins=["ai_rules"])
    assert "ai_rules" not in dict(emu.hooks.list_name_plugin())
    assert post_ai(emu, REGEX, ASK) == (400, INVALID_RESPONSE)
    assert post_ai(emu, FILTERS, CHAT) == (400, INVALID_RESPONSE)
    emu.ai.queue_regex(CANNED_REGEX)
    assert post_ai(emu, REGEX, ASK) == (200, CANNED_REGEX)
    emu.check()


def test_default_responder_comes_from_the_entry_point():
    emu = Emulator()
    assert dict(emu.hooks.list_name_plugin())["ai_rules"] is phemu_ai_rules
    assert post_ai(emu, REGEX, ASK) == (200, DEFAULT_REGEX)
    assert (
        Emulator(load_entrypoints=False)
        .client()
        .post(REGEX, json=ASK, headers=emu.auth_headers)
        .status_code
        == 400
    )


def test_canned_answers_can_be_disabled_as_a_plugin():
    emu = rules_emulator(disable_plugins=["ai_canned"])
    emu.ai.queue_regex(CANNED_REGEX)
    assert post_ai(emu, REGEX, ASK) == (200, DEFAULT_REGEX)


def test_environments_prefix_uses_the_same_pipeline(ai):
    ai.ai.queue_regex(CANNED_REGEX)
    status, data = post_ai(ai, "/api/environments/@current/session_recordings/ai/regex", ASK)
    assert (status, data) == (200, CANNED_REGEX)


# -- control plane ---------------------------------------------------------------------------
def control(emu: Emulator, method: str, payload: Any = None, query: str = "") -> tuple[int, Any]:
    response = emu.client().open(f"/_phemu/ai/queue{query}", method=method, json=payload)
    return response.status_code, json.loads(response.get_data())


def test_control_plane_queues_counts_and_clears(ai):
    assert control(ai, "GET") == (200, {"pending": {"filters": 0, "regex": 0}})
    assert control(ai, "POST", {"endpoint": "regex", "output": CANNED_REGEX}) == (
        200,
        {"pending": {"filters": 0, "regex": 1}},
    )
    control(ai, "POST", {"endpoint": "filters", "outputs": [CANNED_FILTERS, "not json", ""]})
    control(ai, "POST", {"endpoint": "filters", "error": "OpenAI API key is not configured"})
    assert ai.ai.pending() == {"filters": 4, "regex": 1}
    assert post_ai(ai, REGEX, ASK) == (200, CANNED_REGEX)
    assert post_ai(ai, FILTERS, CHAT) == (200, CANNED_FILTERS)
    assert post_ai(ai, FILTERS, CHAT) == (400, INVALID_JSON)
    assert post_ai(ai, FILTERS, CHAT) == (400, INVALID_RESPONSE)
    assert post_ai(ai, FILTERS, CHAT) == (
        400,
        validation("invalid_input", "OpenAI API key is not configured"),
    )
    control(ai, "POST", {"endpoint": "regex", "outputs": [CANNED_REGEX, CANNED_REGEX]})
    control(ai, "POST", {"endpoint": "filters", "output": CANNED_FILTERS})
    assert control(ai, "DELETE", query="?endpoint=regex")[1] == {
        "pending": {"filters": 1, "regex": 0}
    }
    assert control(ai, "DELETE")[1] == {"pending": {"filters": 0, "regex": 0}}


def test_control_plane_malformed_output_is_reported_like_any_other(ai):
    control(ai, "POST", {"endpoint": "regex", "output": {"result": "success"}})
    assert post_ai(ai, REGEX, ASK) == (500, SERVER_ERROR)
    with pytest.raises(PhemuBug, match='missing key "data"'):
        ai.check()


def test_control_plane_reset_clears_queues(ai):
    control(ai, "POST", {"endpoint": "regex", "output": CANNED_REGEX})
    ai.client().post("/_phemu/reset")
    assert control(ai, "GET")[1] == {"pending": {"filters": 0, "regex": 0}}


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ([], "expected a JSON object"),
        ({"output": {}}, "'endpoint' must be 'filters' or 'regex'"),
        ({"endpoint": "sql", "output": {}}, "'endpoint' must be 'filters' or 'regex'"),
        ({"endpoint": "regex"}, "give exactly one of 'output', 'outputs', 'error', 'server_error'"),
        ({"endpoint": "regex", "output": 1, "error": "x"}, "give exactly one of"),
        ({"endpoint": "regex", "outputs": {}}, "'outputs' must be a list"),
        ({"endpoint": "regex", "error": 3}, "'error' must be the detail string of an AIError"),
        ({"endpoint": "regex", "server_error": 1}, "'server_error' must be true"),
    ],
)
def test_control_plane_bad_requests(ai, payload, message):
    status, data = control(ai, "POST", payload)
    assert status == 400
    assert message in data["error"]
    assert ai.ai.pending() == {"filters": 0, "regex": 0}


def test_control_plane_unknown_endpoint_in_delete(ai):
    status, data = control(ai, "DELETE", query="?endpoint=sql")
    assert status == 400 and "unknown AI endpoint" in data["error"]


def test_deliberate_server_error_is_not_a_bug(ai):
    ai.ai.queue_regex(ServerError())
    control(ai, "POST", {"endpoint": "filters", "server_error": True})
    assert post_ai(ai, REGEX, ASK) == (500, SERVER_ERROR)
    assert post_ai(ai, FILTERS, CHAT) == (500, SERVER_ERROR)
    assert ai.requests()[-1].error is None
    ai.check()


def test_control_plane_output_null_falls_through(ai):
    control(ai, "POST", {"endpoint": "regex", "output": None})
    assert ai.ai.pending()["regex"] == 1
    assert post_ai(ai, REGEX, ASK) == (200, DEFAULT_REGEX)
