"""Counters the contract suites fill in and ``conftest.py`` prints at the end of the run.

The issue asks for the numbers (operations, examples, properties) to appear in the CI log; a
plain module-level registry is enough because pytest runs the suites in one process.
"""

from __future__ import annotations

from collections import Counter
from collections import defaultdict

#: examples sent per suite and operation, e.g. ``examples["schemathesis"]["GET /x"]``
examples: defaultdict[str, Counter[str]] = defaultdict(Counter)
#: how many times each documented deviation explained a schemathesis failure
deviations: Counter[str] = Counter()
#: response statuses seen per suite
statuses: defaultdict[str, Counter[int]] = defaultdict(Counter)
#: property names checked per suite (hypothesis tests, table rows)
properties: defaultdict[str, set[str]] = defaultdict(set)


def count(suite: str, operation: str, status: int | None = None) -> None:
    examples[suite][operation] += 1
    if status is not None:
        statuses[suite][status] += 1


def summary_lines() -> list[str]:
    lines: list[str] = []
    for suite in sorted(examples):
        per_op = examples[suite]
        total = sum(per_op.values())
        lines.append(f"{suite}: {len(per_op)} operations/routes, {total} examples")
        for op, n in sorted(per_op.items()):
            lines.append(f"    {n:6d}  {op}")
        if statuses[suite]:
            seen = ", ".join(f"{s}x{n}" for s, n in sorted(statuses[suite].items()))
            lines.append(f"    statuses: {seen}")
        if properties[suite]:
            lines.append(f"    properties: {', '.join(sorted(properties[suite]))}")
    if deviations:
        lines.append("documented PostHog deviations matched (failures explained, not silenced):")
        for name, n in sorted(deviations.items()):
            lines.append(f"    {n:6d}  {name}")
    return lines
