"""What one ingested event teaches about definitions, as PostHog's property-defs service reads
it (``rust/property-defs-rs/src/types.rs``, ``Event::into_updates``).

Each event yields its name and one property update per event property (except ``$set``,
``$set_once``, ``$unset``, ``$groups`` and ``$group_0..4``), per ``$set`` / ``$set_once`` key
(person properties) and, for ``$groupidentify``, per ``$group_set`` key only (group
properties). Names longer than 200 bytes are dropped, ``$$plugin_metrics`` events teach nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from email.utils import parsedate_to_datetime
from typing import Any

EVENT = 1
PERSON = 2
GROUP = 3
SESSION = 4
#: ``PropertyDefinition.Type`` (``posthog/models/property_definition.py``) by query name.
TYPES = {"event": EVENT, "person": PERSON, "group": GROUP, "session": SESSION}

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
EVENTS_WITHOUT_PROPERTIES = frozenset({"$$plugin_metrics"})
#: ``DJANGO_MAX_CHARFIELD_LENGTH / 2``, in bytes (``will_fit_in_postgres_column``).
MAX_NAME_BYTES = 200
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


def fits(name: str) -> bool:
    """PostHog drops definitions whose name would not fit its columns."""
    return len(name.encode("utf-8", "surrogatepass")) <= MAX_NAME_BYTES


def event_name(name: str) -> str:
    """``sanitize_event_name``: Postgres stores no NUL, so it becomes U+FFFD."""
    return name.replace("\x00", "\ufffd")


@dataclass(frozen=True, slots=True)
class PropertySeen:
    """One property an event carries: where it belongs and its value (the type is inferred
    only when a definition needs one, see :func:`property_type`)."""

    name: str
    type: int
    group_type: str | None
    value: Any


def properties_seen(name: str, properties: Mapping[str, Any]) -> Iterator[PropertySeen]:
    """The property updates of one event named ``name`` (its name already checked)."""
    if name == "$groupidentify":
        group_type, group_set = properties.get("$group_type"), properties.get("$group_set")
        if isinstance(group_type, str) and isinstance(group_set, Mapping):
            yield from _from(group_set, GROUP, group_type)
        return
    yield from _from(properties, EVENT, None)
    for key in ("$set", "$set_once"):
        nested = properties.get(key)
        if isinstance(nested, Mapping):
            yield from _from(nested, PERSON, None)


def _from(values: Mapping[str, Any], parent: int, group_type: str | None) -> Iterator[PropertySeen]:
    for key, value in values.items():
        if parent == EVENT and key in SKIP_PROPERTIES:
            continue
        # Postgres refuses NUL in text, so such a definition is never written.
        if fits(key) and "\x00" not in key:
            yield PropertySeen(key, parent, group_type, value)
