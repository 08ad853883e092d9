"""How many persons (or groups) a release condition selects: ``user_blast_radius``
(``posthog/api/feature_flag.py``) over ``get_user_blast_radius``
(``posthog/models/feature_flag/user_blast_radius.py``).

PostHog counts, in ClickHouse, the persons of the project whose properties satisfy the
condition's ``properties`` (its rollout percentage is left to the frontend), capped at
``Team.persons_seen_so_far``, the number of persons; with a ``group_type_index``, the groups of
that type whose properties satisfy them, out of all groups of that type. phemu counts the same
records in its person store (persons and the groups ``$groupidentify`` made), matching each
filter as a release condition matches it (``evaluation.property_matches``), a cohort filter by
the cohort's calculated members.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING
from typing import Any

from phemu.errors import Msg
from phemu.errors import ServerError
from phemu.errors import ValidationError
from phemu.resources.events.models import project_zone
from phemu.resources.feature_flags.evaluation import CohortSpec
from phemu.resources.feature_flags.evaluation import Context
from phemu.resources.feature_flags.evaluation import property_matches
from phemu.resources.persons.models import PersonsTables

if TYPE_CHECKING:
    from phemu.emulator import Emulator

#: The property that names a group's own key rather than one of its properties.
GROUP_KEY = "$group_key"


def blast_radius(
    emulator: Emulator, project: int, condition: Any, group_type_index: Any
) -> tuple[int, int]:
    """``(affected, total)`` for ``condition`` (``{"properties": [...], ...}``)."""
    if not isinstance(condition, Mapping):
        raise ServerError()  # ``Filter(data=condition)`` on what is not a dict
    group = _property_group(condition.get("properties") or [])
    if group_type_index is not None:
        return _groups(emulator, project, group, group_type_index)
    persons = emulator.persons.all(project)
    total = len(persons)
    if not _flat(group):
        return total, total  # no filters: every person
    # ``person_id IN COHORT``: the persons of the cohort's last calculation (``cohortpeople``)
    # or its static list, whatever its filters say now.
    calculated = emulator.cohorts
    named = {str(p.get("value")) for p in _flat(group) if p.get("type") == "cohort"}
    cohorts = {
        str(c.id): CohortSpec(id=c.id, is_static=True, members=frozenset(calculated.persons_in(c)))
        for c in calculated.live(project)
        if str(c.id) in named
    }
    resolver = emulator.feature_flags.resolver(project)
    now, zone = emulator.clock.now(), project_zone(emulator, project)
    affected = 0
    for person in persons:
        ctx = Context(
            distinct_id=person.distinct_ids[0] if person.distinct_ids else "",
            person_properties=person.properties,
            person_id=person.uuid,
            cohorts=cohorts,
            flag_by_id=resolver,
            now=now,
            tz=zone,
        )
        affected += _selects(group, person.properties, ctx)
    return min(affected, total), total


def _groups(
    emulator: Emulator, project: int, group: Mapping[str, Any], index: Any
) -> tuple[int, int]:
    """Groups of one type: every filter must name that group type (``$group_key`` takes it);
    ``groups_seen_so_far`` is the total, without the persons' cap."""
    flat = _flat(group)
    for prop in flat:
        if prop.get("key") != GROUP_KEY and (
            prop.get("group_type_index") is None or _int(prop.get("group_type_index")) != index
        ):
            raise ValidationError(Msg.FLAG_BLAST_RADIUS_GROUP_INDEX)
    wanted = _int(index)
    tables = emulator.store.state(PersonsTables)
    members = [
        g
        for g in tables.groups.values()
        if g.project == project and wanted is not None and g.group_type_index == wanted
    ]
    total = len(members)
    if not flat:
        return total, total
    ctx = Context(distinct_id="", now=emulator.clock.now(), tz=project_zone(emulator, project))
    affected = sum(_selects(group, {**g.properties, GROUP_KEY: g.group_key}, ctx) for g in members)
    return affected, total


def _property_group(raw: Any) -> dict[str, Any]:
    """``Filter``'s ``property_groups``: a list of filters is their AND; a group keeps its
    ``type`` and nested ``values``. A filter that is not an object is PostHog's 500."""
    if isinstance(raw, list):
        return {"type": "AND", "values": [_filter(item) for item in raw]}
    if isinstance(raw, Mapping):
        values = raw.get("values") or []
        if not isinstance(values, list):
            raise ServerError()
        return {
            "type": "OR" if raw.get("type") == "OR" else "AND",
            "values": [
                _property_group(item) if _is_group(item) else _filter(item) for item in values
            ],
        }
    raise ServerError()


def _is_group(item: Any) -> bool:
    return isinstance(item, Mapping) and "values" in item and "key" not in item


def _filter(item: Any) -> Mapping[str, Any]:
    if not isinstance(item, Mapping):
        raise ServerError()
    return item


def _flat(group: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    found: list[Mapping[str, Any]] = []
    for item in group["values"]:
        found.extend(_flat(item) if _is_group(item) else [item])
    return found


def _selects(group: Mapping[str, Any], values: Mapping[str, Any], ctx: Context) -> bool:
    results = (
        _selects(item, values, ctx) if _is_group(item) else property_matches(item, values, ctx)
        for item in group["values"]
    )
    return all(results) if group["type"] == "AND" else any(results)


def _int(value: Any) -> int | None:
    """A group type index as Python compares it (an int) or ClickHouse reads it (digits)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return None
