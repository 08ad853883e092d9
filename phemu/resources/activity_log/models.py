"""The activity log: one journal of writes per store, read by the ``activity`` endpoints.

PostHog writes an ``ActivityLog`` row for every save of a logged model
(``posthog/models/activity_logging/model_activity.py``, ``activity_log.py``) and pages them
newest first with Django's ``Paginator`` (``load_activity``, ``activity_page.py``). Resources
call :meth:`ActivityLogBackend.log` from their backends' write paths (never from seed loads, so a
state file that carries both a resource and its journal does not log twice).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from typing import TYPE_CHECKING
from typing import Any

from phemu.errors import ServerError
from phemu.resources._base import Backend
from phemu.serialization import format_datetime

if TYPE_CHECKING:
    from phemu.emulator import Emulator
    from phemu.store import Store


@dataclass(slots=True, kw_only=True)
class ActivityEntry:
    id: str
    project: int
    user: int | None
    activity: str
    scope: str
    item_id: str
    detail: dict[str, Any]
    created_at: datetime
    seq: int = 0


@dataclass
class ActivityTables:
    entries: list[ActivityEntry] = field(default_factory=list)


def change(
    scope: str, action: str, name: str | None, before: Any = None, after: Any = None
) -> dict[str, Any]:
    """One ``Change`` as the journal stores it (``type, action, field, before, after``)."""
    return {"type": scope, "action": action, "field": name, "before": before, "after": after}


#: Django's ``Field.empty_values`` (``validators.EMPTY_VALUES``).
_EMPTY: tuple[Any, ...] = (None, "", [], (), {})


def _empty(value: Any) -> bool:
    return any(value is e or (type(value) is type(e) and value == e) for e in _EMPTY)


def changes_between(
    scope: str,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any],
    *,
    empty_values: bool = False,
) -> list[dict[str, Any]]:
    """``changes_between``: a change per compared field, in the fields' order.

    ``before`` and ``after`` map the compared fields (the resource chooses which, as PostHog's
    ``field_exclusions`` do) to JSON values; no ``before`` means the object was created, which
    PostHog logs without changes. With ``empty_values`` an empty string, list or object counts
    as missing, as the later ``changes_between`` reads a model field's ``empty_values``
    (``posthog/models/activity_logging/activity_log.py``): empty to empty is no change.
    """
    if before is None:
        return []
    missing = _empty if empty_values else (lambda value: value is None)
    changes = []
    for name, right in after.items():
        left = before.get(name)
        if missing(left) and missing(right):
            continue
        if missing(left):
            changes.append(change(scope, "created", name, after=right))
        elif missing(right):
            changes.append(change(scope, "deleted", name, before=left))
        elif left != right:
            changes.append(change(scope, "changed", name, before=left, after=right))
    return changes


class ActivityLogBackend(Backend):
    """Append and page activity entries (``emulator.activity_log``)."""

    def __init__(self, emulator: Emulator) -> None:
        super().__init__(emulator)
        self._emulator = emulator

    @property
    def _tables(self) -> ActivityTables:
        return self._emulator.store.state(ActivityTables)

    def log(
        self,
        *,
        project: int,
        scope: str,
        item_id: Any,
        activity: str,
        user: int | None,
        changes: list[dict[str, Any]] | None = None,
        name: str | None = None,
        short_id: str | None = None,
    ) -> None:
        """``log_activity``: an ``updated`` entry without changes is not written."""
        if activity == "updated" and not changes:
            return
        store = self._emulator.store
        with store.lock:
            entry = ActivityEntry(
                id=store.new_uuid(),
                project=project,
                user=user,
                activity=activity,
                scope=scope,
                item_id=str(item_id),
                detail={
                    "changes": changes,
                    "merge": None,
                    "trigger": None,
                    "name": name,
                    "short_id": short_id,
                    "type": None,
                },
                created_at=self._emulator.clock.now(),
                seq=store.next_id("activity_log"),
            )
            self._tables.entries.append(entry)
            store.appended(SECTION, export_entry, store, entry)

    def entries(
        self, scope: str | None, project: int, item_ids: Iterable[str] | None = None
    ) -> list[ActivityEntry]:
        """The scope's entries of a project (every scope's for ``None``), newest first."""
        wanted = None if item_ids is None else set(item_ids)
        found = [
            e
            for e in self._tables.entries
            if (scope is None or e.scope == scope)
            and e.project == project
            and (wanted is None or e.item_id in wanted)
        ]
        return sorted(found, key=lambda e: (e.created_at, e.seq), reverse=True)

    def all(self, scope: str, project: int = 1) -> list[dict[str, Any]]:
        return [self.render(e) for e in self.entries(scope, project)]

    def render(self, entry: ActivityEntry) -> dict[str, Any]:
        """``ActivityLogSerializer`` (``posthog/models/activity_logging/serializers.py``)."""
        user = self._emulator.store.users.get(entry.user) if entry.user is not None else None
        return {
            "id": entry.id,
            "user": (
                {"first_name": user.first_name, "email": user.email}
                if user is not None
                else {"first_name": "System", "email": None, "is_system": True}
            ),
            "activity": entry.activity,
            "scope": entry.scope,
            "item_id": entry.item_id,
            "detail": entry.detail,
            "created_at": format_datetime(entry.created_at),
        }

    # -- seeds and state files --------------------------------------------------------------
    def load(self, records: list[dict[str, Any]]) -> None:
        from phemu.clock import parse_instant
        from phemu.errors import SeedError
        from phemu.seed import iter_records
        from phemu.seed import user_ref

        store = self._emulator.store
        for r in iter_records(self._emulator, SECTION, records):
            record, label = r.record, r.label
            try:
                entry = ActivityEntry(
                    id=str(record.get("id") or store.new_uuid()),
                    project=int(record.get("project", 1)),
                    user=user_ref(store, record.get("user"), label, "user"),
                    activity=str(record["activity"]),
                    scope=str(record["scope"]),
                    item_id=str(record["item_id"]),
                    detail=dict(record.get("detail") or {}),
                    created_at=parse_instant(record["created_at"])
                    if record.get("created_at")
                    else self._emulator.clock.now(),
                    seq=store.next_id("activity_log"),
                )
            except (KeyError, TypeError, ValueError) as error:
                raise SeedError(f"{label}: {error!s}") from None
            self._tables.entries.append(entry)
            store.appended(SECTION, export_entry, store, entry)

    def export(self) -> list[dict[str, Any]]:
        store = self._emulator.store
        return [export_entry(store, e) for e in sorted(self._tables.entries, key=lambda e: e.seq)]


#: The seed section (``seed.py``): entries are only ever appended (``Store.appended``).
SECTION = "activity_log"


def export_entry(store: Store, entry: ActivityEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "project": entry.project,
        "user": store.users[entry.user].email if entry.user in store.users else None,
        "activity": entry.activity,
        "scope": entry.scope,
        "item_id": entry.item_id,
        "detail": entry.detail,
        "created_at": format_datetime(entry.created_at),
    }


@dataclass(frozen=True)
class ActivityPage:
    results: list[ActivityEntry]
    total_count: int
    has_next: bool
    has_previous: bool


def page_of(entries: list[ActivityEntry], limit: int, page: int) -> ActivityPage:
    """Django's ``Paginator(entries, limit).page(page)``: an empty first page is allowed, any
    other page outside the range raises, which PostHog answers with its generic 500."""
    if limit < 1:
        raise ServerError()
    pages = max(1, math.ceil(len(entries) / limit))
    if page < 1 or page > pages:
        raise ServerError()
    start = (page - 1) * limit
    return ActivityPage(
        results=entries[start : start + limit],
        total_count=len(entries),
        has_next=page < pages,
        has_previous=page > 1,
    )
