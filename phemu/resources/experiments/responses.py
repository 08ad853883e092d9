"""Thin handlers for ``{prefix}/experiments/`` (``EnterpriseExperimentsViewSet``,
``ee/clickhouse/views/experiments.py``): deleted experiments are invisible to every action;
the list filters ``status``, ``created_by_id``, ``archived`` (default: not archived), and every
action ``search``es names; ``order`` sorts by a field, ``duration`` or ``status``."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING
from typing import Any

from werkzeug.wrappers import Response

from phemu.errors import Msg
from phemu.errors import NotFound
from phemu.errors import ServerError
from phemu.errors import ValidationError
from phemu.pagination import paginate_list
from phemu.resources._base import json_response
from phemu.resources._base import path_pk
from phemu.resources.experiments.models import ExperimentsBackend

if TYPE_CHECKING:
    from phemu.context import RequestContext
    from phemu.resources.experiments.models import Experiment

_ORDER_FIELDS = (
    "id",
    "name",
    "description",
    "start_date",
    "end_date",
    "created_at",
    "updated_at",
    "archived",
    "type",
    "conclusion",
)


def _backend(ctx: RequestContext) -> ExperimentsBackend:
    return ExperimentsBackend.of(ctx.emulator)


def _searched(ctx: RequestContext, found: list[Experiment]) -> list[Experiment]:
    term = ctx.query.get("search")
    return [e for e in found if term.lower() in e.name.lower()] if term else found


def find(ctx: RequestContext) -> Experiment:
    """The experiment of the path as the viewset's ``get_object`` finds it (live, in the
    project, narrowed by ``search`` like the list)."""
    pk = path_pk(ctx)
    visible = {e.id: e for e in _searched(ctx, _backend(ctx).live(ctx.project_id))}
    found = visible.get(pk) if pk is not None else None
    if found is None:
        raise NotFound()
    return found


def _status(e: Experiment) -> int:
    return 0 if e.start_date is None else (1 if e.end_date is None else 2)


def _ordered(found: list[Experiment], order: str, now: datetime) -> list[Experiment]:
    name = order.lstrip("-")
    descending = order.startswith("-")
    if name == "status":
        return sorted(found, key=_status, reverse=descending)
    if name == "duration":
        timed = [e for e in found if e.start_date is not None]
        drafts = [e for e in found if e.start_date is None]
        timed.sort(key=lambda e: (e.end_date or now) - e.start_date, reverse=descending)  # type: ignore[operator]
        # PostgreSQL sorts nulls last ascending and first descending.
        return drafts + timed if descending else timed + drafts
    if name not in _ORDER_FIELDS:
        raise ServerError()  # Django's FieldError for an unknown field
    present = [e for e in found if getattr(e, name) is not None]
    missing = [e for e in found if getattr(e, name) is None]
    present.sort(key=lambda e: getattr(e, name), reverse=descending)
    return missing + present if descending else present + missing


def list_(ctx: RequestContext) -> Response:
    args = ctx.query
    found = _backend(ctx).live(ctx.project_id)
    status = (args.get("status") or "").lower()
    if status == "draft":
        found = [e for e in found if e.start_date is None]
    elif status == "running":
        found = [e for e in found if e.start_date is not None and e.end_date is None]
    elif status == "complete":
        found = [e for e in found if e.end_date is not None]
    if args.get("created_by_id"):
        found = [e for e in found if str(e.created_by) == args["created_by_id"]]
    archived = args.get("archived")
    wanted = archived is not None and archived.lower() == "true"
    found = [e for e in _searched(ctx, found) if e.archived == wanted]
    if args.get("order"):
        found = _ordered(found, args["order"], ctx.now)
    return json_response(paginate_list(ctx.request, found, _backend(ctx).render))


def create(ctx: RequestContext) -> Response:
    backend = _backend(ctx)
    found = backend.save(ctx.project_id, None, ctx.body, user_id=ctx.owner.id, partial=False)
    return json_response(backend.render(found), status=201)


def retrieve(ctx: RequestContext) -> Response:
    return json_response(_backend(ctx).render(find(ctx)))


def update(ctx: RequestContext) -> Response:
    found = find(ctx)
    backend = _backend(ctx)
    body: Any = ctx.body
    backend.save(ctx.project_id, found, body, user_id=ctx.owner.id, partial=ctx.method == "PATCH")
    return json_response(backend.render(found))


def duplicate(ctx: RequestContext) -> Response:
    backend = _backend(ctx)
    found = backend.copy(find(ctx), ctx.body, user_id=ctx.owner.id)
    return json_response(backend.render(found), status=201)


def eligible_feature_flags(ctx: RequestContext) -> Response:
    from phemu.resources.experiments import actions

    status, body = actions.eligible_feature_flags(ctx.emulator, ctx.project_id, ctx.query)
    return json_response(body, status=status)


def requires_flag_implementation(ctx: RequestContext) -> Response:
    from phemu.resources.experiments import actions

    found = actions.requires_flag_implementation(ctx.emulator, ctx.project_id, ctx.query)
    return json_response({"result": found})


def stats(ctx: RequestContext) -> Response:
    from phemu.resources.experiments import actions

    return json_response(actions.stats(ctx.emulator, ctx.project_id))


def timeseries_results(ctx: RequestContext) -> Response:
    from phemu.resources.experiments import actions

    return json_response(actions.timeseries_results(ctx.emulator, find(ctx), ctx.query))


def recalculate_timeseries(ctx: RequestContext) -> Response:
    """``recalculate_timeseries``: the active request for the fingerprint (200) or a new
    ``pending`` one (201)."""
    experiment = find(ctx)
    body: Any = ctx.body
    if not isinstance(body, Mapping):
        raise ServerError()  # ``request.data.get`` on a list
    metric, fingerprint = body.get("metric"), body.get("fingerprint")
    if not metric:
        raise ValidationError(Msg.EXPERIMENT_METRIC_REQUIRED)
    if not fingerprint:
        raise ValidationError(Msg.EXPERIMENT_FINGERPRINT_REQUIRED)
    if experiment.start_date is None:
        raise ValidationError(Msg.EXPERIMENT_RECALCULATE_NOT_STARTED)
    if not isinstance(metric, Mapping) or isinstance(fingerprint, (dict, list)):
        raise ServerError()  # ``metric.get("uuid")``; a JSON structure in a CharField lookup
    # Django's CharField stores (and looks up) ``str()`` of a scalar
    stored = fingerprint if isinstance(fingerprint, str) else str(fingerprint)
    request, created = _backend(ctx).request_recalculation(experiment.id, metric, stored)
    answer = {
        "id": request.id,
        "experiment_id": experiment.id,
        "metric_uuid": request.metric.get("uuid"),
        "fingerprint": fingerprint,
        "status": request.status,
        "created_at": request.created_at.isoformat(),
    }
    return json_response(answer, status=201 if created else 200)
