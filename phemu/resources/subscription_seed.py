"""The ``subscriptions`` seed section: load and export subscriptions without HTTP.

Records use the API's field names plus ``project`` (optional when the store holds exactly one
project), and optionally ``id``, ``created_by`` (a user
email or id; default: the first member of the project's organization; ``null`` for none),
``created_at`` and ``next_delivery_date`` (when absent it is computed from the clock; when
present, even ``null``, it is kept, so an export loads back unchanged). Values go
through the same validation as ``POST``, except that targets may be soft-deleted (an existing
subscription may point at an insight deleted later). Seeds write no outbox entries.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

from phemu.errors import SeedError
from phemu.errors import ServerError
from phemu.errors import ValidationError
from phemu.resources.subscription_model import Subscription
from phemu.resources.subscription_model import SubscriptionsState
from phemu.resources.subscription_model import render
from phemu.resources.subscription_rules import FIELD_NAMES
from phemu.resources.subscription_rules import check_object
from phemu.resources.subscription_rules import content_type_of
from phemu.resources.subscription_rules import validate_fields
from phemu.resources.subscription_schedule import first_delivery
from phemu.seed import SeedSection
from phemu.seed import instant
from phemu.seed import user_ref
from phemu.seed import where

if TYPE_CHECKING:
    from phemu.emulator import Emulator
    from phemu.store import Store

KEY = "subscriptions"
SEQUENCE = "subscription"
_EXTRA_KEYS = frozenset({"id", "project", "created_by", "created_at", "next_delivery_date"})
#: Read-only keys of the API shape, accepted (and ignored) so a response can be pasted as is.
_IGNORED_KEYS = frozenset({"summary"})


def default_user(store: Store, project: int) -> int | None:
    """The first member (lowest id) of the project's organization: who "created" a seeded row.

    PostHog's schema types ``created_by`` as a user object, so seeded rows get one by default.
    """
    organization = store.projects[project].organization
    members = sorted(u.id for u in store.users.values() if organization in u.memberships)
    return members[0] if members else None


def build(
    emulator: Emulator, record: dict[str, Any], label: str, *, lenient: bool = True
) -> Subscription:
    """A validated, not yet stored subscription from a seed record (``id`` may be 0)."""
    store = emulator.store
    unknown = sorted(set(record) - FIELD_NAMES - _EXTRA_KEYS - _IGNORED_KEYS)
    if unknown:
        raise SeedError(f"{label}: unknown key(s) {', '.join(map(repr, unknown))}")
    project = record.get("project")
    if "project" not in record and len(store.projects) == 1:
        project = next(iter(store.projects))
    if isinstance(project, bool) or not isinstance(project, int) or project not in store.projects:
        raise SeedError(f"{label}: 'project' must be an existing project id, not {project!r}")
    pk = record.get("id", 0)
    if isinstance(pk, bool) or not isinstance(pk, int) or pk < 0:
        raise SeedError(f"{label}: 'id' must be a positive integer")
    data = {k: v for k, v in record.items() if k in FIELD_NAMES}
    try:
        values = validate_fields(store, data, creating=True, partial=False, lenient=lenient)
        check_object(store, project, values, None, profile=emulator.profile)
    except ValidationError as error:
        raise SeedError(f"{label}: {error.attr or 'non_field_errors'}: {error.detail}") from None
    values.pop("invite_message", None)
    sub = Subscription(
        id=pk,
        project=project,
        created_at=instant(emulator, record, "created_at", label),
        created_by=user_ref(store, record["created_by"], label)
        if "created_by" in record
        else default_user(store, project),
        content_type=content_type_of(values),
        **values,
    )
    try:
        if "next_delivery_date" in record:
            given = record["next_delivery_date"]
            sub.next_delivery_date = (
                None if given is None else instant(emulator, record, "next_delivery_date", label)
            )
        else:
            sub.next_delivery_date = first_delivery(sub.rule(), emulator.clock.now())
    except ServerError:
        raise SeedError(
            f"{label}: the schedule is invalid (bysetpos must be between -366 and 366, not 0, "
            "when byweekday is set)"
        ) from None
    return sub


def store_new(emulator: Emulator, sub: Subscription) -> Subscription:
    """Give ``sub`` an id (unless it has one) and store it."""
    store = emulator.store
    if sub.id:
        store.bump_id(SEQUENCE, sub.id)
    else:
        sub.id = store.next_id(SEQUENCE)
    store.state(SubscriptionsState).add(sub)
    return sub


def load(emulator: Emulator, records: list[dict[str, Any]]) -> None:
    for position, record in enumerate(records):
        label = where(KEY, position, record)
        store_new(emulator, build(emulator, record, label))


def export(emulator: Emulator) -> list[dict[str, Any]]:
    store = emulator.store
    state = store.state(SubscriptionsState)
    records = []
    for pk in sorted(state.rows):
        sub = state.rows[pk]
        user = store.users.get(sub.created_by) if sub.created_by is not None else None
        # The API shape, minus what is computed or never stored, plus what a seed needs.
        record = {k: v for k, v in render(store, sub).items() if k not in _NOT_EXPORTED}
        record["project"] = sub.project
        record["created_by"] = user.email if user is not None else sub.created_by
        records.append(record)
    return records


_NOT_EXPORTED = frozenset({"summary", "invite_message"})

SECTION = SeedSection(KEY, load, export)
