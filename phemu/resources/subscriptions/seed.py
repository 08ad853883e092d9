"""The ``subscriptions`` seed section: load and export subscriptions without HTTP.

Records use the API's field names plus ``project`` (optional when the store holds exactly one
project), and optionally ``id``, ``created_by`` (a user email or id; default: the first member
of the project's organization; ``null`` for none), ``created_at`` and ``next_delivery_date``
(when absent it is computed from the clock; when present, even ``null``, it is kept, so an
export loads back unchanged). Values go through the same validation as ``POST``, except that
targets may be soft-deleted (an existing subscription may point at an insight deleted later).
Seeds write no outbox entries.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

from phemu.errors import ServerError
from phemu.errors import ValidationError
from phemu.resources.subscriptions.delivery import SECTION as KEY
from phemu.resources.subscriptions.models import Subscription
from phemu.resources.subscriptions.models import SubscriptionsBackend
from phemu.resources.subscriptions.models import first_member
from phemu.seed import RecordReader
from phemu.seed import SeedSection
from phemu.seed import exported
from phemu.seed import iter_records

if TYPE_CHECKING:
    from phemu.emulator import Emulator


_EXTRA_KEYS = frozenset(
    {"id", "project", "created_by", "created_at", "next_delivery_date", "content_type"}
)
#: Read-only keys of the API shape, accepted (and ignored) so a response can be pasted as is.
_IGNORED_KEYS = frozenset({"summary"})
_NOT_EXPORTED = frozenset({"summary", "invite_message"})


def build(r: RecordReader) -> Subscription:
    """A validated, not yet stored subscription from a seed record (``id`` 0: not given)."""
    # Imported on the first seeded subscription, as the backend does (see its module).
    from phemu.resources.subscriptions.rules import FIELD_NAMES
    from phemu.resources.subscriptions.rules import check_object
    from phemu.resources.subscriptions.rules import content_type_of
    from phemu.resources.subscriptions.rules import validate_fields
    from phemu.resources.subscriptions.schedule import first_delivery

    store = r.emulator.store
    r.reject_unknown(FIELD_NAMES | _EXTRA_KEYS | _IGNORED_KEYS)
    project = r.project()
    pk = r.raw("id", 0)
    if isinstance(pk, bool) or not isinstance(pk, int) or pk < 0:
        raise r.error("'id' must be a positive integer")
    data = {k: v for k, v in r.record.items() if k in FIELD_NAMES}
    try:
        values = validate_fields(store, data, creating=True, partial=False, lenient=True)
        check_object(
            store, project, values, None, profile=r.emulator.profile, stored=r.has("content_type")
        )
    except ValidationError as error:
        raise r.error(f"{error.attr or 'non_field_errors'}: {error.detail}") from None
    values.pop("invite_message", None)
    content_type = r.raw("content_type") or content_type_of(values)
    if content_type not in ("insight", "dashboard"):
        raise r.error("'content_type' must be 'insight' or 'dashboard'")
    sub = Subscription(
        id=pk,
        project=project,
        created_at=r.instant("created_at"),
        created_by=r.user("created_by", first_member(store, project)),
        content_type=content_type,
        **values,
    )
    try:
        if r.has("next_delivery_date"):
            sub.next_delivery_date = r.instant("next_delivery_date", default_now=False)
        else:
            sub.next_delivery_date = first_delivery(sub.rule(), r.emulator.clock.now())
    except ServerError:
        raise r.error(
            "the schedule is invalid (bysetpos must be between -366 and 366, not 0, "
            "when byweekday is set)"
        ) from None
    return sub


def load(emulator: Emulator, records: list[dict[str, Any]]) -> None:
    subs = SubscriptionsBackend.of(emulator)
    for r in iter_records(emulator, KEY, records):
        subs.insert(build(r))


def export_record(emulator: Emulator, sub: Subscription) -> dict[str, Any]:
    """The API shape, minus what is computed or never stored, plus what a seed needs."""
    user = emulator.store.users.get(sub.created_by) if sub.created_by is not None else None
    record = {
        k: v
        for k, v in SubscriptionsBackend.of(emulator).render(sub).items()
        if k not in _NOT_EXPORTED
    }
    record["project"] = sub.project
    record["created_by"] = user.email if user is not None else sub.created_by
    record["content_type"] = sub.content_type
    return record


def export(emulator: Emulator) -> list[dict[str, Any]]:
    rows = SubscriptionsBackend.of(emulator).table.rows
    return [export_record(emulator, rows[pk]) for pk in sorted(rows)]


def export_one(emulator: Emulator, pk: Any) -> dict[str, Any] | None:
    found = SubscriptionsBackend.of(emulator).table.rows.get(pk)
    return exported(found, lambda sub: export_record(emulator, sub))


SECTION = SeedSection(KEY, load, export, export_one=export_one)
