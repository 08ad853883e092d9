"""Thin handlers for ``{prefix}/web_experiments/`` (``WebExperimentViewSet``,
``posthog/api/web_experiment.py``): the list hides soft-deleted experiments, the detail
routes do not."""

from __future__ import annotations

from typing import TYPE_CHECKING

from werkzeug.wrappers import Response

from phemu.errors import NotFound
from phemu.pagination import paginate_list
from phemu.resources._base import empty_response
from phemu.resources._base import json_response
from phemu.resources._base import path_pk
from phemu.resources.web_experiments.models import WebExperimentsBackend

if TYPE_CHECKING:
    from phemu.context import RequestContext
    from phemu.resources.experiments.models import Experiment


def _backend(ctx: RequestContext) -> WebExperimentsBackend:
    return WebExperimentsBackend.of(ctx.emulator)


def _find(ctx: RequestContext) -> Experiment:
    pk = path_pk(ctx)
    found = {e.id: e for e in _backend(ctx).in_project(ctx.project_id)}.get(pk or -1)
    if found is None:
        raise NotFound()
    return found


def list_(ctx: RequestContext) -> Response:
    backend = _backend(ctx)
    found = backend.in_project(ctx.project_id, deleted=False)
    return json_response(paginate_list(ctx.request, found, backend.render))


def create(ctx: RequestContext) -> Response:
    backend = _backend(ctx)
    found = backend.save(ctx.project_id, None, ctx.body, user_id=ctx.owner.id, partial=False)
    return json_response(backend.render(found), status=201)


def retrieve(ctx: RequestContext) -> Response:
    return json_response(_backend(ctx).render(_find(ctx)))


def update(ctx: RequestContext) -> Response:
    found = _find(ctx)
    backend = _backend(ctx)
    partial = ctx.method == "PATCH"
    backend.save(ctx.project_id, found, ctx.body, user_id=ctx.owner.id, partial=partial)
    return json_response(backend.render(found))


def destroy(ctx: RequestContext) -> Response:
    _backend(ctx).destroy(_find(ctx).id, user_id=ctx.owner.id)
    return empty_response(204)
