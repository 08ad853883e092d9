"""``{prefix}/events/``: the stored events (``posthog/api/event.py``, ``EventViewSet``;
``posthog/models/event/query_event_list.py``; ``ClickhouseEventSerializer`` in
``posthog/models/event/util.py``).

The list runs PostHog's query: ``timestamp > after`` and ``timestamp < before`` (``before``
defaults to now + 5 seconds), ``event``, ``distinct_id``, ``person_id`` (the person's distinct
ids), the legacy ``properties`` filter; ``ORDER BY timestamp DESC`` unless ``orderBy`` asks for
anything else (then ascending); ``LIMIT limit + 1 OFFSET offset`` (``limit`` at most 50 000).
When more rows than ``limit`` came back, ``next`` is the same request with ``before`` (or
``after`` when ascending) set to the last returned event's time. PostHog first tries growing
time windows (1 minute to a day) and answers from the first that holds half a page; phemu
answers from the whole range, so its pages are always full.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from collections.abc import Mapping
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from typing import TYPE_CHECKING
from typing import Any
from urllib.parse import urlencode

from werkzeug.wrappers import Response

from phemu.errors import NotFound
from phemu.errors import QueryError
from phemu.errors import ServerError
from phemu.pagination import request_url
from phemu.resources._base import json_response
from phemu.resources.events.filters import holds
from phemu.resources.events.filters import parse_properties
from phemu.resources.persons.models import PersonsBackend
from phemu.resources.persons.models import is_uuid

if TYPE_CHECKING:
    from phemu.context import RequestContext
    from phemu.resources.events.models import EventRecord
    from phemu.resources.persons.models import Person

DEFAULT_LIMIT = 100  # posthog/hogql/constants.py, DEFAULT_RETURNED_ROWS
MAX_LIMIT = 50_000  # MAX_SELECT_RETURNED_ROWS


def _iso(moment: datetime) -> str:
    """``datetime.astimezone().isoformat()`` on a UTC server: ``+00:00``, microseconds if any."""
    return moment.astimezone(timezone.utc).isoformat()


def _clean(properties: dict[str, Any]) -> dict[str, Any]:
    """``parse_properties``: string values lose their surrounding double quotes."""
    return {k: v.strip('"') if isinstance(v, str) else v for k, v in properties.items()}


def render_event(record: EventRecord, person: Person | None) -> dict[str, Any]:
    return {
        "id": record.uuid,
        "distinct_id": record.distinct_id,
        "properties": _clean(record.properties),
        "event": record.event,
        "timestamp": _iso(record.timestamp),
        "person": None
        if person is None
        else {
            "is_identified": person.is_identified,
            "distinct_ids": person.distinct_ids[:1],
            "properties": {
                k: person.properties[k]
                for k in ("email", "name", "username")
                if k in person.properties
            },
        },
        "elements": [],
        "elements_chain": record.elements_chain,
    }


def _moment(raw: str, now: datetime) -> datetime:
    """``parse_timestamp``: ISO 8601 (naive is UTC), else ``relative_date_parse``: a date
    dateutil reads, else a relative date (``-7d``), else now."""
    # Imported here, not at module level: dateutil's parser and the query package cost more to
    # import than this whole resource, and only date filters need them.
    from dateutil import parser as date_parser

    from phemu.query.dates import parse_date

    try:
        parsed = date_parser.isoparse(raw)
    except (ValueError, OverflowError):
        try:
            parsed = date_parser.parse(raw)
        except (ValueError, OverflowError):
            try:
                return parse_date(raw, now)
            except QueryError:
                return now
    return parsed.replace(tzinfo=timezone.utc) if parsed.tzinfo is None else parsed


def list_(ctx: RequestContext) -> Response:
    raw_limit = ctx.arg("limit")
    try:
        limit = min(int(raw_limit), MAX_LIMIT) if raw_limit else DEFAULT_LIMIT
    except ValueError:
        raise ServerError() from None  # int() of the limit is not guarded
    raw_offset = ctx.arg("offset")
    try:
        offset = int(raw_offset) if raw_offset else 0
    except ValueError:
        offset = 0
    if limit + 1 < 0 or offset < 0:
        raise ServerError()  # ClickHouse refuses a negative LIMIT or OFFSET
    order_by = ["-timestamp"]
    if ctx.arg("orderBy"):
        try:
            order_by = list(json.loads(ctx.arg("orderBy") or ""))
        except (ValueError, TypeError):
            raise ServerError() from None
    descending = order_by == ["-timestamp"]
    filters = parse_properties(ctx.arg("properties"))
    persons = PersonsBackend.of(ctx.emulator)
    now = ctx.now
    raw_before, raw_after = ctx.arg("before"), ctx.arg("after")
    before = _moment(raw_before, now) if raw_before else now + timedelta(seconds=5)
    after = _moment(raw_after, now) if raw_after else None
    event, distinct_id = ctx.arg("event"), ctx.arg("distinct_id")
    ids: set[str] | None = None
    if ctx.arg("person_id"):
        person = _person(ctx, ctx.arg("person_id") or "")
        ids = set(person.distinct_ids) if person is not None else set()
    if ctx.arg("action_id"):
        ids = set()  # no action exists in phemu: PostHog answers no events

    selected = []
    for record in ctx.emulator.events.records(ctx.project_id):
        if not record.timestamp < before or (after is not None and not record.timestamp > after):
            continue
        if (event and record.event != event) or (distinct_id and record.distinct_id != distinct_id):
            continue
        if ids is not None and record.distinct_id not in ids:
            continue
        if filters is not None and not holds(filters, _resolver(ctx, persons, record), now):
            continue
        selected.append(record)
    selected.sort(key=lambda r: (r.timestamp, r.seq), reverse=descending)
    rows = selected[offset : offset + limit + 1]
    page = rows[:limit]
    next_link = None
    if len(rows) > limit:
        params = {key: ctx.query.getlist(key)[-1] for key in ctx.query}
        params["before" if descending else "after"] = _iso(rows[limit - 1].timestamp)
        base, _ = request_url(ctx.request)
        next_link = f"{base}?{urlencode(params)}"
    by_id = {r.distinct_id: persons.get(r.distinct_id or "", project=ctx.project_id) for r in rows}
    return json_response(
        {"next": next_link, "results": [render_event(r, by_id[r.distinct_id]) for r in page]}
    )


def _resolver(
    ctx: RequestContext, persons: PersonsBackend, record: EventRecord
) -> Callable[[Mapping[str, Any]], Mapping[str, Any] | None]:
    """Event properties for ``event`` filters, the person's for ``person`` ones; other kinds
    (cohorts, elements...) are not filtered on."""

    def resolve(prop: Mapping[str, Any]) -> Mapping[str, Any] | None:
        kind = prop.get("type", "event")
        if kind == "person":
            found = persons.get(record.distinct_id or "", project=ctx.project_id)
            return found.properties if found is not None else {}
        return record.properties if kind == "event" else None

    return resolve


def _person(ctx: RequestContext, wanted: str) -> Person | None:
    """The ``person_id`` filter's person; a key that is neither a number nor a UUID fails
    Django's ``int()`` unguarded (``query_event_list.py``), a 500."""
    try:
        return PersonsBackend.of(ctx.emulator).lookup(ctx.project_id, wanted)
    except ValueError:
        raise ServerError() from None


def retrieve(ctx: RequestContext) -> Response:
    wanted = ctx.path_values["pk"]
    if not is_uuid(wanted):
        # posthog/api/event.py answers this body itself (no attr key).
        return json_response(
            {"detail": "Invalid UUID", "code": "invalid", "type": "validation_error"}, 400
        )
    key = wanted.replace("-", "").lower()
    for record in ctx.emulator.events.records(ctx.project_id):
        if record.uuid.replace("-", "").lower() == key:
            person = None
            if ctx.query.get("include_person"):
                person = PersonsBackend.of(ctx.emulator).get(
                    record.distinct_id or "", project=ctx.project_id
                )
            return json_response(render_event(record, person))
    raise NotFound(f"No events exist for event UUID {wanted}")


def values(ctx: RequestContext) -> Response:
    """``events/values/?key=``: ``EventsBackend.property_values`` (``event_name`` repeatable)."""
    return json_response(
        ctx.emulator.events.property_values(
            ctx.arg("key") or "",
            project=ctx.project_id,
            event_names=ctx.query.getlist("event_name"),
            value=ctx.arg("value"),
        )
    )
