"""Thin handlers for ``{prefix}/cohorts/`` (``CohortViewSet``, ``posthog/api/cohort.py``)."""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

from werkzeug.wrappers import Response

from phemu.pagination import paginate_list
from phemu.resources._base import find_in_project
from phemu.resources._base import json_response
from phemu.resources._base import path_pk
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
    return json_response(_backend(ctx).add_persons(cohort.id, _body_value(ctx, "person_ids")))


def remove_person(ctx: RequestContext) -> Response:
    cohort = _find(ctx)
    return json_response(_backend(ctx).remove_person(cohort.id, _body_value(ctx, "person_id")))


def persons(ctx: RequestContext) -> Response:
    """``CohortViewSet.persons``: ``PersonQuery`` with the cohort (its static list, or its last
    calculation), the persons list's filters and pages, 10 distinct ids per row; persons
    created in the future are not hidden here. CSV is not emulated."""
    cohort = _find(ctx)
    members = _backend(ctx).persons_in(cohort)
    people = [p for p in ctx.emulator.persons.all(ctx.project_id) if p.uuid in members]
    return actor_page(ctx, people, hide_future=False, distinct_id_limit=10)
