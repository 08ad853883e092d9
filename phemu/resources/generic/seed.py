"""The ``generic`` seed section: records of the schema-driven resources, by resource name.

A record names its ``resource`` (``feature_flags``, ``batch_exports/runs``...), its place
(``project``, or ``organization`` for organization collections; root collections need
neither; ``parents`` for nested ones) and either API fields, validated like the create
operation (``{"resource": "feature_flags", "project": 1, "key": "beta"}``), or, in state
exports, the stored ``record`` with its lookup ``key`` (restored as is; only next to
``record`` is ``key`` the lookup value rather than a field).
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING
from typing import Any

from phemu.errors import PostHogError
from phemu.seed import SeedSection
from phemu.seed import iter_records

if TYPE_CHECKING:
    from phemu.emulator import Emulator

PLACE_KEYS = ("resource", "project", "organization", "parents", "user")


def load(emulator: Emulator, records: list[dict[str, Any]]) -> None:
    from phemu.resources.generic.models import GenericBackend

    backend = GenericBackend.of(emulator)
    for r in iter_records(emulator, "generic", records, key="resource", name="resource"):
        try:
            model = backend.model(str(r.raw("resource")))
            project = r.project() if model.scope == "project" else None
            place = backend.where(
                model,
                project=project,
                organization=r.raw("organization"),
                parents=r.raw("parents") or (),
            )
        except (KeyError, ValueError) as error:
            raise r.error(error.args[0]) from None
        if r.has("record"):
            data, key = r.raw("record"), r.raw("key")
            if not isinstance(data, dict) or not isinstance(key, str):
                raise r.error("a stored record needs an object 'record' and a 'key'")
            backend.restore(model, place, key, copy.deepcopy(data))
            continue
        fields = {k: v for k, v in r.record.items() if k not in PLACE_KEYS}
        try:
            backend.create(
                model.name,
                fields,
                project=project,
                organization=place.owner if place.kind == "organization" else None,
                parents=place.parents,
                user=r.raw("user"),
            )
        except PostHogError as error:
            raise r.error(f"{error.attr or 'record'}: {error.detail}") from None


def export(emulator: Emulator) -> list[dict[str, Any]]:
    from phemu.resources.generic.models import GenericState

    state = emulator.store.state(GenericState)
    rows = []
    for name, places in state.tables.items():
        for place, table in places.items():
            for record in table.values():
                row: dict[str, Any] = {"resource": name}
                if place.kind == "project":
                    row["project"] = int(place.owner)
                elif place.kind == "organization":
                    row["organization"] = place.owner
                if place.parents:
                    row["parents"] = list(place.parents)
                row["key"] = record.key
                row["record"] = copy.deepcopy(record.data)
                rows.append((record.seq, row))
    return [row for _, row in sorted(rows, key=lambda pair: pair[0])]


def identify(row: Any) -> Any:
    """An exported record's place and key: the mutation log compares the section record by
    record (it reports nothing; see ``phemu/mutation_log.py``)."""
    place = row.get("project", row.get("organization"))
    return (row.get("resource"), place, tuple(row.get("parents") or ()), row.get("key"))


SECTION = SeedSection("generic", load, export, identify=identify)
