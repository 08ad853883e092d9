"""Scores the default responder on the plain-language corpus in ``corpus/`` and renders the
figures the plugin README shows.

The corpus is data, not expected outputs: a regex case lists strings the pattern must and must
not match (checked with Python's ``re`` for JavaScript patterns and with google-re2 for RE2
ones), a filter case lists the leaves and dates the answer must hold. ``*.json`` files are the
development split, written before the rules were extended; ``*_holdout.json`` files were
written after the rules were finished and never used to tune them.

Run ``python plugins/phemu_ai_rules/tests/corpus_eval.py --write`` to refresh the README section
after a deliberate change; ``test_corpus.py`` fails while README and rules disagree.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from phemu_ai_rules import filter_rules
from phemu_ai_rules import regex_rules

from phemu.ai_schema import check_filters_output
from phemu.ai_schema import check_regex_output
from phemu.errors import Msg

try:  # google-re2 is in the test extra; without it RE2 patterns are checked with ``re``
    import re2 as _re2
except ImportError:  # pragma: no cover - the test extra installs it
    _re2 = None

HERE = Path(__file__).parent
CORPUS = HERE / "corpus"
README = HERE.parent / "README.md"
START = "<!-- corpus-report:start -->"
END = "<!-- corpus-report:end -->"
#: The clock the filter corpus is written against (a Monday).
TODAY = date(2026, 6, 15)
DEFAULT_DATE = ["-5d", ""]
LOOKAROUND = ("(?=", "(?!", "(?<=", "(?<!")
PYTHON_ONLY = re.compile(r"\(\?[aiLmsux]+\)|\(\?P[<=]|\\[AZz]")


@dataclass(frozen=True)
class Case:
    endpoint: str  # "regex" or "filters"
    split: str  # "dev" or "holdout"
    category: str
    data: dict[str, Any]

    @property
    def texts(self) -> list[str]:
        return [self.data["text"]] if self.endpoint == "regex" else list(self.data["messages"])

    @property
    def label(self) -> str:
        return " / ".join(self.texts) or "<empty>"


@dataclass(frozen=True)
class Outcome:
    case: Case
    problem: str  # "" when the answer is right

    @property
    def ok(self) -> bool:
        return not self.problem


def load_cases() -> list[Case]:
    cases: list[Case] = []
    for endpoint in ("regex", "filters"):
        for split, name in (("dev", f"{endpoint}.json"), ("holdout", f"{endpoint}_holdout.json")):
            path = CORPUS / name
            if not path.exists():
                continue
            categories = json.loads(path.read_text(encoding="utf-8"))["categories"]
            for category, items in categories.items():
                cases += [Case(endpoint, split, category, item) for item in items]
    return cases


def normalise(text: str) -> str:
    """What the endpoint hands the responder: whitespace runs collapsed, ends trimmed."""
    return " ".join(text.split())


# -- regex -----------------------------------------------------------------------------------
def regex_answer(text: str, engine: str) -> dict[str, Any]:
    return regex_rules.answer(normalise(text), engine)


def _compile(pattern: str, engine: str) -> Any:
    if engine == "re2" and _re2 is not None:
        return _re2.compile(pattern)
    return re.compile(pattern)


def _regex_problem(case: Case, engine: str) -> str:
    output = regex_answer(case.data["text"], engine)
    violations = check_regex_output(output)
    if violations:
        return f"{engine}: schema {violations}"
    refused = output == regex_rules.refusal()
    if case.data.get("refuse"):
        return "" if refused else f"{engine}: answered {output['data']['output']!r}, not a refusal"
    if refused:
        if engine == "re2" and case.data.get("re2") == "refuse":
            return ""
        return f"{engine}: refused"
    if output["result"] != "success":
        return f"{engine}: {output!r}"
    pattern = output["data"]["output"]
    if engine == "re2" and any(token in pattern for token in LOOKAROUND):
        return f"re2: lookaround in {pattern!r}"
    if engine == "javascript" and PYTHON_ONLY.search(pattern):
        return f"javascript: Python-only syntax in {pattern!r}"
    try:
        compiled = _compile(pattern, engine)
    except Exception as exc:  # re.error or re2.error
        return f"{engine}: {pattern!r} does not compile ({exc})"
    wrong = [f"misses {s!r}" for s in case.data["match"] if not compiled.search(s)]
    wrong += [f"matches {s!r}" for s in case.data["no_match"] if compiled.search(s)]
    return f"{engine}: {pattern!r} " + ", ".join(wrong) if wrong else ""


# -- filters ---------------------------------------------------------------------------------
def filters_answer(messages: list[str]) -> dict[str, Any]:
    chat = [{"role": "user", "content": normalise(m)} for m in messages]
    return filter_rules.answer(chat, today=TODAY)


def _leaf(item: list[Any]) -> tuple[str, str, tuple[str, ...], str]:
    key, kind, value, operator = item
    return key, kind, tuple(value) if isinstance(value, list) else (value,), operator


def _leaves(group: dict[str, Any]) -> frozenset[tuple[str, str, tuple[str, ...], str]]:
    return frozenset(
        (x["key"], x["type"], tuple(x["value"]), x["operator"]) for x in group["values"]
    )


def _filters_problem(case: Case) -> str:
    output = filters_answer(case.data["messages"])
    violations = check_filters_output(output)
    if violations:
        return f"schema {violations}"
    data = output["data"]
    if case.data.get("off_topic") or "question" in case.data:
        wanted = case.data.get("question", Msg.FILTERS_OFF_TOPIC)
        wanted = Msg.FILTERS_VAGUE if wanted == "vague" else wanted
        if output["result"] == "question" and data["question"] == wanted:
            return ""
        return f"answered {_describe(output)}"
    if output["result"] != "filter":
        return f"asked {data['question']!r}"
    problems: list[str] = []
    date_range = [data["date_from"], data["date_to"]]
    if date_range != case.data.get("date", DEFAULT_DATE):
        problems.append(f"dates {date_range}")
    group = data["filter_group"]
    if "or" in case.data:
        wanted_groups = sorted(sorted(map(_leaf, g)) for g in case.data["or"])
        got_groups = sorted(sorted(_leaves(g)) for g in group["values"])
        if group["type"] != "OR" or got_groups != wanted_groups:
            problems.append(f"groups {_describe(output)}")
    else:
        wanted = frozenset(map(_leaf, case.data["leaves"]))
        inner = group["values"]
        got = _leaves(inner[0]) if len(inner) == 1 and inner[0]["type"] == "AND" else None
        if group["type"] != "AND" or got != wanted:
            problems.append(f"leaves {_describe(output)}")
    return "; ".join(problems)


def _describe(output: dict[str, Any]) -> str:
    data = output["data"]
    if output["result"] == "question":
        return f"question {data['question']!r}"
    groups = [
        "[" + ", ".join(f"{x['key']} {x['operator']} {'|'.join(x['value'])}" for x in g["values"])
        for g in data["filter_group"]["values"]
    ]
    return f"{data['filter_group']['type']} " + "], ".join(groups) + "]"


# -- scoring and the README section ----------------------------------------------------------
def evaluate(case: Case) -> Outcome:
    if case.endpoint == "regex":
        problems = [p for p in (_regex_problem(case, e) for e in ("javascript", "re2")) if p]
        return Outcome(case, "; ".join(problems))
    return Outcome(case, _filters_problem(case))


def outcomes() -> list[Outcome]:
    return [evaluate(case) for case in load_cases()]


def _rate(results: list[Outcome]) -> str:
    passed = sum(r.ok for r in results)
    return f"{passed}/{len(results)} ({100 * passed / len(results):.1f}%)" if results else "-"


def _grouped(results: list[Outcome]) -> Iterator[tuple[str, list[Outcome]]]:
    seen: dict[str, list[Outcome]] = {}
    for result in results:
        seen.setdefault(result.case.category, []).append(result)
    yield from seen.items()


def render(results: list[Outcome]) -> str:
    """The README section: totals per endpoint and split, per category, then every miss."""
    lines = [
        START,
        "| Endpoint | Development split | Held-out split | All |",
        "| --- | --- | --- | --- |",
    ]
    for endpoint in ("regex", "filters"):
        mine = [r for r in results if r.case.endpoint == endpoint]
        dev = [r for r in mine if r.case.split == "dev"]
        held = [r for r in mine if r.case.split == "holdout"]
        lines.append(f"| `ai/{endpoint}` | {_rate(dev)} | {_rate(held)} | {_rate(mine)} |")
    for endpoint in ("regex", "filters"):
        mine = [r for r in results if r.case.endpoint == endpoint]
        lines += [
            "",
            f"`ai/{endpoint}` per category (both splits):",
            "",
            "| Category | Development | Held-out | All |",
            "| --- | --- | --- | --- |",
        ]
        for category, items in _grouped(mine):
            dev = [r for r in items if r.case.split == "dev"]
            held = [r for r in items if r.case.split == "holdout"]
            lines.append(f"| {category} | {_rate(dev)} | {_rate(held)} | {_rate(items)} |")
    misses = [r for r in results if not r.ok]
    lines += ["", f"Misses ({len(misses)}):", ""]
    for r in misses:
        label = r.case.label.replace("|", "\\|")
        problem = r.problem.replace("|", "\\|")
        lines.append(
            f"- `ai/{r.case.endpoint}` {r.case.category} ({r.case.split}): {label!r}: {problem}"
        )
    if not misses:
        lines.append("- none")
    lines.append(END)
    return "\n".join(lines)


def readme_section() -> str:
    text = README.read_text(encoding="utf-8")
    start, end = text.index(START), text.index(END) + len(END)
    return text[start:end]


def write_readme(section: str) -> None:
    text = README.read_text(encoding="utf-8")
    start, end = text.index(START), text.index(END) + len(END)
    README.write_text(text[:start] + section + text[end:], encoding="utf-8")


if __name__ == "__main__":
    report = render(outcomes())
    if "--write" in sys.argv:
        write_readme(report)
    print(report)
