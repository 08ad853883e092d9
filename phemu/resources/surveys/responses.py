"""Thin handlers for ``{prefix}/surveys/`` (``SurveyViewSet``, ``posthog/api/survey.py``):
POST and PATCH answer with ``SurveySerializerCreateUpdateOnly``, the rest with
``SurveySerializer``; ``DELETE`` is a real delete (204); ``SearchFilter`` on name and
description; ``responses_count``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from werkzeug.wrappers import Response

from phemu.errors import NotFound
from phemu.errors import ServerError
from phemu.pagination import paginate_list
from phemu.resources._base import empty_response
from phemu.resources._base import json_response
from phemu.resources.activity_log.responses import activity_response
from phemu.resources.annotations.responses import search_terms
from phemu.resources.surveys.models import SurveysBackend

if TYPE_CHECKING:
    from phemu.context import RequestContext
    from phemu.resources.surveys.models import Survey


def _backend(ctx: RequestContext) -> SurveysBackend:
    return SurveysBackend.of(ctx.emulator)


def _find(ctx: RequestContext) -> Survey:
    found = _backend(ctx).record(ctx.path_values["pk"].lower())
    if found is None or found.project != ctx.project_id:
        raise NotFound()
    return found


def list_(ctx: RequestContext) -> Response:
    found = _backend(ctx).in_project(ctx.project_id)
    for term in search_terms(ctx.query.get("search", "")):
        term = term.lower()
        found = [s for s in found if term in s.name.lower() or term in s.description.lower()]
    return json_response(paginate_list(ctx.request, found, _backend(ctx).render))


def create(ctx: RequestContext) -> Response:
    backend = _backend(ctx)
    survey = backend.save(ctx.project_id, None, ctx.body, user_id=ctx.owner.id, method="POST")
    return json_response(backend.render(survey, write_shape=True), status=201)


def retrieve(ctx: RequestContext) -> Response:
    return json_response(_backend(ctx).render(_find(ctx)))


def update(ctx: RequestContext) -> Response:
    survey = _find(ctx)
    backend = _backend(ctx)
    backend.save(ctx.project_id, survey, ctx.body, user_id=ctx.owner.id, method=ctx.method)
    return json_response(backend.render(survey, write_shape=ctx.method == "PATCH"))


def destroy(ctx: RequestContext) -> Response:
    _backend(ctx).delete(_find(ctx).id, deleted_by=ctx.owner.id)
    return empty_response(204)


def _in_project(ctx: RequestContext) -> Survey | None:
    """``Survey.objects.filter(id=pk, team__project_id=...).exists()`` (the actions' bare 404)."""
    found = _backend(ctx).record(ctx.path_values["pk"].lower())
    return found if found is not None and found.project == ctx.project_id else None


def all_activity(ctx: RequestContext) -> Response:
    return activity_response(ctx, "Survey", None)


def activity(ctx: RequestContext) -> Response:
    """``activity``: the path's spelling is the item id PostHog filters the log by."""
    if _in_project(ctx) is None:
        return empty_response(404)
    return activity_response(ctx, "Survey", [ctx.path_values["pk"]])


def duplicate_to_projects(ctx: RequestContext) -> Response:
    survey = _in_project(ctx)
    if survey is None:
        return empty_response(404)
    body = ctx.body
    if not isinstance(body, dict):
        raise ServerError()  # ``request.data.get`` on a list: PostHog's generic 500
    answer = _backend(ctx).duplicate_to_projects(
        survey.id,
        body.get("target_team_ids", []),
        user_id=ctx.owner.id,
        source_id=ctx.path_values["pk"],
    )
    return json_response(answer, status=201)


def responses_count(ctx: RequestContext) -> Response:
    return json_response(_backend(ctx).responses_count(ctx.project_id))


def global_stats(ctx: RequestContext) -> Response:
    return json_response(
        _backend(ctx).stats(
            ctx.project_id, date_from=ctx.arg("date_from"), date_to=ctx.arg("date_to")
        )
    )


def survey_stats(ctx: RequestContext) -> Response:
    """``survey_stats``: ``survey_id`` is the path's spelling, as ``kwargs["pk"]``."""
    _find(ctx)
    return json_response(
        _backend(ctx).stats(
            ctx.project_id,
            ctx.path_values["pk"],
            date_from=ctx.arg("date_from"),
            date_to=ctx.arg("date_to"),
        )
    )
