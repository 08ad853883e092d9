"""The default ``ai/filters`` responder: a chat to recording filters (``docs/ai.md``).

The text is every ``user`` message joined with single spaces, so an answer to a clarifying
question completes the original request. Literals (paths, URLs, emails) keep their case;
keywords match whole words, case-insensitively, outside literals.

Beyond the reference tables (where it is silent): ``yesterday``, ``today``, ``this week`` and
``this month`` are date phrases (checked after the tabulated ones, computed from the emulator
clock); device words and durations also accept plurals and hours; ``entry/landing page`` may be
followed by ``is``/``was``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from datetime import timedelta
from typing import Any

from phemu.extend import Msg
from phemu.resources.sessions.channel_type import BUILTIN_CHANNEL_TYPES
from phemu_ai_rules.words import QUOTES
from phemu_ai_rules.words import blank
from phemu_ai_rules.words import find_all
from phemu_ai_rules.words import has_any
from phemu_ai_rules.words import strip_trailing

Leaf = dict[str, Any]

DEFAULT_DATE_FROM = "-5d"
CHANNEL_TYPES = BUILTIN_CHANNEL_TYPES
CHANNEL_BY_NAME = {name.lower(): name for name in CHANNEL_TYPES}
DEVICES = {
    "mobile": "Mobile",
    "phone": "Mobile",
    "phones": "Mobile",
    "desktop": "Desktop",
    "desktops": "Desktop",
    "tablet": "Tablet",
    "tablets": "Tablet",
}
BROWSERS = {
    "chrome": "Chrome",
    "firefox": "Firefox",
    "safari": "Safari",
    "edge": "Edge",
    "opera": "Opera",
}
OPERATING_SYSTEMS = {
    "windows": "Windows",
    "macos": "Mac OS X",
    "mac os": "Mac OS X",
    "ios": "iOS",
    "android": "Android",
    "linux": "Linux",
}
ERROR_WORDS = ("error", "errors", "bug", "bugs", "problem", "problems", "crash", "crashes")
VAGUE_WORDS = (
    "recording",
    "recordings",
    "replay",
    "replays",
    "session",
    "sessions",
    "user",
    "users",
    "people",
    "visit",
    "visits",
    "visited",
    "visiting",
    "visitor",
    "visitors",
)
#: Words before "page" that do not name a page ("the page", "any page").
NOT_PAGE_NAMES = frozenset(
    {
        "the",
        "a",
        "an",
        "this",
        "that",
        "these",
        "those",
        "any",
        "each",
        "every",
        "which",
        "what",
        "some",
        "one",
        "same",
        "web",
        "my",
        "our",
        "your",
        "their",
        "its",
        "his",
        "her",
        "other",
        "another",
        "specific",
        "certain",
        "particular",
        "given",
        "single",
        "whole",
    }
)
SECONDS = {
    "second": 1,
    "seconds": 1,
    "sec": 1,
    "secs": 1,
    "minute": 60,
    "minutes": 60,
    "min": 60,
    "mins": 60,
    "hour": 3600,
    "hours": 3600,
}

_PATH = re.compile(rf"(?:(?<=^)|(?<=[\s{QUOTES}(]))/[^\s{QUOTES}]*")
_URL = re.compile(rf"(?<![\w/])https?://[^\s{QUOTES}]+")
_EMAIL = re.compile(rf"[^\s{QUOTES}(]*@[^\s{QUOTES}]*")
_ENTRY_BEFORE = re.compile(
    rf"(?:\b(?:entry|landing)\s+(?:page|url)(?:\s+(?:is|was|of|=|:))?|\blanded\s+on(?:\s+the)?)"
    rf"(?:\s+(?:exactly|equals))?\s*[{QUOTES}(]?$",
    re.IGNORECASE,
)
_EXACT_BEFORE = re.compile(rf"\b(?:exactly|equals)\s*[{QUOTES}(]?$", re.IGNORECASE)
_DATE = r"(\d{4}-\d{2}-\d{2})"
_N_UNITS = re.compile(r"\b(?:last|past|previous)\s+(\d+)\s+(days?|hours?|weeks?)\b", re.I)
_LAST_UNIT = re.compile(r"\blast\s+(week|month|day)\b", re.I)
_SINCE = re.compile(rf"\bsince\s+{_DATE}\b", re.I)
_BETWEEN = re.compile(rf"\bbetween\s+{_DATE}\s+and\s+{_DATE}\b", re.I)
_ON = re.compile(rf"\bon\s+{_DATE}\b", re.I)
_DURATION = re.compile(
    r"\b(longer|shorter)\s+than\s+(\d+)\s+(" + "|".join(SECONDS) + r")\b", re.IGNORECASE
)
_UTM_SOURCE = re.compile(
    rf"\butm[ _]source(?:\s*[=:]\s*|\s+(?:(?:is|was|equals|of)\s+)?)[{QUOTES}]?([^\s{QUOTES}]+)",
    re.IGNORECASE,
)
_CHANNELS = re.compile(
    r"(?<!\w)(?:"
    + "|".join(r"\s+".join(n.split()) for n in sorted(CHANNEL_TYPES, key=len, reverse=True))
    + r")(?!\w)",
    re.IGNORECASE,
)
_PAGE_NAME = re.compile(r"(?<![\w/])([A-Za-z][\w-]*)\s+page\b", re.IGNORECASE)
_OR = re.compile(r"\sor\s", re.IGNORECASE)


@dataclass(frozen=True)
class Literal:
    start: int
    end: int
    text: str
    kind: str  # "url" (path or URL) or "email"


def find_literals(text: str) -> list[Literal]:
    """Paths, URLs and email tokens in order of appearance (trailing punctuation dropped)."""
    found: list[Literal] = []
    for kind, pattern in (("url", _URL), ("url", _PATH), ("email", _EMAIL)):
        for match in pattern.finditer(text):
            literal = strip_trailing(match.group())
            overlaps = any(match.start() < x.end and x.start < match.end() for x in found)
            if overlaps or (kind == "email" and "@" not in literal) or not literal:
                continue
            found.append(Literal(match.start(), match.start() + len(literal), literal, kind))
    return sorted(found, key=lambda x: x.start)


def find_dates(text: str, today: date) -> tuple[str, str] | None:
    """``(date_from, date_to)`` of the first date phrase that matches, in table order."""
    match = _N_UNITS.search(text)
    if match:
        number, unit = int(match.group(1)), match.group(2).lower()
        if unit.startswith("day"):
            return f"-{number}d", ""
        if unit.startswith("hour"):
            return f"-{number}h", ""
        return f"-{7 * number}d", ""
    match = _LAST_UNIT.search(text)
    if match:
        return {"week": "-7d", "month": "-30d", "day": "-1d"}[match.group(1).lower()], ""
    for pattern, both in ((_SINCE, False), (_BETWEEN, True), (_ON, False)):
        match = pattern.search(text)
        if match and all(_is_date(g) for g in match.groups()):
            if both:
                return match.group(1), match.group(2)
            return match.group(1), ("" if pattern is _SINCE else match.group(1))
    return _relative_dates(text, today)


def _relative_dates(text: str, today: date) -> tuple[str, str] | None:
    if has_any(text, ("yesterday",)):
        day = (today - timedelta(days=1)).isoformat()
        return day, day
    if has_any(text, ("today",)):
        return today.isoformat(), ""
    if has_any(text, ("this week",)):
        return (today - timedelta(days=today.weekday())).isoformat(), ""
    if has_any(text, ("this month",)):
        return today.replace(day=1).isoformat(), ""
    return None


def _is_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def leaf(key: str, kind: str, value: str, operator: str = "exact") -> Leaf:
    return {"key": key, "type": kind, "value": [value], "operator": operator}


def find_leaves(text: str, literals: list[Literal], keywords: str) -> list[Leaf]:
    """Every leaf the text asks for, in the reference's row order, duplicates dropped."""
    url_leaves: list[Leaf] = []
    entry_leaves: list[Leaf] = []
    for literal in (x for x in literals if x.kind == "url"):
        before = text[: literal.start]
        operator = "exact" if _EXACT_BEFORE.search(before) else "icontains"
        if _ENTRY_BEFORE.search(before):
            entry_leaves.append(leaf("$entry_current_url", "session", literal.text, operator))
        else:
            url_leaves.append(leaf("$current_url", "event", literal.text, operator))
    leaves = url_leaves + entry_leaves
    for table, key in (
        (DEVICES, "$device_type"),
        (BROWSERS, "$browser"),
        (OPERATING_SYSTEMS, "$os"),
    ):
        leaves += [leaf(key, "person", table[w.lower()]) for _, w in find_all(keywords, table)]
    if has_any(keywords, ERROR_WORDS):
        leaves.append(leaf("level", "log_entry", "error"))
    leaves += [leaf("email", "person", x.text, "icontains") for x in literals if x.kind == "email"]
    for match in _DURATION.finditer(keywords):
        seconds = int(match.group(2)) * SECONDS[match.group(3).lower()]
        operator = "gt" if match.group(1).lower() == "longer" else "lt"
        leaves.append(leaf("duration", "recording", str(seconds), operator))
    has_email = any(x.kind == "email" for x in literals)
    for match in _CHANNELS.finditer(keywords):
        name = CHANNEL_BY_NAME[" ".join(match.group().lower().split())]
        if not (name == "Email" and has_email):  # "users with email a@b.c" names a person
            leaves.append(leaf("$channel_type", "session", name))
    for match in _UTM_SOURCE.finditer(text):
        source = strip_trailing(match.group(1))
        if source:
            leaves.append(leaf("$entry_utm_source", "session", source))
    unique: list[Leaf] = []
    for item in leaves:
        if item not in unique:
            unique.append(item)
    return unique


def group(kind: str, values: list[Any]) -> dict[str, Any]:
    return {"type": kind, "values": values}


def empty_group() -> dict[str, Any]:
    return group("AND", [group("AND", [])])


def question(text: str) -> dict[str, Any]:
    data = {"question": text, "date_from": "", "date_to": "", "filter_group": empty_group()}
    return {"result": "question", "data": data}


def filters(dates: tuple[str, str] | None, filter_group: dict[str, Any]) -> dict[str, Any]:
    date_from, date_to = dates or (DEFAULT_DATE_FROM, "")
    data = {
        "question": "",
        "date_from": date_from,
        "date_to": date_to,
        "filter_group": filter_group,
    }
    return {"result": "filter", "data": data}


def build_group(text: str, leaves: list[Leaf]) -> dict[str, Any]:
    """One AND group, or OR over the visited URLs when the text says ``or`` (``docs/ai.md``)."""
    urls = [x for x in leaves if x["key"] == "$current_url"]
    if len(urls) >= 2 and _OR.search(text):
        others = [x for x in leaves if x["key"] != "$current_url"]
        return group("OR", [group("AND", [url, *others]) for url in urls])
    return group("AND", [group("AND", leaves)])


def page_name(keywords: str) -> str | None:
    """The ``<word>`` of the first ``<word> page`` that names a page."""
    for match in _PAGE_NAME.finditer(keywords):
        if match.group(1).lower() not in NOT_PAGE_NAMES:
            return match.group(1)
    return None


def user_text(messages: list[dict[str, str]]) -> str:
    return " ".join(m["content"] for m in messages if m["role"] == "user").strip()


def answer(messages: list[dict[str, str]], today: date) -> dict[str, Any]:
    """The responder's output for one chat (always schema-valid)."""
    text = user_text(messages)
    if not text:
        return question(Msg.FILTERS_OFF_TOPIC)
    literals = find_literals(text)
    keywords = blank(text, [(x.start, x.end) for x in literals])
    name = page_name(keywords)
    if name is not None and not any(x.kind == "url" for x in literals):
        return question(Msg.FILTERS_PAGE_URL.format(word=name))
    dates = find_dates(keywords, today)
    leaves = find_leaves(text, literals, keywords)
    if leaves:
        return filters(dates, build_group(text, leaves))
    if dates is not None:
        return filters(dates, empty_group())
    if has_any(keywords, VAGUE_WORDS):
        return question(Msg.FILTERS_VAGUE)
    return question(Msg.FILTERS_OFF_TOPIC)
