"""What holdouts and saved metrics share (``ee/clickhouse/views/experiment_holdouts.py``,
``experiment_saved_metrics.py``): a project's named record with a description, its creator
and timestamps, ``ModelViewSet`` CRUD with a hard delete, and the seed section of its table."""

from __future__ import annotations

from abc import ABC
from abc import abstractmethod
from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import MutableMapping
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING
from typing import Any
from typing import Generic
from typing import Protocol
from typing import TypeVar

from werkzeug.wrappers import Response

from phemu import fields
from phemu.errors import NotFound
from phemu.pagination import paginate_list
from phemu.resources._base import Backend
from phemu.resources._base import created_by as render_user
from phemu.resources._base import empty_response
from phemu.resources._base import json_response
from phemu.resources._base import path_pk
from phemu.resources._records import collection_routes
from phemu.resources._records import load_records
from phemu.serialization import format_datetime

if TYPE_CHECKING:
    from phemu.context import RequestContext
    from phemu.emulator import Emulator
    from phemu.routing import Route
    from phemu.store import Store

#: ``CharField(max_length=400)`` of both models.
MAX_LENGTH = 400


class Named(Protocol):
    id: int
    project: int
    name: str
    description: str | None
    created_by: int | None
    created_at: datetime
    updated_at: datetime


N = TypeVar("N", bound=Named)


def parse_common(data: Mapping[str, Any], *, required: bool) -> dict[str, Any]:
    """``name`` (required on create and PUT) and ``description`` (nullable, may be blank)."""
    values: dict[str, Any] = {}
    if "name" in data or required:
        values["name"] = fields.parse_text(
            fields.require(data, "name"), "name", allow_blank=False, max_length=MAX_LENGTH
        )
    if "description" in data:
        values["description"] = fields.nullable(
            data, "description", lambda v, n: fields.parse_text(v, n, max_length=MAX_LENGTH)
        )
    return values


def render_common(store: Store, record: Named) -> dict[str, Any]:
    return {
        "id": record.id,
        "name": record.name,
        "description": record.description,
    }


def render_stamps(store: Store, record: Named) -> dict[str, Any]:
    return {
        "created_by": render_user(store, record.created_by),
        "created_at": format_datetime(record.created_at),
        "updated_at": format_datetime(record.updated_at),
    }


def export_common(store: Store, record: Named) -> dict[str, Any]:
    user = store.users.get(record.created_by) if record.created_by is not None else None
    return {
        "id": record.id,
        "project": record.project,
        "name": record.name,
        "description": record.description,
        "created_by": user.email if user is not None else None,
        "created_at": format_datetime(record.created_at),
        "updated_at": format_datetime(record.updated_at),
    }


class CrudBackend(Protocol):
    """What the ``ModelViewSet`` handlers below call."""

    def in_project(self, project: int) -> Sequence[Any]: ...
    def listed(self, project: int) -> Sequence[Any]: ...
    def render(self, record: Any) -> dict[str, Any]: ...
    def save(
        self, project: int, record: Any, body: Any, *, user_id: int | None, partial: bool
    ) -> Any: ...
    def destroy(self, pk: int, *, user_id: int | None = None) -> None: ...


class NamedBackend(Backend, ABC, Generic[N]):
    """The Python API both backends share; each says where its table is, how it lists,
    renders, saves and destroys a record."""

    #: what the Python API's ``KeyError`` calls a record
    label = "record"

    @abstractmethod
    def _table(self) -> dict[int, N]: ...

    @abstractmethod
    def in_project(self, project: int) -> list[N]: ...

    @abstractmethod
    def render(self, record: N) -> dict[str, Any]: ...

    @abstractmethod
    def save(
        self, project: int, record: N | None, body: Any, *, user_id: int | None, partial: bool
    ) -> N: ...

    @abstractmethod
    def destroy(self, pk: int, *, user_id: int | None = None) -> None: ...

    def listed(self, project: int) -> list[N]:
        """What the list shows: every record of the project."""
        return self.in_project(project)

    def record(self, pk: int) -> N | None:
        return self._table().get(pk)

    def get(self, pk: int) -> dict[str, Any] | None:
        found = self.record(pk)
        return None if found is None else self.render(found)

    def all(self, project: int = 1) -> list[dict[str, Any]]:
        return [self.render(r) for r in self.in_project(project)]

    def create(
        self, project: int = 1, *, created_by: int | None = None, **body: Any
    ) -> dict[str, Any]:
        """Create with ``POST``'s validation; ``body`` uses the API's field names."""
        if project not in self.store.projects:
            raise ValueError(f"project {project!r} does not exist")
        return self.render(self.save(project, None, body, user_id=created_by, partial=False))

    def update(self, pk: int, *, modified_by: int | None = None, **body: Any) -> dict[str, Any]:
        """Change with ``PATCH``'s validation."""
        found = self.record(pk)
        if found is None:
            raise KeyError(f"{self.label} {pk} does not exist")
        return self.render(self.save(found.project, found, body, user_id=modified_by, partial=True))


def load_named(
    emulator: Emulator,
    key: str,
    records: list[dict[str, Any]],
    save: Callable[[int, dict[str, Any], int | None], Any],
    table: MutableMapping[Any, Any],
    sequence: str,
) -> None:
    load_records(
        emulator,
        key,
        records,
        lambda project, body, user_id, _record: save(project, body, user_id),
        table,
        sequence=sequence,
    )


class Handlers:
    """``ModelViewSet`` handlers over a :class:`CrudBackend`: objects of other projects are
    404, ``DELETE`` removes the row (204)."""

    def __init__(self, backend: Callable[[RequestContext], CrudBackend]) -> None:
        self.backend = backend

    def _find(self, ctx: RequestContext) -> Any:
        pk = path_pk(ctx)
        found = {r.id: r for r in self.backend(ctx).in_project(ctx.project_id)}.get(pk or -1)
        if found is None:
            raise NotFound()
        return found

    def list_(self, ctx: RequestContext) -> Response:
        backend = self.backend(ctx)
        return json_response(
            paginate_list(ctx.request, backend.listed(ctx.project_id), backend.render)
        )

    def create(self, ctx: RequestContext) -> Response:
        backend = self.backend(ctx)
        found = backend.save(ctx.project_id, None, ctx.body, user_id=ctx.owner.id, partial=False)
        return json_response(backend.render(found), status=201)

    def retrieve(self, ctx: RequestContext) -> Response:
        return json_response(self.backend(ctx).render(self._find(ctx)))

    def update(self, ctx: RequestContext) -> Response:
        found = self._find(ctx)
        backend = self.backend(ctx)
        partial = ctx.method == "PATCH"
        backend.save(ctx.project_id, found, ctx.body, user_id=ctx.owner.id, partial=partial)
        return json_response(backend.render(found))

    def destroy(self, ctx: RequestContext) -> Response:
        self.backend(ctx).destroy(self._find(ctx).id, user_id=ctx.owner.id)
        return empty_response(204)

    def routes(self, segment: str) -> tuple[Route, ...]:
        """``{segment}/`` and ``{segment}/<pk>/``, registered on ``projects_router`` with the
        ``experiment`` scope (``posthog/api/__init__.py``)."""
        return collection_routes(
            segment,
            "experiment",
            list_=self.list_,
            create=self.create,
            retrieve=self.retrieve,
            update=self.update,
            destroy=self.destroy,
        )
