"""``{prefix}/persons/``: list, retrieve, update, delete and values (``posthog/api/person.py``,
``PersonViewSet``; the list's query is ``posthog/queries/person_query.py``).

The list: ``search`` matches the ``email`` property (``ILIKE '%search%'``), an exact distinct id
or, when it is a UUID, the person's uuid; ``distinct_id`` is exact; ``email`` equals the
``email`` property; ``properties`` filters person properties; persons created more than a day
in the future are left out. Pages are ``LIMIT``/``OFFSET`` ordered by ``created_at`` then uuid,
newest first, and rendered as actors (``render_actor``, ordered ``created_at DESC, uuid``);
``next`` is the request's own URL with ``offset`` replaced (``format_query_params_absolute_url``,
which leaves the URL alone for offset 0), given when the page is full; no ``count`` unless
``include_total`` is present.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING
from typing import Any

from werkzeug.wrappers import Response

from phemu.errors import MethodNotAllowed
from phemu.errors import Msg
from phemu.errors import NotFound
from phemu.errors import ServerError
from phemu.errors import ValidationError
from phemu.pagination import request_url
from phemu.resources._base import empty_response
from phemu.resources._base import json_response
from phemu.resources.activity_log.models import change
from phemu.resources.activity_log.responses import activity_response
from phemu.resources.events.filters import holds
from phemu.resources.events.filters import parse_properties
from phemu.resources.events.models import convert_property_value
from phemu.resources.persons.models import ACTIVITY_SCOPE
from phemu.resources.persons.models import Person
from phemu.resources.persons.models import PersonsBackend
from phemu.resources.persons.models import is_uuid
from phemu.resources.persons.models import render_actor
from phemu.resources.persons.models import render_person
from phemu.resources.sessions.like import like_matcher

if TYPE_CHECKING:
    from phemu.context import RequestContext

DEFAULT_LIMIT = 100


def _email_text(person: Person) -> str:
    value = person.properties.get("email")
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def _search_hit(person: Person, term: str) -> bool:
    if like_matcher(term)(_email_text(person).lower()):
        return True
    return term in person.distinct_ids or (
        is_uuid(term) and uuid.UUID(term) == uuid.UUID(person.uuid)
    )


def _int_param(raw: str | None) -> int:
    """The legacy ``Filter`` reads ``limit``/``offset`` with ``int()``: anything else is a 500."""
    if not raw:
        return 0
    try:
        value = int(raw)
    except ValueError:
        raise ServerError() from None
    if value < 0:
        raise ServerError()  # ClickHouse refuses a negative LIMIT or OFFSET
    return value


def _request_url(ctx: RequestContext) -> str:
    base, query = request_url(ctx.request)
    return f"{base}?{query}" if query else base


def _page_url(ctx: RequestContext, offset: int) -> str:
    from phemu.resources.persons.actors import query_params_url

    return query_params_url(_request_url(ctx), offset)


def list_(ctx: RequestContext) -> Response:
    with ctx.store.lock:
        people = PersonsBackend.of(ctx.emulator).all(ctx.project_id)
    return actor_page(ctx, people, hide_future=True, total="include_total" in ctx.query)


def actor_page(
    ctx: RequestContext,
    candidates: Iterable[Person],
    *,
    hide_future: bool,
    total: bool = False,
    distinct_id_limit: int = 1000,
) -> Response:
    """A page of ``PersonQuery`` over ``candidates`` (the project's persons, or a cohort's):
    the list's filters, order and links, rows from ``get_serialized_people``.
    ``hide_future`` is ``filter_future_persons``, which the persons list sets and a cohort's
    persons do not; ``total`` adds ``count`` (the list's ``include_total``)."""
    limit = _int_param(ctx.arg("limit")) or DEFAULT_LIMIT
    offset = _int_param(ctx.arg("offset"))
    filters = parse_properties(ctx.arg("properties"))
    search, distinct_id, email = (
        ctx.arg("search"),
        ctx.arg("distinct_id"),
        ctx.arg("email"),
    )
    horizon = ctx.now + timedelta(days=1)

    def resolver(person: Person) -> Callable[[Mapping[str, Any]], Mapping[str, Any] | None]:
        # PersonQuery applies person properties only; other kinds are left to other queries.
        return lambda prop: person.properties if prop.get("type") == "person" else None

    people = []
    with ctx.store.lock:
        for person in candidates:
            if hide_future and not person.created_at < horizon:
                continue
            if email and _email_text(person) != email:
                continue
            if search and not _search_hit(person, search):
                continue
            if distinct_id and distinct_id not in person.distinct_ids:
                continue
            if filters is not None and not holds(filters, resolver(person), ctx.now):
                continue
            people.append(person)
    people.sort(key=lambda p: (p.created_at, p.uuid), reverse=True)
    page = people[offset : offset + limit]
    page.sort(key=lambda p: p.uuid)
    page.sort(key=lambda p: p.created_at, reverse=True)
    body: dict[str, Any] = {
        "results": [render_actor(p, distinct_id_limit) for p in page],
        "next": _page_url(ctx, offset + limit) if len(page) >= limit else None,
        "previous": _page_url(ctx, offset - limit) if offset - limit >= 0 else None,
    }
    if total:
        body["count"] = len(people)
    return json_response(body)


def create(ctx: RequestContext) -> Response:
    """``PersonViewSet.create``: persons come from ``$identify`` events, not from this API."""
    raise MethodNotAllowed("POST", ctx.route.allow, Msg.PERSONS_CREATE)


def find(ctx: RequestContext) -> Person:
    """``get_pk_or_uuid``: a UUID names the person's uuid, anything else its numeric id."""
    return PersonsBackend.of(ctx.emulator).require(ctx.project_id, ctx.path_values["pk"])


def retrieve(ctx: RequestContext) -> Response:
    return json_response(render_person(find(ctx)))


def _required(attr: str) -> Response:
    """The body ``update`` and ``update_property`` build by hand (code and detail swapped)."""
    return json_response(
        {
            "attr": attr,
            "code": "This field is required.",
            "detail": "required",
            "type": "validation_error",
        },
        400,
    )


def _body(ctx: RequestContext) -> Mapping[str, Any]:
    body = ctx.body
    return body if isinstance(body, Mapping) else {}


def _set_properties(ctx: RequestContext, properties: Any) -> Response:
    """``_set_properties``: a ``$set`` event for the person's first distinct id, ingested now."""
    person = find(ctx)
    ctx.emulator.events.ingest(
        ctx.project_id,
        [
            {
                "event": "$set",
                "distinct_id": person.distinct_ids[0],
                "properties": {"$set": properties},
            }
        ],
    )
    _log(ctx, person, "updated", changes=[change("Person", "changed", "properties")])
    return empty_response(202)


def update(ctx: RequestContext) -> Response:
    """PUT/PATCH: only ``properties``, applied as ``$set`` (others stay, none is removed)."""
    properties = _body(ctx).get("properties")
    if properties is None:
        return _required("properties")
    return _set_properties(ctx, properties)


def update_property(ctx: RequestContext) -> Response:
    body = _body(ctx)
    if body.get("value") is None:
        return _required("value")
    if body.get("key") is None:
        return _required("key")
    return _set_properties(ctx, {body["key"]: body["value"]})


def delete_property(ctx: RequestContext) -> Response:
    """A ``$delete_person_property`` event unsetting ``$unset``; PostHog's ``.get()`` of a missing
    person and a body without ``$unset`` are unguarded 500s."""
    try:
        person = find(ctx)
    except (NotFound, ValidationError):
        raise ServerError() from None
    body = _body(ctx)
    if "$unset" not in body:
        raise ServerError()
    ctx.emulator.events.ingest(
        ctx.project_id,
        [
            {
                "event": "$delete_person_property",
                "distinct_id": person.distinct_ids[0],
                "properties": {"$unset": [body["$unset"]]},
            }
        ],
    )
    _log(ctx, person, "delete_property", person.uuid, [change("Person", "changed", None)])
    return json_response({"success": True}, 201)


def destroy(ctx: RequestContext) -> Response:
    """Delete the person (202); ``delete_events`` also removes its events. PostHog queues that
    deletion for a weekly batch; phemu removes them at once."""
    person = find(ctx)
    PersonsBackend.of(ctx.emulator).remove(
        person.uuid, delete_events="delete_events" in ctx.query, user=ctx.owner.id
    )
    return empty_response(202)


def values(ctx: RequestContext) -> Response:
    """``persons/values``: the 20 most common values of one person property
    (``get_person_property_values_for_key`` in ``posthog/queries/property_values.py``)."""
    key, search = ctx.arg("key"), ctx.arg("value")
    if not key or key.startswith("$virt"):
        return json_response([])
    matches = like_matcher(search) if search else None
    counts: dict[str, int] = {}
    with ctx.store.lock:
        people = sorted(
            PersonsBackend.of(ctx.emulator).all(ctx.project_id), key=lambda p: p.uuid, reverse=True
        )
    for person in people[:100_000]:
        if key not in person.properties or person.properties[key] is None:
            continue
        text = _value_text(person.properties[key])
        if (matches is not None and not matches(text.lower())) or (matches is None and text == ""):
            continue
        counts[text] = counts.get(text, 0) + 1
    ranked = sorted(counts.items(), key=lambda item: item[1], reverse=True)[:20]
    return json_response([{"name": _display(text), "count": count} for text, count in ranked])


def _value_text(value: Any) -> str:
    """``properties[key]`` in HogQL: strings as they are, other values as their JSON text."""
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


def _display(text: str) -> str:
    """``convert_property_value(json.loads(value))`` with the raw text as fallback."""
    try:
        parsed = json.loads(text)
    except ValueError:
        return text
    return convert_property_value(parsed)


def cohorts(ctx: RequestContext) -> Response:
    """``PersonViewSet.cohorts``: the live cohorts the person is in. ``request.GET["person_id"]``
    and ``get_pk_or_uuid(...).get()`` are unguarded: a missing id, one that is neither a number
    nor a UUID, or no such person is PostHog's generic 500."""
    from phemu.resources.cohorts.models import CohortsBackend

    wanted = ctx.arg("person_id")
    try:
        person = PersonsBackend.of(ctx.emulator).lookup(ctx.project_id, wanted or "")
    except ValueError:
        raise ServerError() from None
    if wanted is None or person is None:
        raise ServerError()
    backend = CohortsBackend.of(ctx.emulator)
    with ctx.store.lock:
        found = backend.of_person(ctx.project_id, person.uuid)
        return json_response({"results": [backend.render(c) for c in found]})


def _log(
    ctx: RequestContext,
    person: Person,
    activity: str,
    name: str | None = None,
    changes: list[dict[str, Any]] | None = None,
) -> None:
    ctx.emulator.activity_log.log(
        project=ctx.project_id,
        scope=ACTIVITY_SCOPE,
        item_id=person.id,
        activity=activity,
        user=ctx.owner.id,
        changes=changes,
        name=name,
    )


def bulk_delete(ctx: RequestContext) -> Response:
    """``bulk_delete``: reads ``distinct_ids``, ``ids`` and ``delete_events`` from the body
    (the schema documents them as query parameters; the code reads ``request.data``)."""
    body = _body(ctx)
    PersonsBackend.of(ctx.emulator).bulk_delete(
        project=ctx.project_id,
        distinct_ids=body.get("distinct_ids"),
        ids=body.get("ids"),
        delete_events=bool(body.get("delete_events")),
        user=ctx.owner.id,
    )
    return empty_response(202)


def split(ctx: RequestContext) -> Response:
    person = find(ctx)
    PersonsBackend.of(ctx.emulator).split(
        person.uuid, _body(ctx).get("main_distinct_id"), user=ctx.owner.id
    )
    return json_response({"success": True}, 201)


def delete_events(ctx: RequestContext) -> Response:
    """``delete_events``: the person stays, its events go (queued in PostHog; at once here)."""
    person = find(ctx)
    ctx.emulator.events.delete_for(ctx.project_id, person.distinct_ids)
    return empty_response(202)


def reset_person_distinct_id(ctx: RequestContext) -> Response:
    """``reset_person_distinct_id``: lets a deleted person's distinct id be used again. phemu
    frees a deleted person's distinct ids when it deletes the person, so only the check is
    left to do."""
    distinct_id = _body(ctx).get("distinct_id")
    if not distinct_id or not isinstance(distinct_id, str):
        raise ValidationError(Msg.PERSONS_RESET_DISTINCT_ID)
    return empty_response(202)


def all_activity(ctx: RequestContext) -> Response:
    return activity_response(ctx, ACTIVITY_SCOPE, None)


def activity(ctx: RequestContext) -> Response:
    return activity_response(ctx, ACTIVITY_SCOPE, [str(find(ctx).id)])


def filter_params(ctx: RequestContext) -> dict[str, Any]:
    """``Filter(request=request)``: the query string (last value of each key), then for a POST
    the body's keys over it."""
    params: dict[str, Any] = {key: ctx.arg(key) for key in ctx.request.args}
    if ctx.request.method == "POST":
        params.update(_body(ctx))
    return params


def properties_timeline(ctx: RequestContext) -> Response:
    person = find(ctx)
    backend = PersonsBackend.of(ctx.emulator)
    return json_response(
        backend.properties_timeline(person.uuid, project=ctx.project_id, params=filter_params(ctx))
    )


def delete_recordings(ctx: RequestContext) -> Response:
    """``delete_recordings``: PostHog starts the ``delete-recordings-with-person`` Temporal
    workflow for the person's distinct ids and answers 202 at once. phemu keeps no session
    recordings (``phemu/resources/session_recordings/`` serves only the AI endpoints), so there
    is nothing to delete: the person is looked up as PostHog does (400, 404) and the answer is
    the same empty 202."""
    find(ctx)
    return empty_response(202)


def _actors(action: str) -> Callable[[RequestContext], Response]:
    def handler(ctx: RequestContext) -> Response:
        backend = PersonsBackend.of(ctx.emulator)
        params = filter_params(ctx)
        url = _request_url(ctx)
        return json_response(backend.actors(action, project=ctx.project_id, params=params, url=url))

    return handler


trends = _actors("trends")
funnel = _actors("funnel")
lifecycle = _actors("lifecycle")
stickiness = _actors("stickiness")
funnel_correlation = _actors("funnel/correlation")
