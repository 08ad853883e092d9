"""What the resources of ``docs/cohorts-experiments-surveys.md`` share: their seed loop and
their list-and-detail routes."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import MutableMapping
from typing import TYPE_CHECKING
from typing import Any
from typing import Protocol

from phemu.errors import PostHogError
from phemu.errors import SeedError
from phemu.errors import ValidationError
from phemu.routing import Handler
from phemu.routing import Route

if TYPE_CHECKING:
    from phemu.emulator import Emulator

#: Metadata a seed record may carry besides the API's fields.
META = ("project", "id", "created_by", "created_at", "updated_at")


class Row(Protocol):
    id: Any
    created_at: Any


def load_records(
    emulator: Emulator,
    key: str,
    records: list[dict[str, Any]],
    create: Callable[[int, dict[str, Any], int | None, Mapping[str, Any]], Row],
    table: MutableMapping[Any, Any],
    *,
    sequence: str | None,
    extra: tuple[str, ...] = (),
) -> None:
    """Create each record through ``create(project, body, user_id, record)`` (the API's
    validation), then apply its ``created_at`` / ``updated_at`` and explicit ``id``; a
    validation error becomes a :class:`SeedError` naming the record."""
    from phemu.clock import parse_instant
    from phemu.seed import user_ref
    from phemu.seed import where

    store = emulator.store
    for position, record in enumerate(records):
        label = where(key, position, record)
        project = record.get("project", 1)
        if project not in store.projects:
            raise SeedError(f"{label}: 'project' must be the id of an existing project")
        body = {k: v for k, v in record.items() if k not in META and k not in extra}
        try:
            row = create(project, body, user_ref(store, record.get("created_by"), label), record)
            for name in ("created_at", "updated_at"):
                if record.get(name) and hasattr(row, name):
                    setattr(row, name, parse_instant(record[name]))
        except ValidationError as error:
            raise SeedError(f"{label}: {error.attr}: {error.detail}") from None
        except (TypeError, ValueError, PostHogError) as error:
            raise SeedError(f"{label}: {error}") from None
        wanted = record.get("id")
        if wanted is not None and wanted != row.id and isinstance(wanted, type(row.id)):
            del table[row.id]
            row.id = wanted
            if sequence is not None:
                store.bump_id(sequence, wanted)
            table[row.id] = row


def collection_routes(
    segment: str,
    scope: str,
    *,
    list_: Handler,
    create: Handler,
    retrieve: Handler,
    update: Handler,
    destroy: Handler | None = None,
    prefixes: tuple[str, ...] = ("projects",),
) -> tuple[Route, Route]:
    """``{segment}/`` and ``{segment}/<pk>/`` of a ModelViewSet: ``DELETE`` is ``destroy`` or,
    without one, ``ForbidDestroyModel``'s bare 405."""
    details: dict[str, Handler] = {"GET": retrieve, "PUT": update, "PATCH": update}
    if destroy is not None:
        details["DELETE"] = destroy
    return (
        Route(
            f"/{segment}/",
            f"{segment}.list",
            {"GET": list_, "POST": create},
            scope,
            prefixes=prefixes,
        ),
        Route(
            f"/{segment}/<pk>/",
            f"{segment}.detail",
            details,
            scope,
            forbid_destroy=destroy is None,
            prefixes=prefixes,
        ),
    )
