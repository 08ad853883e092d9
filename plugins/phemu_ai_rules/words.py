"""Text helpers shared by the rule sets: whole-word keyword search and span blanking.

Keywords match whole words, case-insensitively (``edge`` does not match ``knowledge``). Before
looking for keywords the rules blank out their literals (paths, URLs, quoted strings...), so a
keyword inside a literal (``/not-found``, ``/mobile/checkout``) is never mistaken for a request.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

#: Characters dropped from the end of a literal (sentence punctuation, closing brackets).
TRAILING = ".,;:!?)"
QUOTES = "'\"`"


@lru_cache(maxsize=512)
def keyword_pattern(phrase: str) -> re.Pattern[str]:
    """``phrase`` as whole words; spaces inside it match any run of whitespace."""
    body = r"\s+".join(re.escape(part) for part in phrase.split())
    return re.compile(rf"(?<!\w){body}(?!\w)", re.IGNORECASE)


def has_any(text: str, phrases: Iterable[str]) -> bool:
    return any(keyword_pattern(p).search(text) for p in phrases)


def find_all(text: str, phrases: Iterable[str]) -> list[tuple[int, str]]:
    """``(position, phrase)`` for every occurrence of every phrase, in order of appearance."""
    found = [(m.start(), p) for p in phrases for m in keyword_pattern(p).finditer(text)]
    return sorted(found)


def blank(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """``text`` with each ``(start, end)`` span replaced by spaces (positions are kept)."""
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def strip_trailing(literal: str) -> str:
    return literal.rstrip(TRAILING)
