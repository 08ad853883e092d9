"""The experiments' derived actions, computed from the emulator's state as
``EnterpriseExperimentsViewSet`` computes them (``ee/clickhouse/views/experiments.py``):
``eligible_feature_flags``, ``requires_flag_implementation``
(``ee/clickhouse/queries/experiments/utils.py``), ``stats`` and ``timeseries_results``.

``timeseries_results`` reads ``ExperimentMetricResult`` rows that PostHog's scheduled
ClickHouse jobs write; phemu runs no such jobs, so it answers what PostHog answers before the
first job has run: every day of the experiment ``null`` and the status ``pending`` (with any
pending recalculation request, which nothing in phemu ever processes).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from datetime import datetime
from datetime import timedelta
from typing import TYPE_CHECKING
from typing import Any
from zoneinfo import ZoneInfo
from zoneinfo import ZoneInfoNotFoundError

from phemu.errors import Msg
from phemu.errors import ServerError
from phemu.errors import ValidationError
from phemu.query.dates import parse_date
from phemu.resources.feature_flags.models import FeatureFlagsBackend

if TYPE_CHECKING:
    from phemu.emulator import Emulator
    from phemu.resources.experiments.models import Experiment
    from phemu.resources.feature_flags.models import FeatureFlag

#: ``FeatureFlag`` columns ``order_by`` accepts (an unknown one is Django's FieldError, a 500).
FLAG_ORDER_FIELDS = (
    "id",
    "key",
    "name",
    "created_at",
    "updated_at",
    "active",
    "deleted",
    "version",
    "ensure_experience_continuity",
    "performed_rollback",
    "is_remote_configuration",
    "has_encrypted_payloads",
    "has_enriched_analytics",
    "evaluation_runtime",
    "last_called_at",
)


def _zone(emulator: Emulator, project: int) -> ZoneInfo:
    found = emulator.store.projects.get(project)
    try:
        return ZoneInfo(found.timezone) if found is not None and found.timezone else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _django_int(raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise ServerError() from None  # ``filter(created_by_id="x")``: Django's ValueError


# -- eligible_feature_flags ---------------------------------------------------------------------


def eligible_feature_flags(
    emulator: Emulator, project: int, args: Mapping[str, str]
) -> tuple[int, dict[str, Any]]:
    """(status, body): flags whose variants are at least two with ``control`` first, not
    deleted and not a survey's own flag, filtered, ordered and sliced as the action does."""
    try:
        limit = min(int(args.get("limit", "20")), 100)
        offset = max(int(args.get("offset", "0")), 0)
    except ValueError:
        return 400, {"error": Msg.EXPERIMENT_INVALID_LIMIT}
    if limit < 0:
        raise ServerError()  # a negative slice: Django's ValueError or Postgres' negative LIMIT
    flags = FeatureFlagsBackend.of(emulator)
    survey_flags = {
        pk
        for survey in emulator.surveys.in_project(project)
        for pk in (survey.targeting_flag, survey.internal_targeting_flag)
        if pk is not None
    }
    found = [f for f in flags.live(project) if _eligible(f) and f.id not in survey_flags]
    search = args.get("search")
    if search:
        term = search.lower()
        found = [f for f in found if term in f.key.lower() or term in f.name.lower()]
    active = args.get("active")
    if active is not None:
        found = [f for f in found if f.active == (active.lower() == "true")]
    if args.get("created_by_id"):
        wanted = _django_int(args["created_by_id"])
        found = [f for f in found if f.created_by == wanted]
    if args.get("evaluation_runtime"):
        found = [f for f in found if f.evaluation_runtime == args["evaluation_runtime"]]
    tagged = args.get("has_evaluation_tags")
    if tagged is not None and tagged.lower() in ("true", "1", "yes"):
        found = []  # no flag of phemu carries evaluation tags
    found = _ordered(found, args.get("order") or "-created_at")
    page = found[offset : offset + limit]
    return 200, {"results": [flags.render(f) for f in page], "count": len(found)}


def _eligible(flag: FeatureFlag) -> bool:
    variants = (flag.filters.get("multivariate") or {}).get("variants")
    return (
        isinstance(variants, list)
        and len(variants) >= 2
        and isinstance(variants[0], dict)
        and variants[0].get("key") == "control"
    )


def _ordered(found: list[FeatureFlag], order: str) -> list[FeatureFlag]:
    name = order[1:] if order.startswith("-") else order
    if name not in FLAG_ORDER_FIELDS:
        raise ServerError()  # Django's FieldError for an unknown field
    descending = order.startswith("-")
    present = [f for f in found if getattr(f, name) is not None]
    missing = [f for f in found if getattr(f, name) is None]
    present.sort(key=lambda f: (getattr(f, name), f.id), reverse=descending)
    # PostgreSQL sorts nulls last ascending and first descending.
    return missing + present if descending else present + missing


# -- requires_flag_implementation -------------------------------------------------------------


def requires_flag_implementation(emulator: Emulator, project: int, args: Mapping[str, str]) -> bool:
    """``requires_flag_warning``: look at the events of the filter's entities since the start
    of the day a week ago; the answer is false as soon as one of them carries a
    ``$feature/...`` property. PostHog samples at most ``limit`` (20) events per event name
    at random; phemu looks at the newest ``limit`` (the same answer whenever there are at most
    that many)."""
    names = _entity_events(emulator, project, args)
    raw_limit = args.get("limit")
    try:
        limit = int(raw_limit) if raw_limit else 20
    except ValueError:
        raise ServerError() from None
    limit = limit or 20
    now = emulator.clock.now()
    start = parse_date("-7d", now.astimezone(_zone(emulator, project)))
    per_event: dict[str, int] = {}
    for record in reversed(emulator.events.records(project)):
        if record.event not in names or not start <= record.timestamp <= now:
            continue
        seen = per_event.get(record.event, 0)
        if seen >= limit:
            continue
        per_event[record.event] = seen + 1
        if "$feature/" in json.dumps(record.properties, ensure_ascii=False):
            return False
    return True


def _entity_events(emulator: Emulator, project: int, args: Mapping[str, str]) -> set[Any]:
    """The event names of the legacy ``Filter``'s ``events`` and ``actions`` (JSON lists)."""
    names: set[Any] = set()
    for entity in _entities(args.get("events")):
        if entity.get("id") is not None:
            names.add(entity["id"])
    for entity in _entities(args.get("actions")):
        # ``Entity.get_action`` (posthog/models/entity/entity.py)
        if entity.get("id") is None:
            raise ValidationError(Msg.EXPERIMENT_ACTION_NONE)
        action = emulator.generic.get("actions", entity["id"], project=project)
        if action is None:
            raise ValidationError(Msg.EXPERIMENT_NO_ACTION.format(id=entity.get("id")))
        for step in action.get("steps") or []:
            if isinstance(step, dict) and step.get("event"):
                names.add(step["event"])
    return names


def _entities(raw: str | None) -> list[dict[str, Any]]:
    if not raw:
        return []
    try:
        value = json.loads(raw)
    except ValueError:
        raise ServerError() from None
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ServerError()
    return value


# -- stats ------------------------------------------------------------------------------------


def stats(emulator: Emulator, project: int) -> dict[str, Any]:
    """Experimentation velocity over the live, unarchived experiments: launches in the last
    30 days and the 30 before (days of the project's timezone), the change between them,
    running experiments, and those ended in the last 30 days."""
    today = emulator.clock.now().astimezone(_zone(emulator, project)).date()
    last_start = _midnight(today - timedelta(days=30))
    previous_start = _midnight(today - timedelta(days=60))
    tomorrow = _midnight(today + timedelta(days=1))
    found = [e for e in emulator.experiments.live(project) if not e.archived]

    def between(moment: datetime | None, low: datetime, high: datetime) -> bool:
        return moment is not None and low <= moment < high

    launched_last = sum(between(e.start_date, last_start, tomorrow) for e in found)
    launched_previous = sum(between(e.start_date, previous_start, last_start) for e in found)
    if launched_previous == 0:
        change = 100.0 if launched_last > 0 else 0.0
    else:
        change = (launched_last - launched_previous) / launched_previous * 100
    return {
        "launched_last_30d": launched_last,
        "launched_previous_30d": launched_previous,
        "percent_change": round(change, 1),
        "active_experiments": sum(e.start_date is not None and e.end_date is None for e in found),
        "completed_last_30d": sum(between(e.end_date, last_start, tomorrow) for e in found),
    }


def _midnight(day: date) -> datetime:
    """A date compared with a datetime column: Django makes it midnight UTC (``USE_TZ``)."""
    return datetime(day.year, day.month, day.day, tzinfo=ZoneInfo("UTC"))


# -- timeseries_results -----------------------------------------------------------------------


def timeseries_results(
    emulator: Emulator, experiment: Experiment, args: Mapping[str, str]
) -> dict[str, Any]:
    metric_uuid = args.get("metric_uuid")
    fingerprint = args.get("fingerprint")
    if not metric_uuid:
        raise ValidationError(Msg.EXPERIMENT_METRIC_UUID_REQUIRED)
    if not fingerprint:
        raise ValidationError(Msg.EXPERIMENT_FINGERPRINT_PARAM_REQUIRED)
    if experiment.start_date is None:
        raise ValidationError(Msg.EXPERIMENT_NOT_STARTED)
    # ``date.today()`` on PostHog's servers, which run in UTC.
    today = emulator.clock.now().astimezone(ZoneInfo("UTC")).date()
    first = experiment.start_date.date()
    last = experiment.end_date.date() if experiment.end_date is not None else today
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    active = emulator.experiments.active_recalculation(experiment.id, fingerprint)
    return {
        "experiment_id": experiment.id,
        "metric_uuid": metric_uuid,
        "status": "pending",
        "timeseries": {day.isoformat(): None for day in days},
        "errors": None,
        "computed_at": None,
        "created_at": experiment.created_at.isoformat(),
        "updated_at": experiment.updated_at.isoformat(),
        "recalculation_status": active.status if active is not None else None,
        "recalculation_created_at": active.created_at.isoformat() if active is not None else None,
    }
