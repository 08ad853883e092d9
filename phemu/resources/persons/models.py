"""Persons, their distinct ids and groups, and how ingested events change them.

PostHog's ingestion (``plugin-server/src/worker/ingestion/persons/``) applies these rules
asynchronously; phemu applies them when the event is captured, in capture order, so a flag
evaluated right after ``identify`` sees the new properties. The rules (``docs/sdk-protocol.md``):
``$set`` / ``$set_once`` / ``$unset`` change the event's person, created on first sight unless the
event is personless; ``$identify``, ``$create_alias`` and ``$merge_dangerously`` join two distinct
ids, merging two persons unless the other one is already identified (``$merge_dangerously``
merges anyway).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from typing import TYPE_CHECKING
from typing import Any

from phemu.errors import Msg
from phemu.errors import NotFound
from phemu.errors import ServerError
from phemu.errors import ValidationError
from phemu.resources._base import Backend
from phemu.resources.activity_log.models import change
from phemu.serialization import format_datetime

if TYPE_CHECKING:
    from phemu.emulator import Emulator

#: Distinct ids PostHog never merges on (``plugin-server/src/worker/ingestion/persons/
#: person-merge-service.ts``, ``isDistinctIdIllegal``): compared case-insensitively ...
ILLEGAL_IDS_ANY_CASE = frozenset(
    {
        "anonymous",
        "guest",
        "distinctid",
        "distinct_id",
        "id",
        "not_authenticated",
        "email",
        "undefined",
        "true",
        "false",
    }
)
#: ... and exactly.
ILLEGAL_IDS_EXACT = frozenset({"[object Object]", "NaN", "None", "none", "null", "0"})
MERGE_EVENTS = {"$identify": "$anon_distinct_id", "$create_alias": "alias"}
MAX_GROUP_TYPES = 5
#: Seed sections (``seed.py``) and the id sequence of persons.
PERSONS, GROUP_TYPES, GROUPS = "persons", "group_types", "groups"
PERSON_SEQUENCE = "person"
#: The id sequence of groups (``posthog_group``'s primary key, the activity log's ``item_id``).
GROUP_SEQUENCE = "group"
#: ``PERSON_UUIDV5_NAMESPACE`` (``posthog/models/person/missing_person.py``): a split-off
#: distinct id's person is ``uuid5(namespace, f"{team_id}:{distinct_id}")``.
PERSON_UUIDV5_NAMESPACE = uuid.UUID("932979b4-65c3-4424-8467-0b66ec27bc22")
#: The most persons one ``bulk_delete`` names.
BULK_DELETE_MAX = 1000
#: The activity scope of persons (``log_activity(scope="Person")``).
ACTIVITY_SCOPE = "Person"
#: The namespace of the person ids of personless events (a fixed, phemu-chosen UUID).
_PERSONLESS = uuid.UUID("6a1c7c9e-5d8f-4c3b-9a7e-0c1d2e3f4a5b")


#: ``PERSON_DEFAULT_DISPLAY_NAME_PROPERTIES`` (``posthog/api/person.py``)
DISPLAY_NAME_PROPERTIES = (
    "email",
    "Email",
    "$email",
    "name",
    "Name",
    "username",
    "Username",
    "UserName",
)
#: ``ANONYMOUS_REGEX`` (``posthog/utils.py``): SDK-generated ids look like this
_ANONYMOUS = re.compile(r"^([a-z0-9]+\-){4}([a-z0-9]+)$")


def is_anonymous_id(distinct_id: str) -> bool:
    return _ANONYMOUS.match(distinct_id) is not None


def is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def is_illegal_id(distinct_id: str) -> bool:
    return distinct_id.lower() in ILLEGAL_IDS_ANY_CASE or distinct_id in ILLEGAL_IDS_EXACT


@dataclass(slots=True, kw_only=True)
class Person:
    id: int
    uuid: str
    project: int
    distinct_ids: list[str]
    properties: dict[str, Any]
    created_at: datetime
    is_identified: bool = False
    version: int = 0

    @property
    def name(self) -> Any:
        """``get_person_name_helper`` (``posthog/api/person.py``): the first truthy display-name
        property, else the first distinct id that does not look anonymous, else the id."""
        for key in DISPLAY_NAME_PROPERTIES:
            value = self.properties.get(key)
            if value:
                return value
        if self.distinct_ids:
            return sorted(self.distinct_ids, key=is_anonymous_id)[0]
        return str(self.id)


@dataclass(slots=True, kw_only=True)
class Group:
    project: int
    group_type_index: int
    group_key: str
    properties: dict[str, Any]
    created_at: datetime
    id: int = 0


@dataclass(slots=True, kw_only=True)
class GroupTypeMeta:
    """The editable columns of ``GroupTypeMapping`` (``posthog/models/group_type_mapping.py``);
    its ``group_type`` and ``group_type_index`` are the key of ``PersonsTables.group_types``."""

    created_at: datetime | None = None
    name_singular: str | None = None
    name_plural: str | None = None
    detail_dashboard: int | None = None
    default_columns: list[str] | None = None


@dataclass
class PersonsTables:
    persons: dict[str, Person] = field(default_factory=dict)  # uuid -> person
    by_distinct_id: dict[tuple[int, str], str] = field(default_factory=dict)  # -> uuid
    group_types: dict[int, dict[int, str]] = field(default_factory=dict)  # project -> idx -> name
    groups: dict[tuple[int, int, str], Group] = field(default_factory=dict)
    group_type_meta: dict[tuple[int, int], GroupTypeMeta] = field(default_factory=dict)
    #: bumped on every change of persons, so readers (the query engine) can cache them
    revision: int = 0


class PersonsBackend(Backend):
    """The only code that writes persons and groups; ``emulator.persons`` in Python."""

    def __init__(self, emulator: Emulator) -> None:
        super().__init__(emulator)
        self._emulator = emulator

    @property
    def _tables(self) -> PersonsTables:
        return self._emulator.store.state(PersonsTables)

    # -- reads ---------------------------------------------------------------------------------
    def get(self, distinct_id: str, *, project: int = 1) -> Person | None:
        """The person a distinct id belongs to (``None`` if there is none)."""
        tables = self._tables
        found = tables.by_distinct_id.get((project, distinct_id))
        return tables.persons.get(found) if found is not None else None

    def by_uuid(self, person_uuid: str) -> Person | None:
        return self._tables.persons.get(person_uuid)

    def by_id(self, person_id: int) -> Person | None:
        """A person by its numeric id (any project)."""
        return next((p for p in self._tables.persons.values() if p.id == person_id), None)

    def lookup(self, project: int, key: str) -> Person | None:
        """``get_pk_or_uuid`` (``posthog/api/utils.py``): a UUID names the person's uuid, anything
        else its numeric id (Django's ``int()``; a ``ValueError`` when it is none)."""
        person = self.by_uuid(str(uuid.UUID(key))) if is_uuid(key) else self.by_id(int(key))
        return person if person is not None and person.project == project else None

    def require(self, project: int, key: str) -> Person:
        """``safely_get_object`` (``posthog/api/person.py``): :meth:`lookup`, with a 400 for a
        key that is neither a UUID nor a number and a 404 for no such person."""
        try:
            person = self.lookup(project, key)
        except ValueError:
            raise ValidationError(Msg.PERSONS_NOT_A_PERSON_ID.format(id=key)) from None
        if person is None:
            raise NotFound()
        return person

    def properties_timeline(
        self,
        person: str | int,
        *,
        project: int = 1,
        params: Mapping[str, Any] | None = None,
        **filters: Any,
    ) -> dict[str, Any]:
        """``persons/{id}/properties_timeline/`` for a person's id or uuid; ``params`` (or
        keywords) are the legacy filter's: ``date_from``, ``date_to``, ``interval``,
        ``events``, ``properties``, ``breakdown``... See :mod:`phemu.resources.persons.timeline`."""
        from phemu.resources.persons.timeline import properties_timeline

        with self._emulator.store.lock:
            found = self.require(project, str(person))
            return properties_timeline(self._emulator, found, {**(params or {}), **filters})

    def actors(
        self,
        action: str,
        *,
        project: int = 1,
        params: Mapping[str, Any] | None = None,
        url: str | None = None,
        **filters: Any,
    ) -> dict[str, Any]:
        """The legacy actor endpoints ``persons/<action>/`` (``trends``, ``funnel``,
        ``lifecycle``, ``stickiness``) for the legacy filter ``params`` (or keywords), as asked
        at ``url`` (by default ``http://localhost/api/projects/<project>/persons/<action>/``
        with the parameters as its query), which the pagination links are made of. See
        :mod:`phemu.resources.persons.actors`."""
        from urllib.parse import urlencode

        from phemu.resources.persons.actors import actors_answer

        chosen = {**(params or {}), **filters}
        if url is None:
            query = urlencode({k: v for k, v in chosen.items() if isinstance(v, (str, int))})
            url = f"http://localhost/api/projects/{project}/persons/{action}/"
            url += f"?{query}" if query else ""
        with self._emulator.store.lock:
            return actors_answer(self._emulator, project, action, chosen, url)

    def all(self, project: int = 1) -> list[Person]:
        """The project's persons, newest first (PostHog's default order)."""
        people = [p for p in self._tables.persons.values() if p.project == project]
        return sorted(people, key=lambda p: (p.created_at, p.id), reverse=True)

    def properties(self, distinct_id: str, *, project: int = 1) -> dict[str, Any]:
        person = self.get(distinct_id, project=project)
        return dict(person.properties) if person is not None else {}

    def group_types(self, project: int = 1) -> dict[int, str]:
        return dict(self._tables.group_types.get(project, {}))

    def group(self, project: int, group_type: str, group_key: str) -> Group | None:
        index = self.group_type_index(project, group_type)
        if index is None:
            return None
        return self._tables.groups.get((project, index, group_key))

    def group_type_index(self, project: int, group_type: str) -> int | None:
        for index, name in self._tables.group_types.get(project, {}).items():
            if name == group_type:
                return index
        return None

    def person_id_for(self, project: int, distinct_id: str) -> str:
        """The event's ``person_id``: its person's uuid, else the personless id PostHog derives."""
        person = self.get(distinct_id, project=project)
        if person is not None:
            return person.uuid
        return str(uuid.uuid5(_PERSONLESS, f"{project}:{distinct_id}"))

    # -- writes --------------------------------------------------------------------------------
    def create(
        self,
        distinct_ids: Iterable[str],
        *,
        project: int = 1,
        properties: Mapping[str, Any] | None = None,
        is_identified: bool = False,
        created_at: datetime | None = None,
        uuid_: str | None = None,
        pk: int | None = None,
        version: int = 0,
    ) -> Person:
        """Create a person owning ``distinct_ids`` (seeding; ingestion creates persons itself);
        ``pk``: the id of a stored person (reserved by the caller)."""
        ids = list(dict.fromkeys(str(d) for d in distinct_ids))
        if not ids:
            raise ValueError("a person needs at least one distinct id")
        store = self._emulator.store
        with store.lock:
            taken = [d for d in ids if (project, d) in self._tables.by_distinct_id]
            if taken:
                raise ValueError(f"distinct id {taken[0]!r} already belongs to a person")
            return self._new_person(
                project,
                ids,
                dict(properties or {}),
                created_at or self._emulator.clock.now(),
                is_identified=is_identified,
                uuid_=uuid_,
                pk=pk,
                version=version,
            )

    def _new_person(
        self,
        project: int,
        ids: list[str],
        properties: dict[str, Any],
        created_at: datetime,
        *,
        is_identified: bool = False,
        uuid_: str | None = None,
        pk: int | None = None,
        version: int = 0,
    ) -> Person:
        store = self._emulator.store
        person = Person(
            id=store.next_id(PERSON_SEQUENCE) if pk is None else pk,
            uuid=uuid_ or store.new_uuid(),
            project=project,
            distinct_ids=ids,
            properties=properties,
            created_at=created_at,
            is_identified=is_identified,
            version=version,
        )
        tables = self._tables
        tables.revision += 1
        tables.persons[person.uuid] = person
        for distinct_id in ids:
            tables.by_distinct_id[(project, distinct_id)] = person.uuid
        store.changed(PERSONS, person.uuid)
        return person

    def delete(self, person_uuid: str) -> None:
        with self._emulator.store.lock:
            person = self._tables.persons.pop(person_uuid, None)
            if person is None:
                raise KeyError(person_uuid)
            self._tables.revision += 1
            for distinct_id in person.distinct_ids:
                self._tables.by_distinct_id.pop((person.project, distinct_id), None)
            self._emulator.store.changed(PERSONS, person_uuid)

    def remove(
        self, person_uuid: str, *, delete_events: bool = False, user: int | None = None
    ) -> None:
        """Delete a person as ``destroy`` and ``bulk_delete`` do (``posthog/api/person.py``):
        the person goes and a ``deleted`` activity is logged; ``delete_events`` also removes
        its events, which PostHog queues for a weekly batch and phemu does at once."""
        emulator = self._emulator
        with emulator.store.lock:
            person = self._tables.persons.get(person_uuid)
            if person is None:
                raise KeyError(person_uuid)
            self.delete(person_uuid)
            self._log(person, "deleted", user, name=person.uuid)
            if delete_events:
                emulator.events.delete_for(person.project, person.distinct_ids)

    def bulk_delete(
        self,
        *,
        project: int = 1,
        distinct_ids: Any = None,
        ids: Any = None,
        delete_events: bool = False,
        user: int | None = None,
    ) -> list[str]:
        """``PersonViewSet.bulk_delete``: the persons of up to 1000 distinct ids, else of up to
        1000 person uuids, are removed (:meth:`remove`); returns their uuids. Like Django's
        ``__in`` lookups, a string names its characters and an object its keys; a value
        ``len()`` or the uuid column cannot take is PostHog's unguarded 500."""
        if distinct_ids:
            wanted = _members(distinct_ids, "distinct_ids")
            found = {self._tables.by_distinct_id.get((project, str(d))) for d in wanted}
        elif ids:
            wanted = _members(ids, "ids")
            found = {_uuid_value(value) for value in wanted}
        else:
            raise ValidationError(Msg.PERSONS_BULK_NOTHING)
        with self._emulator.store.lock:
            people = sorted(
                (p for key in found if key and (p := self._tables.persons.get(key)) is not None),
                key=lambda p: p.id,
            )
            for person in people:
                if person.project == project:
                    self.remove(person.uuid, delete_events=delete_events, user=user)
        return [p.uuid for p in people if p.project == project]

    def split(
        self, person_uuid: str, main_distinct_id: Any = None, *, user: int | None = None
    ) -> list[Person]:
        """``PersonViewSet.split`` then ``Person.split_person`` (``posthog/models/person/``):
        every distinct id but the main one (the first when none is named, and then the
        person's properties are cleared) moves to the person ``uuidFromDistinctId`` names,
        created empty if needed. PostHog runs this as a task; phemu at once. Returns the
        persons that received distinct ids."""
        emulator = self._emulator
        store = emulator.store
        with store.lock:
            tables = self._tables
            person = tables.persons.get(person_uuid)
            if person is None:
                raise KeyError(person_uuid)
            ids = list(person.distinct_ids)
            self._log(
                person,
                "split_person",
                user,
                name=person.uuid,
                changes=[change("Person", "split", None, after={"distinct_ids": ids})],
            )
            if not main_distinct_id:
                person.properties = {}
                main_distinct_id = ids[0] if ids else None
            now = emulator.clock.now()
            receivers = []
            tables.revision += 1
            for distinct_id in ids:
                if distinct_id == main_distinct_id:
                    continue
                person.distinct_ids.remove(distinct_id)
                target_uuid = str(
                    uuid.uuid5(PERSON_UUIDV5_NAMESPACE, f"{person.project}:{distinct_id}")
                )
                target = tables.persons.get(target_uuid)
                if target is None:
                    target = self._new_person(
                        person.project, [distinct_id], {}, now, uuid_=target_uuid,
                        version=person.version + 101,
                    )  # fmt: skip
                else:
                    target.distinct_ids.append(distinct_id)
                    tables.by_distinct_id[(person.project, distinct_id)] = target.uuid
                    store.changed(PERSONS, target.uuid)
                receivers.append(target)
            store.changed(PERSONS, person.uuid)
            return receivers

    def _log(
        self,
        person: Person,
        activity: str,
        user: int | None,
        *,
        name: str | None = None,
        changes: list[dict[str, Any]] | None = None,
    ) -> None:
        """``log_activity(scope="Person", item_id=person.pk, ...)`` as ``PersonViewSet`` calls
        it."""
        self._emulator.activity_log.log(
            project=person.project,
            scope=ACTIVITY_SCOPE,
            item_id=person.id,
            activity=activity,
            user=user,
            changes=changes,
            name=name,
        )

    def process(self, project: int, event: Mapping[str, Any], at: datetime) -> str:
        """Apply one ingested event to persons and groups; returns the event's ``person_id``.

        ``event`` is normalised (``$set``/``$set_once`` inside ``properties``). Call under
        ``store.lock``.
        """
        self._tables.revision += 1
        name = str(event.get("event"))
        distinct_id = str(event["distinct_id"])
        properties: Mapping[str, Any] = event.get("properties") or {}
        if name == "$groupidentify":
            self._group_identify(project, properties, at)
        self._register_groups(project, properties, at)
        if properties.get("$process_person_profile") is False:
            return self.person_id_for(project, distinct_id)
        other_key = MERGE_EVENTS.get(name) or ("alias" if name == "$merge_dangerously" else None)
        other = properties.get(other_key) if other_key else None
        if other is not None and str(other) != distinct_id:
            person = self._merge(
                project, str(other), distinct_id, at, force=name == "$merge_dangerously"
            )
        else:
            found = self.get(distinct_id, project=project)
            person = (
                found if found is not None else self._new_person(project, [distinct_id], {}, at)
            )
        if other_key is not None:
            person.is_identified = True
        self._update_properties(person, properties)
        self._emulator.store.changed(PERSONS, person.uuid)
        return person.uuid

    def _merge(
        self, project: int, other_id: str, target_id: str, at: datetime, *, force: bool
    ) -> Person:
        target = self.get(target_id, project=project)
        other = self.get(other_id, project=project)
        tables = self._tables
        if is_illegal_id(other_id) or is_illegal_id(target_id):
            if target is None:
                target = self._new_person(project, [target_id], {}, at)
            return target
        if target is None and other is None:
            return self._new_person(project, [target_id, other_id], {}, at)
        if target is None:
            assert other is not None
            other.distinct_ids.append(target_id)
            tables.by_distinct_id[(project, target_id)] = other.uuid
            return other
        if other is None:
            target.distinct_ids.append(other_id)
            tables.by_distinct_id[(project, other_id)] = target.uuid
            return target
        if other is target or (other.is_identified and not force):
            return target
        # mergePeople: the event's person survives; its properties win over the other's.
        target.properties = {**other.properties, **target.properties}
        target.created_at = min(target.created_at, other.created_at)
        for distinct_id in other.distinct_ids:
            target.distinct_ids.append(distinct_id)
            tables.by_distinct_id[(project, distinct_id)] = target.uuid
        del tables.persons[other.uuid]
        self._emulator.store.changed(PERSONS, other.uuid, target.uuid)
        return target

    @staticmethod
    def _update_properties(person: Person, properties: Mapping[str, Any]) -> None:
        changed = False
        set_once = properties.get("$set_once")
        if isinstance(set_once, Mapping):
            for key, value in set_once.items():
                if key not in person.properties:
                    person.properties[key] = value
                    changed = True
        to_set = properties.get("$set")
        if isinstance(to_set, Mapping) and to_set:
            person.properties.update(to_set)
            changed = True
        unset = properties.get("$unset")
        if isinstance(unset, list):
            for key in unset:
                changed = person.properties.pop(str(key), None) is not None or changed
        if changed:
            person.version += 1

    def _group_type(self, project: int, name: str, at: datetime) -> int | None:
        """The index of a group type, registered on first sight as the plugin server does
        (``plugin-server/src/worker/ingestion/groups/group-type-manager.ts``): it tries the
        number of known types, then the next free index, up to five types."""
        types = self._tables.group_types.setdefault(project, {})
        for index, known in types.items():
            if known == name:
                return index
        index = len(types)
        while index in types:
            index += 1
        if index >= MAX_GROUP_TYPES:
            return None
        types[index] = name
        self._tables.group_type_meta[(project, index)] = GroupTypeMeta(created_at=at)
        self._emulator.store.changed(GROUP_TYPES, (project, index))
        return index

    def _register_groups(self, project: int, properties: Mapping[str, Any], at: datetime) -> None:
        groups = properties.get("$groups")
        if isinstance(groups, Mapping):
            for name in groups:
                self._group_type(project, str(name), at)

    def _group_identify(self, project: int, properties: Mapping[str, Any], at: datetime) -> None:
        group_type, group_key = properties.get("$group_type"), properties.get("$group_key")
        if group_type is None or group_key is None:
            return
        index = self._group_type(project, str(group_type), at)
        if index is None:
            return
        group = self._tables.groups.get((project, index, str(group_key)))
        if group is None:
            group = self.add_group(project, index, str(group_key), {}, at)
        updates = properties.get("$group_set")
        if isinstance(updates, Mapping) and updates:
            self.save_group(group, {**group.properties, **updates})

    def add_group(
        self, project: int, index: int, key: str, properties: dict[str, Any], at: datetime
    ) -> Group:
        """A new group (``create_group``, ``posthog/models/group/util.py``); the caller knows
        the key is free."""
        group = self._tables.groups[(project, index, key)] = Group(
            project=project,
            group_type_index=index,
            group_key=key,
            properties=properties,
            created_at=at,
            id=self._emulator.store.next_id(GROUP_SEQUENCE),
        )
        self._emulator.store.changed(GROUPS, (project, index, key))
        return group

    def save_group(self, group: Group, properties: dict[str, Any]) -> None:
        """Replace a group's properties (``save_group``)."""
        group.properties = properties
        self._emulator.store.changed(
            GROUPS, (group.project, group.group_type_index, group.group_key)
        )

    def group_type_meta(self, project: int, index: int) -> GroupTypeMeta:
        return self._tables.group_type_meta.setdefault((project, index), GroupTypeMeta())

    def update_group_type(self, project: int, index: int, **fields: Any) -> None:
        """Set some of a group type's editable columns (``GroupTypeMeta``'s fields)."""
        meta = self.group_type_meta(project, index)
        for name, value in fields.items():
            setattr(meta, name, value)
        self._emulator.store.changed(GROUP_TYPES, (project, index))

    def delete_group_type(self, project: int, index: int) -> None:
        """``GroupTypeMapping.delete()``: the mapping goes, its groups stay (under their index)."""
        self._tables.group_types.get(project, {}).pop(index, None)
        self._tables.group_type_meta.pop((project, index), None)
        self._emulator.store.changed(GROUP_TYPES, (project, index))

    def set_group(
        self,
        group_type: str,
        group_key: str,
        properties: Mapping[str, Any] | None = None,
        *,
        project: int = 1,
    ) -> Group:
        """Create or update a group (as a ``$groupidentify`` event would)."""
        with self._emulator.store.lock:
            self._group_identify(
                project,
                {
                    "$group_type": group_type,
                    "$group_key": group_key,
                    "$group_set": dict(properties or {}),
                },
                self._emulator.clock.now(),
            )
            group = self.group(project, group_type, group_key)
        if group is None:
            raise ValueError(f"project {project} already has {MAX_GROUP_TYPES} group types")
        return group


def _members(value: Any, name: str) -> list[Any]:
    """What Django's ``__in`` lookup iterates, after ``len(value) > 1000`` is checked."""
    try:
        size = len(value)
    except TypeError:
        raise ServerError() from None
    if size > BULK_DELETE_MAX:
        raise ValidationError(Msg.PERSONS_BULK_TOO_MANY.format(name=name))
    return list(value)


def _uuid_value(value: Any) -> str:
    """A ``UUIDField`` lookup value; anything it cannot read is Django's unguarded error."""
    try:
        if isinstance(value, int) and not isinstance(value, bool):
            return str(uuid.UUID(int=value))
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise ServerError() from None


def render_person(person: Person) -> dict[str, Any]:
    """``PersonSerializer`` (``posthog/api/person.py``): retrieve and update answers; distinct
    ids that look anonymous go last."""
    return {
        "id": person.id,
        "name": person.name,
        "distinct_ids": sorted(person.distinct_ids, key=is_anonymous_id),
        "properties": dict(person.properties),
        "created_at": format_datetime(person.created_at),
        "uuid": person.uuid,
    }


def render_actor(person: Person, distinct_id_limit: int = 1000) -> dict[str, Any]:
    """``get_serialized_people`` (``posthog/queries/actor_base_query.py``): the list's rows,
    an actor whose ``id`` is the uuid (the published schema says the integer id; the code wins);
    a cohort's persons keep 10 distinct ids."""
    return {
        "type": "person",
        "id": person.uuid,
        "uuid": person.uuid,
        "created_at": format_datetime(person.created_at),
        "properties": dict(person.properties),
        "is_identified": person.is_identified,
        "name": person.name,
        "distinct_ids": person.distinct_ids[:distinct_id_limit],
        "matched_recordings": [],
        "value_at_data_point": None,
    }
