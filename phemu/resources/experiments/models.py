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
from phemu.clock import parse_instant
from phemu.errors import Msg
from phemu.errors import ServerError
from phemu.errors import ValidationError
from phemu.resources._base import Backend
from phemu.resources._base import created_by as render_user
from phemu.resources._records import load_records
from phemu.resources.feature_flags.models import FeatureFlagsBackend
from phemu.serialization import format_datetime

if TYPE_CHECKING:
    from phemu.emulator import Emulator
    from phemu.resources.experiments import rules
    from phemu.resources.feature_flags.models import FeatureFlag


def _django_int(raw: Any) -> int:
    """An id as Django's integer lookup casts it; what it cannot cast is its 500."""
    if isinstance(raw, bool):
        return int(raw)
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    if isinstance(raw, str) and raw.strip().lstrip("+-").isdigit():
        return int(raw)
    raise ServerError()


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
    #: ``Experiment.variants``: a web experiment's variants (transforms and rollout).
    variants: Any = field(default_factory=dict)

    @property
    def is_draft(self) -> bool:
        return self.start_date is None


@dataclass(slots=True, kw_only=True)
class SavedMetricLink:
    """``ExperimentToSavedMetric``: a saved metric used by an experiment, with its metadata
    (``{"type": "primary"}`` or ``"secondary"``)."""

    id: int
    experiment: int
    saved_metric: int
    metadata: Any
    created_at: datetime


@dataclass(slots=True, kw_only=True)
class Recalculation:
    """``ExperimentTimeseriesRecalculation``: a request to recompute a metric's timeseries,
    ``pending`` until PostHog's worker picks it up (phemu has no worker)."""

    id: str
    experiment: int
    metric: Any
    fingerprint: str
    status: str
    created_at: datetime


@dataclass
class ExperimentTables:
    experiments: dict[int, Experiment] = field(default_factory=dict)
    saved_metric_links: dict[int, SavedMetricLink] = field(default_factory=dict)
    recalculations: dict[str, Recalculation] = field(default_factory=dict)


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

    def set_exposure_cohort(self, experiment_id: int, cohort_id: int) -> None:
        """``create_exposure_cohort_for_experiment`` saves only this field
        (``experiment.save(update_fields=["exposure_cohort"])``)."""
        with self._emulator.store.lock:
            experiment = self._tables.experiments[experiment_id]
            experiment.exposure_cohort = cohort_id

    def forget_exposure_cohort(self, cohort_id: int) -> None:
        """A deleted cohort is detached from its experiments (``experiment_set.set([])``)."""
        with self._emulator.store.lock:
            for experiment in self._tables.experiments.values():
                if experiment.exposure_cohort == cohort_id:
                    experiment.exposure_cohort = None

    def of_type(self, project: int, kind: str) -> list[Experiment]:
        """The project's experiments of a ``type``, soft-deleted ones too."""
        return [
            e for e in self._tables.experiments.values() if e.project == project and e.type == kind
        ]

    def ids_for_holdout(self, holdout_id: int) -> list[int]:
        """``ExperimentHoldout.experiment_set``: every experiment in the holdout."""
        return sorted(e.id for e in self._tables.experiments.values() if e.holdout == holdout_id)

    def links(self, experiment_id: int) -> list[SavedMetricLink]:
        """``experimenttosavedmetric_set``, oldest first."""
        found = [
            link
            for link in self._tables.saved_metric_links.values()
            if link.experiment == experiment_id
        ]
        return sorted(found, key=lambda link: link.id)

    def _lookups(self) -> rules.Lookups:
        from phemu.resources.experiments import rules

        emulator = self._emulator

        def saved_metric(raw: Any) -> int | None:
            pk = _django_int(raw)
            return pk if emulator.experiment_saved_metrics.record(pk) is not None else None

        return rules.Lookups(
            holdout=lambda pk: emulator.experiment_holdouts.record(pk) is not None,
            saved_metric=saved_metric,
        )

    def _holdout_groups(self, holdout_id: int | None) -> Any:
        holdout = (
            self._emulator.experiment_holdouts.record(holdout_id)
            if holdout_id is not None
            else None
        )
        return copy.deepcopy(holdout.filters) if holdout is not None else None

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
            "holdout": self._emulator.experiment_holdouts.get(experiment.holdout)
            if experiment.holdout is not None
            else None,
            "holdout_id": experiment.holdout,
            "exposure_cohort": experiment.exposure_cohort,
            "parameters": copy.deepcopy(experiment.parameters),
            "secondary_metrics": copy.deepcopy(experiment.secondary_metrics),
            "saved_metrics": self._render_links(experiment, date_range),
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

    def _render_links(
        self, experiment: Experiment, date_range: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """``ExperimentToSavedMetricSerializer`` rows, with ``to_representation``'s date ranges
        and each query's fingerprint (so clients know which timeseries to ask for)."""
        from phemu.resources.experiments import rules

        metrics = self._emulator.experiment_saved_metrics
        rows = []
        for link in self.links(experiment.id):
            saved = metrics.record(link.saved_metric)
            query = copy.deepcopy(saved.query) if saved is not None else None
            if isinstance(query, dict):
                for part in ("count_query", "funnels_query"):
                    inner = query.get(part)
                    if isinstance(inner, dict) and inner.get("dateRange"):
                        inner["dateRange"] = dict(date_range)
                query["fingerprint"] = rules.fingerprint(
                    query,
                    experiment.start_date,
                    experiment.stats_config,
                    experiment.exposure_criteria,
                )
            rows.append(
                {
                    "id": link.id,
                    "experiment": link.experiment,
                    "saved_metric": link.saved_metric,
                    "metadata": copy.deepcopy(link.metadata),
                    "created_at": format_datetime(link.created_at),
                    "query": query,
                    "name": saved.name if saved is not None else None,
                }
            )
        return rows

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
        from phemu.resources.experiments import rules

        store = self._emulator.store
        with store.lock:
            data = fields.expect_object(body)
            values = rules.validate(
                data, creating=experiment is None, partial=partial, lookups=self._lookups()
            )
            if experiment is None:
                return self._create(project, values, user_id)
            self._update(experiment, values, user_id)
            return experiment

    def _create(self, project: int, values: dict[str, Any], user_id: int | None) -> Experiment:
        from phemu.resources.experiments import rules

        emulator = self._emulator
        flags = FeatureFlagsBackend.of(emulator)
        saved_metrics = values.pop("saved_metrics_ids", None) or []
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
                    "holdout_groups": self._holdout_groups(values.get("holdout")),
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
        if experiment.type == "web":
            # A web experiment keeps each variant's rollout on itself too.
            experiment.variants = {
                v.get("key"): {"rollout_percentage": v.get("rollout_percentage")}
                for v in parameters.get("feature_flag_variants") or rules.DEFAULT_VARIANTS
            }
        self._link(experiment, saved_metrics)
        return experiment

    def _link(self, experiment: Experiment, saved_metrics: list[dict[str, Any]]) -> None:
        """``ExperimentToSavedMetricSerializer(...).save()`` for each validated entry."""
        store = self._emulator.store
        for item in saved_metrics:
            link = SavedMetricLink(
                id=store.next_id("experiment_saved_metric_link"),
                experiment=experiment.id,
                saved_metric=_django_int(item["id"]),
                metadata=copy.deepcopy(item.get("metadata")),
                created_at=self._emulator.clock.now(),
            )
            self._tables.saved_metric_links[link.id] = link

    def _update(self, experiment: Experiment, values: dict[str, Any], user_id: int | None) -> None:
        from phemu.resources.experiments import rules

        flags = FeatureFlagsBackend.of(self._emulator)
        flag = self._flag(experiment)
        replace_links = "saved_metrics_ids" in values
        saved_metrics = values.pop("saved_metrics_ids", None) or []
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
            if "holdout" in values and values["holdout"] != experiment.holdout:
                raise ValidationError(Msg.EXPERIMENT_CANT_UPDATE_HOLDOUT)
        filters = values.get("filters", {})
        if isinstance(filters, Mapping) and filters.get("properties"):
            raise ValidationError(Msg.EXPERIMENT_GLOBAL_PROPERTIES)
        holdout_groups = self._holdout_groups(values.get("holdout", experiment.holdout))
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
            new_filters["holdout_groups"] = holdout_groups
            flags.save(
                experiment.project, flag, {"filters": new_filters}, user_id=user_id, partial=True
            )
        elif experiment.is_draft and "holdout" in values:
            new_filters = {**copy.deepcopy(flag.filters), "holdout_groups": holdout_groups}
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
        if replace_links:  # all replaced, as PostHog does (after the checks: nothing is half done)
            for link in self.links(experiment.id):
                del self._tables.saved_metric_links[link.id]
            self._link(experiment, saved_metrics)
        for name, value in values.items():
            setattr(experiment, name, value)
        experiment.updated_at = self._emulator.clock.now()

    def set_holdout_groups(self, holdout_id: int, groups: Any, *, user_id: int | None) -> None:
        """The flag of every experiment in a holdout gets ``holdout_groups`` (the holdout's
        update and destroy, through ``FeatureFlagSerializer``)."""
        flags = FeatureFlagsBackend.of(self._emulator)
        with self._emulator.store.lock:
            for pk in self.ids_for_holdout(holdout_id):
                experiment = self._tables.experiments[pk]
                flag = self._flag(experiment)
                new_filters = {**copy.deepcopy(flag.filters), "holdout_groups": groups}
                flags.save(
                    experiment.project,
                    flag,
                    {"filters": new_filters},
                    user_id=user_id,
                    partial=True,
                )

    def forget_holdout(self, holdout_id: int) -> None:
        """A deleted holdout leaves its experiments (``on_delete=SET_NULL``)."""
        with self._emulator.store.lock:
            for experiment in self._tables.experiments.values():
                if experiment.holdout == holdout_id:
                    experiment.holdout = None

    def forget_saved_metric(self, saved_metric_id: int) -> None:
        """A deleted saved metric leaves its experiments (``on_delete=CASCADE`` of the link)."""
        links = self._tables.saved_metric_links
        with self._emulator.store.lock:
            for link in [x for x in links.values() if x.saved_metric == saved_metric_id]:
                del links[link.id]

    def duplicate(self, pk: int, *, user_id: int | None = None, **body: Any) -> dict[str, Any]:
        """``EnterpriseExperimentsViewSet.duplicate``: a draft copy named ``<name> (Copy)``
        (``(Copy) 1``, ``2``... while a live experiment has the name) through the serializer's
        create, reusing the source's flag unless another key is given (then the variants of a
        live flag of that key replace the parameters' ones); metrics, saved metrics, filters,
        stats and exposure settings are copied, dates and the holdout are not. ``body`` is the
        request's: only its ``feature_flag_key`` is read."""
        source = self.record(pk)
        if source is None or source.deleted:
            raise KeyError(f"experiment {pk} does not exist")
        return self.render(self.copy(source, body, user_id=user_id))

    def copy(self, source: Experiment, body: Any, *, user_id: int | None) -> Experiment:
        flags = FeatureFlagsBackend.of(self._emulator)
        with self._emulator.store.lock:
            if not isinstance(body, Mapping):
                raise ServerError()  # ``request.data.get`` on a list
            source_key = self._flag(source).key
            key = body.get("feature_flag_key", source_key)
            parameters = copy.deepcopy(source.parameters) or {}
            if key != source_key:
                existing = flags.by_key(key, source.project) if isinstance(key, str) else None
                variants = (
                    (existing.filters.get("multivariate") or {}).get("variants")
                    if existing is not None
                    else None
                )
                if variants:
                    if not isinstance(parameters, dict):
                        raise ServerError()  # item assignment on a non-dict
                    parameters["feature_flag_variants"] = copy.deepcopy(variants)
            base = f"{source.name} (Copy)"
            taken = {e.name for e in self.live(source.project)}
            name, counter = base, 1
            while name in taken:
                name = f"{base} {counter}"
                counter += 1
            data = {
                "name": name,
                "description": source.description,
                "type": source.type,
                "parameters": parameters,
                "filters": copy.deepcopy(source.filters),
                "metrics": copy.deepcopy(source.metrics),
                "metrics_secondary": copy.deepcopy(source.metrics_secondary),
                "stats_config": copy.deepcopy(source.stats_config),
                "exposure_criteria": copy.deepcopy(source.exposure_criteria),
                "saved_metrics_ids": [
                    {"id": link.saved_metric, "metadata": copy.deepcopy(link.metadata)}
                    for link in self.links(source.id)
                ],
                "feature_flag_key": key,
                "primary_metrics_ordered_uuids": copy.deepcopy(
                    source.primary_metrics_ordered_uuids
                ),
                "secondary_metrics_ordered_uuids": copy.deepcopy(
                    source.secondary_metrics_ordered_uuids
                ),
                "start_date": None,
                "end_date": None,
                "archived": False,
                "deleted": False,
            }
            return self.save(source.project, None, data, user_id=user_id, partial=False)

    # -- web experiments (``WebExperiment``: the experiments of type ``web``) --------------------
    def create_web(
        self,
        project: int,
        *,
        name: str,
        variants: Any,
        flag_body: dict[str, Any],
        user_id: int | None,
    ) -> Experiment:
        """``WebExperimentsAPISerializer.create``: the flag (through the flags serializer),
        then the experiment (``description`` empty, ``stats_config`` the organization's
        default method)."""
        emulator = self._emulator
        with emulator.store.lock:
            flag = FeatureFlagsBackend.of(emulator).save(
                project, None, flag_body, user_id=user_id, partial=False
            )
            now = emulator.clock.now()
            experiment = Experiment(
                id=emulator.store.next_id("experiment"),
                project=project,
                name=name,
                description="",
                type="web",
                feature_flag=flag.id,
                created_at=now,
                updated_at=now,
                created_by=user_id,
                variants=copy.deepcopy(variants),
                stats_config={"method": DEFAULT_STATS_METHOD},
            )
            self._tables.experiments[experiment.id] = experiment
            return experiment

    def change_web(
        self,
        experiment: Experiment,
        values: dict[str, Any],
        *,
        flag_filters: dict[str, Any] | None,
        user_id: int | None,
    ) -> None:
        """``WebExperimentsAPISerializer.update``: new variants rewrite the flag's variants,
        then the experiment's own fields change."""
        with self._emulator.store.lock:
            if flag_filters is not None:
                FeatureFlagsBackend.of(self._emulator).save(
                    experiment.project,
                    self._flag(experiment),
                    {"filters": flag_filters},
                    user_id=user_id,
                    partial=True,
                )
            for name, value in values.items():
                setattr(experiment, name, copy.deepcopy(value))
            experiment.updated_at = self._emulator.clock.now()

    def remove(self, pk: int) -> None:
        """Delete an experiment for good (``WebExperimentViewSet``'s ``destroy``): its saved
        metric links and recalculations go with it, its flag stays."""
        tables = self._tables
        with self._emulator.store.lock:
            if tables.experiments.pop(pk, None) is None:
                raise KeyError(f"experiment {pk} does not exist")
            for link in self.links(pk):
                del tables.saved_metric_links[link.id]
            for request in [r for r in tables.recalculations.values() if r.experiment == pk]:
                del tables.recalculations[request.id]

    # -- timeseries recalculations ---------------------------------------------------------------
    def active_recalculation(self, experiment_id: int, fingerprint: Any) -> Recalculation | None:
        """The pending or in-progress request for this metric configuration, if any."""
        return next(
            (
                r
                for r in self._tables.recalculations.values()
                if r.experiment == experiment_id
                and r.fingerprint == fingerprint
                and r.status in ("pending", "in_progress")
            ),
            None,
        )

    def request_recalculation(
        self, experiment_id: int, metric: Any, fingerprint: str
    ) -> tuple[Recalculation, bool]:
        """``recalculate_timeseries``: the active request for this fingerprint, or a new
        ``pending`` one (``True``: created). phemu stores no metric results to delete."""
        with self._emulator.store.lock:
            found = self.active_recalculation(experiment_id, fingerprint)
            if found is not None:
                return found, False
            if len(fingerprint) > 64:
                raise ServerError()  # ``CharField(max_length=64)``: Postgres refuses the row
            fields.storable_json(metric)
            request = Recalculation(
                id=self._emulator.store.new_uuid(),
                experiment=experiment_id,
                metric=copy.deepcopy(metric),
                fingerprint=fingerprint,
                status="pending",
                created_at=self._emulator.clock.now(),
            )
            self._tables.recalculations[request.id] = request
            return request, True

    def recalculations(self, experiment_id: int) -> list[Recalculation]:
        found = [r for r in self._tables.recalculations.values() if r.experiment == experiment_id]
        return sorted(found, key=lambda r: (r.created_at, r.id))

    # -- seeds and state files -----------------------------------------------------------------
    def load(self, records: list[dict[str, Any]]) -> None:
        """Records use the API's field names (``feature_flag_key`` names the flag, created
        unless a live flag of the project has that key) plus ``project``, ``id``,
        ``created_by``, ``created_at``; metrics keep their fingerprints. ``variants`` (a web
        experiment's), ``exposure_cohort`` (a cohort's id), ``saved_metric_links`` and
        ``timeseries_recalculations`` (state files) are stored as given; a web experiment
        names its flag by key without the experiments' eligibility check (PostHog's web
        serializer does not make one)."""
        created: list[tuple[Experiment, int]] = []

        def create(
            project: int, body: dict[str, Any], user_id: int | None, record: Mapping[str, Any]
        ) -> Experiment:
            if record.get("type") == "web":
                experiment = self._restore_web(project, body, user_id)
            else:
                experiment = self.save(project, None, body, user_id=user_id, partial=False)
            if "variants" in record:
                experiment.variants = copy.deepcopy(record["variants"])
            if record.get("exposure_cohort") is not None:
                cohort = self._emulator.cohorts.record(record["exposure_cohort"])
                if cohort is None or cohort.project != project:
                    raise ValueError("'exposure_cohort' must name a cohort of the project")
                experiment.exposure_cohort = cohort.id
            for raw in record.get("saved_metric_links") or []:
                self._restore_link(experiment, raw)
            for raw in record.get("timeseries_recalculations") or []:
                request = Recalculation(
                    id=str(raw["id"]),
                    experiment=experiment.id,
                    metric=copy.deepcopy(raw["metric"]),
                    fingerprint=str(raw["fingerprint"]),
                    status=str(raw.get("status", "pending")),
                    created_at=parse_instant(raw["created_at"]),
                )
                self._tables.recalculations[request.id] = request
            created.append((experiment, experiment.id))
            return experiment

        load_records(
            self._emulator,
            "experiments",
            records,
            create,
            self._tables.experiments,
            sequence="experiment",
            extra=(
                "variants",
                "timeseries_recalculations",
                "saved_metric_links",
                "exposure_cohort",
            ),
        )
        # ``load_records`` gives a record its explicit id after creating it.
        tables = self._tables
        for experiment, first_id in created:
            if experiment.id != first_id:
                for link in tables.saved_metric_links.values():
                    if link.experiment == first_id:
                        link.experiment = experiment.id
                for request in tables.recalculations.values():
                    if request.experiment == first_id:
                        request.experiment = experiment.id

    def _restore_link(self, experiment: Experiment, raw: Mapping[str, Any]) -> None:
        """A saved metric link of a state file, with its id and creation time."""
        store = self._emulator.store
        if self._emulator.experiment_saved_metrics.record(raw["saved_metric"]) is None:
            raise ValueError(f"'saved_metric_links': no saved metric {raw['saved_metric']!r}")
        link = SavedMetricLink(
            id=int(raw["id"]),
            experiment=experiment.id,
            saved_metric=int(raw["saved_metric"]),
            metadata=copy.deepcopy(raw.get("metadata")),
            created_at=parse_instant(raw["created_at"]),
        )
        store.bump_id("experiment_saved_metric_link", link.id)
        self._tables.saved_metric_links[link.id] = link

    def _restore_web(self, project: int, body: dict[str, Any], user_id: int | None) -> Experiment:
        from phemu.resources.experiments import rules

        key = body.get("feature_flag_key")
        flag = FeatureFlagsBackend.of(self._emulator).by_key(key, project) if key else None
        if flag is None:
            raise ValueError(f"'feature_flag_key' {key!r} names no live flag of the project")
        values = rules.validate(body, creating=True, partial=False, lookups=self._lookups())
        values.pop("feature_flag_key")
        saved_metrics = values.pop("saved_metrics_ids", None) or []
        now = self._emulator.clock.now()
        experiment = Experiment(
            id=self._emulator.store.next_id("experiment"),
            project=project,
            feature_flag=flag.id,
            created_at=now,
            updated_at=now,
            created_by=user_id,
            **values,
        )
        self._tables.experiments[experiment.id] = experiment
        self._link(experiment, saved_metrics)
        return experiment

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
                    "holdout_id": e.holdout,
                    "exposure_cohort": e.exposure_cohort,
                    "saved_metric_links": [
                        {
                            "id": link.id,
                            "saved_metric": link.saved_metric,
                            "metadata": link.metadata,
                            "created_at": format_datetime(link.created_at),
                        }
                        for link in self.links(e.id)
                    ],
                    "variants": e.variants,
                    "timeseries_recalculations": [
                        {
                            "id": r.id,
                            "metric": r.metric,
                            "fingerprint": r.fingerprint,
                            "status": r.status,
                            "created_at": format_datetime(r.created_at),
                        }
                        for r in self.recalculations(e.id)
                    ],
                    "created_by": user.email if user is not None else None,
                    "created_at": format_datetime(e.created_at),
                    "updated_at": format_datetime(e.updated_at),
                }
            )
        return records
