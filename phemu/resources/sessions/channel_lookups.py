"""Extending the ``$channel_type`` lookup subset per emulator (``docs/sessions.md``).

Two layers go on top of :data:`~phemu.resources.sessions.channel_type.SHIPPED`, later ones
winning per value: the ``channel_lookups=`` option of the :class:`~phemu.emulator.Emulator`
(configuration, kept across ``reset()``; taken in ``options.py``) and the ``channel_lookups``
seed key (state: in the store, rolled back with a failed seed, exported by ``export_state()``).
Both take the same shape, which mirrors PostHog's lookup table::

    {"sources": {"mysearch.example": ["Paid Search", "Organic Search"]},
     "mediums": {"newsletter-x": [null, "Email"]}}

Types must be built-in channel names, so derived values never leave the list that
``values?key=$channel_type`` answers. Nothing here is global: each emulator holds its own layers.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from typing import TYPE_CHECKING
from typing import Any

from phemu.errors import ConfigurationError
from phemu.errors import SeedError
from phemu.resources.sessions.channel_type import BUILTIN_CHANNEL_TYPES
from phemu.resources.sessions.channel_type import EMPTY
from phemu.resources.sessions.channel_type import ChannelLookups
from phemu.resources.sessions.channel_type import Types

if TYPE_CHECKING:
    from phemu.emulator import Emulator
    from phemu.store import Store

KINDS = ("sources", "mediums")
_BUILTIN = frozenset(BUILTIN_CHANNEL_TYPES)
_CHOICES = ", ".join(map(repr, BUILTIN_CHANNEL_TYPES))


def parse_lookups(raw: Any, label: str, error: Callable[[str], Exception]) -> ChannelLookups:
    """Validate one ``{"sources": {...}, "mediums": {...}}``; ``error`` builds the exception.

    Keys must be non-empty and lower-case because the rules look up lower-cased UTM values (an
    upper-case key could only ever match a referring domain spelled the same way, which is
    almost certainly not what was meant).
    """
    if isinstance(raw, ChannelLookups):
        raw = {"sources": raw.sources, "mediums": raw.mediums}
    if not isinstance(raw, Mapping):
        raise error(
            f"{label}: must be an object with 'sources' and/or 'mediums', not {type(raw).__name__}"
        )
    unknown = [k for k in raw if k not in KINDS]
    if unknown:
        raise error(
            f"{label}: unknown key(s) {', '.join(map(repr, unknown))}; use 'sources' and/or "
            "'mediums' (lookups apply to every project of the emulator)"
        )
    tables: dict[str, dict[str, Types]] = {}
    for kind in KINDS:
        entries = raw.get(kind, {})
        where = f"{label}.{kind}"
        if not isinstance(entries, Mapping):
            raise error(f"{where}: must be an object mapping a value to [paid type, organic type]")
        table = tables[kind] = {}
        for value, types in entries.items():
            if not isinstance(value, str) or not value or value != value.lower():
                raise error(
                    f"{where}: key {value!r} must be a non-empty lower-case string (the rules "
                    "look up lower-cased utm_source / utm_medium values)"
                )
            table[value] = _pair(types, f"{where}[{value!r}]", error)
    return ChannelLookups(sources=tables["sources"], mediums=tables["mediums"])


def _pair(types: Any, where: str, error: Callable[[str], Exception]) -> Types:
    if not isinstance(types, (list, tuple)) or len(types) != 2:
        raise error(
            f"{where}: must be [paid type, organic type] (either may be null), not {types!r}"
        )
    for name in types:
        if name is not None and (not isinstance(name, str) or name not in _BUILTIN):
            raise error(
                f"{where}: {name!r} is not a built-in channel type; use null or one of {_CHOICES}"
            )
    return types[0], types[1]


def configured_lookups(raw: Any) -> ChannelLookups:
    """The ``Emulator(channel_lookups=...)`` option, checked at start-up."""
    if raw is None:
        return EMPTY
    return parse_lookups(raw, "channel_lookups", ConfigurationError)


def render(lookups: ChannelLookups) -> dict[str, dict[str, list[str | None]]]:
    """The JSON shape :func:`parse_lookups` reads (pairs as lists)."""
    return {
        "sources": {value: list(types) for value, types in lookups.sources.items()},
        "mediums": {value: list(types) for value, types in lookups.mediums.items()},
    }


# -- the seeded layer --------------------------------------------------------------------------


@dataclass
class ChannelLookupsState:
    """Entries loaded from ``channel_lookups`` seed records, in load order (later ones win)."""

    sources: dict[str, Types] = field(default_factory=dict)
    mediums: dict[str, Types] = field(default_factory=dict)


def parse_seeded(records: list[dict[str, Any]]) -> list[ChannelLookups]:
    """Every ``channel_lookups`` seed record, checked (a :class:`SeedError` names the bad one)."""
    return [
        parse_lookups(record, f"channel_lookups[{position}]", SeedError)
        for position, record in enumerate(records)
    ]


def add_seeded(store: Store, parsed: Iterable[ChannelLookups]) -> bool:
    """Add checked entries to the store's seeded layer; ``True`` when any entry was given."""
    state = store.state(ChannelLookupsState)
    given = False
    for lookups in parsed:
        state.sources.update(lookups.sources)
        state.mediums.update(lookups.mediums)
        given = given or bool(lookups)
    return given


def seeded(store: Store) -> ChannelLookups:
    state = store.state(ChannelLookupsState)
    return ChannelLookups(sources=state.sources, mediums=state.mediums)


def export_seeded(emulator: Emulator) -> list[dict[str, Any]]:
    """One record with every seeded entry (none when nothing was seeded)."""
    layer = seeded(emulator.store)
    return [render(layer)] if layer else []
