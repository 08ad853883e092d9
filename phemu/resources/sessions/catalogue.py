"""PostHog's v2 session property catalogue and how ``property_definitions`` filters it.

PostHog builds this list from the lazy sessions table (``docs/sessions.md``): every field that
is not hidden, in declaration order, typed from its database field class. phemu keeps the result as
data, because the list *is* the contract clients pin.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Entry:
    name: str
    property_type: str
    is_numerical: bool


def _strings(*names: str) -> tuple[Entry, ...]:
    return tuple(Entry(name, "String", False) for name in names)


#: The fifteen ad / click ids, in catalogue order (event property name = the suffix).
CLICK_IDS: tuple[str, ...] = (
    "gclid",
    "gad_source",
    "gclsrc",
    "dclid",
    "gbraid",
    "wbraid",
    "fbclid",
    "msclkid",
    "twclid",
    "li_fat_id",
    "mc_cid",
    "igshid",
    "ttclid",
    "_kx",
    "irclid",
)

UTM_PARAMETERS: tuple[str, ...] = ("source", "campaign", "medium", "term", "content")

#: PostHog's v2 lazy sessions fields that are not hidden, 37 entries in its order
#: (``posthog/hogql/database/schema/sessions_v2.py``, ``LAZY_SESSIONS_FIELDS``). It has no
#: ``$entry_referrer``, so phemu neither lists nor derives one.
CATALOGUE: tuple[Entry, ...] = (
    Entry("$start_timestamp", "DateTime", False),
    Entry("$end_timestamp", "DateTime", False),
    *_strings(
        "$entry_current_url",
        "$entry_pathname",
        "$entry_hostname",
        "$end_current_url",
        "$end_pathname",
        "$end_hostname",
        "$entry_referring_domain",
    ),
    *_strings(*(f"$entry_utm_{p}" for p in UTM_PARAMETERS)),
    *_strings(*(f"$entry_{c}" for c in CLICK_IDS)),
    Entry("$pageview_count", "Numeric", True),
    Entry("$autocapture_count", "Numeric", True),
    Entry("$screen_count", "Numeric", True),
    Entry("$channel_type", "String", False),
    # PostHog overrides the type of this integer field, so it is numerical *and* a Duration.
    Entry("$session_duration", "Duration", True),
    Entry("$is_bounce", "Boolean", False),
    Entry("$last_external_click_url", "String", False),
    Entry("$vitals_lcp", "Numeric", True),
)

NAMES: tuple[str, ...] = tuple(e.name for e in CATALOGUE)
BY_NAME: dict[str, Entry] = {e.name: e for e in CATALOGUE}

#: Keys whose ``values`` come from a stored raw-session column (``docs/sessions.md``). Other
#: string fields (hostnames, ``$channel_type``) are computed at query time in PostHog, so it has
#: nothing to scan for them.
STORED_STRING_KEYS: tuple[str, ...] = (
    "$entry_current_url",
    "$entry_pathname",
    "$end_current_url",
    "$end_pathname",
    "$entry_referring_domain",
    *(f"$entry_utm_{p}" for p in UTM_PARAMETERS),
    *(f"$entry_{c}" for c in CLICK_IDS),
    "$last_external_click_url",
)

DATETIME_KEYS = frozenset(e.name for e in CATALOGUE if e.property_type == "DateTime")

_WORD = re.compile(r"\w+")


def definition(entry: Entry) -> dict[str, Any]:
    """One result item; key order is PostHog's."""
    return {
        "id": entry.name,
        "name": entry.name,
        "is_numerical": entry.is_numerical,
        "property_type": entry.property_type,
        "is_seen_on_filtered_events": None,
        "tags": [],
    }


def search_catalogue(search: str | None, is_numerical: str | None) -> list[dict[str, Any]]:
    """The entries matching PostHog's ``search`` and ``is_numerical`` rules (``docs/sessions.md``).

    Every ``\\w+`` run of the lower-cased search must be a substring of the lower-cased name;
    no words means no filter. ``is_numerical`` present means "equals ``true``" (lower-cased),
    so any other value selects the *non*-numerical entries.
    """
    words = _WORD.findall(search.lower()) if search else []
    results = [e for e in CATALOGUE if all(w in e.name.lower() for w in words)]
    if is_numerical is not None:
        wanted = is_numerical.lower() == "true"
        results = [e for e in results if e.is_numerical == wanted]
    return [definition(e) for e in results]
