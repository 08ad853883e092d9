"""The default ``ai/regex`` responder: plain-language description to pattern (``docs/ai.md``).

Rules are tried in the order of the reference table; the first that applies answers. Every
``success`` pattern compiles with Python's ``re``; with the ``re2`` engine none contains
lookaround or a backreference (the one rule that needs lookahead refuses instead).

Beyond the table (where the reference is silent): ``case-insensitive`` / ``ignore case``
requests make the pattern case-insensitive (``(?i)`` for RE2, ``[aA]`` classes for JavaScript,
which has no inline flags); keywords also match their plural or inflected forms listed below.
"""

from __future__ import annotations

import re
from typing import Any

from phemu.extend import Msg
from phemu_ai_rules.words import QUOTES
from phemu_ai_rules.words import blank
from phemu_ai_rules.words import has_any
from phemu_ai_rules.words import strip_trailing

EMAIL_PATTERN = r"[^@\s]+@[^@\s]+\.[^@\s]+"
UUID_PATTERN = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_SPECIAL = frozenset("\\.^$*+?()[]{}|")

NEGATION = (
    "not",
    "neither",
    "nor",
    "except",
    "exclude",
    "excludes",
    "excluding",
    "other than",
    "without",
)
NEGATION_WORDS = ("not", "nor", "except")
NUMBER_WORDS = ("number", "numbers", "digit", "digits")
NUMERIC_ID = ("numeric id", "numeric ids", *NUMBER_WORDS)
STARTS = (
    "start with",
    "starts with",
    "starting with",
    "begin with",
    "begins with",
    "beginning with",
)
ENDS = ("end with", "ends with", "ending with", "ending in", "end in", "ends in")
EXACT = ("exactly", "equal", "equals")
EMAIL = ("email", "emails", "email address", "email addresses")
UUID = ("uuid", "uuids")
CASE_INSENSITIVE = (
    "case-insensitive",
    "case insensitive",
    "case-insensitively",
    "case insensitively",
    "ignore case",
    "ignoring case",
    "any case",
)
#: Words skipped between a negation and the word it negates ("not the", "not contain").
NEGATION_SKIP = frozenset(
    {
        "the",
        "a",
        "an",
        "any",
        "contain",
        "contains",
        "include",
        "includes",
        "match",
        "matches",
        "have",
        "has",
        "be",
        "in",
        "on",
        "to",
        "visit",
        "visits",
    }
)
#: Tokens with a dot that are abbreviations, not literals.
ABBREVIATIONS = frozenset({"e.g", "i.e", "etc", "vs"})

_QUOTED = re.compile(
    r"""(?:(?<=^)|(?<=[\s(\[{:,=]))'([^']+)'(?=$|[\s.,;:!?)\]}])"""
    r'|"([^"]+)"'
    r"|`([^`]+)`"
)
_TOKEN = re.compile(r"\S+")
_WORD = re.compile(r"[A-Za-z0-9_]+(?:'[A-Za-z]+)?")


def escape(text: str) -> str:
    """PostHog's escaping: a backslash before regex metacharacters; ``/`` and ``-`` stay."""
    return "".join("\\" + c if c in _SPECIAL else c for c in text)


def success(pattern: str) -> dict[str, Any]:
    return {"result": "success", "data": {"output": pattern}}


def refusal() -> dict[str, Any]:
    return {"result": "error", "data": {"output": Msg.REGEX_REFUSAL}}


class Description:
    """A description split into its literals and the remaining keyword text."""

    def __init__(self, text: str) -> None:
        self.text = text
        quoted = [m for m in _QUOTED.finditer(text) if any(m.groups())]
        tokens = [m for m in _TOKEN.finditer(text) if _token_literal(m.group())]
        #: Quoted strings win; otherwise tokens holding ``/``, ``.`` or ``@``.
        self.literals = (
            [next(g for g in m.groups() if g) for m in quoted]
            if quoted
            else [_token_literal(m.group()) for m in tokens]
        )
        #: Keywords are searched with every literal blanked out.
        self.keywords = blank(text, [m.span() for m in (*quoted, *tokens)])

    def has(self, *phrases: str) -> bool:
        return has_any(self.keywords, phrases)

    def negated_words(self) -> list[str]:
        """The word after ``not``/``nor``/``except`` (``the`` and verbs like ``contain``
        skipped; never ``page``)."""
        words = [w.lower() for w in _WORD.findall(self.keywords)]
        found: list[str] = []
        for index, word in enumerate(words):
            if word not in NEGATION_WORDS:
                continue
            rest = words[index + 1 :]
            while rest and rest[0] in NEGATION_SKIP:
                rest = rest[1:]
            if rest and rest[0] != "page" and rest[0] not in NEGATION and rest[0] not in found:
                found.append(rest[0])
        return found


def _token_literal(token: str) -> str:
    """The literal a whitespace token stands for, or ``""`` if it is an ordinary word."""
    core = strip_trailing(token.lstrip("([{" + QUOTES)).rstrip(QUOTES + "]}")
    core = strip_trailing(core)
    if core.lower() in ABBREVIATIONS:
        return ""
    return core if any(c in core for c in "/.@") else ""


def alternatives(literals: list[str]) -> str:
    escaped = [escape(x) for x in literals]
    return escaped[0] if len(escaped) == 1 else "(?:" + "|".join(escaped) + ")"


def generate(description: str, engine: str) -> str | None:
    """The pattern for ``description``, or ``None`` for PostHog's refusal."""
    if not description:
        return None
    d = Description(description)
    literals = d.literals
    if d.has(*NEGATION):
        negated = literals or d.negated_words()
        if negated:
            if engine == "re2":
                return None
            return "^(?!.*(?:" + "|".join(escape(x) for x in negated) + ")).*$"
    if d.has(*NUMERIC_ID):
        with_digits = [x for x in literals if any(c.isdigit() for c in x)]
        if with_digits:
            return re.sub(r"\d+", lambda _m: r"\d+", escape(with_digits[0]))
    if literals and d.has(*STARTS):
        return "^" + alternatives(literals)
    if literals and d.has(*ENDS):
        return alternatives(literals) + "$"
    if literals and d.has(*EXACT):
        return "^" + alternatives(literals) + "$"
    if not literals:
        if d.has(*EMAIL):
            return EMAIL_PATTERN
        if d.has(*UUID):
            return UUID_PATTERN
        if d.has(*NUMBER_WORDS):
            return r"\d+"
        return None
    return alternatives(literals)


def ignore_case(pattern: str, engine: str) -> str:
    """``pattern`` matching regardless of case, in the engine's own dialect."""
    if engine == "re2":
        return "(?i)" + pattern
    out: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            out.append(pattern[index : index + 2])
            index += 2
            continue
        if char == "[":
            end = _class_end(pattern, index)
            out.append(pattern[index:end])
            index = end
            continue
        if char == "{":
            end = pattern.index("}", index) + 1
            out.append(pattern[index:end])
            index = end
            continue
        if char.lower() != char.upper():
            out.append(f"[{char.lower()}{char.upper()}]")
        else:
            out.append(char)
        index += 1
    return "".join(out)


def _class_end(pattern: str, start: int) -> int:
    index = start + 1
    while index < len(pattern):
        if pattern[index] == "\\":
            index += 2
            continue
        if pattern[index] == "]":
            return index + 1
        index += 1
    return len(pattern)


def answer(description: str, engine: str) -> dict[str, Any]:
    """The responder's output for one request (always schema-valid)."""
    pattern = generate(description, engine)
    if pattern is None:
        return refusal()
    if Description(description).has(*CASE_INSENSITIVE):
        pattern = ignore_case(pattern, engine)
    return success(pattern)
