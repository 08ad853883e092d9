"""``{prefix}/event_definitions/`` and ``{prefix}/property_definitions/`` handlers
(``posthog/api/event_definition.py``, ``posthog/api/property_definition.py``): parse, ask the
backend, render. The list rules live in ``rules.py``."""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

from werkzeug.wrappers import Response

from phemu.context import list_value
from phemu.errors import Msg
from phemu.errors import NotFound
from phemu.errors import PaymentRequired
from phemu.errors import ServerError
from phemu.errors import ValidationError
from phemu.fields import expect_object
from phemu.fields import not_null
from phemu.fields import parse_bool
from phemu.fields import parse_choice
from phemu.fields import parse_datetime
from phemu.fields import parse_list
from phemu.fields import parse_text
from phemu.fields import require
from phemu.pagination import limit_offset
from phemu.pagination import paginate
from phemu.pagination import paginate_list
from phemu.resources._base import empty_response
from phemu.resources._base import json_response
from phemu.resources.definitions.models import DefinitionsBackend
from phemu.resources.definitions.models import EventDefinition
from phemu.resources.definitions.models import PropertyDefinition
from phemu.resources.definitions.models import render_event
from phemu.resources.definitions.models import render_property

if TYPE_CHECKING:
    from phemu.context import RequestContext

#: ``PropertyType`` choices (``posthog/models/property_definition.py``)
TYPES = ("DateTime", "String", "Numeric", "Boolean", "Duration")


def _backend(ctx: RequestContext) -> DefinitionsBackend:
    return DefinitionsBackend.of(ctx.emulator)


def _any(value: Any, name: str) -> Any:
    return value


def _name(value: Any, name: str) -> str:
    return parse_text(value, name, allow_blank=False)


# -- event definitions --------------------------------------------------------------------------


def list_events(ctx: RequestContext) -> Response:
    from phemu.resources.definitions import rules  # on first use: keeps the import cheap

    with ctx.store.lock:
        rows = rules.event_rows(
            _backend(ctx).catch_up(ctx.project_id), ctx.arg, ctx.query.getlist("ordering")
        )
    return json_response(paginate_list(ctx.request, rows, render_event))


def typescript(ctx: RequestContext) -> Response:
    return json_response(_backend(ctx).typescript(ctx.project_id))


def _event(ctx: RequestContext) -> EventDefinition:
    found = _backend(ctx).find_event(ctx.project_id, ctx.path_values["pk"])
    if found is None:
        raise NotFound()
    return found


def retrieve_event(ctx: RequestContext) -> Response:
    return json_response(render_event(_event(ctx)))


def update_event(ctx: RequestContext) -> Response:
    """``EventDefinitionSerializer``: the fields are checked, then the update itself needs
    PostHog's ingestion taxonomy feature (402)."""
    _event(ctx)
    data = expect_object(ctx.body)
    partial = ctx.method == "PATCH"
    if "name" in data or not partial:
        name = require(data, "name")
        parse_text(name, "name", allow_blank=False, max_length=400)
    for field in ("created_at", "last_seen_at"):
        if data.get(field) is not None:
            parse_datetime(data[field], field)
    if "tags" in data:
        not_null(data["tags"], "tags")
        parse_list(list_value(data, "tags"), "tags", _any)
    if "post_to_slack" in data:
        not_null(data["post_to_slack"], "post_to_slack")
        parse_bool(data["post_to_slack"], "post_to_slack")
    raise PaymentRequired()


def delete_event(ctx: RequestContext) -> Response:
    _backend(ctx).delete_event(ctx.project_id, _event(ctx))
    return empty_response(204)


def event_metrics(ctx: RequestContext) -> Response:
    """``metrics_totals``: query views counted in PostHog's app metrics; phemu records no views
    of event definitions, so the count is 0."""
    _event(ctx)
    return json_response({"query_usage_30_day": 0})


# -- property definitions -----------------------------------------------------------------------


def list_properties(ctx: RequestContext) -> Response:
    from phemu.resources.definitions import rules  # on first use: keeps the import cheap

    query = rules.property_query(ctx.query)
    with ctx.store.lock:
        rows = rules.property_rows(_backend(ctx).catch_up(ctx.project_id), query)
    body = paginate(
        ctx.request, len(rows), lambda o, n: rows[o : o + n], lambda r: render_property(*r)
    )
    if query.type in ("person", "group"):
        # PostHog appends the taxonomy's virtual properties to the last page.
        virtual = rules.virtual_properties(query)
        _, offset = limit_offset(ctx.request)
        if offset + len(body["results"]) >= body["count"]:
            body["results"].extend(virtual)
        body["count"] += len(virtual)
    return json_response(body)


def _property(ctx: RequestContext) -> PropertyDefinition:
    found = _backend(ctx).find_property(ctx.project_id, ctx.path_values["pk"])
    if found is None:
        raise NotFound()
    return found


def retrieve_property(ctx: RequestContext) -> Response:
    return json_response(render_property(_property(ctx), None))


def update_property(ctx: RequestContext) -> Response:
    """``PropertyDefinitionSerializer.update``: changing only ``property_type`` (and with it
    ``is_numerical``) is free; any other change needs the ingestion taxonomy feature (402)."""
    definition = _property(ctx)
    data = expect_object(ctx.body)
    partial = ctx.method == "PATCH"
    changed: dict[str, Any] = {}
    if "name" in data or not partial:
        name = parse_text(require(data, "name"), "name", allow_blank=False, max_length=400)
        if name != definition.name:
            changed["name"] = name
    if "is_numerical" in data:
        not_null(data["is_numerical"], "is_numerical")
        if parse_bool(data["is_numerical"], "is_numerical") != definition.is_numerical:
            changed["is_numerical"] = True
    if "property_type" in data:
        value = data["property_type"]  # nullable and blank-able, else one of the choices
        chosen = value if value in (None, "") else parse_choice(value, "property_type", TYPES)
        if chosen != definition.property_type:
            changed["property_type"] = chosen
    if "tags" in data:
        not_null(data["tags"], "tags")
        if parse_list(list_value(data, "tags"), "tags", _any):
            changed["tags"] = True
    if set(changed) != {"property_type"}:
        raise PaymentRequired()
    if changed["property_type"] == "":
        raise ServerError()  # the property_type_is_valid check constraint refuses ""
    _backend(ctx).set_property_type(definition, changed["property_type"])
    return json_response(render_property(definition, None))


def delete_property(ctx: RequestContext) -> Response:
    _backend(ctx).delete_property(ctx.project_id, _property(ctx))
    return empty_response(204)


def seen_together(ctx: RequestContext) -> Response:
    """``SeenTogetherQuerySerializer``: for each event name, whether the property was ever seen
    with it."""
    args = ctx.query
    if "event_names" not in args:
        raise ValidationError(Msg.REQUIRED, code="required", attr="event_names")
    names = parse_list(args.getlist("event_names"), "event_names", _name)
    if "property_name" not in args:
        raise ValidationError(Msg.REQUIRED, code="required", attr="property_name")
    prop = _name(args.getlist("property_name")[-1], "property_name")
    with ctx.store.lock:
        seen = _backend(ctx).catch_up(ctx.project_id).seen_with.get(prop, set())
    return json_response({name: name in seen for name in names})
