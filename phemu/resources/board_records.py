"""Reading dashboard and insight seed records: typed fields with errors naming the record.

Seeds are written by test authors, not sent by PostHog clients, so errors here are phemu's own
``SeedError`` messages (``insights[2] (id 7): 'name' must be a string or null``), not DRF's.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from typing import TYPE_CHECKING
from typing import Any
from typing import TypeVar

from phemu.errors import SeedError
from phemu.seed import instant
from phemu.seed import user_ref as seed_user_ref

T = TypeVar("T")

if TYPE_CHECKING:
    from datetime import datetime

    from phemu.emulator import Emulator
    from phemu.store import Store


def record_id(store: Store, record: Mapping[str, Any], sequence: str, label: str) -> int:
    """The record's explicit positive ``id`` (reserved in ``sequence``), else the next id."""
    value = record.get("id")
    if value is None:
        return store.next_id(sequence)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise SeedError(f"{label}: 'id' must be a positive integer")
    store.bump_id(sequence, value)
    return value


def project_of(store: Store, record: Mapping[str, Any], label: str) -> int:
    """The record's ``project``; may be left out when the store holds exactly one project."""
    value = record.get("project")
    if value is None:
        if len(store.projects) == 1:
            return next(iter(store.projects))
        raise SeedError(f"{label}: 'project' is required when there is not exactly one project")
    if not isinstance(value, int) or isinstance(value, bool) or value not in store.projects:
        raise SeedError(f"{label}: project {value!r} does not exist")
    return value


def user_ref(
    store: Store, record: Mapping[str, Any], name: str, label: str, default: int | None
) -> int | None:
    """A user given by email or id (``null`` for none); absent means ``default``."""
    if name not in record:
        return default
    return seed_user_ref(store, record[name], label, name)


def text(
    record: Mapping[str, Any],
    name: str,
    label: str,
    default: str | None,
    *,
    nullable: bool,
    max_length: int | None = None,
) -> str | None:
    value = record.get(name, default)
    if value is None and nullable:
        return None
    if not isinstance(value, str):
        raise SeedError(f"{label}: {name!r} must be a string" + (" or null" if nullable else ""))
    if max_length is not None and len(value) > max_length:
        raise SeedError(f"{label}: {name!r} is longer than {max_length} characters")
    return value


def nullable_int(record: Mapping[str, Any], name: str, label: str) -> int | None:
    value = record.get(name)
    if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
        raise SeedError(f"{label}: {name!r} must be an integer or null")
    return value


def flag(record: Mapping[str, Any], name: str, label: str) -> bool:
    value = record.get(name, False)
    if not isinstance(value, bool):
        raise SeedError(f"{label}: {name!r} must be true or false")
    return value


def tags(record: Mapping[str, Any], label: str) -> list[str]:
    value = record.get("tags", [])
    if not isinstance(value, list) or not all(isinstance(t, str) and t for t in value):
        raise SeedError(f"{label}: 'tags' must be a list of non-empty strings")
    return list(dict.fromkeys(value))


def id_list(record: Mapping[str, Any], name: str, label: str) -> list[Any]:
    value = record.get(name, [])
    if not isinstance(value, list):
        raise SeedError(f"{label}: {name!r} must be a list")
    return value


def when(emulator: Emulator, record: Mapping[str, Any], name: str, label: str) -> datetime:
    """A timestamp of the record (ISO 8601), defaulting to the emulator clock."""
    result: datetime = instant(emulator, record, name, label)
    return result


def create_via_seed(
    emulator: Emulator,
    section: str,
    sequence: str,
    fields: Mapping[str, Any],
    fetch: Callable[[int], T],
) -> T:
    """Create one object from seed-record fields through the seed loader (all or nothing).

    The Python helpers (``Emulator.create_dashboard`` ...) go through the same validation and
    rollback as seed documents, so there is one way objects enter the store outside HTTP.
    """
    store = emulator.store
    with store.lock:
        record = dict(fields)
        record.setdefault("id", store.counters.get(sequence, 0) + 1)
        emulator.load_seed({section: [record]})
        return fetch(record["id"])
