"""Non-CRUD actions whose meaning is plain enough to answer from stored state.

Everything else a schema action answers is the minimal instance of its response schema
(``shaped``). The ones here are ``stateful``: ``.../activity/`` of a record or a collection, and
the project's ``activity_log/`` list, read the activity journal (``emulator.activity_log``) the
generic backend writes on every create, update and delete, as PostHog's ``load_activity`` and
``activity_page_response`` do (``phemu/resources/activity_log/responses.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from typing import Any

from werkzeug.wrappers import Response

from phemu.resources.activity_log.responses import activity_response

if TYPE_CHECKING:
    from phemu.context import RequestContext
    from phemu.openapi.index import Operation
    from phemu.openapi.index import ResourceModel

#: Collections whose list is the project's activity journal.
ACTIVITY_LISTS = frozenset({"activity_log", "advanced_activity_logs"})


@dataclass(frozen=True)
class ActionCall:
    ctx: RequestContext
    model: ResourceModel
    op: Operation
    #: the record's lookup value on detail actions (``None`` on collection actions)
    key: str | None
    body: Any


#: A derived answer.
Derived = Callable[[ActionCall], Response]


def activity(call: ActionCall) -> Response:
    from phemu.resources.generic.models import scope_of

    item_ids = None if call.key is None else [call.key]
    return activity_response(call.ctx, scope_of(call.model), item_ids)


DERIVED: dict[tuple[str, str], Derived] = {
    ("*", "activity"): activity,
}


def derived(op: Operation) -> Derived | None:
    """The derived answer of a schema action, if its meaning is plain and its documented
    response leaves room for it (no schema: drf-spectacular could not describe it)."""
    if op.kind != "action" or op.action is None or op.response is not None:
        return None
    if op.scope != "project":
        return None  # PostHog's activity journal is per project
    return DERIVED.get((op.resource, op.action)) or DERIVED.get(("*", op.action))


def is_derived(op: Operation) -> bool:
    return derived(op) is not None or (op.kind == "list" and op.resource in ACTIVITY_LISTS)
