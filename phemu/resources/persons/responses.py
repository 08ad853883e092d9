"""``{prefix}/persons/``: list, search and retrieve (``posthog/api/person.py``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from werkzeug.wrappers import Response

from phemu.errors import NotFound
from phemu.fields import lookup_int
from phemu.pagination import paginate_list
from phemu.resources._base import json_response
from phemu.resources.events.responses import property_filters
from phemu.resources.feature_flags.matching import match_property
from phemu.resources.persons.models import Person
from phemu.resources.persons.models import PersonsBackend
from phemu.resources.persons.models import render_person

if TYPE_CHECKING:
    from phemu.context import RequestContext


def _search_hit(person: Person, term: str) -> bool:
    # PersonViewSet's search: email or name property (icontains), or an exact distinct id.
    lowered = term.lower()
    for key in ("email", "name"):
        value = person.properties.get(key)
        if isinstance(value, str) and lowered in value.lower():
            return True
    return term in person.distinct_ids


def list_(ctx: RequestContext) -> Response:
    args = ctx.query
    filters = property_filters(args.get("properties"))
    people = ctx.emulator.persons.all(ctx.project_id)
    if args.get("distinct_id"):
        people = [p for p in people if args["distinct_id"] in p.distinct_ids]
    if args.get("email"):
        people = [p for p in people if p.properties.get("email") == args["email"]]
    if args.get("search"):
        people = [p for p in people if _search_hit(p, args["search"])]
    if filters:
        people = [
            p for p in people if all(match_property(f, p.properties, now=ctx.now) for f in filters)
        ]
    return json_response(paginate_list(ctx.request, people, render_person))


def find(ctx: RequestContext) -> Person:
    """A person by uuid or numeric id, in the request's project."""
    wanted = ctx.path_values["pk"]
    persons = PersonsBackend.of(ctx.emulator)
    person = persons.by_uuid(wanted)
    number = lookup_int(wanted) if person is None and wanted.isdigit() else None
    if number is not None:
        person = next((p for p in persons.all(ctx.project_id) if p.id == number), None)
    if person is None or person.project != ctx.project_id:
        raise NotFound()
    return person


def retrieve(ctx: RequestContext) -> Response:
    return json_response(render_person(find(ctx)))
