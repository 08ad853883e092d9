"""Properties of the default responder over arbitrary text: it never fails, never leaves the
strict schema, and its patterns always compile (``docs/ai.md``: "always schema-valid")."""

from __future__ import annotations

import re
from datetime import date

from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from phemu_ai_rules import filter_rules
from phemu_ai_rules import regex_rules

from phemu.ai_schema import check_filters_output
from phemu.ai_schema import check_regex_output

# Text biased towards the rules' vocabulary so the interesting branches are reached.
VOCABULARY = (
    "not nor except without exactly equals starts with ending in number digits email uuid "
    "case-insensitive the page /login /a.b app.posthog.com x@y.z 'q' \"a|b\" `c{1}` (/x) "
    "last 7 days since 2026-01-01 between and on or mobile chrome windows error longer than "
    "5 minutes paid search utm_source=g landed on landing page users recordings 123 \\ [ ] ^ $"
)
WORDS = st.sampled_from(VOCABULARY.split())
TEXT = st.one_of(
    st.text(max_size=60),
    st.lists(WORDS, max_size=12).map(" ".join),
)


@settings(max_examples=150, deadline=None)
@given(description=TEXT, engine=st.sampled_from(["re2", "javascript"]))
def test_regex_answers_are_valid_and_compile(description, engine):
    normalised = re.sub(r"\s+", " ", description).strip()
    output = regex_rules.answer(normalised, engine)
    assert check_regex_output(output) == []
    if output["result"] == "success":
        pattern = output["data"]["output"]
        re.compile(pattern)
        if engine == "re2":
            assert not any(t in pattern for t in ("(?=", "(?!", "(?<=", "(?<!"))
    assert regex_rules.answer(normalised, engine) == output


@settings(max_examples=150, deadline=None)
@given(chat=st.lists(st.tuples(st.sampled_from(["user", "assistant"]), TEXT), max_size=4))
def test_filter_answers_are_valid(chat):
    messages = [{"role": role, "content": text.strip()} for role, text in chat]
    output = filter_rules.answer(messages, today=date(2026, 6, 15))
    assert check_filters_output(output) == []
    data = output["data"]
    if output["result"] == "question":
        assert data["date_from"] == data["date_to"] == ""
        assert data["filter_group"] == {"type": "AND", "values": [{"type": "AND", "values": []}]}
    else:
        assert data["question"] == ""
        assert re.fullmatch(r"-\d+[dh]|\d{4}-\d{2}-\d{2}", data["date_from"])
        assert re.fullmatch(r"|\d{4}-\d{2}-\d{2}", data["date_to"])
