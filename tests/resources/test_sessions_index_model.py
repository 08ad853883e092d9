"""The incremental value index against a literal model of docs/sessions.md, "values".

The index is updated on ingest (inserts, replacements, window moves, stale newest occurrences);
the model recomputes every answer from scratch. Random operations with fixed seeds and a tiny
window make every path run; any divergence is a bug in the incremental bookkeeping.
"""

from __future__ import annotations

import random
import re
from collections import Counter

import pytest

from phemu.resources.sessions import value_index as session_values
from phemu.resources.sessions.models import Session
from phemu.resources.sessions.value_index import ProjectSessions
from phemu.resources.sessions.value_index import sort_key

KEY = "$entry_utm_source"
VALUES = ["google", "bing", "Goo_gle", "news%letter", "", "g", "x_y", "GOOGLE"]
TERMS = [None, "goo", "g", "_", "%", "o_g", "\\_", "le", "zzz", "%%g%"]


def like(term: str, text: str) -> bool:
    """ILIKE '%term%' via a straightforward regex translation (the model's own)."""
    out, i, pattern = [], 0, "%" + term + "%"
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if char == "%" else "." if char == "_" else re.escape(char))
        i += 1
    return re.fullmatch("".join(out), text, re.DOTALL | re.IGNORECASE) is not None


def model(sessions: dict[str, Session], term: str | None, window: int) -> list[str]:
    newest_first = sorted(sessions.values(), key=lambda s: s.key, reverse=True)[:window]
    column = [s.properties.get(KEY) for s in newest_first]
    kept = [v for v in column if v is not None and (like(term, v) if term else v != "")]
    counts = Counter(kept)
    first = {v: kept.index(v) for v in counts}
    return sorted(counts, key=lambda v: (-counts[v], first[v]))[:20]


@pytest.mark.parametrize("seed", range(12))
def test_index_matches_the_model(monkeypatch, seed):
    window = [3, 5, 8, 1000][seed % 4]
    monkeypatch.setattr(session_values, "WINDOW", window)
    rng = random.Random(seed)
    project = ProjectSessions()
    truth: dict[str, Session] = {}
    for _ in range(40):
        batch = []
        for _ in range(rng.randrange(1, 5)):
            sid = f"s{rng.randrange(15)}"
            start = (
                None
                if rng.random() < 0.1
                else session_values._EPOCH.replace(year=2026, hour=rng.randrange(5))
            )
            value = rng.choice([*VALUES, None])
            props = {KEY: value, "$start_timestamp": start}
            batch.append(Session(sid, None, props, sort_key(sid, start), True))
        project.upsert(batch)
        truth.update((s.session_id, s) for s in batch)
        if rng.random() < 0.2:
            # a checkpoint copy rebuilds its index lazily and must agree too
            project = project.__deepcopy__({})
        for term in TERMS:
            assert project.top_values(KEY, term) == model(truth, term, window), term
