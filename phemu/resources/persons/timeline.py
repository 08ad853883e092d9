"""``persons/{id}/properties_timeline/``: how a person's properties looked over their events
(``PropertiesTimeline`` in ``posthog/queries/properties_timeline/properties_timeline.py`` and
``PropertiesTimelineEventQuery`` next to it).

The person's events in the filter's window (those of its ``events`` entities, if it names any)
are read in time order with the person properties written on each (``person_properties``). The
*crucial* keys are the person-property keys the filter looks at (its and its entities' property
filters, and a ``person`` breakdown). An event is a point when it is the first, or when one of
those keys reads differently from the event before; each point counts the events up to the next
one (``relevant_event_count``). Values compare as ClickHouse reads them out of the JSON text
(strings without their quotes, other values as JSON, a missing key as ``""``), so with no crucial
key the first event is the only point. The answer also states the window it used
(``effective_date_from`` / ``effective_date_to``, ISO with the team's offset).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from datetime import timezone
from typing import TYPE_CHECKING
from typing import Any

from phemu.errors import Msg
from phemu.errors import QueryNotComputed
from phemu.resources.events.models import project_zone
from phemu.resources.events.models import raw_text
from phemu.resources.persons.legacy import LegacyFilter
from phemu.resources.persons.legacy import date_window
from phemu.resources.persons.legacy import end_of_interval

if TYPE_CHECKING:
    from phemu.emulator import Emulator
    from phemu.resources.events.models import EventRecord
    from phemu.resources.persons.models import Person


def crucial_keys(chosen: LegacyFilter) -> list[str]:
    """``extract_crucial_property_keys``: person-property keys of the filters, sorted."""
    if chosen.aggregation_group_type_index is not None:
        # Group timelines read the group's properties off each event, which phemu does not
        # write on events.
        raise QueryNotComputed(Msg.QUERY_FEATURE_NOT_COMPUTED.format(feature="group timelines"))
    filters = [*chosen.properties]
    for entity in chosen.entities:
        filters.extend(entity.properties)
    keys = {str(f["key"]) for f in filters if f.get("type") == "person" and "key" in f}
    breakdown = chosen.breakdown
    if breakdown and chosen.get("breakdown_type") == "person":
        keys.update(map(str, breakdown) if isinstance(breakdown, list) else [str(breakdown)])
    return sorted(keys)


def _stamp(moment: datetime) -> str:
    """An event timestamp as DRF renders a ``DateTime64(6, 'UTC')`` value."""
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def properties_timeline(
    emulator: Emulator, person: Person, params: Mapping[str, Any]
) -> dict[str, Any]:
    chosen = LegacyFilter(params)
    zone = project_zone(emulator, person.project)
    now = emulator.clock.now()
    records = emulator.events.records(person.project)
    earliest = min((r.timestamp for r in records), default=None)
    raw_from, raw_to = chosen.get("date_from"), chosen.get("date_to")
    if raw_from is not None and raw_to is not None and raw_from == raw_to:
        start = date_window(chosen, now, zone, earliest).start
        chosen = LegacyFilter({**params, "date_to": end_of_interval(start, chosen.interval)})
    window = date_window(chosen, now, zone, earliest)
    keys = crucial_keys(chosen)
    entities = chosen.entities
    mine: list[EventRecord] = sorted(
        (
            r
            for r in records
            if r.person_id == person.uuid
            and window.start <= r.timestamp <= window.end
            and (not entities or any(e.matches(r.event) for e in entities))
        ),
        key=lambda r: (r.timestamp, r.seq),
    )
    starts: list[int] = []
    previous: tuple[str, ...] | None = None
    for index, record in enumerate(mine):
        props = record.person_properties
        values = tuple(raw_text(props[k]) if k in props else "" for k in keys)
        if index == 0 or values != previous:
            starts.append(index)
        previous = values
    bounds = [*starts, len(mine)]
    return {
        "points": [
            {
                "timestamp": _stamp(mine[start].timestamp),
                "properties": dict(mine[start].person_properties),
                "relevant_event_count": bounds[n + 1] - start,
            }
            for n, start in enumerate(starts)
        ],
        "crucial_property_keys": keys,
        "effective_date_from": window.start.isoformat(),
        "effective_date_to": window.end.isoformat(),
    }
