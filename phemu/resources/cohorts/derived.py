"""Cohorts other objects make: a static copy of a dynamic cohort
(``CohortViewSet.duplicate_as_static_cohort``, ``posthog/api/cohort.py``), the persons a flag
matches (``FeatureFlagViewSet.create_static_cohort_for_flag``, ``posthog/api/feature_flag.py``,
filled by ``get_cohort_actors_for_feature_flag`` in ``posthog/api/cohort.py``) and an
experiment's exposure cohort (``create_exposure_cohort_for_experiment``,
``ee/clickhouse/views/experiments.py``), plus the calculation history read.

PostHog saves a ``CohortSerializer`` for each (no activity is logged: only the viewset's
``perform_create`` logs) and fills the static ones in a Celery task; phemu computes the members
when the cohort is made and, like its other calculations, finishes the task before the next
request, so the action's own answer still shows the new cohort uncounted.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING
from typing import Any

from phemu.errors import Msg
from phemu.errors import ServerError
from phemu.errors import ValidationError
from phemu.fields import str_to_bool
from phemu.resources.feature_flags.evaluation import evaluate
from phemu.resources.feature_flags.models import FeatureFlagsBackend

if TYPE_CHECKING:
    from phemu.resources.cohorts.models import Cohort
    from phemu.resources.cohorts.models import CohortsBackend
    from phemu.resources.experiments.models import Experiment
    from phemu.resources.feature_flags.models import FeatureFlag

#: ``Property.__init__``'s attributes in assignment order (``posthog/models/property/property.py``);
#: ``to_dict`` keeps the ones that are not ``None``, ``value`` last.
_PROPERTY_ATTRIBUTES = (
    "key",
    "operator",
    "type",
    "group_type_index",
    "event_type",
    "operator_value",
    "time_value",
    "time_interval",
    "explicit_datetime",
    "total_periods",
    "min_periods",
    "seq_event_type",
    "seq_event",
    "seq_time_value",
    "seq_time_interval",
    "negation",
    "event_filters",
)
#: The entity filters an exposure cohort keeps.
_EVENT_FILTER_TYPES = ("event", "feature", "element", "hogql")


def duplicate_as_static(backend: CohortsBackend, cohort: Cohort, user_id: int | None) -> Cohort:
    """A static cohort named ``"<name> (static copy)"`` holding the source's last calculation
    (``insert_cohort_actors_into_ch`` with ``from_cohort_id``: the source's ``cohortpeople``)."""
    if cohort.is_static:
        raise ValidationError(Msg.COHORT_DUPLICATE_STATIC)
    # ``SELECT DISTINCT person_id ... FROM cohortpeople ... ORDER BY person_id``
    members = sorted(backend.matching(cohort) or [])
    copy = backend.save(
        cohort.project,
        None,
        {"name": f"{cohort.name} (static copy)", "is_static": True},
        user_id=user_id,
        method="POST",
        journal=False,
    )
    # ``insert_cohort_from_insight_filter`` saves the cohort's state even when it copied no one.
    backend.fill_static(copy, members, calculated=True)
    return copy


def for_flag(backend: CohortsBackend, flag: FeatureFlag, user_id: int | None) -> Cohort:
    """``Users with feature flag <key> enabled at <now>``: the persons the flag matches."""
    now = backend.emulator.clock.now()
    cohort = backend.save(
        flag.project,
        None,
        {
            "is_static": True,
            "name": f"Users with feature flag {flag.key} enabled at "
            f"{now.strftime('%Y-%m-%d %H:%M:%S')}",
        },
        user_id=user_id,
        method="POST",
        journal=False,
    )
    members = _flag_members(backend, flag)
    # No match, no insert: PostHog never saves the cohort's state then (count stays null).
    backend.fill_static(cohort, members, calculated=bool(members))
    return cohort


def _flag_members(backend: CohortsBackend, flag: FeatureFlag) -> list[str]:
    """``get_cohort_actors_for_feature_flag``: persons by id, each evaluated under its first
    distinct id with an empty string for the person properties the conditions name."""
    filters = flag.filters or {}
    if not flag.active or flag.deleted or filters.get("aggregation_group_type_index") is not None:
        return []
    flags = FeatureFlagsBackend.of(backend.emulator)
    specs = backend.specs(flag.project)
    defaults: dict[str, Any] = {}
    for group in filters.get("groups") or []:
        for prop in group.get("properties") or []:
            defaults.update(_default_properties(prop, specs, set()))
    definition = flag.definition()
    found = []
    people = sorted(backend.emulator.persons.all(flag.project), key=lambda p: p.id)
    for person in people:
        if not person.distinct_ids:
            continue
        ctx = flags.context(flag.project, person.distinct_ids[0])
        ctx.person_properties = {**defaults, **person.properties}
        if evaluate(definition, ctx).matches:
            found.append(person.uuid)
    return found


def _default_properties(prop: Any, specs: Mapping[str, Any], seen: set[str]) -> dict[str, Any]:
    """``get_default_person_property``: ``""`` for a person property that must hold a value;
    a cohort filter contributes its own cohort's."""
    if not isinstance(prop, Mapping):
        return {}
    if prop.get("type") == "person" and prop.get("operator") not in ("is_set", "is_not_set"):
        return {str(prop.get("key")): ""}
    value = prop.get("value")
    if prop.get("type") != "cohort" or isinstance(value, list):
        return {}
    spec = specs.get(str(value))
    if spec is None or str(value) in seen:
        return {}
    from phemu.resources.cohorts.rules import flat

    found: dict[str, Any] = {}
    for nested in flat(spec.properties):
        found.update(_default_properties(nested, specs, seen | {str(value)}))
    return found


def exposure_cohort(backend: CohortsBackend, experiment: Experiment, user_id: int | None) -> Cohort:
    """``Users exposed to experiment "<name>"``: a dynamic cohort of the persons who performed
    the exposure event (``$feature_flag_called`` for the flag, or the custom exposure filter's
    first entity) since the start; counted from the events like every behavioural cohort
    (``behaviour.py``)."""
    flag = FeatureFlagsBackend.of(backend.emulator).record(experiment.feature_flag)
    if flag is None:
        raise ValidationError(Msg.EXPERIMENT_NO_FLAG)
    if experiment.start_date is None:
        raise ValidationError(Msg.EXPERIMENT_NO_START_DATE)
    if experiment.exposure_cohort:
        raise ValidationError(Msg.EXPERIMENT_HAS_EXPOSURE_COHORT)
    target: int | str = "$feature_flag_called"
    target_type = "events"
    target_filters: list[dict[str, Any]] = [
        {"key": "$feature_flag", "value": [flag.key], "operator": "exact", "type": "event"}
    ]
    custom = (experiment.parameters or {}).get("custom_exposure_filter")
    if custom:
        entity = _first_entity(custom)
        if entity.get("id"):
            kind = entity.get("type")
            target_type = kind if kind in ("events", "actions") else "events"
            target = entity["id"]
            if kind == "actions":
                try:
                    target = int(target)
                except (TypeError, ValueError):
                    raise ValidationError(Msg.EXPERIMENT_INVALID_ACTION_ID) from None
            target_filters = [
                _property_dict(p)
                for p in _flat_properties(entity.get("properties"))
                if (p.get("type") or "event") in _EVENT_FILTER_TYPES
            ]
    behavior = {
        "type": "behavioral",
        "value": "performed_event",
        "key": target,
        "negation": False,
        "event_type": target_type,
        "event_filters": target_filters,
        "explicit_datetime": experiment.start_date.isoformat(),
    }
    return backend.save(
        experiment.project,
        None,
        {
            "is_static": False,
            "name": f'Users exposed to experiment "{experiment.name}"',
            "filters": {
                "properties": {
                    "type": "OR",
                    "values": [{"type": "OR", "values": [behavior]}],
                }
            },
        },
        user_id=user_id,
        method="POST",
        journal=False,
    )


def _first_entity(data: Mapping[str, Any]) -> Mapping[str, Any]:
    """``Filter(data).entities[0]``: actions, then events, ordered by ``order`` (none first)."""
    entities = [
        {**e, "type": kind}
        for name, kind in (("actions", "actions"), ("events", "events"))
        for e in (data.get(name) or [])
        if isinstance(e, Mapping)
    ]
    entities.sort(key=lambda e: e.get("order") or -1)
    if not entities:
        raise ServerError()  # ``entities[0]`` of a filter without any: an IndexError
    return entities[0]


def _flat_properties(raw: Any) -> list[Mapping[str, Any]]:
    """``entity.property_groups.flat``: a list or a nested group, depth first."""
    if isinstance(raw, list):
        return [p for p in raw if isinstance(p, Mapping)]
    if isinstance(raw, Mapping) and isinstance(raw.get("values"), list):
        found: list[Mapping[str, Any]] = []
        for value in raw["values"]:
            if isinstance(value, Mapping):
                found.extend(_flat_properties(value if "values" in value else [value]))
        return found
    return []


def _property_dict(prop: Mapping[str, Any]) -> dict[str, Any]:
    """``Property(**prop).to_dict()``: its attributes that are set, ``value`` last."""
    values: dict[str, Any] = {name: prop.get(name) for name in _PROPERTY_ATTRIBUTES}
    values["type"] = prop.get("type") or "event"
    if values["negation"] is not None:
        values["negation"] = str_to_bool(values["negation"])
    value = prop.get("value")
    if value is None and values["operator"] in ("is_set", "is_not_set"):
        value = values["operator"]
    elif value is None and values["type"] != "hogql":
        raise ServerError()  # ``Property``'s ValueError: PostHog's generic 500
    found = {name: v for name, v in values.items() if v is not None}
    if value is not None:
        found["value"] = value
    return found


def calculation_history(limit: int, offset: int) -> dict[str, Any]:
    """``CohortViewSet.calculation_history``: a page of ``CohortCalculationHistory`` rows.

    PostHog writes a row from its Celery calculation task
    (``_recalculate_cohortpeople_for_team_hogql``, ``posthog/models/cohort/util.py``), holding
    the ClickHouse queries it ran and their statistics. phemu runs no such task or query, so it
    keeps no rows and answers the empty page PostHog gives a cohort never calculated (a static
    cohort, or one whose task has not run); ``docs/deviations.md`` notes it. A negative slice
    is Django's ``Negative indexing is not supported.``, PostHog's generic 500.
    """
    if offset < 0 or offset + limit < 0:
        raise ServerError()
    rows: list[dict[str, Any]] = []
    total = len(rows)
    return {
        "results": rows[offset : offset + limit],
        "count": total,
        "next": None if offset + limit >= total else f"?limit={limit}&offset={offset + limit}",
        "previous": None if offset == 0 else f"?limit={limit}&offset={max(0, offset - limit)}",
    }
