"""Annotation records, their table and ``AnnotationsBackend`` (``emulator.annotations``).

``AnnotationSerializer`` (``posthog/api/annotation.py``, the November 2025 field list): ``scope``
``dashboard_item`` (an insight), ``dashboard``, ``project``, ``organization`` (visible in every
project of the organization) or ``recording``; ``dashboard_item`` names an insight,
``dashboard_id`` (read from the body on create) a dashboard, and the insight's ``short_id``,
``name`` and ``derived_name`` and the dashboard's ``name`` are derived. Soft delete: ``PATCH``
``deleted: true`` (``DELETE`` is PostHog's bare 405); only ``PATCH`` sees deleted annotations,
to restore them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from typing import TYPE_CHECKING
from typing import Any

from phemu import fields
from phemu.errors import Msg
from phemu.errors import ValidationError
from phemu.resources._base import Backend
from phemu.resources._base import created_by as render_user
from phemu.resources._records import load_records
from phemu.serialization import format_datetime

if TYPE_CHECKING:
    from phemu.emulator import Emulator

SCOPES = ("dashboard_item", "dashboard", "project", "organization", "recording")
CREATION_TYPES = ("USR", "GIT")
WRITABLE = ("content", "date_marker", "creation_type", "dashboard_item", "deleted", "scope")


@dataclass(slots=True, kw_only=True)
class Annotation:
    id: int
    project: int
    organization: str
    created_at: datetime
    updated_at: datetime
    content: str | None = None
    date_marker: datetime | None = None
    creation_type: str = "USR"
    dashboard_item: int | None = None
    dashboard_id: int | None = None
    created_by: int | None = None
    deleted: bool = False
    scope: str = "dashboard_item"


@dataclass
class AnnotationTables:
    annotations: dict[int, Annotation] = field(default_factory=dict)


class AnnotationsBackend(Backend):
    """Create, change and read annotations."""

    def __init__(self, emulator: Emulator) -> None:
        super().__init__(emulator)
        self._emulator = emulator

    @property
    def _tables(self) -> AnnotationTables:
        return self._emulator.store.state(AnnotationTables)

    # -- reads ---------------------------------------------------------------------------------
    def visible(self, project: int, *, deleted: bool = False) -> list[Annotation]:
        """``_filter_queryset_by_parents_lookups``: the project's annotations plus its
        organization's ``organization``-scoped ones; deleted ones only when asked."""
        store = self._emulator.store
        owner = store.projects.get(project)
        org = owner.organization if owner is not None else None
        return [
            a
            for a in self._tables.annotations.values()
            if (a.project == project or (a.scope == "organization" and a.organization == org))
            and (deleted or not a.deleted)
        ]

    def record(self, pk: int) -> Annotation | None:
        return self._tables.annotations.get(pk)

    def get(self, pk: int) -> dict[str, Any] | None:
        found = self.record(pk)
        return None if found is None else self.render(found)

    def all(self, project: int = 1) -> list[dict[str, Any]]:
        return [self.render(a) for a in ordered(self.visible(project))]

    def render(self, annotation: Annotation) -> dict[str, Any]:
        from phemu.resources.dashboards.models import DashboardsState
        from phemu.resources.insights.models import InsightsState

        store = self._emulator.store
        insight = (
            store.state(InsightsState).get(annotation.dashboard_item)
            if annotation.dashboard_item is not None
            else None
        )
        dashboard = (
            store.state(DashboardsState).get(annotation.dashboard_id)
            if annotation.dashboard_id is not None
            else None
        )
        return {
            "id": annotation.id,
            "content": annotation.content,
            "date_marker": format_datetime(annotation.date_marker),
            "creation_type": annotation.creation_type,
            "dashboard_item": annotation.dashboard_item,
            "dashboard_id": annotation.dashboard_id,
            "dashboard_name": dashboard.name if dashboard is not None else None,
            "insight_short_id": insight.short_id if insight is not None else None,
            "insight_name": insight.name if insight is not None else None,
            "insight_derived_name": insight.derived_name if insight is not None else None,
            "created_by": render_user(store, annotation.created_by),
            "created_at": format_datetime(annotation.created_at),
            "updated_at": format_datetime(annotation.updated_at),
            "deleted": annotation.deleted,
            "scope": annotation.scope,
        }

    # -- writes --------------------------------------------------------------------------------
    def create(
        self, project: int = 1, *, created_by: int | None = None, **body: Any
    ) -> dict[str, Any]:
        """Create an annotation with ``POST``'s validation (``body``: the API's field names)."""
        if project not in self._emulator.store.projects:
            raise ValueError(f"project {project!r} does not exist")
        return self.render(self.save(project, None, body, user_id=created_by, partial=False))

    def update(self, pk: int, **body: Any) -> dict[str, Any]:
        """Change an annotation with ``PATCH``'s validation (``deleted=True`` soft-deletes)."""
        found = self.record(pk)
        if found is None:
            raise KeyError(f"annotation {pk} does not exist")
        return self.render(self.save(found.project, found, body, user_id=None, partial=True))

    def save(
        self,
        project: int,
        annotation: Annotation | None,
        body: Any,
        *,
        user_id: int | None,
        partial: bool,
    ) -> Annotation:
        """Validate in the serializer's field order, then create or update (``update`` moves
        the annotation to the project of the request, as PostHog's serializer does)."""
        emulator = self._emulator
        store = emulator.store
        with store.lock:
            data = fields.expect_object(body)
            values = self._validate(data)
            now = emulator.clock.now()
            if annotation is None:
                dashboard_id = data.get("dashboard_id")
                if dashboard_id is not None:
                    values["dashboard_id"] = self._dashboard(project, dashboard_id)
                owner = store.projects[project]
                annotation = Annotation(
                    id=store.next_id("annotation"),
                    project=project,
                    organization=owner.organization,
                    created_at=now,
                    updated_at=now,
                    created_by=user_id,
                    **values,
                )
                self._tables.annotations[annotation.id] = annotation
                return annotation
            if not partial:
                # PUT: fields left out fall back to the model's defaults.
                values = {**_DEFAULTS, **values}
            for name, value in values.items():
                setattr(annotation, name, value)
            annotation.project = project
            annotation.updated_at = now
            return annotation

    def _validate(self, data: Mapping[str, Any]) -> dict[str, Any]:
        from phemu.resources.insights.models import InsightsState

        values: dict[str, Any] = {}
        if "content" in data:
            content = data["content"]
            values["content"] = (
                None if content is None else fields.parse_text(content, "content", max_length=400)
            )
        if "date_marker" in data:
            marker = data["date_marker"]
            values["date_marker"] = (
                None if marker is None else fields.parse_datetime(marker, "date_marker")
            )
        if "creation_type" in data:
            fields.not_null(data["creation_type"], "creation_type")
            values["creation_type"] = fields.parse_choice(
                data["creation_type"], "creation_type", CREATION_TYPES
            )
        if "dashboard_item" in data:
            item = data["dashboard_item"]
            # A model ``PrimaryKeyRelatedField``: any insight, in any project.
            insights = self._emulator.store.state(InsightsState)
            values["dashboard_item"] = (
                None
                if item is None
                else fields.parse_pk(
                    item, "dashboard_item", lambda pk: insights.get(pk) is not None
                )
            )
        if "deleted" in data:
            fields.not_null(data["deleted"], "deleted")
            values["deleted"] = fields.parse_bool(data["deleted"], "deleted")
        if "scope" in data:
            fields.not_null(data["scope"], "scope")
            values["scope"] = fields.parse_choice(data["scope"], "scope", SCOPES)
        return values

    def _dashboard(self, project: int, raw: Any) -> int:
        """``dashboard_id`` of the body: a dashboard of the project (PostHog stores the raw id
        and a foreign-key failure is its 500; phemu answers its later message instead)."""
        from phemu.resources.dashboards.models import DashboardsState

        dashboards = self._emulator.store.state(DashboardsState)
        pk = raw if isinstance(raw, int) and not isinstance(raw, bool) else None
        found = dashboards.get(pk) if pk is not None else None
        if found is None or found.project != project:
            raise ValidationError(Msg.ANNOTATION_DASHBOARD_NOT_FOUND, attr="dashboard_id")
        return int(found.id)

    # -- seeds and state files -----------------------------------------------------------------
    def load(self, records: list[dict[str, Any]]) -> None:
        """Records use the API's field names plus ``project``, ``id``, ``dashboard_id``,
        ``created_by``, ``created_at`` and ``updated_at``."""
        load_records(
            self._emulator,
            "annotations",
            records,
            lambda project, body, user_id, _record: self.save(
                project, None, body, user_id=user_id, partial=False
            ),
            self._tables.annotations,
            sequence="annotation",
        )

    def export(self) -> list[dict[str, Any]]:
        store = self._emulator.store
        records = []
        for a in sorted(self._tables.annotations.values(), key=lambda a: a.id):
            user = store.users.get(a.created_by) if a.created_by is not None else None
            records.append(
                {
                    "id": a.id,
                    "project": a.project,
                    "content": a.content,
                    "date_marker": format_datetime(a.date_marker),
                    "creation_type": a.creation_type,
                    "dashboard_item": a.dashboard_item,
                    "dashboard_id": a.dashboard_id,
                    "deleted": a.deleted,
                    "scope": a.scope,
                    "created_by": user.email if user is not None else None,
                    "created_at": format_datetime(a.created_at),
                    "updated_at": format_datetime(a.updated_at),
                }
            )
        return records


_DEFAULTS: dict[str, Any] = {
    "content": None,
    "date_marker": None,
    "creation_type": "USR",
    "dashboard_item": None,
    "deleted": False,
    "scope": "dashboard_item",
}


def ordered(annotations: list[Annotation]) -> list[Annotation]:
    """The list's ``-date_marker`` (PostgreSQL puts nulls first when descending), then id."""
    return sorted(
        annotations,
        key=lambda a: (a.date_marker is None, a.date_marker or datetime.min, a.id),
        reverse=True,
    )
