"""``GroupsBackend`` (``emulator.groups``): what ``GroupsViewSet`` (``posthog/api/group.py``)
computes in ClickHouse from the ``groups`` table, computed from the groups of phemu's person
store (the groups ``$groupidentify`` events and seeds made; ``PersonsBackend`` writes them).

ClickHouse reads each group's properties as JSON: ``JSONExtractKeysAndValuesRaw`` gives every
key with its value's JSON text, which ``property_values`` answers with its surrounding quotes
trimmed (so the string ``"1"`` and the number ``1`` are one value).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from phemu.errors import ServerError
from phemu.resources._base import Backend
from phemu.resources.events.models import raw_text
from phemu.resources.persons.models import Group
from phemu.resources.persons.models import PersonsTables
from phemu.resources.sessions.like import like_matcher

#: ``property_values``'s ``LIMIT``.
VALUES_LIMIT = 20


class GroupsBackend(Backend):
    """Reads only: groups are written by ingestion (``emulator.persons.set_group``)."""

    def _groups(self, project: int) -> Iterator[Group]:
        for group in self.store.state(PersonsTables).groups.values():
            if group.project == project:
                yield group

    def property_definitions(self, project: int = 1) -> dict[str, list[dict[str, Any]]]:
        """``property_definitions``: per group type index (as a string, in index order), each
        property key with the number of groups that have it, most common first, then by key."""
        with self.store.lock:
            counts: Counter[tuple[int, str]] = Counter(
                (group.group_type_index, key)
                for group in self._groups(project)
                for key in group.properties
            )
        answer: dict[str, list[dict[str, Any]]] = {}
        ordered = sorted(counts.items(), key=lambda i: (i[0][0], -i[1], i[0][1].encode()))
        for (index, key), count in ordered:
            answer.setdefault(str(index), []).append({"name": key, "count": count})
        return answer

    def property_values(
        self,
        group_type_index: int | str,
        key: str,
        *,
        value: str | None = None,
        project: int = 1,
    ) -> list[dict[str, Any]]:
        """``property_values``: the values of ``key`` among the groups of one type, with how
        many groups hold each, most common first, then by value, at most 20; ``value`` keeps
        those whose text contains it (``ILIKE '%value%'``, unescaped as PostHog sends it).

        ``group_type_index`` is a query parameter ClickHouse reads as a number: text that is
        not one is PostHog's 500.
        """
        index = _index(group_type_index)
        matches = like_matcher(value) if value else None
        with self.store.lock:
            texts = [
                raw_text(group.properties[key])
                for group in self._groups(project)
                if group.group_type_index == index and key in group.properties
            ]
        counts = Counter(t for t in texts if matches is None or matches(t.lower()))
        ordered = sorted(counts.items(), key=lambda i: (-i[1], i[0].encode()))
        return [{"name": name, "count": count} for name, count in ordered[:VALUES_LIMIT]]


def _index(value: int | str) -> int:
    if isinstance(value, bool):
        raise ServerError()
    if isinstance(value, int):
        return value
    text = value.strip()
    if not (text.isascii() and text.isdigit()):
        raise ServerError()
    return int(text)
