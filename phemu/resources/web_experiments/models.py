"""``WebExperimentsBackend`` (``emulator.web_experiments``): PostHog's ``WebExperiment`` is a
proxy of ``Experiment`` (``posthog/models/web_experiment.py``), the experiments of type
``web``, so this backend keeps no table: it validates as ``WebExperimentsAPISerializer`` does
(``posthog/api/web_experiment.py``) and writes through :class:`ExperimentsBackend`.

Creating one creates its inactive multivariate flag through the flags serializer (key
``<name>-web-experiment-feature-<10 hex digits>``, slugified; variants and rollouts from the
experiment's variants), a draft experiment with an empty description and the organization's
stats method. New ``variants`` rewrite the flag's variants. The answer's ``variants`` are the
flag's variants (their current rollout) with the experiment's transforms. The list hides soft
deleted experiments; ``DELETE`` removes the experiment for good (its flag stays).
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING
from typing import Any

from phemu import fields
from phemu.resources._base import Backend
from phemu.resources.experiments.models import Experiment
from phemu.resources.experiments.models import ExperimentsBackend
from phemu.resources.feature_flags.models import FeatureFlagsBackend
from phemu.resources.web_experiments import rules
from phemu.serialization import format_datetime

if TYPE_CHECKING:
    from phemu.emulator import Emulator


class WebExperimentsBackend(Backend):
    def __init__(self, emulator: Emulator) -> None:
        super().__init__(emulator)
        self._emulator = emulator

    @property
    def _experiments(self) -> ExperimentsBackend:
        return ExperimentsBackend.of(self._emulator)

    # -- reads ---------------------------------------------------------------------------------
    def in_project(self, project: int) -> list[Experiment]:
        """The project's web experiments, newest first (``order_by("-created_at")``); the
        detail routes see soft-deleted ones too."""
        found = self._experiments.of_type(project, "web")
        return sorted(found, key=lambda e: (e.created_at, e.id), reverse=True)

    def listed(self, project: int) -> list[Experiment]:
        """The list hides soft-deleted experiments (``safely_get_queryset``)."""
        return [e for e in self.in_project(project) if not e.deleted]

    def get(self, pk: int) -> dict[str, Any] | None:
        found = self._experiments.record(pk)
        return None if found is None or found.type != "web" else self.render(found)

    def all(self, project: int = 1) -> list[dict[str, Any]]:
        return [self.render(e) for e in self.listed(project)]

    def render(self, experiment: Experiment) -> dict[str, Any]:
        flag = FeatureFlagsBackend.of(self._emulator).record(experiment.feature_flag)
        return {
            "id": experiment.id,
            "name": experiment.name,
            "created_at": format_datetime(experiment.created_at),
            "feature_flag_key": flag.key if flag is not None else None,
            "variants": self._variants(experiment),
        }

    def _variants(self, experiment: Experiment) -> Any:
        """``_get_corrected_variants``: every flag variant with its rollout, plus what the
        experiment stores for it besides the rollout."""
        flag = FeatureFlagsBackend.of(self._emulator).record(experiment.feature_flag)
        own = experiment.variants or {}
        listed = (flag.filters.get("multivariate") or {}).get("variants") if flag else None
        if not listed:
            return copy.deepcopy(own)
        result: dict[str, Any] = {}
        for variant in listed:
            key = variant.get("key")
            if not key:
                continue
            result[key] = {"rollout_percentage": variant.get("rollout_percentage", 0)}
            extra = own.get(key) if isinstance(own, dict) else None
            if isinstance(extra, dict):
                result[key].update(
                    {k: copy.deepcopy(v) for k, v in extra.items() if k != "rollout_percentage"}
                )
        return result

    # -- writes --------------------------------------------------------------------------------
    def create(
        self, project: int = 1, *, created_by: int | None = None, **body: Any
    ) -> dict[str, Any]:
        if project not in self._emulator.store.projects:
            raise ValueError(f"project {project!r} does not exist")
        return self.render(self.save(project, None, body, user_id=created_by, partial=False))

    def update(self, pk: int, *, modified_by: int | None = None, **body: Any) -> dict[str, Any]:
        found = self._experiments.record(pk)
        if found is None or found.type != "web":
            raise KeyError(f"web experiment {pk} does not exist")
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
        with self._emulator.store.lock:
            data = fields.expect_object(body)
            values = rules.validate(data, required=experiment is None or not partial)
            variants = values.get("variants")
            if experiment is None:
                assert isinstance(variants, dict)  # ``validate`` accepts no other creation
                random_id = self._emulator.store.new_uuid().replace("-", "")[-10:]
                flag_body = {
                    "key": rules.flag_key(values["name"], random_id),
                    "name": f"Feature Flag for Experiment {values['name']}",
                    "filters": {
                        "groups": [{"properties": [], "rollout_percentage": 100}],
                        "multivariate": rules.flag_variants(variants),
                    },
                    "active": False,
                }
                return self._experiments.create_web(
                    project,
                    name=values["name"],
                    variants=variants,
                    flag_body=flag_body,
                    user_id=user_id,
                )
            flag_filters = None
            if isinstance(variants, dict):
                flag = FeatureFlagsBackend.of(self._emulator).record(experiment.feature_flag)
                groups = flag.filters.get("groups") if flag is not None else None
                flag_filters = {"groups": groups, "multivariate": rules.flag_variants(variants)}
            self._experiments.change_web(
                experiment, values, flag_filters=flag_filters, user_id=user_id
            )
            return experiment

    def destroy(self, pk: int, *, user_id: int | None = None) -> None:
        self._experiments.remove(pk)
