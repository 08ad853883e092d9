"""Records of the schema-driven resources and :class:`GenericBackend`, their only writer.

Every collection of PostHog's schema that no hand-written resource serves keeps its records
here, per resource and per place (:class:`Where`: a project, an organization or the root, plus
the parent ids of nested collections such as ``batch_exports/{batch_export_id}/runs``). A
record is the JSON object its record schema describes; creates fill the read-only fields as
PostHog's serializers do (typed ids, ``short_id``, ``created_at``/``updated_at`` from the
emulator clock, ``created_by`` as the writer's ``UserBasic``), and every write is journaled as
an activity-log entry so ``.../activity/`` answers from what happened.

The backend's public methods are the Python API (``emulator.generic.create("feature_flags",
{"key": "beta"})``); the HTTP handlers call the same methods, so both validate alike and
return what the API returns.
"""

from __future__ import annotations

import builtins
import copy
from collections import deque
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from typing import TYPE_CHECKING
from typing import Any

from phemu.errors import NotFound
from phemu.errors import PostHogError
from phemu.openapi.index import Operation
from phemu.openapi.index import ResourceModel
from phemu.openapi.index import operation_index
from phemu.openapi.schema import node
from phemu.resources._base import Backend
from phemu.resources._base import user_basic
from phemu.resources.activity_log.models import ActivityLogBackend
from phemu.resources.activity_log.models import changes_between
from phemu.serialization import format_datetime

if TYPE_CHECKING:
    from phemu.store import Store
    from phemu.store import User

ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
#: Read-only date-times PostHog's models stamp on save.
STAMPED_ON_CREATE = ("created_at", "updated_at", "last_modified_at", "inserted_at")
STAMPED_ON_WRITE = ("updated_at", "last_modified_at")
USER_STAMPS_ON_WRITE = ("last_modified_by",)
SEARCHED = ("name", "key", "title", "email", "description")


@dataclass(frozen=True, slots=True)
class Where:
    """Where records live: ``("project", "1")``, ``("organization", "<uuid>")`` or
    ``("root", "")``, plus the parent ids of a nested collection, in path order."""

    kind: str
    owner: str
    parents: tuple[str, ...] = ()


@dataclass(slots=True)
class Record:
    key: str
    data: dict[str, Any]
    seq: int


@dataclass
class GenericState:
    """The per-store tables (``store.state(GenericState)``): emptied by ``reset()``."""

    tables: dict[str, dict[Where, dict[str, Record]]] = field(default_factory=dict)
    queues: dict[str, deque[Answer]] = field(default_factory=dict)
    seq: int = 0


@dataclass(frozen=True)
class Answer:
    """A scripted answer: ``status`` (``None``: the operation's success status) and ``body``
    (``None`` with a 204 is an empty body)."""

    body: Any
    status: int | None = None


class GenericBackend(Backend):
    """``emulator.generic``: the schema-driven resources' records and scripted answers."""

    # -- introspection -----------------------------------------------------------------------
    @staticmethod
    def resources() -> builtins.list[str]:
        """Every schema collection's name (``feature_flags``, ``batch_exports/runs``...)."""
        return sorted(operation_index().resources)

    @staticmethod
    def model(resource: str) -> ResourceModel:
        try:
            return operation_index().resources[resource]
        except KeyError:
            raise KeyError(
                f"{resource!r} is not a collection of PostHog's schema; "
                "see emulator.generic.resources()"
            ) from None

    # -- Python API --------------------------------------------------------------------------
    def create(
        self,
        resource: str,
        fields: Mapping[str, Any] | None = None,
        *,
        project: int | None = 1,
        organization: str | None = None,
        parents: Iterable[Any] = (),
        user: int | str | None = None,
    ) -> dict[str, Any]:
        """Create a record with the create operation's validation; returns what POST returns.

        Records of organization collections take ``organization=``, root collections
        ``project=None``; nested collections take their parent ids in ``parents``.
        """
        from phemu.openapi.validate import validate_body

        model = self.model(resource)
        where = self.where(model, project=project, organization=organization, parents=parents)
        owner = self._user(user, where)
        op = model.first("create")
        schema = op.request if op is not None else model.record
        data = validate_body(dict(fields or {}), schema, partial=False) if schema else {}
        record = self.insert(model, where, data, owner)
        return self.render(model, record, op.response if op is not None else model.record)

    def list(
        self,
        resource: str,
        *,
        project: int | None = 1,
        organization: str | None = None,
        parents: Iterable[Any] = (),
        deleted: bool = False,
    ) -> builtins.list[dict[str, Any]]:
        """Every record of a place, newest first (soft-deleted ones only with ``deleted``)."""
        model = self.model(resource)
        where = self.where(model, project=project, organization=organization, parents=parents)
        return [
            self.render(model, record, model.record)
            for record in self.records(model, where, deleted=deleted)
        ]

    def get(
        self,
        resource: str,
        key: Any,
        *,
        project: int | None = 1,
        organization: str | None = None,
        parents: Iterable[Any] = (),
    ) -> dict[str, Any] | None:
        model, _, record = self._locate(resource, key, project, organization, parents)
        return None if record is None else self.render(model, record, model.record)

    def update(
        self,
        resource: str,
        key: Any,
        fields: Mapping[str, Any],
        *,
        project: int | None = 1,
        organization: str | None = None,
        parents: Iterable[Any] = (),
        user: int | str | None = None,
    ) -> dict[str, Any]:
        """PATCH a record (``deleted=True`` soft-deletes where the schema has the flag)."""
        from phemu.openapi.validate import validate_body

        model, where, record = self._locate(resource, key, project, organization, parents)
        if record is None:
            raise NotFound()
        op = model.first("partial_update")
        schema = op.request if op is not None else model.record
        data = validate_body(dict(fields), schema, partial=True) if schema else dict(fields)
        self.write(model, where, record, data, self._user(user, where))
        return self.render(model, record, model.record)

    def delete(
        self,
        resource: str,
        key: Any,
        *,
        project: int | None = 1,
        organization: str | None = None,
        parents: Iterable[Any] = (),
    ) -> None:
        """Remove a record (what a 204 DELETE does; soft-delete with ``update``)."""
        model, where, record = self._locate(resource, key, project, organization, parents)
        if record is None:
            raise NotFound()
        self.remove(model, where, record, None)

    def _locate(
        self,
        resource: str,
        key: Any,
        project: int | None,
        organization: str | None,
        parents: Iterable[Any],
    ) -> tuple[ResourceModel, Where, Record | None]:
        model = self.model(resource)
        where = self.where(model, project=project, organization=organization, parents=parents)
        return model, where, self.find(model, where, str(key))

    # -- scripted answers --------------------------------------------------------------------
    def queue(self, operation_id: str, *bodies: Any, status: int | None = None) -> None:
        """Queue the next answers of a schema operation (one per request, first in first out).

        Each body is answered as is, with ``status`` or the operation's success status; an
        :class:`Answer` sets both per item, and a :class:`~phemu.errors.PostHogError` is
        answered as PostHog's error (``ValidationError("Bad", attr="key")``). The operation
        must be served by the generic resource (hand-written operations are scripted through
        their own resource).
        """
        op = operation_index().by_id.get(operation_id)
        if op is None:
            raise KeyError(f"{operation_id!r} is not an operationId of PostHog's schema")
        if operation_id not in self.served():
            raise KeyError(
                f"{operation_id!r} is answered by a hand-written resource (tier exact), not by "
                "the generic one; script it through that resource"
            )
        answers = [_answer(body, status) for body in bodies]
        store = self.emulator.store
        with store.lock:
            queue = self._state().queues.setdefault(operation_id, deque())
            queue.extend(copy.deepcopy(answers))

    def served(self) -> frozenset[str]:
        """The operation ids this emulator's generic routes answer."""
        return frozenset(
            op.operation_id
            for route in self.emulator.routes.routes.values()
            for (_, method), op in getattr(route, "schema_ops", {}).items()
            if route.tier(method) != "exact"
        )

    def pending(self) -> dict[str, int]:
        with self.emulator.store.lock:
            return {op: len(q) for op, q in self._state().queues.items() if q}

    def clear_queue(self, operation_id: str | None = None) -> None:
        with self.emulator.store.lock:
            queues = self._state().queues
            if operation_id is None:
                queues.clear()
            else:
                queues.pop(operation_id, None)

    def control(self, method: str, body: Any, operation: str | None) -> dict[str, Any]:
        """``/_phemu/generic/answers``: ``GET`` counts, ``DELETE`` clears (``?operation=`` for
        one), ``POST`` queues ``{"operation": ..., "body": <any JSON>}`` or ``{"operation": ...,
        "bodies": [...]}``, with an optional ``"status"``. Raises ``ValueError`` on a bad body."""
        if method == "DELETE":
            self.clear_queue(operation or None)
        elif method == "POST":
            if not isinstance(body, dict) or not isinstance(body.get("operation"), str):
                raise ValueError("expected a JSON object with 'operation' and 'body'")
            given = [k for k in ("body", "bodies") if k in body]
            if len(given) != 1:
                raise ValueError("give exactly one of 'body' and 'bodies'")
            bodies = [body["body"]] if given == ["body"] else body["bodies"]
            if not isinstance(bodies, list):
                raise ValueError("'bodies' must be a list")
            status = body.get("status")
            if status is not None and (isinstance(status, bool) or not isinstance(status, int)):
                raise ValueError("'status' must be an HTTP status code")
            try:
                self.queue(body["operation"], *bodies, status=status)
            except KeyError as error:
                raise ValueError(error.args[0]) from None
        return {"pending": self.pending()}

    def next_answer(self, operation_id: str) -> Answer | None:
        with self.emulator.store.lock:
            queue = self._state().queues.get(operation_id)
            return queue.popleft() if queue else None

    # -- the engine (shared by the Python API and the HTTP handlers) -------------------------
    def _state(self) -> GenericState:
        return self.emulator.store.state(GenericState)

    def inspect(self) -> Any:
        """Record counts per collection and pending scripted answers, for the web inspector."""
        state = self._state()
        counts = {
            name: sum(len(table) for table in places.values())
            for name, places in sorted(state.tables.items())
        }
        return {"records": {n: c for n, c in counts.items() if c}, "scripted": self.pending()}

    @property
    def now(self) -> str:
        return format_datetime(self.emulator.clock.now()) or ""

    def where(
        self,
        model: ResourceModel,
        *,
        project: int | None = None,
        organization: str | None = None,
        parents: Iterable[Any] = (),
    ) -> Where:
        values = tuple(str(p) for p in parents)
        if len(values) != len(model.parents):
            raise ValueError(
                f"{model.name} lives below {', '.join(model.parents) or 'nothing'}; "
                f"give parents=({', '.join(model.parents)})"
            )
        if model.scope == "project":
            if project is None or project not in self.emulator.store.projects:
                raise ValueError(f"project {project!r} does not exist")
            return Where("project", str(project), values)
        if model.scope == "organization":
            org = organization or self._default_organization()
            if org not in self.emulator.store.organizations:
                raise ValueError(f"organization {org!r} does not exist")
            return Where("organization", org, values)
        return Where("root", "", values)

    def _default_organization(self) -> str:
        return next(iter(self.emulator.store.organizations), "")

    def _user(self, user: int | str | None, where: Where) -> User | None:
        store = self.emulator.store
        if isinstance(user, int):
            return store.users.get(user)
        if isinstance(user, str):
            return store.user_by_email(user)
        org = where.owner
        if where.kind == "project":
            project = store.projects.get(int(where.owner))
            org = project.organization if project is not None else ""
        members = sorted(
            (u for u in store.users.values() if not org or org in u.memberships),
            key=lambda u: u.id,
        )
        return members[0] if members else None

    def table(self, model: ResourceModel, where: Where) -> dict[str, Record]:
        return self._state().tables.setdefault(model.name, {}).setdefault(where, {})

    def records(
        self, model: ResourceModel, where: Where, *, deleted: bool = False
    ) -> builtins.list[Record]:
        rows = self._state().tables.get(model.name, {}).get(where, {})
        soft = model.soft_delete
        found = [
            r for r in rows.values() if deleted or not (soft and r.data.get("deleted") is True)
        ]
        return sorted(found, key=lambda r: r.seq, reverse=True)

    def find(self, model: ResourceModel, where: Where, key: str) -> Record | None:
        return self._state().tables.get(model.name, {}).get(where, {}).get(normal_key(model, key))

    def insert(
        self,
        model: ResourceModel,
        where: Where,
        data: Mapping[str, Any],
        owner: User | None,
        *,
        key: str | None = None,
    ) -> Record:
        """Store a new record from validated data: defaults, then input, then stamps."""
        store = self.emulator.store
        now = self.now
        with store.lock:
            record_data = _new_record(model, now)
            record_data.update(copy.deepcopy(dict(data)))
            self._stamp_new(model, where, record_data, data, owner, now)
            if key is not None and model.lookup and model.lookup in _properties(model):
                record_data[model.lookup] = _typed(model, key)
            if key is None:
                found = _key_of(model, record_data)
                if found is None:
                    # A record without a documented lookup field: an id of the path's type.
                    kind = "integer" if model.lookup_type == "integer" else "string"
                    found = _new_id(store, model, kind, None)
                    if lookup_field(model) != "user__uuid":
                        record_data.setdefault(lookup_field(model), found)
                key = str(found)
            key = normal_key(model, key)
            state = self._state()
            state.seq += 1
            record = Record(key=key, data=record_data, seq=state.seq)
            self.table(model, where)[key] = record
            self._journal(model, where, record, "created", [], owner)
            return record

    def restore(self, model: ResourceModel, where: Where, key: str, data: dict[str, Any]) -> None:
        """Put back a record exactly as a state export holds it."""
        with self.emulator.store.lock:
            state = self._state()
            state.seq += 1
            self.table(model, where)[key] = Record(key=key, data=data, seq=state.seq)

    def write(
        self,
        model: ResourceModel,
        where: Where,
        record: Record,
        data: Mapping[str, Any],
        owner: User | None,
    ) -> None:
        """Apply validated changes (PUT and PATCH alike: absent fields keep their values)."""
        store = self.emulator.store
        now = self.now
        with store.lock:
            before = copy.deepcopy(record.data)
            record.data.update(copy.deepcopy(dict(data)))
            props = _properties(model)
            for name in STAMPED_ON_WRITE:
                if name in props and name not in data:
                    record.data[name] = now
            for name in USER_STAMPS_ON_WRITE:
                if name in props and name not in data:
                    record.data[name] = user_basic(owner)
            changes = changes_between(
                scope_of(model),
                {name: before.get(name) for name in data},
                {name: record.data.get(name) for name in data},
            )
            deleted = model.soft_delete and record.data.get("deleted") is True
            soft_deleted = deleted and before.get("deleted") is not True
            activity = "deleted" if soft_deleted else "updated"
            self._journal(model, where, record, activity, changes, owner)

    def remove(
        self, model: ResourceModel, where: Where, record: Record, owner: User | None
    ) -> None:
        with self.emulator.store.lock:
            self.table(model, where).pop(record.key, None)
            self._journal(model, where, record, "deleted", [], owner)

    def render(self, model: ResourceModel, record: Record, schema: Any) -> dict[str, Any]:
        """The record as ``schema`` describes it (the record schema when ``None``)."""
        from phemu.openapi.instances import conform

        target = schema if schema is not None else model.record
        if target is None:
            return copy.deepcopy(record.data)
        rendered: dict[str, Any] = conform(record.data, target, self.now)
        return copy.deepcopy(rendered)

    def _stamp_new(
        self,
        model: ResourceModel,
        where: Where,
        data: dict[str, Any],
        given: Mapping[str, Any],
        owner: User | None,
        now: str,
    ) -> None:
        store = self.emulator.store
        for name, sub in _properties(model).items():
            if name in given:
                continue
            flat = node(sub)
            if name == "id":
                data["id"] = _new_id(store, model, flat.kind, flat.fmt)
            elif name == "short_id":
                data["short_id"] = store.random_token(8, ALNUM)
            elif name in STAMPED_ON_CREATE and flat.kind == "string":
                data[name] = now
            elif flat.name == "UserBasic" and flat.read_only:
                data[name] = user_basic(_named_user(store, given) or owner)
            elif name in ("team_id", "project_id", "team") and flat.kind == "integer":
                if where.kind == "project":
                    data[name] = int(where.owner)
            elif name in ("organization", "organization_id") and where.kind == "organization":
                data[name] = where.owner
            elif name == "uuid" and flat.fmt == "uuid":
                data[name] = store.new_uuid()
        for parent, value in zip(model.parents, where.parents, strict=True):
            for name in (parent, parent.removesuffix("_id")):
                if name in data and not isinstance(data[name], (dict, list)):
                    data[name] = _coerce_like(data[name], value)
                    break
        own_key = model.lookup not in (None, "id") and model.lookup in _properties(model)
        missing = (
            own_key
            and model.lookup not in given
            and data.get(model.lookup or "")
            in (
                None,
                "",
                0,
            )
        )
        if missing and model.lookup:
            flat = node(_properties(model)[model.lookup])
            data[model.lookup] = _new_id(store, model, flat.kind, flat.fmt)

    def _journal(
        self,
        model: ResourceModel,
        where: Where,
        record: Record,
        activity: str,
        changes: builtins.list[dict[str, Any]],
        owner: User | None,
    ) -> None:
        """PostHog's ``log_activity`` for a project's record: the shared activity journal
        (``emulator.activity_log``) that ``.../activity/`` and ``activity_log/`` read."""
        if where.kind != "project":
            return
        ActivityLogBackend.of(self.emulator).log(
            project=int(where.owner),
            scope=scope_of(model),
            item_id=record.key,
            activity=activity,
            user=owner.id if owner is not None else None,
            changes=changes or None,
            name=_display_name(record.data),
            short_id=record.data.get("short_id"),
        )


def _named_user(store: Store, given: Mapping[str, Any]) -> User | None:
    """The user a write names by ``user_uuid`` (collaborators, role memberships)."""
    wanted = given.get("user_uuid")
    return next((u for u in store.users.values() if u.uuid == wanted), None)


def _answer(body: Any, status: int | None) -> Answer:
    if isinstance(body, Answer):
        return body
    if isinstance(body, PostHogError):
        return Answer(body.body(), body.status)
    return Answer(body, status)


def _properties(model: ResourceModel) -> dict[str, Any]:
    if model.record is None:
        return {}
    return dict(node(model.record).properties)


def _new_record(model: ResourceModel, now: str) -> dict[str, Any]:
    from phemu.openapi.instances import instance

    if model.record is None:
        return {}
    base = instance(model.record, now, full=True)
    return base if isinstance(base, dict) else {}


def _new_id(store: Store, model: ResourceModel, kind: str, fmt: str | None) -> Any:
    if kind == "integer":
        return store.next_id(f"generic:{model.name}")
    return store.new_uuid()


def lookup_field(model: ResourceModel) -> str:
    """The record field a detail path's lookup value matches (for records without a schema,
    the path parameter's own name: ``endpoints/{name}``)."""
    lookup = model.lookup or "id"
    if lookup == "user__uuid" or lookup in _properties(model) or model.record is None:
        return lookup
    return "id"


def _key_of(model: ResourceModel, data: Mapping[str, Any]) -> Any:
    field_name = lookup_field(model)
    if field_name == "user__uuid":
        user = data.get("user")
        return user.get("uuid") if isinstance(user, dict) else None
    value = data.get(field_name)
    return value


def normal_key(model: ResourceModel, key: str) -> str:
    """Lookup values compare as PostHog's database would: UUIDs case-insensitively."""
    return key.lower() if model.lookup_type == "uuid" else key


def _typed(model: ResourceModel, key: str) -> Any:
    if model.lookup_type == "integer" and key.lstrip("-").isdigit():
        return int(key)
    return key


def _coerce_like(current: Any, value: str) -> Any:
    if isinstance(current, int) and not isinstance(current, bool) and value.isdigit():
        return int(value)
    return value


def scope_of(model: ResourceModel) -> str:
    """The activity log's ``scope`` of a collection's records: PostHog logs the model name,
    which the record's component is named after (``FeatureFlag``)."""
    return model.record_name or model.name


def _display_name(data: Mapping[str, Any]) -> Any:
    for name in ("name", "key", "title"):
        value = data.get(name)
        if isinstance(value, str) and value:
            return value
    return None


def matches_query(record: Record, op: Operation, args: Mapping[str, str]) -> bool:
    """PostHog's list filters, generically: ``search`` over the usual text fields, and any
    documented query parameter that names a scalar field of the record by equality."""
    data = record.data
    for name in op.query:
        raw = args.get(name)
        if raw is None or name in ("limit", "offset", "cursor", "format"):
            continue
        if name == "search":
            needle = raw.lower()
            if not any(
                isinstance(data.get(f), str) and needle in data[f].lower() for f in SEARCHED
            ):
                return False
            continue
        if name in data and not isinstance(data[name], (dict, list)):
            value = data[name]
            text = str(value).lower() if isinstance(value, bool) else str(value)
            if text != raw:
                return False
    return True
