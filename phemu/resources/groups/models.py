"""``GroupsBackend`` (``emulator.groups``): ``GroupsViewSet`` and ``GroupsTypesViewSet``
(``posthog/api/group.py``) over the groups and group types of phemu's person store (made by
``$groupidentify`` events, seeds and these endpoints). ``PersonsBackend`` stays the one writer
of that state: this backend validates, decides and calls its public write methods.

The reads PostHog makes in ClickHouse (``property_definitions``, ``property_values``) read
the same groups.

ClickHouse reads each group's properties as JSON: ``JSONExtractKeysAndValuesRaw`` gives every
key with its value's JSON text, which ``property_values`` answers with its surrounding quotes
trimmed (so the string ``"1"`` and the number ``1`` are one value).
"""

from __future__ import annotations

import builtins
import json
import uuid
from collections import Counter
from collections.abc import Iterator
from collections.abc import Mapping
from datetime import datetime
from datetime import timezone
from typing import Any

from phemu.errors import DetailOnly
from phemu.errors import HandBuiltRequired
from phemu.errors import Msg
from phemu.errors import NotFound
from phemu.errors import ServerError
from phemu.errors import ValidationError
from phemu.fields import expect_object
from phemu.fields import lookup_int
from phemu.fields import parse_datetime
from phemu.fields import parse_int
from phemu.fields import parse_list
from phemu.fields import parse_pk
from phemu.fields import parse_text
from phemu.fields import require
from phemu.pagination import cursor_page
from phemu.resources._base import Backend
from phemu.resources.activity_log.models import change
from phemu.resources.events.models import raw_text
from phemu.resources.groups.metrics import SECTION as METRICS_SECTION
from phemu.resources.groups.metrics import Metric
from phemu.resources.groups.metrics import MetricsTables
from phemu.resources.groups.metrics import validate as validate_metric
from phemu.resources.persons.models import Group
from phemu.resources.persons.models import PersonsBackend
from phemu.resources.persons.models import PersonsTables
from phemu.resources.sessions.like import like_matcher
from phemu.serialization import format_datetime

#: ``property_values``'s ``LIMIT``.
VALUES_LIMIT = 20
#: ``GroupCursorPagination.page_size``
PAGE_SIZE = 100
#: ``Group.group_key`` and ``GroupTypeMapping``'s names are ``CharField(max_length=400)``.
MAX_LENGTH = 400
#: ``log_activity(scope="Group")``
ACTIVITY_SCOPE = "Group"


class GroupsBackend(Backend):
    """``emulator.groups``: groups by type index and key, and the project's group types."""

    @property
    def _persons(self) -> PersonsBackend:
        return PersonsBackend.of(self.emulator)

    def _groups(self, project: int) -> Iterator[Group]:
        for group in self.store.state(PersonsTables).groups.values():
            if group.project == project:
                yield group

    # -- groups --------------------------------------------------------------------------------
    def list(
        self,
        group_type_index: int | str,
        *,
        search: str | None = None,
        group_key: str = "",
        project: int = 1,
        url: str | None = None,
    ) -> dict[str, Any]:
        """``list``: the groups of one type whose key contains ``group_key`` (any case), and
        with ``search`` those whose properties' JSON text contains it or whose key is it (any
        case), newest first, 100 a page behind DRF's cursor links made from ``url`` (the
        request's absolute URL, by default ``http://localhost/api/projects/<project>/groups/``
        with ``group_type_index``). Ties of ``created_at`` keep the newest-made group first."""
        if url is None:
            url = f"http://localhost/api/projects/{project}/groups/?group_type_index={group_type_index}"
        index = _lookup_index(group_type_index)
        wanted = group_key.upper()
        with self.store.lock:
            found = [
                g
                for g in self._groups(project)
                if g.group_type_index == index and wanted in g.group_key.upper()
            ]
            if search is not None:
                needle = search.upper()
                found = [
                    g
                    for g in found
                    if needle in jsonb_text(g.properties).upper() or g.group_key.upper() == needle
                ]
            found.sort(key=lambda g: (g.created_at, g.id), reverse=True)
            page = cursor_page(url, found, _position, _compare, PAGE_SIZE)
            page["results"] = [render_group(g) for g in page["results"]]
        return page

    def get(self, group_type_index: int | str, group_key: str, *, project: int = 1) -> Group:
        """``get_object``: the group of that type and key, else 404; a type index that is no
        number is Django's unguarded ``ValueError``, PostHog's 500."""
        index = _lookup_index(group_type_index)
        group = self.store.state(PersonsTables).groups.get((project, index, group_key))
        if group is None:
            raise NotFound()
        return group

    def find(
        self, group_type_index: int | str, group_key: str, *, project: int = 1
    ) -> dict[str, Any]:
        """``find``: ``FindGroupSerializer``. Its ``notebook`` is the short id of a notebook
        linked to the group, which only PostHog's internal ``crm-iteration-one`` flag creates:
        phemu links none, so it is ``None``."""
        with self.store.lock:
            return {
                **render_group(self.get(group_type_index, group_key, project=project)),
                "notebook": None,
            }

    def create(self, body: Any, *, project: int = 1, user: int | None = None) -> dict[str, Any]:
        """``create`` (``CreateGroupSerializer``): a new group of a type index and key, then a
        ``$groupidentify`` event and a ``create_group`` activity per property.

        PostHog saves the row before it looks the type up, so a type index without a group
        type makes the group and answers 404. ``group_properties`` that is ``null`` or no
        object fails PostHog after its checks (the non-null column, ``.items()``): 500.
        """
        data = expect_object(body)
        index = parse_int(require(data, "group_type_index"), "group_type_index")
        key = parse_text(
            require(data, "group_key"), "group_key", allow_blank=False, max_length=MAX_LENGTH
        )
        properties = data.get("group_properties", {})
        if not isinstance(properties, dict):
            raise ServerError()
        persons = self._persons
        with self.store.lock:
            tables = self.store.state(PersonsTables)
            if (project, index, key) in tables.groups:
                raise ValidationError(Msg.GROUPS_KEY_EXISTS, attr="detail")
            group = persons.add_group(
                project, index, key, dict(properties), self.emulator.clock.now()
            )
            self._identify(group, "$groupidentify", {"$group_set": dict(group.properties)})
            for name, value in group.properties.items():
                self._log(
                    group,
                    "create_group",
                    user,
                    str(name),
                    [change("Group", "created", None, after=value)],
                )
            return render_group(group)

    def update_property(
        self,
        group_type_index: int | str,
        group_key: str,
        key: Any,
        value: Any,
        *,
        project: int = 1,
        user: int | None = None,
    ) -> dict[str, Any]:
        """``update_property``: sets one property (``value`` is checked before ``key``; a
        ``null`` one is missing), then a ``$groupidentify`` event setting it and an
        ``update_property`` activity. A key that is no string is saved as JSON names it."""
        with self.store.lock:
            group = self.get(group_type_index, group_key, project=project)
            if value is None:
                raise HandBuiltRequired(attr="value")
            if key is None:
                raise HandBuiltRequired(attr="key")
            name = _json_key(key)
            before = group.properties.get(name)
            self._persons.save_group(group, {**group.properties, name: value})
            self._identify(group, "$groupidentify", {"$group_set": {name: value}})
            action = "created" if before is None else "changed"
            self._log(
                group, "update_property", user, name, [change("Group", action, None, before, value)]
            )
            return render_group(group)

    def delete_property(
        self,
        group_type_index: int | str,
        group_key: str,
        unset: Any,
        *,
        project: int = 1,
        user: int | None = None,
    ) -> dict[str, Any]:
        """``delete_property``: removes the property ``$unset`` names, then a
        ``$delete_group_property`` event and an ``update_property`` activity. A group whose type
        is gone is 404; a property the group lacks is PostHog's unguarded ``KeyError`` (500)."""
        with self.store.lock:
            group = self.get(group_type_index, group_key, project=project)
            if unset is None:
                raise HandBuiltRequired(attr="$unset")
            self._group_type(group)
            name = _json_key(unset)
            if name not in group.properties:
                raise ServerError()
            before = group.properties[name]
            self._persons.save_group(
                group, {k: v for k, v in group.properties.items() if k != name}
            )
            self._identify(group, "$delete_group_property", {"$group_unset": [unset]})
            self._log(
                group, "update_property", user, name, [change("Group", "deleted", None, before)]
            )
            return render_group(group)

    def related(
        self, group_type_index: int | str | None, id: str, *, project: int = 1
    ) -> builtins.list[dict[str, Any]]:
        """``related``: the persons and groups sharing an event of the last 90 days with the
        group ``id`` of type ``group_type_index`` (or, without one, the person whose uuid is
        ``id``). See :mod:`phemu.resources.groups.related`."""
        from phemu.resources.groups.related import group_type_index as checked
        from phemu.resources.groups.related import related

        index = checked(group_type_index)
        with self.store.lock:
            return related(self.emulator, project, index, id)

    def _group_type(self, group: Group) -> str:
        """``get_group_type_mapping_or_404``."""
        name = self._persons.group_types(group.project).get(group.group_type_index)
        if name is None:
            raise NotFound()
        return name

    def _identify(self, group: Group, event: str, properties: dict[str, Any]) -> None:
        """``trigger_group_identify`` / the deletion event: ``capture_internal`` of an event by
        the project's uuid, without a person profile, ingested like any other."""
        project = self.store.projects[group.project]
        self.emulator.events.ingest(
            group.project,
            [
                {
                    "event": event,
                    "distinct_id": project.uuid,
                    "properties": {
                        "$group_type": self._group_type(group),
                        "$group_key": group.group_key,
                        **properties,
                        "$process_person_profile": False,
                    },
                }
            ],
        )

    def _log(
        self,
        group: Group,
        activity: str,
        user: int | None,
        name: str,
        changes: builtins.list[dict[str, Any]],
    ) -> None:
        self.emulator.activity_log.log(
            project=group.project,
            scope=ACTIVITY_SCOPE,
            item_id=group.id,
            activity=activity,
            user=user,
            changes=changes,
            name=name,
        )

    # -- group types ---------------------------------------------------------------------------
    def types(self, project: int = 1) -> builtins.list[dict[str, Any]]:
        """``GroupsTypesViewSet.list``: every group type of the project by index, unpaginated."""
        with self.store.lock:
            names = self._persons.group_types(project)
            return [self._render_type(project, index, names[index]) for index in sorted(names)]

    def _render_type(self, project: int, index: int, name: str) -> dict[str, Any]:
        meta = self._persons.group_type_meta(project, index)
        return {
            "group_type": name,
            "group_type_index": index,
            "name_singular": meta.name_singular,
            "name_plural": meta.name_plural,
            "detail_dashboard": meta.detail_dashboard,
            "default_columns": None if meta.default_columns is None else list(meta.default_columns),
            "created_at": format_datetime(meta.created_at),
        }

    def _type_of(self, project: int, index: Any) -> int:
        """``GroupTypeMapping.objects.get(group_type_index=...)`` for a body's value: a missing
        one is Django's unguarded ``DoesNotExist`` (500)."""
        names = self._persons.group_types(project)
        try:
            number = int(index)
        except (TypeError, ValueError):
            raise ServerError() from None
        if isinstance(index, bool) or number not in names:
            raise ServerError()
        return number

    def update_metadata(self, rows: Any, *, project: int = 1) -> builtins.list[dict[str, Any]]:
        """``update_metadata``: each row names a group type by ``group_type_index`` and sets
        what ``GroupTypeSerializer`` validates of it (``name_singular``, ``name_plural``,
        ``detail_dashboard``, ``default_columns``, ``created_at``), row by row; then the list.
        A row naming no group type, or a body that is no list of objects, is PostHog's
        unguarded 500 (rows before it stay saved)."""
        if not isinstance(rows, list):
            raise ServerError()
        with self.store.lock:
            for row in rows:
                if not isinstance(row, Mapping) or "group_type_index" not in row:
                    raise ServerError()
                index = self._type_of(project, row["group_type_index"])
                self._persons.update_group_type(project, index, **self._type_fields(row))
            return self.types(project)

    def _type_fields(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """``GroupTypeSerializer``'s writable fields, in its order; all may be ``null``."""
        fields: dict[str, Any] = {}
        for name in ("name_singular", "name_plural"):
            if name in row:
                value = row[name]
                fields[name] = (
                    None if value is None else parse_text(value, name, max_length=MAX_LENGTH)
                )
        if "detail_dashboard" in row and row["detail_dashboard"] is not None:
            fields["detail_dashboard"] = parse_pk(
                row["detail_dashboard"], "detail_dashboard", self._dashboard_exists
            )
        elif "detail_dashboard" in row:
            fields["detail_dashboard"] = None
        if "default_columns" in row:
            value = row["default_columns"]
            fields["default_columns"] = (
                None if value is None else parse_list(value, "default_columns", _column)
            )
        if "created_at" in row:
            value = row["created_at"]
            fields["created_at"] = None if value is None else parse_datetime(value, "created_at")
        return fields

    def _dashboard_exists(self, pk: int) -> bool:
        """The field's queryset is every dashboard (``Dashboard.objects.all()``)."""
        from phemu.resources.dashboards.models import DashboardsState

        return pk in self.store.state(DashboardsState).dashboards

    def set_default_columns(self, body: Any, *, project: int = 1) -> dict[str, Any]:
        """``set_default_columns``: saves ``default_columns`` as given, without a serializer;
        a missing key (or a body that is no object) is PostHog's 500, an unknown type 404, and
        what Postgres cannot store in a text array a 500."""
        if not isinstance(body, Mapping) or "group_type_index" not in body:
            raise ServerError()
        with self.store.lock:
            index = self._mapping_or_404(project, body["group_type_index"])
            if "default_columns" not in body:
                raise ServerError()
            columns = body["default_columns"]
            if columns is not None and not (
                isinstance(columns, list) and all(isinstance(c, str) for c in columns)
            ):
                raise ServerError()
            self._persons.update_group_type(project, index, default_columns=columns)
            return self._render_type(project, index, self._persons.group_types(project)[index])

    def create_detail_dashboard(
        self, body: Any, *, project: int = 1, user: int | None = None
    ) -> dict[str, Any]:
        """``create_detail_dashboard``: the group type's overview template dashboard (see
        :mod:`phemu.resources.groups.dashboard`), linked as its ``detail_dashboard``. A type
        that has one already is PostHog's bare 400; a missing ``group_type_index`` its 500, an
        unknown one 404 "Group type not found"."""
        from phemu.resources.groups.dashboard import create

        if not isinstance(body, Mapping) or "group_type_index" not in body:
            raise ServerError()
        with self.store.lock:
            index = self._mapping_or_404(project, body["group_type_index"])
            meta = self._persons.group_type_meta(project, index)
            if meta.detail_dashboard is not None:
                raise DetailOnly(Msg.GROUP_TYPE_DASHBOARD_EXISTS)
            name = self._persons.group_types(project)[index]
            dashboard = create(
                self.emulator, project, name, meta.name_singular, meta.name_plural, user
            )
            self._persons.update_group_type(project, index, detail_dashboard=dashboard)
            return self._render_type(project, index, name)

    def _mapping_or_404(self, project: int, value: Any) -> int:
        """``GroupTypeMapping.objects.get(...)`` with ``DoesNotExist`` as 404 ``Group type not
        found``; a value that is no integer is Django's ``ValueError`` (500)."""
        try:
            index = int(value)
        except (TypeError, ValueError):
            raise ServerError() from None
        if isinstance(value, (bool, float)) and value != index:
            raise ServerError()
        if index not in self._persons.group_types(project):
            raise NotFound(Msg.GROUP_TYPE_NOT_FOUND)
        return index

    def delete_type(self, group_type_index: int | str, *, project: int = 1) -> None:
        """``destroy``: the group type goes; its groups stay under their index."""
        with self.store.lock:
            index = self.type_index(group_type_index, project=project)
            self._persons.delete_group_type(project, index)

    def type_index(self, group_type_index: int | str, *, project: int = 1) -> int:
        """The lookup of ``groups_types/<group_type_index>/``: no such type is 404, and so is
        a value ``int()`` refuses (``get_object_or_404`` catches Django's ``ValueError``)."""
        index = _path_index(group_type_index)
        if index not in self._persons.group_types(project):
            raise NotFound()
        return index

    # -- usage metrics (``phemu/resources/groups/metrics.py``) -------------------------------
    @property
    def _metrics(self) -> dict[str, Metric]:
        return self.store.state(MetricsTables).metrics

    def metrics(
        self, group_type_index: int | str, *, project: int = 1
    ) -> builtins.list[dict[str, Any]]:
        """The metrics of a group type index (any index: the type need not exist), oldest
        first."""
        index = _path_index(group_type_index)
        with self.store.lock:
            found = [
                m
                for m in self._metrics.values()
                if (m.project, m.group_type_index) == (project, index)
            ]
            return [m.render() for m in sorted(found, key=lambda m: m.seq)]

    def create_metric(
        self, group_type_index: int | str, body: Any, *, project: int = 1
    ) -> dict[str, Any]:
        index = _path_index(group_type_index)
        fields = validate_metric(body, partial=False)
        with self.store.lock:
            self._unique_name(project, index, fields["name"], None)
            metric = Metric(
                id=self.store.new_uuid(),
                project=project,
                group_type_index=index,
                seq=self.store.next_id(METRICS_SECTION),
                **fields,
            )
            self._metrics[metric.id] = metric
            self.store.changed(METRICS_SECTION, metric.id)
            return metric.render()

    def metric(self, group_type_index: int | str, id: str, *, project: int = 1) -> dict[str, Any]:
        with self.store.lock:
            return self._metric(group_type_index, id, project).render()

    def update_metric(
        self,
        group_type_index: int | str,
        id: str,
        body: Any,
        *,
        partial: bool = False,
        project: int = 1,
    ) -> dict[str, Any]:
        """``PUT`` (``partial=False``: ``name`` and ``filters`` required) or ``PATCH``."""
        with self.store.lock:
            metric = self._metric(group_type_index, id, project)
            fields = validate_metric(body, partial=partial)
            if "name" in fields:
                self._unique_name(project, metric.group_type_index, fields["name"], metric.id)
            for name, value in fields.items():
                setattr(metric, name, value)
            self.store.changed(METRICS_SECTION, metric.id)
            return metric.render()

    def delete_metric(self, group_type_index: int | str, id: str, *, project: int = 1) -> None:
        with self.store.lock:
            metric = self._metric(group_type_index, id, project)
            del self._metrics[metric.id]
            self.store.changed(METRICS_SECTION, metric.id)

    def _metric(self, group_type_index: int | str, id: str, project: int) -> Metric:
        """``get_object``: 404 for an id that is no UUID or no metric of that index."""
        index = _path_index(group_type_index)
        try:
            key = str(uuid.UUID(id))
        except ValueError:
            raise NotFound() from None
        metric = self._metrics.get(key)
        if metric is None or (metric.project, metric.group_type_index) != (project, index):
            raise NotFound()
        return metric

    def _unique_name(self, project: int, index: int, name: str, other: str | None) -> None:
        """``unique_metric_name``: the insert or update fails (500)."""
        for m in self._metrics.values():
            if (m.project, m.group_type_index, m.name) == (project, index, name) and m.id != other:
                raise ServerError()

    def property_definitions(self, project: int = 1) -> dict[str, builtins.list[dict[str, Any]]]:
        """``property_definitions``: per group type index (as a string, in index order), each
        property key with the number of groups that have it, most common first, then by key."""
        with self.store.lock:
            counts: Counter[tuple[int, str]] = Counter(
                (group.group_type_index, key)
                for group in self._groups(project)
                for key in group.properties
            )
        answer: dict[str, builtins.list[dict[str, Any]]] = {}
        ordered = sorted(counts.items(), key=lambda i: (i[0][0], -i[1], i[0][1].encode()))
        for (index, key), count in ordered:
            answer.setdefault(str(index), []).append({"name": key, "count": count})
        return answer

    def property_values(
        self,
        group_type_index: int | str,
        key: str,
        *,
        value: str | None = None,
        project: int = 1,
    ) -> builtins.list[dict[str, Any]]:
        """``property_values``: the values of ``key`` among the groups of one type, with how
        many groups hold each, most common first, then by value, at most 20; ``value`` keeps
        those whose text contains it (``ILIKE '%value%'``, unescaped as PostHog sends it).

        ``group_type_index`` is a query parameter ClickHouse reads as a number: text that is
        not one is PostHog's 500.
        """
        index = _index(group_type_index)
        matches = like_matcher(value) if value else None
        with self.store.lock:
            texts = [
                raw_text(group.properties[key])
                for group in self._groups(project)
                if group.group_type_index == index and key in group.properties
            ]
        counts = Counter(t for t in texts if matches is None or matches(t.lower()))
        ordered = sorted(counts.items(), key=lambda i: (-i[1], i[0].encode()))
        return [{"name": name, "count": count} for name, count in ordered[:VALUES_LIMIT]]


def render_group(group: Group) -> dict[str, Any]:
    """``GroupSerializer``."""
    return {
        "group_type_index": group.group_type_index,
        "group_key": group.group_key,
        "group_properties": dict(group.properties),
        "created_at": format_datetime(group.created_at),
    }


def jsonb_text(value: Any) -> str:
    """Postgres's text of a ``jsonb`` value (what ``group_properties__icontains`` searches):
    object keys shortest first, then by bytes; ``", "`` and ``": "`` between items; text
    unescaped beyond JSON's own escapes."""
    if isinstance(value, dict):
        keys = sorted(value, key=lambda k: (len(str(k).encode()), str(k).encode()))
        inner = ", ".join(f"{jsonb_text(str(k))}: {jsonb_text(value[k])}" for k in keys)
        return "{" + inner + "}"
    if isinstance(value, list):
        return "[" + ", ".join(jsonb_text(item) for item in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def _json_key(key: Any) -> str:
    """The name a property key gets in a ``jsonb`` object: text as is, numbers and booleans
    as JSON writes them; a list or an object cannot be a key (PostHog's 500)."""
    if isinstance(key, str):
        return key
    if isinstance(key, (list, dict)):
        raise ServerError()
    return json.dumps(key)


def _column(value: Any, name: str) -> str:
    return parse_text(value, name)


def _position(group: Group) -> str:
    """``str()`` of the Python value of ``created_at``, DRF's cursor position."""
    return str(group.created_at.astimezone(timezone.utc))


def _compare(group: Group, position: str) -> int:
    """The cursor's position is read as Django reads a ``DateTimeField`` lookup value: text it
    cannot read is its unguarded ``ValidationError`` (500); a naive one is in UTC."""
    try:
        at = datetime.fromisoformat(position)
    except ValueError:
        raise ServerError() from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    return (group.created_at > at) - (group.created_at < at)


def _path_index(value: int | str) -> int:
    """A path's ``group_type_index``: ``int()`` of it, else 404 (``posthog/api/routing.py``)."""
    index = value if isinstance(value, int) else lookup_int(value)
    if index is None:
        raise NotFound()
    return index


def _lookup_index(value: int | str) -> int:
    """A ``group_type_index`` lookup value as Django's ``IntegerField`` reads it (``int()``)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ServerError() from None


def _index(value: int | str) -> int:
    if isinstance(value, bool):
        raise ServerError()
    if isinstance(value, int):
        return value
    text = value.strip()
    if not (text.isascii() and text.isdigit()):
        raise ServerError()
    return int(text)
