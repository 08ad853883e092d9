"""Survey records, their table and ``SurveysBackend`` (``emulator.surveys``).

A survey may point at a ``linked_flag`` (any existing flag), gets a targeting flag when
``targeting_flag_filters`` are given, and always an internal targeting flag that hides it from
people who dismissed or answered it (``$survey_dismissed/<id>``, ``$survey_responded/<id>``),
active while the survey runs: all created through the feature flags backend, as PostHog's
serializer creates them. ``DELETE`` removes the survey and its targeting flags for good.
``responses_count`` counts ``survey sent`` events of the event store, one per submission.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from typing import TYPE_CHECKING
from typing import Any

from phemu import fields
from phemu.errors import Msg
from phemu.errors import NotFound
from phemu.errors import ServerError
from phemu.errors import ValidationError
from phemu.resources._base import Backend
from phemu.resources._base import created_by as render_user
from phemu.resources._records import load_records
from phemu.resources.activity_log.models import change
from phemu.resources.activity_log.models import changes_between
from phemu.resources.feature_flags.models import FeatureFlagsBackend
from phemu.resources.surveys import stats
from phemu.resources.surveys.stats import json_string
from phemu.resources.surveys.stats import unique_sent
from phemu.serialization import format_datetime

if TYPE_CHECKING:
    from phemu.emulator import Emulator
    from phemu.resources.feature_flags.models import FeatureFlag

#: ``SURVEY_TARGETING_FLAG_PREFIX`` (``posthog/constants.py``).
TARGETING_PREFIX = "survey-targeting-"


@dataclass(slots=True, kw_only=True)
class Survey:
    id: str
    seq: int
    project: int
    name: str
    type: str
    created_at: datetime
    updated_at: datetime
    description: str = ""
    schedule: str | None = "once"
    linked_flag: int | None = None
    targeting_flag: int | None = None
    internal_targeting_flag: int | None = None
    internal_response_sampling_flag: int | None = None
    questions: Any = None
    conditions: Any = None
    appearance: Any = None
    created_by: int | None = None
    start_date: datetime | None = None
    end_date: datetime | None = None
    archived: bool = False
    responses_limit: int | None = None
    iteration_count: int | None = None
    iteration_frequency_days: int | None = None
    iteration_start_dates: list[datetime | None] | None = None
    current_iteration: int | None = None
    current_iteration_start_date: datetime | None = None
    response_sampling_start_date: datetime | None = None
    response_sampling_interval_type: str | None = "week"
    response_sampling_interval: int | None = None
    response_sampling_limit: int | None = None
    response_sampling_daily_limits: Any = None
    enable_partial_responses: bool | None = False


@dataclass
class SurveyTables:
    surveys: dict[str, Survey] = field(default_factory=dict)


class SurveysBackend(Backend):
    """Create, change, delete and read surveys (the only writer of their table)."""

    def __init__(self, emulator: Emulator) -> None:
        super().__init__(emulator)
        self._emulator = emulator

    @property
    def _tables(self) -> SurveyTables:
        return self._emulator.store.state(SurveyTables)

    # -- reads ---------------------------------------------------------------------------------
    def record(self, pk: str) -> Survey | None:
        return self._tables.surveys.get(pk)

    def in_project(self, project: int) -> list[Survey]:
        """The project's surveys in creation order (PostHog's list has no explicit order)."""
        found = [s for s in self._tables.surveys.values() if s.project == project]
        return sorted(found, key=lambda s: s.seq)

    def get(self, pk: str) -> dict[str, Any] | None:
        found = self.record(pk)
        return None if found is None else self.render(found)

    def all(self, project: int = 1) -> list[dict[str, Any]]:
        return [self.render(s) for s in self.in_project(project)]

    def _flag(self, pk: int | None) -> FeatureFlag | None:
        return FeatureFlagsBackend.of(self._emulator).record(pk) if pk is not None else None

    def _minimal(self, pk: int | None) -> dict[str, Any] | None:
        flag = self._flag(pk)
        return flag.definition() if flag is not None else None

    def render(self, survey: Survey, *, write_shape: bool = False) -> dict[str, Any]:
        """``SurveySerializer`` (reads, PUT), or ``SurveySerializerCreateUpdateOnly``
        (``write_shape``: POST and PATCH answers)."""
        body: dict[str, Any] = {
            "id": survey.id,
            "name": survey.name,
            "description": survey.description,
            "type": survey.type,
            "schedule": survey.schedule,
            "linked_flag": self._minimal(survey.linked_flag),
        }
        if not write_shape:
            body["linked_flag_id"] = survey.linked_flag
        body.update(
            {
                "targeting_flag": self._minimal(survey.targeting_flag),
                "internal_targeting_flag": self._minimal(survey.internal_targeting_flag),
                "questions": copy.deepcopy(survey.questions),
                "conditions": copy.deepcopy(survey.conditions),
                "appearance": copy.deepcopy(survey.appearance),
                "created_at": format_datetime(survey.created_at),
                "created_by": render_user(self._emulator.store, survey.created_by),
                "start_date": format_datetime(survey.start_date),
                "end_date": format_datetime(survey.end_date),
                "archived": survey.archived,
                "responses_limit": survey.responses_limit,
            }
        )
        if not write_shape:
            body["feature_flag_keys"] = [
                {"key": f"{name}_key", "value": flag.key if flag is not None else None}
                for name, flag in (
                    ("linked_flag", self._flag(survey.linked_flag)),
                    ("targeting_flag", self._flag(survey.targeting_flag)),
                    ("internal_targeting_flag", self._flag(survey.internal_targeting_flag)),
                    (
                        "internal_response_sampling_flag",
                        self._flag(survey.internal_response_sampling_flag),
                    ),
                )
            ]
        body.update(_schedule(survey, format_datetime))
        if not write_shape:
            body["user_access_level"] = "editor"
        return body

    def api_shape(self, survey: Survey) -> dict[str, Any]:
        """``SurveyAPISerializer`` (what a flag lists as its ``surveys``): a flag key whose flag
        is missing is left out, as DRF skips a dotted source through a null relation."""
        body: dict[str, Any] = {"id": survey.id, "name": survey.name, "type": survey.type}
        for name, pk in (
            ("linked_flag_key", survey.linked_flag),
            ("targeting_flag_key", survey.targeting_flag),
            ("internal_targeting_flag_key", survey.internal_targeting_flag),
        ):
            flag = self._flag(pk)
            if flag is not None:
                body[name] = flag.key
        body.update(
            {
                "questions": copy.deepcopy(survey.questions),
                "conditions": copy.deepcopy(survey.conditions),
                "appearance": copy.deepcopy(survey.appearance),
                "start_date": format_datetime(survey.start_date),
                "end_date": format_datetime(survey.end_date),
                "current_iteration": survey.current_iteration,
                "current_iteration_start_date": format_datetime(
                    survey.current_iteration_start_date
                ),
                "schedule": survey.schedule,
                "enable_partial_responses": survey.enable_partial_responses,
            }
        )
        return body

    def linked_to(self, flag_id: int) -> list[dict[str, Any]]:
        """``FeatureFlag.surveys_linked_flag`` as the flag serializer lists them."""
        found = sorted(
            (s for s in self._tables.surveys.values() if s.linked_flag == flag_id),
            key=lambda s: s.seq,
        )
        return [self.api_shape(s) for s in found]

    def responses_count(self, project: int) -> dict[str, int]:
        """``responses_count``: ``survey sent`` events since the earliest survey start, per
        ``$survey_id``, a partial response counted once per ``$survey_submission_id``."""
        starts = [s.start_date for s in self.in_project(project) if s.start_date is not None]
        if not starts:
            return {}
        since = min(starts)
        window = [r for r in self._emulator.events.records(project) if r.timestamp >= since]
        counted = unique_sent(window)
        counts: dict[str, int] = {}
        for record in window:
            if record.uuid in counted:
                survey_key = json_string(record.properties, stats.SURVEY_ID)
                counts[survey_key] = counts.get(survey_key, 0) + 1
        return counts

    def stats(
        self,
        project: int = 1,
        survey_id: str | None = None,
        *,
        date_from: str | None = None,
        date_to: str | None = None,
    ) -> dict[str, Any]:
        """What ``surveys/stats/`` (every survey that is not archived) or
        ``surveys/:id/stats/`` answers (``SurveyViewSet.global_stats`` and ``survey_stats``);
        the counting is ``phemu/resources/surveys/stats.py``."""
        since, until = stats.parse_dates(date_from, date_to)
        if survey_id is None:
            ids = {s.id for s in self.in_project(project) if not s.archived}
            if not ids:
                return {"stats": {}, "rates": dict(stats.ZERO_RATES)}
            return stats.compute(self._emulator.events.records(project), ids, since, until)
        survey = self.record(survey_id.lower())
        if survey is None or survey.project != project:
            raise NotFound()
        answer = stats.compute(self._emulator.events.records(project), {survey_id}, since, until)
        answer["survey_id"] = survey_id
        answer["start_date"] = format_datetime(survey.start_date)
        answer["end_date"] = format_datetime(survey.end_date)
        return answer

    # -- writes --------------------------------------------------------------------------------
    def create(
        self, project: int = 1, *, created_by: int | None = None, **body: Any
    ) -> dict[str, Any]:
        """Create a survey (and its flags) with ``POST``'s validation."""
        if project not in self._emulator.store.projects:
            raise ValueError(f"project {project!r} does not exist")
        survey = self.save(project, None, body, user_id=created_by, method="POST")
        return self.render(survey, write_shape=True)

    def update(self, pk: str, *, modified_by: int | None = None, **body: Any) -> dict[str, Any]:
        """Change a survey with ``PATCH``'s validation (launch, stop, archive...)."""
        found = self.record(pk)
        if found is None:
            raise KeyError(f"survey {pk} does not exist")
        self.save(found.project, found, body, user_id=modified_by, method="PATCH")
        return self.render(found, write_shape=True)

    def delete(self, pk: str, *, deleted_by: int | None = None) -> None:
        """``destroy``: the survey and its targeting flags go for good (logged ``deleted``)."""
        with self._emulator.store.lock:
            survey = self._tables.surveys.pop(pk, None)
            if survey is None:
                raise KeyError(f"survey {pk} does not exist")
            flags = FeatureFlagsBackend.of(self._emulator)
            for flag_id in (survey.targeting_flag, survey.internal_targeting_flag):
                if flag_id is not None and flags.record(flag_id) is not None:
                    flags.remove(flag_id)
            self._log(survey, "deleted", deleted_by)

    def save(
        self,
        project: int,
        survey: Survey | None,
        body: Any,
        *,
        user_id: int | None,
        method: str,
        journal: bool = True,
    ) -> Survey:
        """Validate and write; every write is logged as the serializer's ``create`` and
        ``update`` log it, unless ``journal`` is false (seed loads)."""
        from phemu.resources.surveys import rules

        store = self._emulator.store
        with store.lock:
            data = fields.expect_object(body)
            values = rules.validate_fields(data, creating=survey is None, partial=method == "PATCH")
            self._validate(project, survey, values, method)
            if survey is None:
                created = self._create(project, values, user_id)
                if journal:
                    self._log(created, "created", user_id)
                return created
            before = logged_fields(survey)
            flag_changes = self._update(survey, values, user_id)
            if journal:
                self._log(
                    survey,
                    "updated",
                    user_id,
                    flag_changes
                    + changes_between("Survey", before, logged_fields(survey), empty_values=True),
                )
            return survey

    def duplicate_to_projects(
        self, pk: str, target_team_ids: Any, *, user_id: int, source_id: str | None = None
    ) -> dict[str, Any]:
        """``duplicate_to_projects``: a copy of the survey in each target project of the user's
        organization, all or nothing. The copies are drafts without flags (the linked,
        targeting and internal flags belong to the source project) and without the
        conditions' flag variant, actions and events; PostHog ``bulk_create``s them, so no
        internal targeting flag is made until a copy is next saved. ``source_id`` is the
        survey's id as the request spelled it (the log's ``source_survey_id``)."""
        from phemu.resources.surveys import rules

        store = self._emulator.store
        with store.lock:
            source = self.record(pk)
            if source is None:
                raise KeyError(f"survey {pk} does not exist")
            if not target_team_ids or not isinstance(target_team_ids, list):
                raise ValidationError(Msg.SURVEY_DUPLICATE_TARGETS)
            user = store.users[user_id]
            current = store.projects.get(user.current_project) if user.current_project else None
            if current is None:
                raise ValidationError(Msg.SURVEY_DUPLICATE_NO_ORGANIZATION)
            try:
                wanted = {int(t) for t in target_team_ids}
            except (TypeError, ValueError):
                raise ServerError() from None  # ``filter(id__in=["abc"])``: Django's ValueError
            teams = sorted(
                p.id
                for p in store.projects.values()
                if p.id in wanted and p.organization == current.organization
            )
            if len(teams) != len(target_team_ids):
                raise ValidationError(Msg.SURVEY_DUPLICATE_TEAMS)
            stamp = self._emulator.clock.now().strftime("%Y-%m-%d %H:%M:%S")
            conditions = None
            if source.conditions:
                conditions = {
                    k: copy.deepcopy(v)
                    for k, v in source.conditions.items()
                    if k not in ("linkedFlagVariant", "actions", "events")
                }
            body = {
                "name": f"{source.name} (duplicated at {stamp})",
                "description": source.description,
                "type": source.type,
                "questions": [
                    {k: copy.deepcopy(v) for k, v in q.items() if k != "id"}
                    for q in (source.questions or [])
                ],
                "appearance": copy.deepcopy(source.appearance),
                "conditions": conditions,
                "archived": False,
                "start_date": None,
                "end_date": None,
                "responses_limit": source.responses_limit,
                "iteration_count": source.iteration_count,
                "iteration_frequency_days": source.iteration_frequency_days,
                "schedule": source.schedule,
                "enable_partial_responses": source.enable_partial_responses,
            }
            validated = []
            for team in teams:
                values = rules.validate_fields(copy.deepcopy(body), creating=True, partial=False)
                self._validate(team, None, values, "POST")
                validated.append((team, values))
            created = []
            for team, values in validated:
                for name in (
                    "targeting_flag_id",
                    "targeting_flag_filters",
                    "remove_targeting_flag",
                ):
                    values.pop(name, None)
                survey = self._insert(team, values, user_id, values.pop("linked_flag_id", None))
                created.append({"team_id": team, "survey_id": survey.id, "name": survey.name})
                self._log(
                    survey,
                    "created",
                    user_id,
                    [change("Survey", "created", "source_survey_id", after=source_id or pk)],
                )
            return {"created_surveys": created, "count": len(created)}

    def _log(
        self,
        survey: Survey,
        activity: str,
        user_id: int | None,
        changes: list[dict[str, Any]] | None = None,
    ) -> None:
        """``log_activity(scope="Survey", detail=Detail(name=..., changes=...))``."""
        self._emulator.activity_log.log(
            project=survey.project,
            scope="Survey",
            item_id=survey.id,
            activity=activity,
            user=user_id,
            changes=changes,
            name=survey.name,
        )

    def _validate(
        self, project: int, survey: Survey | None, values: dict[str, Any], method: str
    ) -> None:
        """``validate``: the linked flag and its variant, unique names, targeting, sampling,
        external surveys."""
        from phemu.resources.surveys import rules

        flags = FeatureFlagsBackend.of(self._emulator)
        linked_id = values.get("linked_flag_id")
        linked = None
        if linked_id:
            linked = flags.record(linked_id)
            if linked is None:
                raise ValidationError(Msg.SURVEY_LINKED_FLAG_MISSING)
        conditions = values.get("conditions") or {}
        variant = conditions.get("linkedFlagVariant") if isinstance(conditions, Mapping) else None
        if variant and linked is not None and variant != "any":
            available = [
                v.get("key") for v in (linked.filters.get("multivariate") or {}).get("variants", [])
            ]
            if variant not in available:
                if available:
                    raise ValidationError(
                        Msg.SURVEY_VARIANT_MISSING.format(
                            variant=variant, variants=", ".join(map(str, available))
                        )
                    )
                raise ValidationError(Msg.SURVEY_VARIANT_NO_VARIANTS.format(variant=variant))
        elif variant and not linked_id:
            raise ValidationError(Msg.SURVEY_VARIANT_WITHOUT_FLAG)
        name = values.get("name")
        same_name = [s for s in self.in_project(project) if s.name == name]
        if method == "POST" and same_name:
            raise ValidationError(Msg.SURVEY_NAME_EXISTS, code="unique")
        if survey is not None and survey.name != name and any(s.id != survey.id for s in same_name):
            raise ValidationError(Msg.SURVEY_NAME_EXISTS_OTHER, code="unique")
        if values.get("targeting_flag_filters") and rules.targeting_rolls_out_to_everyone(
            values["targeting_flag_filters"]
        ):
            raise ValidationError(Msg.SURVEY_TARGETING_EVERYONE)
        now = self._emulator.clock.now()
        rules.check_sampling(values, now.replace(hour=0, minute=0, second=0, microsecond=0))
        rules.check_external(values)

    def _targeting_flag(
        self,
        project: int,
        existing: FeatureFlag | None,
        filters: Any,
        name: str | None,
        user_id: int | None,
        *,
        active: bool = False,
        suffix: str = "",
    ) -> FeatureFlag:
        """``_create_or_update_targeting_flag`` (flag errors about behavioural cohorts name
        surveys instead of feature flags, ``create_flag_with_survey_errors``)."""
        flags = FeatureFlagsBackend.of(self._emulator)
        try:
            if existing is not None:
                return flags.save(
                    project, existing, {"filters": filters}, user_id=user_id, partial=True
                )
            if not name or not filters:
                raise ValidationError(Msg.SURVEY_TARGETING_FAILED)
            random_id = self._emulator.store.random_token(10, "1234567890abcdef")
            key = _slugify(f"{TARGETING_PREFIX}{random_id}{suffix}")
            return flags.save(
                project,
                None,
                {
                    "key": key,
                    "name": f"Targeting flag for survey {name}",
                    "filters": filters,
                    "active": active,
                },
                user_id=user_id,
                partial=False,
            )
        except ValidationError as error:
            if error.code == "behavioral_cohort_found":
                raise ValidationError(
                    error.detail.replace("feature flags", "surveys"), code=error.code
                ) from None
            raise

    def _create(self, project: int, values: dict[str, Any], user_id: int | None) -> Survey:
        emulator = self._emulator
        values.pop("remove_targeting_flag", None)
        filters = values.pop("targeting_flag_filters", None)
        linked = values.pop("linked_flag_id", None)
        targeting_id = values.pop("targeting_flag_id", None)
        if (
            targeting_id is not None
            and FeatureFlagsBackend.of(emulator).record(targeting_id) is None
        ):
            raise ServerError()  # a foreign key to no flag: PostHog's IntegrityError
        if filters:
            targeting_id = self._targeting_flag(project, None, filters, values["name"], user_id).id
        survey = self._insert(project, values, user_id, linked)
        survey.targeting_flag = targeting_id
        self._interacted_filters(survey, survey.end_date, user_id)
        self._sampling_flag(survey, user_id)
        return survey

    def _insert(
        self, project: int, values: dict[str, Any], user_id: int | None, linked: int | None
    ) -> Survey:
        """A new survey row from validated values (and what the model derives)."""
        store = self._emulator.store
        now = self._emulator.clock.now()
        survey = Survey(
            id=store.new_uuid(),
            seq=store.next_id("survey"),
            project=project,
            name=values.pop("name"),
            type=values.pop("type"),
            created_at=now,
            updated_at=now,
            created_by=user_id,
            linked_flag=linked,
        )
        self._assign(survey, values)
        self._tables.surveys[survey.id] = survey
        return survey

    def _update(
        self, survey: Survey, values: dict[str, Any], user_id: int | None
    ) -> list[dict[str, Any]]:
        """``update``; answers the targeting flag's changes, which PostHog logs by hand
        (``changes_between`` does not see them)."""
        flags = FeatureFlagsBackend.of(self._emulator)
        changes: list[dict[str, Any]] = []
        if values.pop("remove_targeting_flag", None):
            removed = self._flag(survey.targeting_flag)
            if removed is not None:
                # ``Change(before=instance.targeting_flag)``, as ``ActivityDetailEncoder`` writes it
                encoded = {
                    "id": removed.id,
                    "key": removed.key,
                    "name": removed.name,
                    "filters": copy.deepcopy(removed.filters),
                    "team_id": removed.project,
                    "deleted": removed.deleted,
                    "active": removed.active,
                }
                changes.append(change("Survey", "deleted", "targeting_flag", before=encoded))
                flags.remove(removed.id)
            values["targeting_flag_id"] = None
            survey.targeting_flag = None
        new_filters = values.pop("targeting_flag_filters", None)
        if new_filters:
            existing = self._flag(survey.targeting_flag)
            if existing is not None:
                changes.append(
                    change(
                        "Survey",
                        "changed",
                        "targeting_flag_filters",
                        before=copy.deepcopy(existing.filters),
                        after=copy.deepcopy(new_filters),
                    )
                )
                self._targeting_flag(
                    survey.project, existing, {**existing.filters, **new_filters}, None, user_id
                )
            else:
                changes.append(
                    change(
                        "Survey",
                        "created",
                        "targeting_flag_filters",
                        after=copy.deepcopy(new_filters),
                    )
                )
                created = self._targeting_flag(
                    survey.project,
                    None,
                    new_filters,
                    survey.name,
                    user_id,
                    active=survey.start_date is not None,
                )
                values["targeting_flag_id"] = created.id
        end_date = values.get("end_date")
        targeting = self._flag(survey.targeting_flag)
        if targeting is not None:
            flags.save(
                survey.project,
                targeting,
                {"active": end_date is None},
                user_id=user_id,
                partial=True,
            )
        count = values.get("iteration_count")
        current = survey.current_iteration
        if current is not None and count is not None and current > count > 0:
            raise ValidationError(
                Msg.SURVEY_ITERATIONS_TOO_FEW.format(count=count, current=current)
            )
        if count is not None:
            values["iteration_frequency_days"] = values.get("iteration_frequency_days")
        if "linked_flag_id" in values:
            survey.linked_flag = values.pop("linked_flag_id")
        if "targeting_flag_id" in values:
            survey.targeting_flag = values.pop("targeting_flag_id")
        self._assign(survey, values)
        survey.updated_at = self._emulator.clock.now()
        self._interacted_filters(survey, end_date, user_id)
        self._sampling_flag(survey, user_id)
        return changes

    def _assign(self, survey: Survey, values: Mapping[str, Any]) -> None:
        """Set the validated fields, then what the model's ``pre_save`` derives."""
        from phemu.resources.surveys import rules

        for name, value in values.items():
            setattr(survey, name, value)
        dates, current, reset = rules.iterations(
            survey.iteration_count,
            survey.iteration_frequency_days,
            survey.start_date,
            survey.current_iteration,
        )
        if reset:
            survey.current_iteration_start_date = None
        elif current == 1 and survey.current_iteration in (None, 0):
            survey.current_iteration_start_date = survey.start_date
        survey.iteration_start_dates = dates
        survey.current_iteration = current
        survey.response_sampling_daily_limits = rules.daily_limits(
            survey.response_sampling_interval_type,
            survey.response_sampling_interval,
            survey.response_sampling_limit,
            survey.response_sampling_start_date,
        )
        if survey.questions:
            for question in survey.questions:
                if not question.get("id"):
                    question["id"] = self._emulator.store.new_uuid()

    def _interacted_filters(self, survey: Survey, end_date: Any, user_id: int | None) -> None:
        """``_add_user_survey_interacted_filters``: the internal targeting flag."""
        key = survey.id
        if survey.iteration_count is not None and survey.iteration_count > 0:
            key = f"{survey.id}/{survey.current_iteration or 1}"
        filters = {
            "groups": [
                {
                    "variant": "",
                    "rollout_percentage": 100,
                    "properties": [
                        {
                            "key": f"{prop}/{key}",
                            "value": "is_not_set",
                            "operator": "is_not_set",
                            "type": "person",
                        }
                        for prop in ("$survey_dismissed", "$survey_responded")
                    ],
                }
            ]
        }
        active = survey.start_date is not None and not end_date
        existing = self._flag(survey.internal_targeting_flag)
        if existing is not None:
            flag = self._targeting_flag(
                survey.project, existing, {**filters, **existing.filters}, None, user_id
            )
            FeatureFlagsBackend.of(self._emulator).save(
                survey.project, flag, {"active": active}, user_id=user_id, partial=True
            )
        else:
            flag = self._targeting_flag(
                survey.project, None, filters, survey.name, user_id, active=active, suffix="-custom"
            )
        survey.internal_targeting_flag = flag.id

    def _sampling_flag(self, survey: Survey, user_id: int | None) -> None:
        """``_add_internal_response_sampling_filters``."""
        if survey.response_sampling_daily_limits is None or survey.internal_response_sampling_flag:
            return
        flag = self._targeting_flag(
            survey.project,
            None,
            {"groups": [{"variant": "", "rollout_percentage": 100, "properties": []}]},
            survey.name,
            user_id,
            active=survey.start_date is not None,
            suffix="-sampling",
        )
        survey.internal_response_sampling_flag = flag.id

    # -- seeds and state files -----------------------------------------------------------------
    _FLAG_FIELDS = (
        "targeting_flag",
        "internal_targeting_flag",
        "internal_response_sampling_flag",
    )

    def load(self, records: list[dict[str, Any]]) -> None:
        """Records use the API's field names plus ``project``, ``id``, ``created_by`` and
        ``created_at``. A hand-written record gets its flags as ``POST`` creates them; an
        exported one names them (``targeting_flag``, ``internal_targeting_flag``,
        ``internal_response_sampling_flag``: ids of flags loaded before it)."""

        def create(
            project: int, body: dict[str, Any], user_id: int | None, record: Mapping[str, Any]
        ) -> Survey:
            if any(name in record for name in self._FLAG_FIELDS):
                return self._restore(project, record, body, user_id)
            return self.save(project, None, body, user_id=user_id, method="POST", journal=False)

        load_records(
            self._emulator,
            "surveys",
            records,
            create,
            self._tables.surveys,
            sequence=None,
            extra=self._FLAG_FIELDS,
        )

    def _restore(
        self, project: int, record: Mapping[str, Any], body: dict[str, Any], user_id: int | None
    ) -> Survey:
        from phemu.resources.surveys import rules

        values = rules.validate_fields(body, creating=True, partial=False)
        for name in ("targeting_flag_id", "targeting_flag_filters", "remove_targeting_flag"):
            values.pop(name, None)
        survey = self._insert(project, values, user_id, values.pop("linked_flag_id", None))
        for name in self._FLAG_FIELDS:
            setattr(survey, name, record.get(name))
        return survey

    def export(self) -> list[dict[str, Any]]:
        store = self._emulator.store
        records = []
        for s in sorted(self._tables.surveys.values(), key=lambda s: s.seq):
            user = store.users.get(s.created_by) if s.created_by is not None else None
            rendered = self.render(s, write_shape=True)
            record = {
                "id": s.id,
                "project": s.project,
                **{
                    k: v
                    for k, v in rendered.items()
                    if k
                    not in (
                        "id",
                        "linked_flag",
                        "targeting_flag",
                        "internal_targeting_flag",
                        "created_by",
                        "iteration_start_dates",
                        "current_iteration_start_date",
                        "response_sampling_daily_limits",
                    )
                },
                "linked_flag_id": s.linked_flag,
                "current_iteration_start_date": format_datetime(s.current_iteration_start_date),
                "created_by": user.email if user is not None else None,
                "updated_at": format_datetime(s.updated_at),
            }
            for name in self._FLAG_FIELDS:
                record[name] = getattr(s, name)
            records.append(record)
        return records


def _schedule(survey: Survey, instant: Callable[[datetime | None], str | None]) -> dict[str, Any]:
    """The iteration and response sampling fields, in the serializer's order, with their
    datetimes written by ``instant`` (the API's format, or the activity log's)."""
    return {
        "iteration_count": survey.iteration_count,
        "iteration_frequency_days": survey.iteration_frequency_days,
        "iteration_start_dates": (
            None
            if survey.iteration_start_dates is None
            else [instant(d) for d in survey.iteration_start_dates]
        ),
        "current_iteration": survey.current_iteration,
        "current_iteration_start_date": instant(survey.current_iteration_start_date),
        "response_sampling_start_date": instant(survey.response_sampling_start_date),
        "response_sampling_interval_type": survey.response_sampling_interval_type,
        "response_sampling_interval": survey.response_sampling_interval,
        "response_sampling_limit": survey.response_sampling_limit,
        "response_sampling_daily_limits": copy.deepcopy(survey.response_sampling_daily_limits),
        "enable_partial_responses": survey.enable_partial_responses,
    }


def _instant(value: datetime | None) -> str | None:
    # ``ActivityDetailEncoder`` writes datetimes with ``isoformat()``.
    return None if value is None else value.isoformat()


def logged_fields(survey: Survey) -> dict[str, Any]:
    """What ``changes_between("Survey", ...)`` compares: the model's own fields without
    ``common_field_exclusions`` (ids, creation and modification metadata). The flag foreign
    keys are left out: PostHog's serializer notes that ``changes_between`` does not catch them
    and logs targeting flag changes by hand (``posthog/api/survey.py``)."""
    return {
        "name": survey.name,
        "description": survey.description,
        "type": survey.type,
        "schedule": survey.schedule,
        "questions": copy.deepcopy(survey.questions),
        "conditions": copy.deepcopy(survey.conditions),
        "appearance": copy.deepcopy(survey.appearance),
        "start_date": _instant(survey.start_date),
        "end_date": _instant(survey.end_date),
        "archived": survey.archived,
        "responses_limit": survey.responses_limit,
        **_schedule(survey, _instant),
    }


def _slugify(value: str) -> str:
    """Django's ``slugify`` for ASCII text: lower case, spaces to hyphens, the rest dropped."""
    value = re.sub(r"[^\w\s-]", "", value.lower())
    return re.sub(r"[-\s]+", "-", value).strip("-_")
