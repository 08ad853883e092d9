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


def split(text: str) -> list[str]:
    """The whitespace-separated words of ``text`` (vocabulary tables are written as prose)."""
    return text.split()


def strip_trailing(literal: str) -> str:
    return literal.rstrip(TRAILING)


def one_edit_apart(word: str, target: str) -> bool:
    """Whether ``word`` is a typo of ``target``: two neighbours swapped, or (towards targets
    of five letters or more) one letter missing or doubled. Replaced letters do not count:
    that is where real words meet (``parts``/``paris``, ``whose``/``whole``), and shorter
    targets would pull in real words too (``world``/``word``)."""
    if word == target or word[:1] != target[:1]:
        return False
    if len(word) == len(target):
        diff = [i for i, (a, b) in enumerate(zip(word, target, strict=True)) if a != b]
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and word[diff[0]] == target[diff[1]]
            and word[diff[1]] == target[diff[0]]
        )
    if abs(len(word) - len(target)) != 1 or len(target) < 5:
        return False
    short, long_ = sorted((word, target), key=len)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


class Corrector:
    """Maps a mistyped word onto the one vocabulary word it is a typo of (``emial`` -> ``email``).

    Only words of four letters or more that are neither vocabulary nor in ``keep`` (ordinary
    words such as ``whose``, which is one letter from ``whole``) are corrected, and
    only into a vocabulary word one edit away, so ordinary words pass untouched.
    """

    def __init__(self, vocabulary: Iterable[str], keep: Iterable[str] = ()) -> None:
        self.vocabulary = frozenset(w for w in vocabulary if len(w) >= 4)
        self.keep = frozenset(keep)
        self._by_initial: dict[str, list[str]] = {}
        for word in sorted(self.vocabulary):
            self._by_initial.setdefault(word[0], []).append(word)

    @lru_cache(maxsize=4096)  # noqa: B019 - one Corrector per rule module, never freed
    def correct(self, word: str) -> str:
        lower = word.lower()
        if len(lower) < 4 or lower in self.vocabulary or lower in self.keep or not lower.isalpha():
            return lower
        found = [w for w in self._by_initial.get(lower[0], ()) if one_edit_apart(lower, w)]
        # Several candidates are inflections of one word (crashs: crash, crashes): the
        # closest length wins, then the alphabetical first, so the answer stays stable.
        found.sort(key=lambda w: (abs(len(w) - len(lower)), w))
        return found[0] if found else lower
