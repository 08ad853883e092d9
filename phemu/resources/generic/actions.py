"""Non-CRUD actions whose meaning is plain enough to answer from stored state.

Everything else a schema action answers is the minimal instance of its response schema
(``shaped``). The ones here are ``stateful``:

- ``.../activity/`` of a record or a collection, and the project's ``activity_log/``: the
  activity journal the generic backend writes on every create, update and delete, in
  PostHog's ``activity_page_response`` shape (``results``/``next``/``previous``/``total_count``,
  paged by ``page`` and ``limit``, default 10; ``posthog/api/feature_flag.py``).
- ``feature_flags/bulk_keys/``: ``{"keys": {"<id>": "<key>"}}`` for the project's live flags
  among ``ids`` (``posthog/api/feature_flag.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from typing import Any

from phemu.errors import Msg
from phemu.pagination import link_with

if TYPE_CHECKING:
    from werkzeug.wrappers import Request

    from phemu.openapi.index import Operation
    from phemu.openapi.index import ResourceModel
    from phemu.resources.generic.models import GenericBackend
    from phemu.resources.generic.models import Record
    from phemu.resources.generic.models import Where

ACTIVITY_PAGE_SIZE = 10
#: Collections whose list is the project's activity journal.
ACTIVITY_LISTS = frozenset({"activity_log", "advanced_activity_logs"})


@dataclass(frozen=True)
class ActionCall:
    backend: GenericBackend
    model: ResourceModel
    op: Operation
    where: Where
    #: the record's lookup value on detail actions (``None`` on collection actions)
    key: str | None
    record: Record | None
    body: Any
    request: Request


#: An answer: ``(status, body)``.
Derived = Callable[[ActionCall], tuple[int, Any]]


def activity(call: ActionCall) -> tuple[int, Any]:
    entries: list[dict[str, Any]] = [
        a.entry
        for a in reversed(call.backend.journal())
        if a.resource == call.model.name
        and a.where == call.where
        and (call.key is None or a.key == call.key)
    ]
    return 200, activity_page(call.request, entries)


def activity_page(request: Request, entries: list[dict[str, Any]]) -> dict[str, Any]:
    """PostHog's ``activity_page_response`` over ``entries`` (newest first)."""
    limit = _positive(request.args.get("limit"), ACTIVITY_PAGE_SIZE)
    page = _positive(request.args.get("page"), 1)
    start = (page - 1) * limit
    has_next = start + limit < len(entries)
    return {
        "results": entries[start : start + limit],
        "next": link_with(request, {"page": page + 1, "limit": limit}) if has_next else None,
        "previous": link_with(request, {"page": page - 1, "limit": limit}) if page > 1 else None,
        "total_count": len(entries),
    }


def _positive(raw: str | None, default: int) -> int:
    return int(raw) if raw is not None and raw.isdigit() and int(raw) > 0 else default


def bulk_keys(call: ActionCall) -> tuple[int, Any]:
    raw = call.body.get("ids", []) if isinstance(call.body, dict) else []
    ids = raw if isinstance(raw, list) else []
    if not ids:
        return 200, {"keys": {}}
    valid = [int(v) for v in ids if str(v).isdigit()]
    invalid = [v for v in ids if not str(v).isdigit()]
    if not valid:
        return 400, {"error": Msg.INVALID_FLAG_IDS}
    answer: dict[str, Any] = {"keys": {}}
    if invalid:
        answer["warning"] = Msg.INVALID_FLAG_IDS_IGNORED.format(ids=repr(invalid))
    for record in call.backend.records(call.model, call.where):
        if record.data.get("id") in valid:
            answer["keys"][str(record.data["id"])] = record.data.get("key")
    return 200, answer


DERIVED: dict[tuple[str, str], Derived] = {
    ("*", "activity"): activity,
    ("feature_flags", "bulk_keys"): bulk_keys,
}


def derived(op: Operation) -> Derived | None:
    """The derived answer of a schema action, if its meaning is plain and its documented
    response leaves room for it (no schema: drf-spectacular could not describe it)."""
    if op.kind != "action" or op.action is None or op.response is not None:
        return None
    return DERIVED.get((op.resource, op.action)) or DERIVED.get(("*", op.action))


def is_derived(op: Operation) -> bool:
    return derived(op) is not None or (op.kind == "list" and op.resource in ACTIVITY_LISTS)
