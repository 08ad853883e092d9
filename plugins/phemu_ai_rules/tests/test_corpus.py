"""The plain-language corpus (``corpus/``): how often the default responder answers what people
actually type, per category, with the figures the README shows recomputed here."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from corpus_eval import Case
from corpus_eval import filters_answer
from corpus_eval import load_cases
from corpus_eval import outcomes
from corpus_eval import readme_section
from corpus_eval import regex_answer
from corpus_eval import render

PLUGIN = Path(__file__).parent.parent
CASES = load_cases()
TARGET = 0.95


def _cases(endpoint: str, split: str | None = None) -> list[Case]:
    return [c for c in CASES if c.endpoint == endpoint and split in (None, c.split)]


def test_corpus_is_large_and_complete():
    regex, filters = _cases("regex"), _cases("filters")
    assert len(regex) >= 200
    assert len(filters) >= 150
    for case in regex:
        if case.data.get("refuse"):
            assert case.category == "off_topic", case.label
        else:
            assert case.data["match"] and case.data["no_match"], case.label
    for case in filters:
        assert {"leaves", "or", "question", "off_topic"} & set(case.data), case.label
    # Off-topic requests are part of the corpus, so refusing too much costs points too.
    assert len([c for c in regex if c.category == "off_topic"]) >= 10
    assert len([c for c in filters if c.category == "off_topic"]) >= 10


def test_a_held_out_split_exists_for_each_endpoint():
    for endpoint in ("regex", "filters"):
        held = _cases(endpoint, "holdout")
        assert len(held) >= 0.15 * len(_cases(endpoint)), endpoint


@pytest.mark.parametrize("endpoint", ["regex", "filters"])
def test_texts_are_unique(endpoint):
    texts = [" / ".join(c.texts) for c in _cases(endpoint)]
    assert len(texts) == len(set(texts))


@pytest.mark.parametrize("endpoint", ["regex", "filters"])
def test_pass_rate_meets_the_target(endpoint):
    results = [r for r in outcomes() if r.case.endpoint == endpoint]
    rate = sum(r.ok for r in results) / len(results)
    assert rate >= TARGET, f"{endpoint}: {rate:.1%}"


def test_readme_figures_are_current():
    assert readme_section() == render(outcomes()), (
        "README figures are stale: run python plugins/phemu_ai_rules/tests/corpus_eval.py --write"
    )


def test_no_corpus_sentence_is_written_into_the_rules():
    """The rules are a grammar, not a lookup table: no request of three words or more appears
    in their source, docstrings included (comparison ignores case and runs of whitespace).
    Two-word requests are left out: many are vocabulary (``phone numbers``, ``pdf files``)."""
    source = " ".join(
        " ".join(path.read_text(encoding="utf-8").lower().split()) for path in PLUGIN.glob("*.py")
    )
    found = [
        text
        for case in CASES
        for text in case.texts
        if len(text.split()) >= 3 and " ".join(text.lower().split()) in source
    ]
    assert found == []


def test_http_answers_are_the_rules_answers(ask_regex, ask_filters):
    """Every corpus request through the endpoint (schema-checked by the fixtures, patterns
    compiled by the evaluator) gets exactly what the evaluator scored."""
    for case in _cases("regex"):
        for engine in ("javascript", "re2"):
            text = case.data["text"]
            assert ask_regex(text, engine) == regex_answer(text, engine), (text, engine)
    for case in _cases("filters"):
        messages = case.data["messages"]
        assert ask_filters(*messages) == filters_answer(messages), messages


def test_corpus_files_are_tidy_json():
    for path in sorted((Path(__file__).parent / "corpus").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        assert set(data) == {"about", "categories"}, path.name
        assert all(re.fullmatch(r"[a-z_]+", c) for c in data["categories"]), path.name
