"""ClickHouse's ``ILIKE '%<term>%'`` over lower-cased text, as ``sessions/values`` searches."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

_ANY = object()  # the `_` wildcard inside a segment


def like_matcher(term: str) -> Callable[[str], bool]:
    """A predicate over lower-cased text for ClickHouse's ``ILIKE '%<term>%'``.

    The term is not escaped (as in PostHog), so ``%`` and ``_`` are wildcards and a backslash
    escapes the next character. Plain terms use a substring test; others match ``%``-separated
    segments left to right (greedy leftmost matching is exact for LIKE and never backtracks, so
    a hostile term cannot blow up).
    """
    if not any(c in term for c in "%_\\"):
        needle = term.lower()
        return lambda text: needle in text
    segments = _segments("%" + term + "%")
    compiled = [_segment_regex(seg) for seg in segments]
    widths = [len(seg) for seg in segments]

    def matches(text: str) -> bool:
        if len(segments) == 1:
            return compiled[0].fullmatch(text) is not None
        pos, end = 0, len(text)
        if widths[0]:
            if compiled[0].match(text, 0) is None:
                return False
            pos = widths[0]
        last_start = end - widths[-1]
        if last_start < pos or (widths[-1] and compiled[-1].fullmatch(text, last_start) is None):
            return False
        for rx, width in zip(compiled[1:-1], widths[1:-1], strict=False):
            if not width:
                continue
            found = rx.search(text, pos, last_start)
            if found is None:
                return False
            pos = found.end()
        return True

    return matches


def _segments(pattern: str) -> list[list[Any]]:
    segments: list[list[Any]] = [[]]
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            segments[-1].append(pattern[i + 1].lower())
            i += 2
            continue
        if char == "%":
            segments.append([])
        elif char == "_":
            segments[-1].append(_ANY)
        else:
            segments[-1].append(char.lower())
        i += 1
    return segments


def _segment_regex(segment: list[Any]) -> re.Pattern[str]:
    return re.compile("".join("." if t is _ANY else re.escape(t) for t in segment), re.DOTALL)
