"""The packaged default seed, prepared once per process (see :func:`load_default_fast`).

Loading the default seed (validating every record, parsing its instants, hashing its key) was
most of what an ``Emulator()`` or a ``reset()`` cost beyond the plugin manager, and the result
never changes: every record carries its ids, uuids, token and timestamps, so neither the clock
nor the random generator is read. It is loaded once into a scratch store, and the resulting
platform records become a template that is copied into every empty store instead. Everything
else (other sections, finishers, counters) still runs as for any document, and a document the
template cannot stand for exactly (a store that already has platform data, a resource owning a
platform key, a default seed whose records lack ids or timestamps) loads the ordinary way.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import fields
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING
from typing import Any

from phemu.errors import SeedError
from phemu.seed import FORMAT_VERSION
from phemu.seed import META_KEYS
from phemu.seed import PLATFORM_SECTIONS
from phemu.seed import SeedDocument
from phemu.seed import SeedSection
from phemu.seed import default_document
from phemu.seed import load_sections
from phemu.store import Store

if TYPE_CHECKING:
    from phemu.emulator import Emulator


class _ClockRead(Exception):
    """A platform loader asked for the time: the result would depend on it, no template."""


class _Clockless:
    """What the platform loaders see of the emulator while the template is built."""

    def __init__(self, store: Store) -> None:
        self.store = store

    @property
    def clock(self) -> Any:
        raise _ClockRead


_IMMUTABLE = (str, int, float, bool, type(None), datetime)
_TABLES = ("organizations", "projects", "users", "keys")
#: One record: table key, record class, immutable field values, container fields (copied).
_Row = tuple[Any, type[Any], dict[str, Any], tuple[tuple[str, Any], ...]]
#: ``(table attribute, rows)`` for each platform table.
_Rows = tuple[tuple[str, tuple[_Row, ...]], ...]


@dataclass(frozen=True)
class _Template:
    """The platform records and counters a document's platform sections give an empty store."""

    sections: tuple[SeedSection, ...]
    tables: _Rows
    counters: tuple[tuple[str, int], ...]

    def apply(self, store: Store) -> None:
        for attribute, rows in self.tables:
            table = getattr(store, attribute)
            for key, cls, scalars, containers in rows:
                values = dict(scalars)
                for name, value in containers:
                    values[name] = _fresh(value)
                table[key] = cls(**values)
        for sequence, value in self.counters:
            store.bump_id(sequence, value)


def _fresh(value: Any) -> Any:
    """A copy of a template value: containers are new, their (immutable) contents shared."""
    if type(value) is list:
        return [_fresh(v) for v in value]
    if type(value) is dict:
        return {k: _fresh(v) for k, v in value.items()}
    return value


def _plain(value: Any) -> bool:
    """Made of lists and dicts of immutable values only (safe for :func:`_fresh`)."""
    if type(value) is list:
        return all(_plain(v) for v in value)
    if type(value) is dict:
        return all(_plain(k) and _plain(v) for k, v in value.items())
    return isinstance(value, _IMMUTABLE)


@lru_cache(maxsize=1)
def _default_template() -> _Template | None:
    """The template of the packaged default seed, or ``None`` if it cannot have one (a record
    without timestamps or ids, a key other than the platform ones, ...: then it loads as any
    other document)."""
    doc = default_document()
    platform = {s.key for s in PLATFORM_SECTIONS}
    if doc.get("version", FORMAT_VERSION) != FORMAT_VERSION or any(
        k not in platform and k not in META_KEYS for k in doc
    ):
        return None
    store = Store()
    scratch: Any = _Clockless(store)
    try:
        for section in PLATFORM_SECTIONS:
            records = doc.get(section.key)
            if records is None:
                continue
            if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
                return None
            section.load(scratch, records)
    except (SeedError, _ClockRead):
        return None
    if store._rng is not None or store._states:
        return None  # it drew random values (a record without its ids) or made resource state
    tables = []
    for attribute in _TABLES:
        rows = []
        for key, record in getattr(store, attribute).items():
            values = {f.name: getattr(record, f.name) for f in fields(record)}
            if not _plain(key) or not all(_plain(v) for v in values.values()):
                return None
            scalars = {k: v for k, v in values.items() if type(v) not in (list, dict)}
            containers = tuple((k, v) for k, v in values.items() if k not in scalars)
            rows.append((key, type(record), scalars, containers))
        tables.append((attribute, tuple(rows)))
    return _Template(PLATFORM_SECTIONS, tuple(tables), tuple(store.counters.items()))


def load_default_fast(emulator: Emulator, doc: SeedDocument) -> bool:
    """Load the packaged default seed into a store without platform data from the template;
    ``False`` (nothing done) when it does not apply and the document must load normally."""
    template = _default_template()
    store = emulator.store
    if template is None or store.organizations or store.projects or store.users or store.keys:
        return False
    if any(store.counters.get(sequence) for sequence, _ in template.counters):
        return False
    sections = emulator.seed_sections()
    if any(sections.get(s.key) is not s for s in template.sections):
        return False  # a resource took over a platform key: load it the normal way
    template.apply(store)
    load_sections(emulator, doc, sections, frozenset(s.key for s in template.sections))
    return True
