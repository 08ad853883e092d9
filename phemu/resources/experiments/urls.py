"""Routes: ``posthog/api/__init__.py`` registers the experiments viewset on ``projects_router``;
its ``@action``s (``ee/clickhouse/views/experiments.py``) take the ``experiment`` scope, except
``eligible_feature_flags`` (``feature_flag:read``)."""

from __future__ import annotations

from phemu.resources._records import collection_routes
from phemu.resources.cohorts import other_routes as cohorts
from phemu.resources.experiments import responses
from phemu.routing import Route

ROUTES: tuple[Route, ...] = (
    *collection_routes(
        "experiments",
        "experiment",
        list_=responses.list_,
        create=responses.create,
        retrieve=responses.retrieve,
        update=responses.update,
    ),
    *(
        Route(path, f"experiments.{name}", {method: handler}, scope, prefixes=("projects",))
        for path, name, method, handler, scope in (
            (
                "/experiments/<pk>/duplicate/",
                "duplicate",
                "POST",
                responses.duplicate,
                "experiment",
            ),
            (
                "/experiments/eligible_feature_flags/",
                "eligible_feature_flags",
                "GET",
                responses.eligible_feature_flags,
                "feature_flag",
            ),
            (
                "/experiments/requires_flag_implementation/",
                "requires_flag_implementation",
                "GET",
                responses.requires_flag_implementation,
                "experiment",
            ),
            ("/experiments/stats/", "stats", "GET", responses.stats, "experiment"),
            (
                "/experiments/<pk>/timeseries_results/",
                "timeseries_results",
                "GET",
                responses.timeseries_results,
                "experiment",
            ),
            (
                "/experiments/<pk>/recalculate_timeseries/",
                "recalculate_timeseries",
                "POST",
                responses.recalculate_timeseries,
                "experiment",
            ),
        )
    ),
    Route(
        "/experiments/<pk>/create_exposure_cohort_for_experiment/",
        "experiments.create_exposure_cohort_for_experiment",
        {"POST": cohorts.exposure_cohort},
        "experiment",
        prefixes=("projects",),
    ),
)
