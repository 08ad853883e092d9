"""The default ``ai/filters`` responder: a chat to recording filters (``docs/ai.md``).

The text is every ``user`` message joined with single spaces, so an answer to a clarifying
question completes the original request. It is read in four passes:

1. **literals** (paths, URLs, emails, domains, ``key=value``) keep their case; the words just
   before each decide its property: visited (``$current_url``), entry (``landed on``), exit
   (``ended on``), referrer (``came from``) or the person's email (``staff at example.org``);
2. **mentions**: the rest is typo-corrected and searched (whole words, longest phrase first)
   for the lexicon's devices, browsers, systems, places, channels and log levels; a negation
   (``not``, ``non-``, ``except``...) turns the next mention, and those listed with it, into
   ``is_not``; mentions of one property joined by ``or``/``and`` become one leaf with several
   values (a session has one browser, so "chrome and firefox users" means either);
3. **measures**: durations, page-view counts, bounces, UTM parameters;
4. **dates**: the specified date phrases first (``tests/test_filter_rules.py``), then months,
   weekdays and ranges.

Results follow the specified order (empty text, ``<word> page`` without a URL, leaves, a date,
vague words, off-topic), plus one rule of its own: a question or instruction with no word about
recordings (``where is Spain on the map?``) is off-topic even if it names a place.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from datetime import timedelta
from typing import Any

from phemu.extend import Msg
from phemu.resources.sessions.channel_type import BUILTIN_CHANNEL_TYPES
from phemu_ai_rules import filter_lexicon as lx
from phemu_ai_rules.words import QUOTES
from phemu_ai_rules.words import Corrector
from phemu_ai_rules.words import has_any
from phemu_ai_rules.words import keyword_pattern
from phemu_ai_rules.words import split
from phemu_ai_rules.words import strip_trailing

Leaf = dict[str, Any]

DEFAULT_DATE_FROM = "-5d"
URL_POSITIVE = ("icontains", "exact")
CHANNEL_TYPES = BUILTIN_CHANNEL_TYPES
#: Days in a unit of the relative date phrases (by initial: day, week, month, quarter, year).
DAYS_PER_UNIT = {"d": 1, "w": 7, "m": 30, "q": 90, "y": 365}
VAGUE_WORDS = tuple(sorted(lx.VAGUE_WORDS))
#: Words before "page" that do not name a page ("the page", "any page").
NOT_PAGE_NAMES = frozenset(
    split("""the a an this that these those any each every which what some one same web my our your
    their its his her other another specific certain particular given single whole entry
    landing exit first last final""")
)
SECONDS = {
    "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1,
    "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
    "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600,
}  # fmt: skip
#: Comparison words and the operator they mean (durations and page-view counts).
COMPARISONS = {
    "longer than": "gt", "more than": "gt", "over": "gt", "above": "gt", "greater than": "gt",
    "at least": "gte", "no less than": "gte", "minimum": "gte", "min": "gte",
    "shorter than": "lt", "less than": "lt", "fewer than": "lt", "under": "lt", "below": "lt",
    "at most": "lte", "no longer than": "lte", "no more than": "lte", "up to": "lte",
    "maximum": "lte", "max": "lte", "exactly": "exact", "only": "exact", "just": "exact",
}  # fmt: skip
CORRECTOR = Corrector(
    [w for phrase in lx.MENTIONS for w in phrase.split()] + sorted(lx.VOCABULARY), keep=lx.KEEP
)

_PATH = re.compile(rf"(?:(?<=^)|(?<=[\s{QUOTES}(]))/[^\s{QUOTES}]*")
_URL = re.compile(rf"(?<![\w/])https?://[^\s{QUOTES}]+")
_EMAIL = re.compile(rf"[^\s{QUOTES}(]*@[^\s{QUOTES}]*")
_DOMAIN = re.compile(r"(?<![\w@/.-])(?:[a-z0-9-]+\.)+[a-z]{2,}(?![\w@.-]|\.\w)", re.IGNORECASE)
_PAIR = re.compile(r"(?<![\w/?&.])([A-Za-z_][\w]*)\s*=\s*([^\s&'\"`,]+)")
#: What may stand between "entry page"/"exit page" and its URL.
_PAGE_VERB = r"(?:\s+(?:is|was|of|=|:|contains?|containing|includes?|including|like|matches))?"
_ENTRY_BEFORE = re.compile(
    rf"(?:\b(?:entry|landing|first)\s+(?:page|url|screen){_PAGE_VERB}"
    r"|\blanded\s+on(?:\s+the)?"
    r"|\b(?:started|starting|began|begun|entered|entering|came\s+in)\s+(?:on|at|via|through|from)"
    r"(?:\s+the)?)"
    rf"(?:\s+(?:exactly|equals))?\s*[{QUOTES}(]?$",
    re.IGNORECASE,
)
_EXIT_BEFORE = re.compile(
    rf"(?:\b(?:exit|last|final|end)\s+(?:page|url|screen){_PAGE_VERB}"
    r"|\b(?:ended|ending|exited|exiting|left|leaving|dropped\s+off)\s+(?:on|at|from)"
    r"(?:\s+the)?)"
    rf"(?:\s+(?:exactly|equals))?\s*[{QUOTES}(]?$",
    re.IGNORECASE,
)
_REFERRER_BEFORE = re.compile(
    r"\b(?:referred\s+(?:by|from)|referral\s+from|came\s+from|coming\s+from|come\s+from|"
    r"arrived\s+from|arriving\s+from|referrer(?:\s+(?:is|was|=|:))?|referring\s+domain"
    r"(?:\s+(?:is|was|=|:))?|traffic\s+from|via)\s*$",
    re.IGNORECASE,
)
_EMAIL_BEFORE = re.compile(
    r"\b(?:at|email(?:s)?(?:\s+(?:at|on|from|ending\s+in|domain|is))?|e-mail|@)\s*$", re.I
)
_EXACT_BEFORE = re.compile(rf"\b(?:exactly|equals)\s*[{QUOTES}(]?$", re.IGNORECASE)
_NEGATED_BEFORE = re.compile(
    r"\b(?:not|never|didn't|didnt|did\s+not|don't|doesn't|without|excluding|except|"
    r"other\s+than|apart\s+from)(?:\s+\w+){0,3}?\s*$",
    re.IGNORECASE,
)
_UTM = re.compile(
    r"\butm[ _](source|campaign|medium|term|content)"
    rf"(?:\s*[=:]\s*|\s+(?:(?:is|was|equals|of|=)\s+)?)[{QUOTES}]?([^\s{QUOTES},]+)",
    re.IGNORECASE,
)
_NUMBER = r"(\d+|" + "|".join(lx.NUMBER_WORDS) + r")"
_COMPARE = "|".join(sorted((re.escape(c) for c in COMPARISONS), key=len, reverse=True))
_UNITS = "|".join(sorted(SECONDS, key=len, reverse=True))
_DURATION = re.compile(rf"\b({_COMPARE})\s+{_NUMBER}\s*({_UNITS})\b", re.IGNORECASE)
_DURATION_RANGE = re.compile(
    rf"\bbetween\s+(\d+)\s*(?:({_UNITS})\s+)?and\s+(\d+)\s*({_UNITS})\b", re.IGNORECASE
)
_PAGEVIEWS = re.compile(
    rf"(?:\b({_COMPARE})\s+)?{_NUMBER}\s+(?:pageviews?|page\s+views?|pages?\s+viewed|pages)\b",
    re.IGNORECASE,
)
_BOUNCE = re.compile(r"\b(bounced|bounce|bounces|bouncing)\b", re.IGNORECASE)
_BOUNCE_NEGATED = re.compile(
    r"\b(?:not|never|didn't|didnt|did\s+not|without|non-?|no)\s*(?:\w+\s+){0,1}$", re.I
)
_PAGE_NAME = re.compile(r"(?<![\w/])([A-Za-z][\w-]*)\s+page\b", re.IGNORECASE)
_HOMEPAGE = re.compile(r"\bhome\s*page\b", re.IGNORECASE)
_OR = re.compile(r"\sor\s", re.IGNORECASE)
_LIST_GAP = re.compile(r"[\s,]*(?:(?:or|and|nor)[\s,]*)?", re.IGNORECASE)
#: What replaces each literal in the keyword text (a non-word character no one types).
LITERAL_MARK = "\x00"
_WORD = re.compile(r"[A-Za-z][A-Za-z'\u2019]*")
_NEGATION = re.compile(
    r"(?<!\w)(?:"
    + "|".join(
        re.escape(" ".join(n.split())).replace(r"\ ", r"\s+")
        for n in sorted(lx.NEGATIONS.split("|"), key=len, reverse=True)
    )
    + r")(?!\w)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Literal:
    start: int
    end: int
    text: str
    kind: str  # "url" (path or URL), "email", "domain" or "pair"


def find_literals(text: str) -> list[Literal]:
    """Paths, URLs, emails, bare domains and ``key=value`` pairs, in order of appearance."""
    found: list[Literal] = []
    kinds = (("url", _URL), ("url", _PATH), ("email", _EMAIL), ("domain", _DOMAIN))
    for kind, pattern in (*kinds, ("pair", _PAIR)):
        for match in pattern.finditer(text):
            literal = strip_trailing(match.group())
            if kind == "email" and literal.endswith("'s"):
                literal = literal[:-2]
            overlaps = any(match.start() < x.end and x.start < match.end() for x in found)
            if overlaps or (kind == "email" and "@" not in literal) or not literal:
                continue
            found.append(Literal(match.start(), match.start() + len(literal), literal, kind))
    return sorted(found, key=lambda x: x.start)


# -- dates -----------------------------------------------------------------------------------
_DATE = r"(\d{4}-\d{2}-\d{2})"
_MONTH = "(" + "|".join(sorted(lx.MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?:,?\s+(\d{4}))?"
#: "May 1", "May 1st, 2026", "1 May", "the 1st of May 2026", "2026-05-01".
_ABSOLUTE = rf"(?:{_DATE}|{_MONTH}\s+{_DAY}{_YEAR}|(?:the\s+)?{_DAY}\s+(?:of\s+)?{_MONTH}{_YEAR})"
_UNIT_WORDS = r"(days?|d|hours?|hrs?|h|weeks?|wks?|w|months?|mo|years?|y)"
_N_UNITS = re.compile(rf"\b(?:last|past|previous)\s+{_NUMBER}\s*{_UNIT_WORDS}\b", re.IGNORECASE)
_LAST_UNIT = re.compile(
    r"\b(?:last|past|previous|this\s+past)\s+(week|month|day|hour|year|fortnight|quarter)\b",
    re.IGNORECASE,
)
_SINCE = re.compile(rf"\bsince\s+{_ABSOLUTE}(?!\w)", re.IGNORECASE)
_BETWEEN = re.compile(
    rf"\b(?:between|from)\s+{_ABSOLUTE}\s+(?:and|to|until|till|through|-)\s+{_ABSOLUTE}(?!\w)",
    re.IGNORECASE,
)
_ON = re.compile(rf"\bon\s+{_ABSOLUTE}(?!\w)", re.IGNORECASE)
_FROM = re.compile(rf"\b(?:from|after|starting)\s+{_ABSOLUTE}(?!\w)", re.IGNORECASE)
_BARE = re.compile(rf"(?<![\w-]){_ABSOLUTE}(?!\w)", re.IGNORECASE)
_AGO = re.compile(rf"\b{_NUMBER}\s+(days?|weeks?)\s+ago\b", re.IGNORECASE)
_WEEKDAY = "(" + "|".join(sorted(lx.WEEKDAYS, key=len, reverse=True)) + ")"
_SINCE_WEEKDAY = re.compile(rf"\bsince\s+(?:last\s+)?{_WEEKDAY}\b", re.IGNORECASE)
_ON_WEEKDAY = re.compile(rf"\b(?:on|last)\s+{_WEEKDAY}\b", re.IGNORECASE)
_MONTH_ONLY = re.compile(
    rf"\b(?:in|during|from|for|throughout|over)\s+(?:the\s+month\s+of\s+)?{_MONTH}"
    rf"(?:\s+(\d{{4}}))?(?!\s*\d)\b",
    re.IGNORECASE,
)
_MONTH_YEAR = re.compile(rf"\b{_MONTH}\s+(\d{{4}})\b", re.IGNORECASE)


def _absolute(groups: tuple[str | None, ...], today: date) -> date | None:
    """The date of one ``_ABSOLUTE`` match (its six groups); a missing year is the latest
    year that puts the date on or before today."""
    iso, month1, day1, year1, day2, month2, year2 = groups
    try:
        if iso:
            return date.fromisoformat(iso)
        month_name, day, year = (month1, day1, year1) if month1 else (month2, day2, year2)
        month = lx.MONTHS[str(month_name).lower()]
        if year:
            return date(int(year), month, int(str(day)))
        candidate = date(today.year, month, int(str(day)))
        return candidate if candidate <= today else candidate.replace(year=today.year - 1)
    except (ValueError, KeyError, OverflowError):
        return None


def _number(text: str) -> int:
    return int(text) if text.isdigit() else lx.NUMBER_WORDS[text.lower()]


def find_dates(text: str, today: date) -> tuple[str, str] | None:
    """``(date_from, date_to)`` of the first date phrase that matches, in table order."""
    match = _N_UNITS.search(text)
    if match:
        number, unit = _number(match.group(1)), match.group(2).lower()
        if unit.startswith("h"):
            return f"-{number}h", ""
        return f"-{number * DAYS_PER_UNIT[unit[0]]}d", ""
    match = _LAST_UNIT.search(text)
    if match:
        unit = match.group(1).lower()
        if unit == "hour":
            return "-1h", ""
        return f"-{DAYS_PER_UNIT[unit[0]] if unit != 'fortnight' else 14}d", ""
    rules = ((_SINCE, "since"), (_BETWEEN, "between"), (_ON, "on"), (_FROM, "since"))
    for pattern, kind in (*rules, (_BARE, "on")):
        match = pattern.search(text)
        if not match:
            continue
        first = _absolute(match.groups()[:7], today)
        if kind == "between":
            second = _absolute(match.groups()[7:], today)
            if first and second:
                return first.isoformat(), second.isoformat()
        elif first:
            return first.isoformat(), ("" if kind == "since" else first.isoformat())
    return _relative_dates(text, today)


def _relative_dates(text: str, today: date) -> tuple[str, str] | None:
    if has_any(text, ("yesterday",)):
        day = (today - timedelta(days=1)).isoformat()
        return day, day
    if has_any(text, ("today", "today's")):
        return today.isoformat(), ""
    if has_any(text, ("this week",)):
        return (today - timedelta(days=today.weekday())).isoformat(), ""
    if has_any(text, ("this month",)):
        return today.replace(day=1).isoformat(), ""
    if has_any(text, ("this year",)):
        return today.replace(month=1, day=1).isoformat(), ""
    if has_any(text, ("last weekend", "past weekend")):
        sunday = today - timedelta(days=today.weekday() + 1)
        return (sunday - timedelta(days=1)).isoformat(), sunday.isoformat()
    match = _AGO.search(text)
    if match:
        days = _number(match.group(1)) * (7 if match.group(2).lower().startswith("w") else 1)
        if days < (today - date.min).days:  # "99999 weeks ago" is before year 1: not a date
            day = (today - timedelta(days=days)).isoformat()
            return day, day
    match = _SINCE_WEEKDAY.search(text)
    if match:
        back = (today.weekday() - lx.WEEKDAYS[match.group(1).lower()]) % 7
        return (today - timedelta(days=back)).isoformat(), ""
    match = _ON_WEEKDAY.search(text)
    if match:
        back = (today.weekday() - lx.WEEKDAYS[match.group(1).lower()]) % 7 or 7
        day = (today - timedelta(days=back)).isoformat()
        return day, day
    match = _MONTH_ONLY.search(text) or _MONTH_YEAR.search(text)
    if match:
        month = lx.MONTHS[match.group(1).lower()]
        year = int(match.group(2)) if match.group(2) else today.year
        if not match.group(2) and month > today.month:
            year -= 1
        if date.min.year <= year:  # "December 0000" is no month
            last = calendar.monthrange(year, month)[1]
            return date(year, month, 1).isoformat(), date(year, month, last).isoformat()
    return None


# -- leaves ----------------------------------------------------------------------------------
def leaf(key: str, kind: str, value: str | list[str], operator: str = "exact") -> Leaf:
    return {"key": key, "type": kind, "value": [value] if isinstance(value, str) else value,
            "operator": operator}  # fmt: skip


def correct(text: str) -> str:
    """``text`` with each mistyped word replaced by the vocabulary word it stands for."""
    return _WORD.sub(lambda m: _corrected(m.group()), text)


def _corrected(word: str) -> str:
    fixed = CORRECTOR.correct(word)
    return word if fixed == word.lower() else fixed


@dataclass
class Mention:
    start: int
    end: int
    kind: str
    value: str
    negated: bool = False


_MENTION = re.compile(
    r"(?<![\w@./])(?:"
    + "|".join(
        r"\s+".join(re.escape(part) for part in phrase.split())
        for phrase in sorted(lx.MENTIONS, key=len, reverse=True)
    )
    + r")(?![\w@/]|\.\w)",
    re.IGNORECASE,
)


def find_mentions(keywords: str) -> list[Mention]:
    """Every lexicon phrase in the (typo-corrected, literal-blanked) keywords, negations and
    ``or`` lists applied."""
    mentions: list[Mention] = []
    for match in _MENTION.finditer(keywords):
        phrase = " ".join(match.group().lower().split())
        if phrase == "us" and match.group() != "US":
            continue  # "show us ..." is not the United States
        for kind, value in lx.MENTIONS[phrase]:
            mentions.append(Mention(match.start(), match.end(), kind, value))
    _negate(keywords, mentions)
    return mentions


def _negate(keywords: str, mentions: list[Mention]) -> None:
    """A negation applies to the first mention after it (unless a clause or a literal comes
    first) and to the mentions listed with it (``not on chrome or firefox``)."""
    ordered = sorted(mentions, key=lambda m: m.start)
    for cue in _NEGATION.finditer(keywords):
        after = [m for m in ordered if m.start >= cue.end()]
        if not after:
            continue
        gap = keywords[cue.end() : after[0].start]
        if LITERAL_MARK in gap or any(
            w.lower() in lx.CLAUSE_BREAKS for w in re.findall(r"[\w']+|[,;.]", gap)
        ):
            continue
        end = after[0].end
        for mention in after:
            if mention.start >= end:
                if not _LIST_GAP.fullmatch(keywords[end : mention.start]):
                    break
                end = mention.end
            mention.negated = True


def _merge(mentions: list[Mention]) -> list[Leaf]:
    """One leaf per property and operator; values in order of appearance."""
    leaves: dict[tuple[str, bool], Leaf] = {}
    for mention in mentions:
        key, kind = lx.KEYS[mention.kind]
        operator = "is_not" if mention.negated else "exact"
        current = leaves.setdefault((mention.kind, mention.negated), leaf(key, kind, [], operator))
        if mention.value not in current["value"]:
            current["value"].append(mention.value)
    return list(leaves.values())


def literal_leaves(text: str, literals: list[Literal]) -> dict[str, list[Leaf]]:
    """The leaves of the literals, by kind, each from the words just before it."""
    out: dict[str, list[Leaf]] = {k: [] for k in ("url", "entry", "exit", "email", "referrer")}
    out["pair"] = []
    for literal in literals:
        before = text[: literal.start]
        negated = bool(_NEGATED_BEFORE.search(before)) and not _ENTRY_BEFORE.search(before)
        exact = bool(_EXACT_BEFORE.search(before))
        operator = (
            ("is_not" if exact else "not_icontains")
            if negated
            else ("exact" if exact else "icontains")
        )
        if literal.kind == "email":
            out["email"].append(leaf("email", "person", literal.text, "icontains"))
        elif literal.kind == "pair":
            name, value = literal.text.split("=", 1)
            name, value = name.strip(), strip_trailing(value.strip())
            if name.lower().startswith("utm_"):
                out["pair"].append(leaf("$entry_" + name.lower(), "session", value))
            else:
                out["pair"].append(leaf(name, "person", value))
        elif _REFERRER_BEFORE.search(before):
            domain = re.sub(r"^https?://", "", literal.text).split("/")[0]
            out["referrer"].append(leaf("$entry_referring_domain", "session", domain, "icontains"))
        elif literal.kind == "domain" and _EMAIL_BEFORE.search(before):
            out["email"].append(leaf("email", "person", "@" + literal.text, "icontains"))
        elif _ENTRY_BEFORE.search(before):
            out["entry"].append(leaf("$entry_current_url", "session", literal.text, operator))
        elif _EXIT_BEFORE.search(before):
            out["exit"].append(leaf("$end_current_url", "session", literal.text, operator))
        else:
            out["url"].append(leaf("$current_url", "event", literal.text, operator))
    return out


def measure_leaves(keywords: str) -> dict[str, list[Leaf]]:
    """Durations, page-view counts and bounces."""
    durations: list[Leaf] = []
    for match in _DURATION_RANGE.finditer(keywords):
        low_unit = SECONDS[(match.group(2) or match.group(4)).lower()]
        high_unit = SECONDS[match.group(4).lower()]
        durations.append(leaf("duration", "recording", str(int(match.group(1)) * low_unit), "gt"))
        durations.append(leaf("duration", "recording", str(int(match.group(3)) * high_unit), "lt"))
    for match in _DURATION.finditer(keywords):
        operator = COMPARISONS[" ".join(match.group(1).lower().split())]
        if operator == "exact":
            continue
        seconds = _number(match.group(2)) * SECONDS[match.group(3).lower()]
        durations.append(leaf("duration", "recording", str(seconds), operator))
    pageviews = []
    for match in _PAGEVIEWS.finditer(keywords):
        compare = match.group(1)
        if compare is None and not re.search(r"pageview|page\s+view", match.group(), re.I):
            continue  # "3 pages" alone is not a count request
        operator = COMPARISONS[" ".join(compare.lower().split())] if compare else "exact"
        count = str(_number(match.group(2)))
        pageviews.append(leaf("$pageview_count", "session", count, operator))
    bounces = []
    bounce = _BOUNCE.search(keywords)
    if bounce:
        negated = bool(_BOUNCE_NEGATED.search(keywords[: bounce.start()]))
        bounces.append(leaf("$is_bounce", "session", "false" if negated else "true"))
    return {"duration": durations, "pageviews": pageviews, "bounce": bounces}


def provider_leaves(keywords: str) -> list[Leaf]:
    """``gmail users``: the person's email is at that provider."""
    found = []
    for provider in ("gmail", "hotmail", "yahoo", "outlook", "icloud", "aol", "protonmail"):
        if has_any(keywords, (provider,)):
            found.append(leaf("email", "person", f"@{provider}.com", "icontains"))
    return found


def find_leaves(text: str, literals: list[Literal], keywords: str) -> list[Leaf]:
    """Every leaf the text asks for, in the specified row order, duplicates dropped."""
    by_literal = literal_leaves(text, literals)
    mentions = find_mentions(keywords)
    has_email = bool(by_literal["email"])
    providers = provider_leaves(keywords)
    # "users with email a@b.c" or "with a gmail email" name the person, not the Email channel
    has_email = has_email or bool(providers)
    mentions = [
        m for m in mentions if not (m.kind == "channel" and m.value == "Email" and has_email)
    ]
    by_kind = {kind: _merge([m for m in mentions if m.kind == kind]) for kind in lx.KEYS}
    measures = measure_leaves(keywords)
    utm = [
        leaf("$entry_utm_" + m.group(1).lower(), "session", strip_trailing(m.group(2)))
        for m in _UTM.finditer(text)
        if strip_trailing(m.group(2))
    ]
    leaves = (
        by_literal["url"] + by_literal["entry"] + by_literal["exit"]
        + by_kind["device"] + by_kind["browser"] + by_kind["os"]
        + by_kind["country"] + by_kind["city"] + by_kind["continent"]
        + by_kind["level"] + by_literal["email"] + providers
        + measures["duration"] + measures["pageviews"] + measures["bounce"]
        + by_kind["channel"] + by_literal["pair"] + utm + by_literal["referrer"]
    )  # fmt: skip
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
    urls = [x for x in leaves if x["key"] == "$current_url" and x["operator"] in URL_POSITIVE]
    if len(urls) >= 2 and _OR.search(text):
        others = [x for x in leaves if x not in urls]
        return group("OR", [group("AND", [url, *others]) for url in urls])
    return group("AND", [group("AND", leaves)])


def page_name(keywords: str) -> str | None:
    """The ``<word>`` of the first ``<word> page`` that names a page (``home`` for a
    homepage)."""
    for match in _PAGE_NAME.finditer(keywords):
        if match.group(1).lower() not in NOT_PAGE_NAMES:
            return match.group(1)
    return "home" if _HOMEPAGE.search(keywords) else None


def user_text(messages: list[dict[str, str]]) -> str:
    return " ".join(m["content"] for m in messages if m["role"] == "user").strip()


def _mark_literals(text: str, literals: list[Literal]) -> str:
    """``text`` with every literal replaced by `` LITERAL_MARK `` (keywords inside a literal,
    like the ``mobile`` of ``/mobile/checkout``, are not requests)."""
    out, position = [], 0
    for literal in literals:
        out += [text[position : literal.start], f" {LITERAL_MARK} "]
        position = literal.end
    return "".join([*out, text[position:]])


def off_topic(keywords: str, leaves: list[Leaf]) -> bool:
    """A question or instruction without a word about recordings, whose only leaves are
    places (``which city is the largest in Japan``)."""
    words = [w.lower() for w in _WORD.findall(keywords)]
    if not words or words[0] not in lx.QUESTION_WORDS:
        return False
    if any(w in lx.TOPIC_WORDS for w in words):
        return False
    return all(x["key"].startswith("$geoip_") for x in leaves)


def answer(messages: list[dict[str, str]], today: date) -> dict[str, Any]:
    """The responder's output for one chat (always schema-valid)."""
    text = user_text(messages)
    if not text:
        return question(Msg.FILTERS_OFF_TOPIC)
    literals = find_literals(text)
    keywords = correct(_mark_literals(text, literals))
    name = page_name(keywords)
    if name is not None and not any(x.kind == "url" for x in literals):
        return question(Msg.FILTERS_PAGE_URL.format(word=name))
    leaves = find_leaves(text, literals, keywords)
    if off_topic(keywords, leaves):
        return question(Msg.FILTERS_OFF_TOPIC)
    dates = find_dates(keywords, today)
    if leaves:
        return filters(dates, build_group(text, leaves))
    if dates is not None:
        return filters(dates, empty_group())
    if has_any(keywords, VAGUE_WORDS):
        return question(Msg.FILTERS_VAGUE)
    return question(Msg.FILTERS_OFF_TOPIC)


# Kept for callers of the previous module layout.
__all__ = ["answer", "find_dates", "find_leaves", "find_literals", "keyword_pattern"]
