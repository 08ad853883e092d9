"""Cohort records, their table and ``CohortsBackend`` (``emulator.cohorts``), the only writer.

A cohort is static (a list of persons: person uuids added through the API, plus distinct ids
given in Python or seeds, resolved to persons whenever they are read, so a cohort may name a
user before their first event) or dynamic (``filters``: PostHog's property group). ``count`` is
computed from the person store: PostHog calculates a cohort asynchronously after each write
(``is_calculating`` true in the write's answer) and stores the count; phemu's calculation
finishes before the next request and its count follows the persons as they change.
Behavioural filters are evaluated against the event store when read (``behaviour.py``); the
behaviours it does not compute count ``null``.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from typing import TYPE_CHECKING
from typing import Any

from phemu import fields
from phemu.context import has_list
from phemu.context import list_value
from phemu.errors import Msg
from phemu.errors import NotFound
from phemu.errors import ValidationError
from phemu.resources._base import Backend
from phemu.resources._base import created_by as render_user
from phemu.resources._records import load_records
from phemu.resources.activity_log.models import change
from phemu.resources.activity_log.models import changes_between
from phemu.resources.feature_flags.models import FeatureFlagsBackend
from phemu.serialization import format_datetime

if TYPE_CHECKING:
    from phemu.emulator import Emulator
    from phemu.resources.cohorts.behaviour import EventIndex
    from phemu.resources.feature_flags.evaluation import CohortSpec
    from phemu.resources.feature_flags.models import FeatureFlag

#: ``DEFAULT_COHORT_INSERT_BATCH_SIZE``: the most persons one ``add_persons`` call takes.
MAX_ADD = 1000
#: ``log_activity(scope="Cohort", ...)`` in ``posthog/api/cohort.py``.
ACTIVITY_SCOPE = "Cohort"


@dataclass(slots=True, kw_only=True)
class Cohort:
    id: int
    project: int
    name: str | None
    created_at: datetime
    description: str = ""
    groups: list[Any] = field(default_factory=list)
    deleted: bool = False
    filters: dict[str, Any] | None = None
    query: dict[str, Any] | None = None
    is_static: bool = False
    cohort_type: str | None = None
    created_by: int | None = None
    #: static members: person uuids, and distinct ids resolved when read
    person_uuids: list[str] = field(default_factory=list)
    distinct_ids: list[str] = field(default_factory=list)
    is_calculating: bool = False
    last_calculation: datetime | None = None
    errors_calculating: int = 0
    #: a calculation was asked for at this time and finishes before the next request
    calculation_requested: datetime | None = None

    @property
    def properties(self) -> dict[str, Any]:
        """``Cohort.properties`` as a dict: ``filters``' group, else the legacy ``groups``."""
        if self.filters:
            group = self.filters.get("properties")
            return dict(group) if isinstance(group, Mapping) else {}
        if self.groups:
            return {"type": "OR", "values": [_legacy_group(g) for g in self.groups]}
        return {}

    def is_behavioral(self) -> bool:
        from phemu.resources.cohorts import rules

        return any(p.get("type") == "behavioral" for p in rules.flat(self.properties))


def _legacy_group(group: Any) -> dict[str, Any]:
    # Deprecated ``groups``: their person properties become an AND group; "event" meant person.
    props = group.get("properties") if isinstance(group, Mapping) else None
    values = []
    if isinstance(props, list):
        values = [
            {**p, "type": "person" if p.get("type", "event") == "event" else p["type"]}
            for p in props
            if isinstance(p, Mapping)
        ]
    elif isinstance(props, Mapping):
        values = [{"key": k, "value": v, "type": "person"} for k, v in props.items()]
    return {"type": "AND", "values": values}


@dataclass
class CohortTables:
    cohorts: dict[int, Cohort] = field(default_factory=dict)


class CohortsBackend(Backend):
    """Create, change, count and read cohorts; the persons of static cohorts."""

    def __init__(self, emulator: Emulator) -> None:
        super().__init__(emulator)
        self._emulator = emulator
        #: per project, the event index of the last behavioural calculation (``behaviour.py``)
        self.behaviour_indexes: dict[int, EventIndex] = {}

    @property
    def _tables(self) -> CohortTables:
        return self._emulator.store.state(CohortTables)

    # -- reads ---------------------------------------------------------------------------------
    def record(self, pk: int) -> Cohort | None:
        cohort = self._tables.cohorts.get(pk)
        if cohort is not None:
            self._settle(cohort)
        return cohort

    def live(self, project: int) -> list[Cohort]:
        """The project's cohorts that are not deleted, newest first (the list's order)."""
        found = [c for c in self._tables.cohorts.values() if c.project == project and not c.deleted]
        for cohort in found:
            self._settle(cohort)
        return sorted(found, key=lambda c: (c.created_at, c.id), reverse=True)

    def get(self, pk: int) -> dict[str, Any] | None:
        cohort = self.record(pk)
        return None if cohort is None else self.render(cohort)

    def all(self, project: int = 1) -> list[dict[str, Any]]:
        return [self.render(c) for c in self.live(project)]

    def definitions(self) -> tuple[Any, ...]:
        """What a calculation reads of every cohort (a nested one may be in any project), so
        a calculation made for the same definitions can be reused (``behaviour.py``)."""
        return tuple(
            (
                c.id,
                c.project,
                c.deleted,
                c.is_static,
                c.query is not None,
                json.dumps(c.properties, sort_keys=True, default=str),
                tuple(c.person_uuids),
                tuple(c.distinct_ids),
            )
            for c in self._tables.cohorts.values()
        )

    def members(self, cohort: Cohort) -> list[str]:
        """The person uuids of a static cohort that name existing persons, in insertion order."""
        persons = self._emulator.persons
        found: dict[str, None] = {}
        for person_uuid in cohort.person_uuids:
            person = persons.by_uuid(person_uuid)
            if person is not None and person.project == cohort.project:
                found[person.uuid] = None
        for distinct_id in cohort.distinct_ids:
            person = persons.get(distinct_id, project=cohort.project)
            if person is not None:
                found[person.uuid] = None
        return list(found)

    def count(self, cohort: Cohort) -> int | None:
        """The cohort's size now (``None`` while never calculated or for behavioural filters)."""
        if cohort.is_static:
            return len(self.members(cohort)) if cohort.last_calculation is not None else None
        found = self.matching(cohort)
        return None if found is None else len(found)

    def matching(self, cohort: Cohort) -> list[str] | None:
        """The person uuids a dynamic cohort's calculation holds (PostHog's ``cohortpeople``),
        newest person first; ``None`` while never calculated, for ``query`` cohorts, which phemu
        does not run, and for behaviours ``behaviour.py`` does not compute. Behavioural
        filters are evaluated against the events now (``behaviour.py``)."""
        from phemu.resources.feature_flags.evaluation import Context
        from phemu.resources.feature_flags.evaluation import in_cohort

        if cohort.last_calculation is None or cohort.query:
            return None
        emulator = self._emulator
        if cohort.is_behavioral():
            from phemu.resources.cohorts import behaviour

            found_set = behaviour.members(self, cohort)
            if found_set is None:
                return None
            return [p.uuid for p in emulator.persons.all(cohort.project) if p.uuid in found_set]
        specs = self.specs(cohort.project)
        now = emulator.clock.now()
        found = []
        for person in emulator.persons.all(cohort.project):
            ctx = Context(
                distinct_id=person.distinct_ids[0] if person.distinct_ids else "",
                person_properties=person.properties,
                person_id=person.uuid,
                cohorts=specs,
                now=now,
            )
            if in_cohort(cohort.id, ctx):
                found.append(person.uuid)
        return found

    def persons_in(self, cohort: Cohort) -> set[str]:
        """The person uuids ``cohorts/:id/persons/`` reads: a static cohort's list
        (``person_static_cohort``), else the last calculation (``cohortpeople``)."""
        if cohort.is_static:
            return set(self.members(cohort))
        return set(self.matching(cohort) or ())

    def of_person(self, project: int, person_uuid: str) -> list[Cohort]:
        """The live cohorts holding the person (``get_all_cohort_ids_by_person_uuid``), by id."""
        cohorts = sorted(self.live(project), key=lambda c: c.id)
        return [c for c in cohorts if person_uuid in self.persons_in(c)]

    def render(self, cohort: Cohort) -> dict[str, Any]:
        """``CohortSerializer`` (``to_representation`` fills ``filters`` from the properties)."""
        experiments = self._emulator.experiments.with_exposure_cohort(cohort.id)
        return {
            "id": cohort.id,
            "name": cohort.name,
            "description": cohort.description,
            "groups": copy.deepcopy(cohort.groups),
            "deleted": cohort.deleted,
            "filters": copy.deepcopy(cohort.filters)
            if cohort.filters
            else {"properties": cohort.properties},
            "query": copy.deepcopy(cohort.query),
            "is_calculating": cohort.is_calculating,
            "created_by": render_user(self._emulator.store, cohort.created_by),
            "created_at": format_datetime(cohort.created_at),
            "last_calculation": format_datetime(cohort.last_calculation),
            "errors_calculating": cohort.errors_calculating,
            "count": self.count(cohort),
            "is_static": cohort.is_static,
            "cohort_type": cohort.cohort_type,
            "experiment_set": experiments,
        }

    def specs(self, project: int) -> dict[str, CohortSpec]:
        """What the flag engine needs: static members as person uuids, property groups as given.

        A cohort with behavioural filters is read as its calculated members (the flags service
        reads ``cohortpeople`` for cohorts it cannot evaluate from properties); one phemu does
        not compute holds no one. Flags never target such a cohort directly (their validation
        and the cohort's refuse it), so only the ones another cohort names are calculated: a
        ``/flags`` request reads no events for an experiment's exposure cohort."""
        from phemu.resources.cohorts import behaviour
        from phemu.resources.cohorts.rules import flat
        from phemu.resources.feature_flags.evaluation import CohortSpec

        cohorts = [
            c for c in self._tables.cohorts.values() if c.project == project and not c.deleted
        ]
        named = {
            str(p.get("value"))
            for c in cohorts
            for p in flat(c.properties)
            if p.get("type") == "cohort"
        }
        behavioural = [
            c for c in cohorts if not c.is_static and str(c.id) in named and c.is_behavioral()
        ]
        calculated = behaviour.all_members(self, behavioural)
        return {
            str(c.id): CohortSpec(
                id=c.id,
                is_static=c.is_static or c.id in calculated,
                members=frozenset(self.members(c))
                if c.is_static
                else frozenset(calculated.get(c.id) or ()),
                properties=c.properties,
            )
            for c in cohorts
        }

    def _settle(self, cohort: Cohort) -> None:
        # The calculation asked for by the last write has finished.
        if cohort.calculation_requested is not None:
            cohort.is_calculating = False
            cohort.last_calculation = cohort.calculation_requested
            cohort.errors_calculating = 0
            cohort.calculation_requested = None

    # -- writes --------------------------------------------------------------------------------
    def create(
        self,
        project: int = 1,
        *,
        created_by: int | None = None,
        distinct_ids: Iterable[str] = (),
        **body: Any,
    ) -> dict[str, Any]:
        """Create a cohort with ``POST``'s validation (``body``: the API's field names).

        ``distinct_ids`` makes a static cohort of those users (resolved to persons when read,
        so they may be captured later), as a CSV upload of distinct ids does.
        """
        if project not in self._emulator.store.projects:
            raise ValueError(f"project {project!r} does not exist")
        ids = [str(d) for d in distinct_ids]
        if ids:
            body = {"is_static": True, **body}
        with self._emulator.store.lock:
            cohort = self.save(project, None, body, user_id=created_by, method="POST")
            if ids:
                cohort.distinct_ids.extend(ids)
                cohort.last_calculation = self._emulator.clock.now()
            return self.render(cohort)

    def update(self, pk: int, *, modified_by: int | None = None, **body: Any) -> dict[str, Any]:
        """Change a cohort with ``PATCH``'s validation (``deleted=True`` soft-deletes)."""
        with self._emulator.store.lock:
            cohort = self.record(pk)
            if cohort is None:
                raise KeyError(f"cohort {pk} does not exist")
            self.save(cohort.project, cohort, body, user_id=modified_by, method="PATCH")
            return self.render(cohort)

    def save(
        self,
        project: int,
        cohort: Cohort | None,
        body: Any,
        *,
        user_id: int | None,
        method: str,
        journal: bool = True,
    ) -> Cohort:
        """Validate in the serializer's field order, then create or update; the write is
        logged as ``CohortViewSet.perform_create`` / ``perform_update`` log it, unless
        ``journal`` is false (seed loads, and the actions that save a ``CohortSerializer``
        themselves, which PostHog does not log)."""
        store = self._emulator.store
        with store.lock:
            data = fields.expect_object(body)
            values = self._validate(project, cohort, data, partial=method == "PATCH")
            if cohort is None:
                created = self._create(project, values, user_id)
                if journal:
                    # PostHog synthesizes the one change it logs on create: the members.
                    people = self.logged_fields(created)["people"]
                    changes = changes_between(ACTIVITY_SCOPE, {"people": []}, {"people": people})
                    self._log(created, "created", user_id, changes)
                return created
            before = self.logged_fields(cohort)
            self._update(cohort, values, method)
            if journal:
                after = self.logged_fields(cohort)
                self._log(
                    cohort, "updated", user_id, changes_between(ACTIVITY_SCOPE, before, after)
                )
            return cohort

    def logged_fields(self, cohort: Cohort) -> dict[str, Any]:
        """``Cohort.to_dict()`` (``posthog/models/cohort/cohort.py``): its fields less
        ``field_exclusions["Cohort"]`` and the common exclusions (``id``, ``team_id``,
        ``created_at``; ``last_error_at`` is excluded for cohorts), so ``created_by_id`` stays.
        ``people`` are the Postgres ``CohortPeople`` rows: a static cohort's members (dynamic
        cohorts are calculated in ClickHouse and have none). PostHog compares the keys of a
        set, in no stable order; phemu keeps ``to_dict``'s order."""
        persons = self._emulator.persons
        people = []
        if cohort.is_static:
            for person_uuid in self.members(cohort):
                person = persons.by_uuid(person_uuid)
                if person is None:
                    continue
                people.append(
                    {
                        "id": person.id,
                        "email": person.properties.get("email") or "(no email)",
                        "distinct_id": person.distinct_ids[0]
                        if person.distinct_ids
                        else "(no distinct id)",
                    }
                )
        return {
            "name": cohort.name,
            "description": cohort.description,
            "deleted": cohort.deleted,
            "filters": copy.deepcopy(cohort.filters),
            "query": copy.deepcopy(cohort.query),
            "groups": copy.deepcopy(cohort.groups),
            "is_static": cohort.is_static,
            "cohort_type": cohort.cohort_type,
            "created_by_id": cohort.created_by,
            "people": people,
        }

    def _log(
        self,
        cohort: Cohort,
        activity: str,
        user_id: int | None,
        changes: list[dict[str, Any]],
        *,
        named: bool = True,
    ) -> None:
        """``log_activity(scope="Cohort", item_id=cohort.id, detail=Detail(...))``; the static
        members' actions log no name."""
        self._emulator.activity_log.log(
            project=cohort.project,
            scope=ACTIVITY_SCOPE,
            item_id=cohort.id,
            activity=activity,
            user=user_id,
            changes=changes,
            name=cohort.name if named else None,
        )

    def _lookup(self, project: int) -> Any:
        def lookup(pk: int) -> Cohort | None:
            found = self._tables.cohorts.get(pk)
            return found if found is not None and found.project == project else None

        return lookup

    def _validate(
        self, project: int, cohort: Cohort | None, data: Mapping[str, Any], *, partial: bool
    ) -> dict[str, Any]:
        from phemu.resources.cohorts import rules

        values: dict[str, Any] = {}
        # ``validate_filters`` skips static cohorts by the raw value's truthiness
        # (``self.initial_data.get("is_static")``): a form body's "false" skips it too, while the
        # field itself and the type check read it as a boolean.
        static_now = bool(data.get("is_static")) or bool(cohort is not None and cohort.is_static)
        if "name" in data:
            name = data["name"]
            values["name"] = (
                None if name is None else fields.parse_text(name, "name", max_length=400)
            )
        if "description" in data:
            fields.not_null(data["description"], "description")
            values["description"] = fields.parse_text(
                data["description"], "description", max_length=1000
            )
        if "groups" in data:
            values["groups"] = copy.deepcopy(data["groups"])
        if "deleted" in data:
            fields.not_null(data["deleted"], "deleted")
            values["deleted"] = fields.parse_bool(data["deleted"], "deleted")
        if "filters" in data:
            raw = data["filters"]
            if not static_now:
                rules.validate_filters(raw)
                if partial and cohort is not None:
                    self._check_flag_constraints(cohort, raw)
            values["filters"] = copy.deepcopy(raw)
        if "query" in data:
            values["query"] = copy.deepcopy(rules.validate_query(data["query"]))
        if "is_static" in data:
            fields.not_null(data["is_static"], "is_static")
            values["is_static"] = fields.parse_bool(data["is_static"], "is_static")
        if "cohort_type" in data:
            values["cohort_type"] = rules.validate_cohort_type(
                data["cohort_type"], data, cohort, self._lookup(project)
            )
        if has_list(data, "_create_static_person_ids", partial=partial):
            values["person_ids"] = fields.parse_list(
                list_value(data, "_create_static_person_ids"),
                "_create_static_person_ids",
                lambda v, n: fields.parse_text(v, n, allow_blank=False),
            )
        return values

    def _check_flag_constraints(self, cohort: Cohort, raw: Any) -> None:
        """``_validate_feature_flag_constraints``: no events in a cohort active flags use."""
        from phemu.resources.cohorts import rules

        if not self._flags_using(cohort):
            return
        group = raw.get("properties") if isinstance(raw, Mapping) else None
        for prop in rules.flat(group):
            if prop.get("type") == "behavioral":
                raise ValidationError(
                    Msg.COHORT_BEHAVIORAL_IN_FLAG, code="behavioral_cohort_found", attr="filters"
                )
            if prop.get("type") == "cohort":
                nested = self._lookup(cohort.project)(_as_int(prop.get("value")))
                for dependency in self._dependencies(nested):
                    if dependency.is_behavioral():
                        raise ValidationError(
                            Msg.COHORT_DEPENDENCY_BEHAVIORAL.format(name=dependency.name),
                            code="behavioral_cohort_found",
                            attr="filters",
                        )

    def _dependencies(self, cohort: Cohort | None) -> list[Cohort]:
        from phemu.resources.cohorts import rules

        found: list[Cohort] = []
        pending = [cohort] if cohort is not None else []
        while pending:
            current = pending.pop()
            if current in found:
                continue
            found.append(current)
            for prop in rules.flat(current.properties):
                if prop.get("type") == "cohort":
                    nested = self._lookup(current.project)(_as_int(prop.get("value")))
                    if nested is not None:
                        pending.append(nested)
        return found

    def _flags_using(self, cohort: Cohort) -> list[FeatureFlag]:
        flags = FeatureFlagsBackend.of(self._emulator).live(cohort.project)
        return [
            f
            for f in sorted(flags, key=lambda f: f.id)
            if f.active and cohort.id in self._cohort_ids(f.filters, cohort.project)
        ]

    def _cohort_ids(self, filters: Mapping[str, Any], project: int) -> set[int]:
        """``FeatureFlag.get_cohort_ids``: the cohorts a flag targets, nested ones included."""
        found: set[int] = set()
        for group in filters.get("groups") or []:
            for prop in group.get("properties") or []:
                if prop.get("type") == "cohort":
                    target = self._lookup(project)(_as_int(prop.get("value")))
                    found.update(c.id for c in self._dependencies(target))
        return found

    def _create(self, project: int, values: dict[str, Any], user_id: int | None) -> Cohort:
        emulator = self._emulator
        if values.get("query") and values.get("filters"):
            raise ValidationError(Msg.COHORT_QUERY_AND_FILTERS)
        is_static = bool(values.get("is_static"))
        if not is_static and values.get("query") is not None:
            raise ValidationError(Msg.COHORT_DYNAMIC_QUERY)
        now = emulator.clock.now()
        person_ids = values.pop("person_ids", None)
        cohort = Cohort(
            id=emulator.store.next_id("cohort"),
            project=project,
            name=values.pop("name", None),
            created_at=now,
            created_by=user_id,
            **values,
        )
        if not is_static:
            cohort.is_calculating = True
            cohort.calculation_requested = now
        elif person_ids is not None:
            # ``_handle_static``: the given uuids of this project's persons, counted at once.
            self._add_members(cohort, person_ids)
            cohort.last_calculation = now
        self._tables.cohorts[cohort.id] = cohort
        return cohort

    def _update(self, cohort: Cohort, values: dict[str, Any], method: str) -> None:
        from phemu.resources.cohorts import rules

        deleted = values.pop("deleted", None)
        values.pop("person_ids", None)
        if method == "PUT" and "name" not in values:
            values["name"] = cohort.name
        deletion_change = deleted is not None and deleted != cohort.deleted
        if deletion_change and deleted:
            using = self._flags_using(cohort)
            if using:
                raise ValidationError(
                    Msg.COHORT_USED_IN_FLAGS.format(
                        count=len(using), names=", ".join(f.name or f.key for f in using)
                    )
                )
        previous = {name: getattr(cohort, name) for name in values}
        for name, value in values.items():
            setattr(cohort, name, value)
        if rules.has_loop(cohort.id, cohort.properties, self._lookup(cohort.project)):
            for name, value in previous.items():
                setattr(cohort, name, value)
            raise ValidationError(Msg.COHORT_LOOP)
        if deletion_change:
            cohort.deleted = bool(deleted)
            if deleted:
                self._emulator.experiments.forget_exposure_cohort(cohort.id)
        elif not cohort.is_static:
            cohort.is_calculating = True
        if not deleted and not cohort.is_static:
            cohort.calculation_requested = self._emulator.clock.now()
        elif not deleted and cohort.is_static:
            cohort.is_calculating = False

    # -- static cohorts ------------------------------------------------------------------------
    def _add_members(self, cohort: Cohort, person_ids: Iterable[Any]) -> int:
        """The given uuids of the cohort's project's persons, how many were valid."""
        persons = self._emulator.persons
        found = []
        for raw in person_ids:
            person = persons.by_uuid(str(raw).lower()) if isinstance(raw, str) else None
            if person is not None and person.project == cohort.project:
                found.append(person)
        self._insert(cohort, [p.uuid for p in found])
        return len(found)

    def _insert(self, cohort: Cohort, person_uuids: Iterable[str]) -> None:
        """``insert_users_list_by_uuid``: new members, a batch in person id order (its
        ``DISTINCT ON (pk)`` insert), after the earlier ones."""
        persons = self._emulator.persons
        batch = {u for u in person_uuids if u not in cohort.person_uuids}
        found = [p for p in (persons.by_uuid(u) for u in batch) if p is not None]
        cohort.person_uuids.extend(p.uuid for p in sorted(found, key=lambda p: p.id))

    def add_persons(
        self, pk: int, person_ids: Any, *, user_id: int | None = None
    ) -> dict[str, Any]:
        """``add_persons_to_static_cohort`` (person uuids of the cohort's project), logged
        ``persons_added_manually``."""
        with self._emulator.store.lock:
            cohort = self._require(pk)
            if not cohort.is_static:
                raise ValidationError(Msg.COHORT_ONLY_STATIC_ADD)
            if not isinstance(person_ids, list):
                raise ValidationError(Msg.COHORT_PERSON_IDS_LIST)
            if not person_ids:
                raise ValidationError(Msg.COHORT_PERSON_IDS_EMPTY)
            if len(person_ids) > MAX_ADD:
                raise ValidationError(Msg.COHORT_PERSON_IDS_TOO_MANY)
            if not self._add_members(cohort, person_ids):
                raise ValidationError(Msg.COHORT_NO_VALID_USERS)
            cohort.is_calculating = False
            cohort.last_calculation = self._emulator.clock.now()
            self._log_members(cohort, "persons_added_manually", user_id)
            return {"success": True}

    def _log_members(self, cohort: Cohort, activity: str, user_id: int | None) -> None:
        # ``Detail(changes=[Change(type="Cohort", action="changed")])``: no field, no name.
        self._log(cohort, activity, user_id, [change(ACTIVITY_SCOPE, "changed", None)], named=False)

    def remove_person(
        self, pk: int, person_id: Any, *, user_id: int | None = None
    ) -> dict[str, Any]:
        """``remove_person_from_static_cohort``, logged ``person_removed_manually``."""
        with self._emulator.store.lock:
            cohort = self._require(pk)
            if not cohort.is_static:
                raise ValidationError(Msg.COHORT_ONLY_STATIC_REMOVE)
            if not person_id:
                raise ValidationError(Msg.COHORT_PERSON_ID_REQUIRED)
            if not isinstance(person_id, str):
                raise ValidationError(Msg.COHORT_PERSON_ID_STRING)
            try:
                wanted = str(uuid.UUID(person_id))
            except ValueError:
                raise ValidationError(Msg.COHORT_PERSON_ID_UUID) from None
            person = self._emulator.persons.by_uuid(wanted)
            if person is None or person.project != cohort.project:
                raise NotFound(Msg.COHORT_PERSON_NOT_IN_TEAM)
            if person.uuid not in self.members(cohort):
                raise NotFound(Msg.COHORT_PERSON_NOT_MEMBER)
            cohort.person_uuids = [u for u in cohort.person_uuids if u != person.uuid]
            cohort.distinct_ids = [d for d in cohort.distinct_ids if d not in person.distinct_ids]
            self._log_members(cohort, "person_removed_manually", user_id)
            return {"success": True}

    # -- cohorts other objects make (``derived.py``) ----------------------------------------
    def fill_static(self, cohort: Cohort, person_uuids: list[str], *, calculated: bool) -> None:
        """A static cohort's members as its Celery task inserts them; a ``calculated`` task
        saves the count and ``last_calculation`` when it finishes (before the next request)."""
        with self._emulator.store.lock:
            self._insert(cohort, person_uuids)
            if calculated:
                cohort.calculation_requested = self._emulator.clock.now()

    def duplicate_as_static(self, pk: int, *, created_by: int | None = None) -> dict[str, Any]:
        """``duplicate_as_static_cohort``: a static copy of a dynamic cohort's persons."""
        from phemu.resources.cohorts import derived

        with self._emulator.store.lock:
            return self.render(derived.duplicate_as_static(self, self._require(pk), created_by))

    def for_flag(self, flag_id: int, *, created_by: int | None = None) -> dict[str, Any]:
        """``create_static_cohort_for_flag``: ``{"cohort": ...}`` of the flag's persons."""
        from phemu.resources.cohorts import derived

        with self._emulator.store.lock:
            flag = FeatureFlagsBackend.of(self._emulator).record(flag_id)
            if flag is None:
                raise KeyError(f"feature flag {flag_id} does not exist")
            return {"cohort": self.render(derived.for_flag(self, flag, created_by))}

    def exposure_cohort(
        self, experiment_id: int, *, created_by: int | None = None
    ) -> dict[str, Any]:
        """``create_exposure_cohort_for_experiment``: ``{"cohort": ...}``, the experiment's
        exposure cohort from now on."""
        from phemu.resources.cohorts import derived

        with self._emulator.store.lock:
            experiment = self._emulator.experiments.record(experiment_id)
            if experiment is None:
                raise KeyError(f"experiment {experiment_id} does not exist")
            cohort = derived.exposure_cohort(self, experiment, created_by)
            self._emulator.experiments.set_exposure_cohort(experiment.id, cohort.id)
            return {"cohort": self.render(cohort)}

    def _require(self, pk: int) -> Cohort:
        cohort = self.record(pk)
        if cohort is None:
            raise KeyError(f"cohort {pk} does not exist")
        return cohort

    # -- seeds and state files -----------------------------------------------------------------
    def load(self, records: list[dict[str, Any]]) -> None:
        """Records use the API's field names plus ``project``, ``id``, ``distinct_ids`` and
        ``person_ids`` (members of a static cohort), ``created_by``, ``created_at`` and
        ``last_calculation``."""
        from phemu.clock import parse_instant

        def create(
            project: int, body: dict[str, Any], user_id: int | None, record: Mapping[str, Any]
        ) -> Cohort:
            distinct_ids = record.get("distinct_ids") or []
            person_ids = record.get("person_ids") or []
            if distinct_ids or person_ids:
                body.setdefault("is_static", True)
            cohort = self.save(project, None, body, user_id=user_id, method="POST", journal=False)
            cohort.distinct_ids = [str(d) for d in distinct_ids]
            cohort.person_uuids = [str(p) for p in person_ids]
            if record.get("created_at"):
                cohort.created_at = parse_instant(record["created_at"])
            self._settle(cohort)
            if "last_calculation" in record:
                raw = record["last_calculation"]
                cohort.last_calculation = parse_instant(raw) if raw else None
            elif cohort.is_static:
                cohort.last_calculation = cohort.created_at
            return cohort

        load_records(
            self._emulator,
            "cohorts",
            records,
            create,
            self._tables.cohorts,
            sequence="cohort",
            extra=("distinct_ids", "person_ids", "last_calculation"),
        )

    def export(self) -> list[dict[str, Any]]:
        store = self._emulator.store
        records = []
        for c in sorted(self._tables.cohorts.values(), key=lambda c: c.id):
            self._settle(c)
            user = store.users.get(c.created_by) if c.created_by is not None else None
            record: dict[str, Any] = {
                "id": c.id,
                "project": c.project,
                "name": c.name,
                "description": c.description,
                "is_static": c.is_static,
                "filters": c.filters,
                "query": c.query,
                "groups": c.groups,
                "deleted": c.deleted,
                "cohort_type": c.cohort_type,
                "created_by": user.email if user is not None else None,
                "created_at": format_datetime(c.created_at),
                "last_calculation": format_datetime(c.last_calculation),
            }
            if c.is_static:
                record["distinct_ids"] = list(c.distinct_ids)
                record["person_ids"] = list(c.person_uuids)
            records.append(record)
        return records


def _as_int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1
