"""One ``query/`` request body in, PostHog's response body out.

The body is checked the way ``posthog/api/query.py`` does (a ``QueryRequest``: pydantic's
message for a missing or unknown ``kind``), wrapper nodes run their ``source``, and the answer
is the ``Cached...Response`` PostHog renders: the kind's own fields plus ``cache_key``,
``is_cached``, ``last_refresh``, ``next_allowed_client_refresh``, ``timezone``, keys in the
models' (alphabetical) field order.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from collections.abc import Mapping
from datetime import datetime
from datetime import timedelta
from datetime import timezone as _tz
from typing import Any
from zoneinfo import ZoneInfo

from phemu.errors import Msg
from phemu.errors import ParseError
from phemu.errors import QueryNotComputed
from phemu.errors import ValidationError
from phemu.query.engine import Database
from phemu.query.hogql import Timings
from phemu.query.hogql import run_select
from phemu.query.kinds import Context
from phemu.query.kinds import events_query
from phemu.query.kinds import funnels_query
from phemu.query.kinds import literal
from phemu.query.records import ProjectData
from phemu.query.trends import trends_query

#: The ``kind`` tags of ``QueryRequest.query``, in PostHog's union order (the published schema's
#: ``Query_1`` in ``phemu/data/posthog-openapi.json.gz``).
KNOWN_KINDS = [
    "EventsNode",
    "ActionsNode",
    "PersonsNode",
    "DataWarehouseNode",
    "EventsQuery",
    "SessionsQuery",
    "ActorsQuery",
    "GroupsQuery",
    "InsightActorsQuery",
    "InsightActorsQueryOptions",
    "SessionsTimelineQuery",
    "HogQuery",
    "HogQLQuery",
    "HogQLMetadata",
    "HogQLAutocomplete",
    "HogQLASTQuery",
    "SessionAttributionExplorerQuery",
    "RevenueExampleEventsQuery",
    "RevenueExampleDataWarehouseTablesQuery",
    "ErrorTrackingQuery",
    "ErrorTrackingSimilarIssuesQuery",
    "ErrorTrackingBreakdownsQuery",
    "ErrorTrackingIssueCorrelationQuery",
    "ExperimentFunnelsQuery",
    "ExperimentTrendsQuery",
    "ExperimentQuery",
    "ExperimentExposureQuery",
    "DocumentSimilarityQuery",
    "WebOverviewQuery",
    "WebStatsTableQuery",
    "WebExternalClicksTableQuery",
    "WebGoalsQuery",
    "WebVitalsQuery",
    "WebVitalsPathBreakdownQuery",
    "WebPageURLSearchQuery",
    "WebAnalyticsExternalSummaryQuery",
    "RevenueAnalyticsGrossRevenueQuery",
    "RevenueAnalyticsMetricsQuery",
    "RevenueAnalyticsMRRQuery",
    "RevenueAnalyticsOverviewQuery",
    "RevenueAnalyticsTopCustomersQuery",
    "MarketingAnalyticsTableQuery",
    "MarketingAnalyticsAggregatedQuery",
    "DataVisualizationNode",
    "DataTableNode",
    "SavedInsightNode",
    "InsightVizNode",
    "TrendsQuery",
    "FunnelsQuery",
    "RetentionQuery",
    "PathsQuery",
    "StickinessQuery",
    "LifecycleQuery",
    "FunnelCorrelationQuery",
    "DatabaseSchemaQuery",
    "LogsQuery",
    "SuggestedQuestionsQuery",
    "TeamTaxonomyQuery",
    "EventTaxonomyQuery",
    "ActorsPropertyTaxonomyQuery",
    "TracesQuery",
    "TraceQuery",
    "VectorSearchQuery",
    "UsageMetricsQuery",
]
#: Nodes that only wrap the query to run (``posthog/api/services/query.py``).
WRAPPERS = ("DataTableNode", "DataVisualizationNode", "InsightVizNode")
#: Nodes PostHog's query endpoint does not run at all.
NOT_RUNNABLE = ("SavedInsightNode", "EventsNode", "ActionsNode", "PersonsNode")

#: ``create_default_modifiers_for_team`` (``posthog/hogql/modifiers.py``) for a new team.
DEFAULT_MODIFIERS = {
    "inCohortVia": "auto",
    "materializationMode": "legacy_null_as_null",
    "personsArgMaxVersion": "auto",
    "personsOnEventsMode": "person_id_override_properties_on_events",
}

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_SNAKE = re.compile(r"(?<!^)(?=[A-Z])")


def _request_error(location: str, message: str) -> ParseError:
    return ParseError(Msg.QUERY_REQUEST_INVALID.format(location=location, message=message))


def _pydantic_input(value: Any) -> str:
    return repr(value)


def check_request(body: Any) -> Mapping[str, Any]:
    """The ``query`` of a ``QueryRequest`` body, or pydantic's first error as PostHog answers it."""
    if not isinstance(body, Mapping):
        raise _request_error(
            "  Input should be a valid dictionary or instance of QueryRequest",
            f"[type=model_type, input_value={_pydantic_input(body)}, input_type="
            f"{type(body).__name__}]",
        )
    query = body.get("query")
    if query is None:
        raise _request_error(
            "query",
            f"Field required [type=missing, input_value={_pydantic_input(dict(body))}, "
            "input_type=dict]",
        )
    if not isinstance(query, Mapping) or "kind" not in query:
        raise _request_error(
            "query",
            "Unable to extract tag using discriminator 'kind' [type=union_tag_not_found, "
            f"input_value={_pydantic_input(query)}, input_type={type(query).__name__}]",
        )
    kind = query["kind"]
    if kind not in KNOWN_KINDS:
        tags = ", ".join(f"'{k}'" for k in KNOWN_KINDS)
        raise _request_error(
            "query",
            f"Input tag '{kind}' found using 'kind' does not match any of the expected tags: "
            f"{tags} [type=union_tag_invalid, input_value={_pydantic_input(dict(query))}, "
            "input_type=dict]",
        )
    return query


def _hogql_query(ctx: Context, query: Mapping[str, Any], timings: Timings) -> dict[str, Any]:
    text = query.get("query")
    if not isinstance(text, str):
        raise _request_error(
            "query.HogQLQuery.query",
            "Field required [type=missing, input_value=..., input_type=dict]",
        )
    values = query.get("values") or {}
    if values:
        text = _PLACEHOLDER.sub(
            lambda m: literal(values[m.group(1)]) if m.group(1) in values else m.group(0), text
        )
    result = run_select(ctx.database, ctx.project, ctx.data, text, ctx.now, timings)
    return {
        "clickhouse": None,
        "columns": result.columns,
        "error": None,
        "explain": None,
        "hasMore": result.has_more,
        "hogql": result.hogql,
        "limit": result.limit,
        "metadata": None,
        "offset": result.offset,
        "query": None,
        "results": result.results,
        "types": [[name, kind] for name, kind in zip(result.columns, result.types, strict=False)],
    }


_RUNNERS: dict[str, Callable[[Context, Mapping[str, Any], Timings], dict[str, Any]]] = {
    "HogQLQuery": _hogql_query,
    "EventsQuery": events_query,
    "TrendsQuery": trends_query,
    "FunnelsQuery": funnels_query,
}


def run(
    database: Database,
    project: int,
    data: ProjectData,
    body: Any,
    now: datetime,
    timezone_name: str = "UTC",
) -> dict[str, Any]:
    """Answer one ``POST query/`` body for ``project`` (the emulator's clock gives ``now``)."""
    query = check_request(body)
    while query.get("kind") in WRAPPERS and isinstance(query.get("source"), Mapping):
        query = query["source"]
    kind = str(query.get("kind"))
    if kind in NOT_RUNNABLE or kind in WRAPPERS:
        raise ValidationError(Msg.UNSUPPORTED_QUERY_KIND.format(kind=kind))
    runner = _RUNNERS.get(kind)
    if runner is None:
        raise ValidationError(Msg.QUERY_KIND_NOT_COMPUTED.format(kind=kind))
    timings = Timings()
    # Every date the query reads or computes is in the project's zone (``posthog/hogql/context.py``
    # carries the team's; ``posthog/hogql/printer.py`` prints it into each DateTime).
    now = now.astimezone(_tz.utc if timezone_name == "UTC" else ZoneInfo(timezone_name))
    try:
        answer = runner(Context(database, project, data, now), query, timings)
    except RecursionError:
        raise QueryNotComputed(
            Msg.QUERY_FEATURE_NOT_COMPUTED.format(feature="a query this deep")
        ) from None
    payload = json.dumps({"kind": kind, "query": query, "project": project}, sort_keys=True)
    answer.update(
        cache_key="cache_" + hashlib.md5(payload.encode(), usedforsecurity=False).hexdigest(),
        is_cached=False,
        last_refresh=_stamp(now),
        modifiers=dict(DEFAULT_MODIFIERS),
        next_allowed_client_refresh=_stamp(now + timedelta(minutes=1)),
        query_status=None,
        timezone=timezone_name,
        timings=timings.done(),
    )
    answer.setdefault("error", None)
    return {key: answer[key] for key in sorted(answer, key=lambda k: _SNAKE.sub("_", k).lower())}


def _stamp(moment: datetime) -> str:
    text = moment.astimezone(_tz.utc).replace(tzinfo=None).isoformat()
    return text + "Z"
