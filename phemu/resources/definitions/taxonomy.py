"""The parts of PostHog's taxonomy the definitions endpoints use (``posthog/taxonomy/taxonomy.py``,
copied as data into ``phemu/data/taxonomy.json``), loaded once per process on first use."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

_PATH = Path(__file__).resolve().parent.parent.parent / "data" / "taxonomy.json"
GROUP_TYPES_LIMIT = 5


@dataclass(frozen=True)
class Taxonomy:
    #: ``PROPERTY_NAME_ALIASES``: event property -> label, deprecated labels left out
    aliases: dict[str, str]
    #: ``EXCLUDED_EVENT_CORE_PROPERTIES``: taxonomy event properties not starting with ``$``
    core_event_properties: frozenset[str]
    #: ``ALWAYS_EXCLUDED_EVENT_PROPERTIES`` (``posthog/api/property_definition.py``)
    always_excluded: frozenset[str]
    #: ``(name, property_type)`` of the virtual person / group properties, in taxonomy order
    virtual_person: tuple[tuple[str, str], ...]
    virtual_group: tuple[tuple[str, str], ...]


@cache
def taxonomy() -> Taxonomy:
    data = json.loads(_PATH.read_text(encoding="utf-8"))
    labels: dict[str, str] = data["event_property_labels"]
    always = {
        "distinct_id",
        "$set",
        "$set_once",
        "$initial_referrer",
        "$initial_referring_domain",
        "$groups",
        "$group_type",
        "$group_key",
        "$group_set",
        *(f"$group_{i}" for i in range(GROUP_TYPES_LIMIT)),
        *(key for key in labels if key.startswith("$session_entry_")),
    }
    return Taxonomy(
        aliases={k: v for k, v in labels.items() if "deprecated" not in v},
        core_event_properties=frozenset(k for k in labels if not k.startswith("$")),
        always_excluded=frozenset(always),
        virtual_person=tuple(
            (p["name"], p["property_type"]) for p in data["virtual_person_properties"]
        ),
        virtual_group=tuple(
            (p["name"], p["property_type"]) for p in data["virtual_group_properties"]
        ),
    )
