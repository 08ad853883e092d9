"""Experiment records, their table and ``ExperimentsBackend`` (``emulator.experiments``).

Creating an experiment creates its multivariate feature flag through the feature flags backend
(``control``/``test`` at 50 % unless ``parameters.feature_flag_variants`` says otherwise),
inactive while the experiment is a draft (no ``start_date``) and switched on when it starts,
or reuses a live flag of that key whose first variant is ``control``. Metrics get PostHog's
fingerprint; ``stats_config`` gets the organization's default method. Soft delete: ``PATCH``
``deleted: true`` hides the experiment everywhere (``DELETE`` is PostHog's bare 405); archived
experiments leave the default list.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from typing import TYPE_CHECKING
from typing import Any

from phemu import fields
from phemu.errors import Msg
from phemu.errors import ServerError
from phemu.errors import ValidationError
from phemu.resources._base import Backend
from phemu.resources._base import created_by as render_user
from phemu.resources._records import load_records
from phemu.resources.experiments import rules
from phemu.resources.feature_flags.models import FeatureFlagsBackend
from phemu.serialization import format_datetime

if TYPE_CHECKING:
    from phemu.emulator import Emulator
    from phemu.resources.feature_flags.models import FeatureFlag

#: ``Organization.default_experiment_stats_method`` of every emulated organization.
DEFAULT_STATS_METHOD = "bayesian"


@dataclass(slots=True, kw_only=True)
class Experiment:
    id: int
    project: int
    name: str
    feature_flag: int
    created_at: datetime
    updated_at: datetime
    description: str | None = None
    start_date: datetime | None = None
    end_date: datetime | None = None
    holdout: int | None = None
    exposure_cohort: int | None = None
    parameters: Any = None
    secondary_metrics: Any = field(default_factory=list)
    filters: Any = field(default_factory=dict)
    archived: bool = False
    deleted: bool | None = False
    created_by: int | None = None
    type: str | None = "product"
    exposure_criteria: Any = field(default_factory=dict)
    metrics: Any = field(default_factory=list)
    metrics_secondary: Any = field(default_factory=list)
    stats_config: Any = field(default_factory=dict)
    conclusion: str | None = None
    conclusion_comment: str | None = None
    primary_metrics_ordered_uuids: Any = None
    secondary_metrics_ordered_uuids: Any = None

    @property
    def is_draft(self) -> bool:
        return self.start_date is None


@dataclass
class ExperimentTables:
    experiments: dict[int, Experiment] = field(default_factory=dict)


class ExperimentsBackend(Backend):
    """Create, change and read experiments (the only writer of their table)."""

    def __init__(self, emulator: Emulator) -> None:
        super().__init__(emulator)
        self._emulator = emulator

    @property
    def _tables(self) -> ExperimentTables:
        return self._emulator.store.state(ExperimentTables)

    # -- reads ---------------------------------------------------------------------------------
    def record(self, pk: int) -> Experiment | None:
        return self._tables.experiments.get(pk)

    def live(self, project: int) -> list[Experiment]:
        """The project's experiments that are not deleted, newest first."""
        found = [
            e for e in self._tables.experiments.values() if e.project == project and not e.deleted
        ]
        return sorted(found, key=lambda e: (e.created_at, e.id), reverse=True)

    def get(self, pk: int) -> dict[str, Any] | None:
        found = self.record(pk)
        return None if found is None else self.render(found)

    def all(self, project: int = 1) -> list[dict[str, Any]]:
        return [self.render(e) for e in self.live(project) if not e.archived]

    def ids_for_flag(self, flag_id: int) -> list[int]:
        """``FeatureFlag.experiment_set``: every experiment of the flag, deleted ones too."""
        return sorted(e.id for e in self._tables.experiments.values() if e.feature_flag == flag_id)

    def with_exposure_cohort(self, cohort_id: int) -> list[int]:
        """``Cohort.experiment_set``: experiments whose exposure cohort this is."""
        return sorted(
            e.id for e in self._tables.experiments.values() if e.exposure_cohort == cohort_id
        )

    def forget_exposure_cohort(self, cohort_id: int) -> None:
        """A deleted cohort is detached from its experiments (``experiment_set.set([])``)."""
        with self._emulator.store.lock:
            for experiment in self._tables.experiments.values():
                if experiment.exposure_cohort == cohort_id:
                    experiment.exposure_cohort = None

    def _flag(self, experiment: Experiment) -> FeatureFlag:
        flag = FeatureFlagsBackend.of(self._emulator).record(experiment.feature_flag)
        assert flag is not None, "an experiment's flag is never removed"
        return flag

    def render(self, experiment: Experiment) -> dict[str, Any]:
        """``ExperimentSerializer`` with ``to_representation``'s date ranges."""
        flag = self._flag(experiment)
        start = format_datetime(experiment.start_date)
        end = format_datetime(experiment.end_date)
        date_range = {"date_from": start or "", "date_to": end or "", "explicitDate": True}
        metrics = copy.deepcopy(experiment.metrics)
        metrics_secondary = copy.deepcopy(experiment.metrics_secondary)
        for listed in (metrics, metrics_secondary):
            for metric in listed if isinstance(listed, list) else []:
                for query in ("count_query", "funnels_query"):
                    part = metric.get(query) if isinstance(metric, dict) else None
                    if isinstance(part, dict) and part.get("dateRange"):
                        part["dateRange"] = dict(date_range)
        return {
            "id": experiment.id,
            "name": experiment.name,
            "description": experiment.description,
            "start_date": start,
            "end_date": end,
            "feature_flag_key": flag.key,
            "feature_flag": flag.definition(),
            "holdout": None,
            "holdout_id": experiment.holdout,
            "exposure_cohort": experiment.exposure_cohort,
            "parameters": copy.deepcopy(experiment.parameters),
            "secondary_metrics": copy.deepcopy(experiment.secondary_metrics),
            "saved_metrics": [],
            "saved_metrics_ids": None,
            "filters": copy.deepcopy(experiment.filters),
            "archived": experiment.archived,
            "deleted": experiment.deleted,
            "created_by": render_user(self._emulator.store, experiment.created_by),
            "created_at": format_datetime(experiment.created_at),
            "updated_at": format_datetime(experiment.updated_at),
            "type": experiment.type,
            "exposure_criteria": copy.deepcopy(experiment.exposure_criteria),
            "metrics": metrics,
            "metrics_secondary": metrics_secondary,
            "stats_config": copy.deepcopy(experiment.stats_config),
            "conclusion": experiment.conclusion,
            "conclusion_comment": experiment.conclusion_comment,
            "primary_metrics_ordered_uuids": copy.deepcopy(
                experiment.primary_metrics_ordered_uuids
            ),
            "secondary_metrics_ordered_uuids": copy.deepcopy(
                experiment.secondary_metrics_ordered_uuids
            ),
            "user_access_level": "editor",
        }

    # -- writes --------------------------------------------------------------------------------
    def create(
        self, project: int = 1, *, created_by: int | None = None, **body: Any
    ) -> dict[str, Any]:
        """Create an experiment (and its flag) with ``POST``'s validation."""
        if project not in self._emulator.store.projects:
            raise ValueError(f"project {project!r} does not exist")
        return self.render(self.save(project, None, body, user_id=created_by, partial=False))

    def update(self, pk: int, *, modified_by: int | None = None, **body: Any) -> dict[str, Any]:
        """Change an experiment with ``PATCH``'s validation (start, stop, archive, delete)."""
        found = self.record(pk)
        if found is None or found.deleted:
            raise KeyError(f"experiment {pk} does not exist")
        return self.render(self.save(found.project, found, body, user_id=modified_by, partial=True))

    def save(
        self,
        project: int,
        experiment: Experiment | None,
        body: Any,
        *,
        user_id: int | None,
        partial: bool,
    ) -> Experiment:
        store = self._emulator.store
        with store.lock:
            data = fields.expect_object(body)
            values = rules.validate(data, creating=experiment is None, partial=partial)
            if experiment is None:
                return self._create(project, values, user_id)
            self._update(experiment, values, user_id)
            return experiment

    def _create(self, project: int, values: dict[str, Any], user_id: int | None) -> Experiment:
        emulator = self._emulator
        flags = FeatureFlagsBackend.of(emulator)
        values.pop("saved_metrics_ids", None)
        values.pop("holdout", None)
        key = values.pop("feature_flag_key")
        is_draft = values.get("start_date") is None
        parameters = values.get("parameters") or {}
        existing = flags.by_key(key, project)
        if existing is not None:
            rules.flag_eligible(existing.filters)
            flag = existing
        else:
            flag_body: dict[str, Any] = {
                "key": key,
                "name": f"Feature Flag for Experiment {values['name']}",
                "filters": {
                    "groups": [{"properties": [], "rollout_percentage": 100}],
                    "multivariate": {
                        "variants": parameters.get("feature_flag_variants")
                        or copy.deepcopy(rules.DEFAULT_VARIANTS)
                    },
                    "aggregation_group_type_index": parameters.get("aggregation_group_type_index"),
                    "holdout_groups": None,
                },
                "active": not is_draft,
            }
            if parameters.get("ensure_experience_continuity") is not None:
                flag_body["ensure_experience_continuity"] = parameters[
                    "ensure_experience_continuity"
                ]
            flag = flags.save(project, None, flag_body, user_id=user_id, partial=False)
        stats_config = values.get("stats_config", {})
        if not isinstance(stats_config, dict):
            raise ServerError()  # ``stats_config.get`` on a non-dict
        if not stats_config.get("method"):
            stats_config["method"] = DEFAULT_STATS_METHOD
            values["stats_config"] = stats_config
        for name in ("metrics", "metrics_secondary"):
            if name in values:
                values[name] = rules.with_fingerprints(
                    values[name],
                    values.get("start_date"),
                    stats_config,
                    values.get("exposure_criteria"),
                )
        now = emulator.clock.now()
        experiment = Experiment(
            id=emulator.store.next_id("experiment"),
            project=project,
            feature_flag=flag.id,
            created_at=now,
            updated_at=now,
            created_by=user_id,
            **values,
        )
        self._tables.experiments[experiment.id] = experiment
        return experiment

    def _update(self, experiment: Experiment, values: dict[str, Any], user_id: int | None) -> None:
        flags = FeatureFlagsBackend.of(self._emulator)
        flag = self._flag(experiment)
        values.pop("saved_metrics_ids", None)
        given = set(values)
        key = values.pop("feature_flag_key", None)
        if key is not None:
            given.discard("feature_flag_key")
            if key != flag.key:
                given.add("get_feature_flag_key")
        extra = given - rules.UPDATABLE
        if extra:
            raise ValidationError(
                Msg.EXPERIMENT_CANT_UPDATE_KEYS.format(keys=", ".join(sorted(extra)))
            )
        parameters = values.get("parameters")
        variants = (flag.filters.get("multivariate") or {}).get("variants") or []
        if not experiment.is_draft:
            wanted = (
                parameters.get("feature_flag_variants") if isinstance(parameters, dict) else None
            )
            if isinstance(parameters, dict) and "feature_flag_variants" in parameters:
                if not isinstance(wanted, list) or len(wanted) != len(variants):
                    raise ValidationError(Msg.EXPERIMENT_CANT_UPDATE_VARIANTS)
                for variant in wanted:
                    key_of = variant.get("key") if isinstance(variant, dict) else None
                    if len([v for v in variants if v.get("key") == key_of]) != 1:
                        raise ValidationError(Msg.EXPERIMENT_CANT_UPDATE_VARIANTS)
        filters = values.get("filters", {})
        if isinstance(filters, Mapping) and filters.get("properties"):
            raise ValidationError(Msg.EXPERIMENT_GLOBAL_PROPERTIES)
        if experiment.is_draft and parameters:
            new_filters = copy.deepcopy(flag.filters)
            new_filters["groups"] = flag.filters.get("groups", [])
            new_filters["multivariate"] = {
                "variants": parameters.get("feature_flag_variants")
                or copy.deepcopy(rules.DEFAULT_VARIANTS)
            }
            new_filters["aggregation_group_type_index"] = parameters.get(
                "aggregation_group_type_index"
            )
            new_filters["holdout_groups"] = None
            flags.save(
                experiment.project, flag, {"filters": new_filters}, user_id=user_id, partial=True
            )
        start = values.get("start_date", experiment.start_date)
        stats_config = values.get("stats_config", experiment.stats_config)
        exposure = values.get("exposure_criteria", experiment.exposure_criteria)
        for name in ("metrics", "metrics_secondary"):
            metrics = values.get(name, getattr(experiment, name))
            if metrics:
                values[name] = rules.with_fingerprints(metrics, start, stats_config, exposure)
        if experiment.is_draft and values.get("start_date") is not None:
            flags.save(experiment.project, flag, {"active": True}, user_id=user_id, partial=True)
        values.pop("holdout", None)
        for name, value in values.items():
            setattr(experiment, name, value)
        experiment.updated_at = self._emulator.clock.now()

    # -- seeds and state files -----------------------------------------------------------------
    def load(self, records: list[dict[str, Any]]) -> None:
        """Records use the API's field names (``feature_flag_key`` names the flag, created
        unless a live flag of the project has that key) plus ``project``, ``id``,
        ``created_by``, ``created_at``; metrics keep their fingerprints."""
        load_records(
            self._emulator,
            "experiments",
            records,
            lambda project, body, user_id, _record: self.save(
                project, None, body, user_id=user_id, partial=False
            ),
            self._tables.experiments,
            sequence="experiment",
        )

    def export(self) -> list[dict[str, Any]]:
        store = self._emulator.store
        records = []
        for e in sorted(self._tables.experiments.values(), key=lambda e: e.id):
            user = store.users.get(e.created_by) if e.created_by is not None else None
            records.append(
                {
                    "id": e.id,
                    "project": e.project,
                    "name": e.name,
                    "description": e.description,
                    "feature_flag_key": self._flag(e).key,
                    "start_date": format_datetime(e.start_date),
                    "end_date": format_datetime(e.end_date),
                    "parameters": e.parameters,
                    "secondary_metrics": e.secondary_metrics,
                    "filters": e.filters,
                    "archived": e.archived,
                    "deleted": e.deleted,
                    "type": e.type,
                    "exposure_criteria": e.exposure_criteria,
                    "metrics": e.metrics,
                    "metrics_secondary": e.metrics_secondary,
                    "stats_config": e.stats_config,
                    "conclusion": e.conclusion,
                    "conclusion_comment": e.conclusion_comment,
                    "primary_metrics_ordered_uuids": e.primary_metrics_ordered_uuids,
                    "secondary_metrics_ordered_uuids": e.secondary_metrics_ordered_uuids,
                    "created_by": user.email if user is not None else None,
                    "created_at": format_datetime(e.created_at),
                    "updated_at": format_datetime(e.updated_at),
                }
            )
        return records
