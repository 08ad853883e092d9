"""Thin handlers for ``{prefix}/cohorts/`` (``CohortViewSet``, ``posthog/api/cohort.py``)."""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

from werkzeug.wrappers import Response

from phemu.errors import ServerError
from phemu.pagination import paginate_list
from phemu.resources._base import find_in_project
from phemu.resources._base import json_response
from phemu.resources._base import path_pk
from phemu.resources.activity_log.responses import activity_response
from phemu.resources.activity_log.responses import item_activity_response
from phemu.resources.cohorts.models import ACTIVITY_SCOPE
from phemu.resources.cohorts.models import CohortsBackend
from phemu.resources.persons.responses import actor_page

if TYPE_CHECKING:
    from phemu.context import RequestContext
    from phemu.resources.cohorts.models import Cohort


def _backend(ctx: RequestContext) -> CohortsBackend:
    return CohortsBackend.of(ctx.emulator)


def _find(ctx: RequestContext) -> Cohort:
    # Detail actions see soft-deleted cohorts too (only the list hides them).
    return find_in_project(_backend(ctx).record, ctx.project_id, path_pk(ctx), include_deleted=True)


def list_(ctx: RequestContext) -> Response:
    backend = _backend(ctx)
    cohorts = backend.live(ctx.project_id)
    args = ctx.query
    if args.get("hide_behavioral_cohorts", "false").lower() == "true":
        hidden = _behavioral_closure(cohorts)
        cohorts = [c for c in cohorts if c.id not in hidden]
    kind = args.get("type")
    if kind == "static":
        cohorts = [c for c in cohorts if c.is_static]
    elif kind == "dynamic":
        cohorts = [c for c in cohorts if not c.is_static]
    if "created_by_id" in args:
        cohorts = [c for c in cohorts if str(c.created_by) == args["created_by_id"]]
    if "search" in args:
        term = args["search"].lower()
        cohorts = [c for c in cohorts if term in (c.name or "").lower()]
    return json_response(paginate_list(ctx.request, cohorts, backend.render))


def _behavioral_closure(cohorts: list[Cohort]) -> set[int]:
    """``_find_behavioral_cohorts``: behavioural cohorts and every cohort pointing at one."""
    from phemu.resources.cohorts.rules import flat

    ids = {c.id for c in cohorts}
    edges = {
        c.id: {
            int(p["value"])
            for p in flat(c.properties)
            if p.get("type") == "cohort" and str(p.get("value", "")).isdigit()
        }
        & ids
        for c in cohorts
    }
    affected = {c.id for c in cohorts if c.is_behavioral()}
    changed = True
    while changed:
        changed = False
        for source, targets in edges.items():
            if source not in affected and targets & affected:
                affected.add(source)
                changed = True
    return affected


def create(ctx: RequestContext) -> Response:
    backend = _backend(ctx)
    cohort = backend.save(ctx.project_id, None, ctx.body, user_id=ctx.owner.id, method="POST")
    return json_response(backend.render(cohort), status=201)


def retrieve(ctx: RequestContext) -> Response:
    return json_response(_backend(ctx).render(_find(ctx)))


def update(ctx: RequestContext) -> Response:
    cohort = _find(ctx)
    backend = _backend(ctx)
    backend.save(ctx.project_id, cohort, ctx.body, user_id=ctx.owner.id, method=ctx.method)
    return json_response(backend.render(cohort))


def _body_value(ctx: RequestContext, name: str) -> Any:
    body = ctx.body
    return body.get(name) if isinstance(body, dict) else None


def add_persons(ctx: RequestContext) -> Response:
    cohort = _find(ctx)
    backend = _backend(ctx)
    person_ids = _body_value(ctx, "person_ids")
    return json_response(backend.add_persons(cohort.id, person_ids, user_id=ctx.owner.id))


def remove_person(ctx: RequestContext) -> Response:
    cohort = _find(ctx)
    backend = _backend(ctx)
    person_id = _body_value(ctx, "person_id")
    return json_response(backend.remove_person(cohort.id, person_id, user_id=ctx.owner.id))


def persons(ctx: RequestContext) -> Response:
    """``CohortViewSet.persons``: ``PersonQuery`` with the cohort (its static list, or its last
    calculation), the persons list's filters and pages, 10 distinct ids per row; persons
    created in the future are not hidden here. CSV is not emulated."""
    cohort = _find(ctx)
    members = _backend(ctx).persons_in(cohort)
    people = [p for p in ctx.emulator.persons.all(ctx.project_id) if p.uuid in members]
    return actor_page(ctx, people, hide_future=False, distinct_id_limit=10)


def all_activity(ctx: RequestContext) -> Response:
    return activity_response(ctx, ACTIVITY_SCOPE, None)


def activity(ctx: RequestContext) -> Response:
    """``activity``: ``Cohort.objects.filter(id=pk, team__project_id=...)`` (deleted cohorts
    too); the path's spelling is the item id PostHog filters the log by."""
    return item_activity_response(ctx, ACTIVITY_SCOPE, _backend(ctx).record, key_as_sent=True)


def _query_int(ctx: RequestContext, name: str, default: str) -> int:
    # ``int(request.query_params.get(...))`` unguarded: PostHog's generic 500.
    try:
        return int(ctx.query.get(name, default))
    except ValueError:
        raise ServerError() from None


def calculation_history(ctx: RequestContext) -> Response:
    from phemu.resources.cohorts import derived

    limit = _query_int(ctx, "limit", "100")
    offset = _query_int(ctx, "offset", "0")
    _find(ctx)
    return json_response(derived.calculation_history(limit, offset))


def duplicate_as_static(ctx: RequestContext) -> Response:
    cohort = _find(ctx)
    return json_response(_backend(ctx).duplicate_as_static(cohort.id, created_by=ctx.owner.id))
