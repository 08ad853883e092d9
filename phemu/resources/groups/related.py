"""``groups/related/``: ``RelatedActorsQuery`` (``ee/clickhouse/queries/related_actors_query.py``)
over phemu's event store.

Two actors are related when they share an event of the last 90 days (strictly between then and
now). For a group (``group_type_index`` given, ``id`` its key) that is the persons of its events
and the groups of every other type on them; for a person (no ``group_type_index``, ``id`` its
uuid) the groups of every type on its events. An event's person is the current person of its
distinct id (the ``person_distinct_id`` join), so events of personless distinct ids relate no
person. An event's ``$group_<index>`` is its ``$groups`` key of that type, as ingestion writes
it; a group counts only while it exists.

PostHog reads the actors back from Postgres without an order (``Person.objects.filter``,
``Group.objects.filter``): phemu answers them in creation order, persons first, then groups
by type index.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import TYPE_CHECKING
from typing import Any

from phemu.errors import Msg
from phemu.errors import ServerError
from phemu.errors import ValidationError
from phemu.resources.definitions.taxonomy import GROUP_TYPES_LIMIT
from phemu.resources.persons.models import PersonsBackend
from phemu.resources.persons.models import PersonsTables
from phemu.resources.persons.models import render_actor
from phemu.serialization import format_datetime

if TYPE_CHECKING:
    from phemu.emulator import Emulator
    from phemu.resources.events.models import EventRecord
    from phemu.resources.persons.models import Group

#: ``RelatedActorsQuery``'s window.
WINDOW = timedelta(days=90)


def group_type_index(value: Any) -> int | None:
    """``validate_group_type_index("group_type_index", value)``: ``int()`` of it, 0 to 4."""
    if value is None:
        return None
    try:
        index = int(value)
    except (TypeError, ValueError):
        index = -1
    if not 0 <= index < GROUP_TYPES_LIMIT:
        raise ValidationError(
            Msg.GROUP_TYPE_INDEX_RANGE.format(name="group_type_index", limit=GROUP_TYPES_LIMIT)
        )
    return index


def related(
    emulator: Emulator, project: int, index: int | None, actor: str
) -> list[dict[str, Any]]:
    """The answer of ``RelatedActorsQuery(team, index, actor).run()``. A person's ``actor``
    is compared with ClickHouse's UUID column: text that is no UUID is its error (500)."""
    persons = PersonsBackend.of(emulator)
    if index is None:
        try:
            actor = str(uuid.UUID(actor))
        except ValueError:
            raise ServerError() from None
    types = persons.group_types(project)
    events = list(_window(emulator, project))

    def key_of(event: EventRecord, of: int) -> str | None:
        groups = event.properties.get("$groups")
        name = types.get(of)
        if not isinstance(groups, dict) or name is None or groups.get(name) is None:
            return None
        value = groups[name]
        return value if isinstance(value, str) else str(value)

    def person_of(event: EventRecord) -> str | None:
        if event.distinct_id is None:
            return None
        person = persons.get(event.distinct_id, project=project)
        return None if person is None else person.uuid

    if index is None:
        shared = [e for e in events if person_of(e) == actor]
    else:
        shared = [e for e in events if key_of(e, index) == actor]
    answer: list[dict[str, Any]] = []
    if index is not None:
        uuids = {p for p in map(person_of, shared) if p is not None}
        people = [persons.by_uuid(u) for u in uuids]
        answer.extend(render_actor(p) for p in sorted(filter(None, people), key=lambda p: p.id))
    groups = emulator.store.state(PersonsTables).groups
    for other in sorted(types):
        if other == index:
            continue
        keys = {k for k in (key_of(e, other) for e in shared) if k}
        found = [groups[(project, other, k)] for k in keys if (project, other, k) in groups]
        answer.extend(render_group_actor(g) for g in sorted(found, key=lambda g: g.id))
    return answer


def _window(emulator: Emulator, project: int) -> Iterator[EventRecord]:
    now = emulator.clock.now()
    for event in emulator.events.records(project):
        if now - WINDOW < event.timestamp < now:
            yield event


def render_group_actor(group: Group) -> dict[str, Any]:
    """``serialize_groups`` (``posthog/queries/actor_base_query.py``)."""
    return {
        "id": group.group_key,
        "type": "group",
        "group_type_index": group.group_type_index,
        "group_key": group.group_key,
        "created_at": format_datetime(group.created_at),
        "matched_recordings": [],
        "properties": dict(group.properties),
        "value_at_data_point": None,
    }
