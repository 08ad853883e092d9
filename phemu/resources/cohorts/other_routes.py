"""The handlers of the cohort-making actions other resources route (``feature_flags`` and
``experiments`` urls). Those packages load before this one, so the cohorts' modules are
imported when a request comes, not when the routes are declared."""

from __future__ import annotations

from typing import TYPE_CHECKING

from phemu.errors import NotFound
from phemu.resources._base import json_response
from phemu.resources._base import path_pk

if TYPE_CHECKING:
    from werkzeug.wrappers import Response

    from phemu.context import RequestContext


def for_flag(ctx: RequestContext) -> Response:
    """``FeatureFlagViewSet.create_static_cohort_for_flag`` (``posthog/api/feature_flag.py``)."""
    pk = path_pk(ctx)
    flag = ctx.emulator.feature_flags.record(pk) if pk is not None else None
    if flag is None or flag.project != ctx.project_id:
        raise NotFound()
    answer = ctx.emulator.cohorts.for_flag(flag.id, created_by=ctx.owner.id)
    return json_response(answer, status=201)


def exposure_cohort(ctx: RequestContext) -> Response:
    """``create_exposure_cohort_for_experiment`` (``ee/clickhouse/views/experiments.py``): the
    experiment as the viewset's ``get_object`` finds it."""
    from phemu.resources.experiments.responses import find as find_experiment

    experiment = find_experiment(ctx)
    answer = ctx.emulator.cohorts.exposure_cohort(experiment.id, created_by=ctx.owner.id)
    return json_response(answer, status=201)
