"""``{prefix}/events/``: the captured events, newest first (``posthog/api/event.py``)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING
from typing import Any
from urllib.parse import urlencode

from werkzeug.wrappers import Response

from phemu.clock import parse_instant
from phemu.errors import NotFound
from phemu.errors import ValidationError
from phemu.pagination import request_url
from phemu.resources._base import json_response
from phemu.resources.feature_flags.matching import match_property
from phemu.serialization import format_datetime

if TYPE_CHECKING:
    from phemu.context import RequestContext
    from phemu.resources.events.models import EventRecord
    from phemu.resources.persons.models import PersonsBackend

DEFAULT_LIMIT = 100


def property_filters(raw: str | None) -> list[Mapping[str, Any]]:
    """The ``properties`` query parameter: a JSON list of ``{key, value, operator, type}``."""
    if not raw:
        return []
    try:
        parsed = json.loads(raw)
    except json.JSONDecodeError:
        raise ValidationError("Properties are unparsable!", attr="properties") from None
    if isinstance(parsed, dict):
        parsed = parsed.get("values", [])
    if not isinstance(parsed, list) or not all(isinstance(p, dict) for p in parsed):
        raise ValidationError("Properties are unparsable!", attr="properties")
    return parsed


def render_event(record: EventRecord, persons: PersonsBackend) -> dict[str, Any]:
    person = persons.by_uuid(record.person_id)
    return {
        "id": record.uuid,
        "distinct_id": record.distinct_id,
        "properties": record.properties,
        "event": record.event,
        "timestamp": format_datetime(record.timestamp),
        "person": None
        if person is None
        else {
            "is_identified": person.is_identified,
            "distinct_ids": list(person.distinct_ids),
            "properties": dict(person.properties),
        },
        "elements": [],
        "elements_chain": record.elements_chain,
    }


def _matches(
    record: EventRecord,
    filters: list[Mapping[str, Any]],
    persons: PersonsBackend,
    ctx: RequestContext,
) -> bool:
    for prop in filters:
        if prop.get("type") == "person":
            person = persons.by_uuid(record.person_id)
            values: Mapping[str, Any] = person.properties if person is not None else {}
        else:
            values = record.properties
        if not match_property(prop, values, now=ctx.now):
            return False
    return True


def list_(ctx: RequestContext) -> Response:
    args = ctx.query
    persons = ctx.emulator.persons
    filters = property_filters(args.get("properties"))
    limit = _int(args.get("limit"), DEFAULT_LIMIT)
    before = _instant(args.get("before"), "before")
    after = _instant(args.get("after"), "after")
    person_id = args.get("person_id")
    person_uuid = None
    if person_id:
        person = persons.by_uuid(person_id) or next(
            (p for p in persons.all(ctx.project_id) if str(p.id) == person_id), None
        )
        person_uuid = person.uuid if person is not None else ""
    selected = []
    for record in reversed(ctx.emulator.events.records(ctx.project_id)):
        if args.get("event") and record.event != args["event"]:
            continue
        if args.get("distinct_id") and record.distinct_id != args["distinct_id"]:
            continue
        if person_uuid is not None and record.person_id != person_uuid:
            continue
        if before is not None and record.timestamp >= before:
            continue
        if after is not None and record.timestamp <= after:
            continue
        if filters and not _matches(record, filters, persons, ctx):
            continue
        selected.append(record)
    selected.sort(key=lambda r: (r.timestamp, r.seq), reverse=True)
    page = selected[:limit]
    next_link = None
    if len(selected) > limit:
        base, _ = request_url(ctx.request)
        params = {k: v for k, v in args.items() if k != "before"}
        params["before"] = format_datetime(page[-1].timestamp) or ""
        next_link = f"{base}?{urlencode(params)}"
    return json_response({"next": next_link, "results": [render_event(r, persons) for r in page]})


def retrieve(ctx: RequestContext) -> Response:
    wanted = ctx.path_values["pk"]
    for record in ctx.emulator.events.records(ctx.project_id):
        if record.uuid == wanted:
            return json_response(render_event(record, ctx.emulator.persons))
    raise NotFound()


def _int(raw: str | None, default: int) -> int:
    try:
        value = int(raw) if raw is not None else default
    except ValueError:
        return default
    return value if value > 0 else default


def _instant(raw: str | None, name: str) -> Any:
    if not raw:
        return None
    try:
        return parse_instant(raw)
    except (ValueError, OverflowError):
        raise ValidationError(f"Invalid value for {name}: {raw}", attr=name) from None
