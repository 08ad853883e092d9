"""Event and property definitions derived from captured events, as PostHog's property-defs
service derives them (``rust/property-defs-rs/src/types.rs``).

Each event yields its name (with ``last_seen_at``) and one property definition per event property
(except ``$set``, ``$set_once``, ``$unset``, ``$groups`` and ``$group_0..4``), per ``$set`` /
``$set_once`` key (person properties) and, for ``$groupidentify``, per ``$group_set`` key only.
A property's type is decided by the first value seen and then kept, as PostHog's upsert keeps it.
These helpers feed the ``event_definitions/`` and ``property_definitions/`` endpoints still to
come.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from email.utils import parsedate_to_datetime
from typing import Any

SKIP_PROPERTIES = frozenset(
    {
        "$set",
        "$set_once",
        "$unset",
        "$group_0",
        "$group_1",
        "$group_2",
        "$group_3",
        "$group_4",
        "$groups",
    }
)
_DATETIME_KEYWORDS = ("time", "date", "_at", "-at", "createdat", "updatedat")
_DATETIME_PREFIX = re.compile(
    r"^(([0-9]{4}[/-][0-2][0-9][/-][0-3][0-9])|([0-2][0-9][/-][0-3][0-9][/-][0-9]{4}))"
    r"([ T][0-2][0-9]:[0-6][0-9]:[0-6][0-9].*)?$"
)
_RFC3339 = re.compile(r"^\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)$")
_SIX_MONTHS = timedelta(seconds=15_768_000)


def _likely_date(text: str) -> bool:
    if _RFC3339.match(text) or _DATETIME_PREFIX.match(text):
        return True
    try:
        parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return False
    return True


def property_type(key: str, value: Any, now: datetime) -> str | None:
    """``DateTime``, ``String``, ``Numeric``, ``Boolean`` or ``None`` (``detect_property_type``)."""
    lowered = key.lower()
    if lowered.startswith(("utm_", "$initial_utm_", "$feature/", "$survey_response")) or (
        lowered == "$feature_flag_response"
    ):
        return "String"
    keyword = any(word in lowered for word in _DATETIME_KEYWORDS)
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, str):
        if keyword and _likely_date(value):
            return "DateTime"
        text = value.strip()
        if text in ("true", "false", "TRUE", "FALSE"):
            return "Boolean"
        return "DateTime" if _likely_date(text) else "String"
    if isinstance(value, (int, float)):
        threshold = now.timestamp() - _SIX_MONTHS.total_seconds()
        if keyword and isinstance(value, int) and value >= 0 and value >= threshold:
            return "DateTime"
        return "Numeric"
    return None


@dataclass(slots=True)
class PropertyDefinition:
    name: str
    type: int  # PropertyParentType: 1 event, 2 person, 3 group
    property_type: str | None
    group_type: str | None = None

    @property
    def is_numerical(self) -> bool:
        return self.property_type == "Numeric"


@dataclass(slots=True)
class Definitions:
    events: dict[str, datetime]  # name -> last_seen_at
    properties: dict[tuple[str, int, str | None], PropertyDefinition]


def derive(events: Iterable[Mapping[str, Any]], now: datetime) -> Definitions:
    """Definitions of ``events`` (mappings with ``event``, ``properties``, ``timestamp``)."""
    found = Definitions(events={}, properties={})

    def add(props: Mapping[str, Any], parent: int, group_type: str | None = None) -> None:
        for key, value in props.items():
            if parent == 1 and key in SKIP_PROPERTIES:
                continue
            slot = (key, parent, group_type)
            known = found.properties.get(slot)
            if known is None:
                found.properties[slot] = PropertyDefinition(
                    key, parent, property_type(key, value, now), group_type
                )
            elif known.property_type is None:
                known.property_type = property_type(key, value, now)

    for event in events:
        name = str(event["event"])
        stamp = event.get("timestamp")
        seen = stamp if isinstance(stamp, datetime) else now
        if name not in found.events or found.events[name] < seen:
            found.events[name] = seen
        props: Mapping[str, Any] = event.get("properties") or {}
        if name == "$groupidentify":
            group_set = props.get("$group_set")
            if isinstance(props.get("$group_type"), str) and isinstance(group_set, Mapping):
                add(group_set, 3, props["$group_type"])
            continue
        add(props, 1)
        for key in ("$set", "$set_once"):
            if isinstance(props.get(key), Mapping):
                add(props[key], 2)
    return found
