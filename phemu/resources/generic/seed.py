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
from phemu.errors import SeedError
from phemu.seed import SeedSection
from phemu.seed import where as label_of

if TYPE_CHECKING:
    from phemu.emulator import Emulator

PLACE_KEYS = ("resource", "project", "organization", "parents", "user")


def load(emulator: Emulator, records: list[dict[str, Any]]) -> None:
    from phemu.resources.generic.models import GenericState
    from phemu.resources.generic.models import Record

    backend = emulator.generic
    for position, raw in enumerate(records):
        label = label_of("generic", position, raw)
        name = raw.get("resource")
        try:
            model = backend.model(str(name))
            place = backend.where(
                model,
                project=raw.get("project", 1 if model.scope == "project" else None),
                organization=raw.get("organization"),
                parents=raw.get("parents") or (),
            )
        except (KeyError, ValueError) as error:
            raise SeedError(f"{label}: {error.args[0]}") from None
        if "record" in raw:
            data, key = raw["record"], raw.get("key")
            if not isinstance(data, dict) or not isinstance(key, str):
                raise SeedError(f"{label}: a stored record needs an object 'record' and a 'key'")
            state = emulator.store.state(GenericState)
            state.seq += 1
            backend.table(model, place)[key] = Record(key, copy.deepcopy(data), state.seq)
            continue
        fields = {k: v for k, v in raw.items() if k not in PLACE_KEYS}
        try:
            backend.create(
                model.name,
                fields,
                project=int(place.owner) if place.kind == "project" else None,
                organization=place.owner if place.kind == "organization" else None,
                parents=place.parents,
                user=raw.get("user"),
            )
        except PostHogError as error:
            raise SeedError(f"{label}: {error.attr or 'record'}: {error.detail}") from None


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


SECTION = SeedSection("generic", load, export)
