"""The resource contract: :class:`Resource` (the declaration), :class:`Backend` (the one writer
of a resource's state), responses, and the shapes and lookups every resource shares.

``docs/architecture.md`` shows the contract with subscriptions as the worked example. Plugin and
resource authors import these names from :mod:`phemu.extend`, never from here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from typing import Any
from typing import Protocol
from typing import TypeVar

from werkzeug.wrappers import Response

from phemu.errors import NotFound
from phemu.errors import PostHogError
from phemu.errors import ProjectNotFound
from phemu.fields import lookup_int
from phemu.serialization import dumps
from phemu.serialization import format_datetime
from phemu.store import ADMIN

if TYPE_CHECKING:
    from datetime import datetime

    from phemu.context import RequestContext
    from phemu.emulator import Emulator
    from phemu.routing import Route
    from phemu.seed import SeedSection
    from phemu.store import Project
    from phemu.store import Store
    from phemu.store import User

T = TypeVar("T")
B = TypeVar("B", bound="Backend")


class Backend:
    """The state operations of one resource, and the only code that writes its tables.

    One instance per emulator, built when the emulator is (cheap: it holds only the emulator).
    The tables live in the store (``self.store.state(MyTables)``), so ``reset()`` and
    ``import_state()`` swap the state without rebuilding backends. The public methods are the
    resource's Python API, reached as ``emulator.<Resource.name>`` (``emulator.subscriptions``):
    they take the store lock, return exactly what the HTTP API returns (the rendered dict) and
    raise the same :class:`~phemu.errors.PostHogError` the API renders as a body. HTTP handlers
    and seed sections call the same methods, so a rule lives in one place.
    """

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator

    @property
    def store(self) -> Store:
        return self.emulator.store

    @classmethod
    def of(cls: type[B], emulator: Emulator) -> B:
        """This emulator's instance of the backend class (for handlers and other backends)."""
        return emulator.backend(cls)

    def project(self, project: int) -> int:
        """``project`` if the store has that project, else PostHog's 404 ``Project not found.``"""
        if project not in self.store.projects:
            raise ProjectNotFound()
        return project

    def viewer(self, who: int | str | None = None) -> User | None:
        """Who a Python call answers for, where the API's answer depends on the requesting user
        (``user_access_level``): ``who`` (a user id or email), else the owner of the emulator's
        default API key (the user of ``emulator.auth_headers``)."""
        from phemu.seed import user_ref

        store = self.store
        if who is None:
            plaintext = self.emulator.default_api_key
            key = store.find_key(plaintext) if plaintext else None
            return store.users.get(key.user) if key is not None else None
        found = user_ref(store, who, type(self).__name__, "viewer")
        return store.users.get(found) if found is not None else None

    def tick(self, now: datetime) -> None:
        """Called by the emulator's scheduler tick (after clock changes and before every
        request) with the emulator's time; a resource with scheduled work overrides it. Must be
        cheap when idle."""

    def inspect(self) -> Any:
        """A JSON-able summary for the web inspector, or ``None`` for nothing to show."""
        return None


class RecordsBackend(Protocol):
    """A backend that loads and exports its own seed records (``load`` reads them with
    :class:`phemu.seed.RecordReader`). One that also has ``export_one(key)`` (one record's
    export by its ``id``, ``None`` once gone) and reports what it writes with
    ``Store.changed(section, id)`` is tracked by the mutation log record by record."""

    def load(self, records: list[dict[str, Any]]) -> None: ...

    def export(self) -> list[dict[str, Any]]: ...


class TrackedRecordsBackend(RecordsBackend, Protocol):
    def export_one(self, pk: Any) -> dict[str, Any] | None: ...


def backend_section(key: str, backend: type[Backend], *, append_only: bool = False) -> SeedSection:
    """The seed section ``key`` of a backend with ``load(records)`` and ``export()`` (and
    ``export_one(id)`` when it reports its writes; ``append_only`` when its writers only append,
    see :class:`~phemu.seed.SeedSection`)."""
    from phemu.seed import SeedSection

    def load(emulator: Emulator, records: list[dict[str, Any]]) -> None:
        owner: RecordsBackend = backend.of(emulator)  # type: ignore[assignment]
        owner.load(records)

    def export(emulator: Emulator) -> list[dict[str, Any]]:
        owner: RecordsBackend = backend.of(emulator)  # type: ignore[assignment]
        return owner.export()

    def export_one(emulator: Emulator, pk: Any) -> dict[str, Any] | None:
        owner: TrackedRecordsBackend = backend.of(emulator)  # type: ignore[assignment]
        return owner.export_one(pk)

    one = export_one if hasattr(backend, "export_one") else None
    return SeedSection(key, load, export, export_one=one, append_only=append_only)


@dataclass(frozen=True)
class Resource:
    """One emulated resource, listed in :data:`phemu.resources.ALL_RESOURCES`.

    :param name: the URL segment (``subscriptions``), and the emulator namespace of the backend
        (``emulator.subscriptions``).
    :param routes: the routes it serves (its ``urls.ROUTES``).
    :param backend: its :class:`Backend` class, or ``None`` for a read-only view of platform
        tables (``projects``, ``users``, ``organizations``).
    :param seed_sections: top-level seed-document keys it loads and exports, in load order.
    :param plugin: hook implementations of the resource (a module or class), registered as a
        built-in plugin: e.g. its ``phemu_configure`` takes the resource's ``Emulator(...)``
        options, exactly as a plugin takes its own.
    """

    name: str
    routes: tuple[Route, ...]
    backend: type[Backend] | None = None
    seed_sections: tuple[SeedSection, ...] = ()
    plugin: Any = None


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(dumps(data), status=status, headers=headers, content_type="application/json")


def bytes_response(body: bytes, status: int = 200) -> Response:
    """A JSON response whose body is already serialised (pages assembled from cached rows)."""
    return Response(body, status=status, content_type="application/json")


def empty_response(status: int, headers: dict[str, str] | None = None) -> Response:
    """No body and no ``Content-Type``: PostHog's bare ``ForbidDestroyModel`` 405."""
    response = Response(b"", status=status, headers=headers)
    response.headers.remove("Content-Type")
    return response


def user_basic(user: User | None) -> dict[str, Any] | None:
    """PostHog's ``UserBasicSerializer`` shape (``created_by`` everywhere)."""
    if user is None:
        return None
    return {
        "id": user.id,
        "uuid": user.uuid,
        "distinct_id": user.distinct_id,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_email_verified": user.is_email_verified,
        "hedgehog_config": None,
        "role_at_organization": user.role_at_organization,
    }


def project_basic(project: Project) -> dict[str, Any]:
    """PostHog's ``ProjectBasicSerializer`` shape (``posthog/api/project.py``)."""
    return {
        "id": project.id,
        "uuid": project.uuid,
        "organization": project.organization,
        "project_id": project.id,
        "api_token": project.api_token,
        "name": project.name,
        "completed_snippet_onboarding": True,
        "has_completed_onboarding_for": None,
        "ingested_event": True,
        "is_demo": False,
        "timezone": project.timezone,
        "access_control": False,
    }


def created_by(store: Store, user_id: int | None) -> dict[str, Any] | None:
    return user_basic(store.users.get(user_id)) if user_id is not None else None


#: ``Dashboard.RestrictionLevel.EVERYONE_IN_PROJECT_CAN_EDIT`` and
#: ``Dashboard.PrivilegeLevel.CAN_EDIT``: what PostHog reports for dashboards and insights of a
#: project without access restrictions (``posthog/user_permissions.py``).
EVERYONE_CAN_EDIT = 21
CAN_EDIT = 37


def user_access_level(
    store: Store, viewer: User | None, creator: int | None, project: int
) -> str | None:
    """``user_access_level`` of an insight or dashboard for the requesting user.

    PostHog's ``UserAccessControl.access_level_for_object``
    (``posthog/rbac/user_access_control.py``): creators and organization admins get the highest
    level, ``manager``; other members the default, ``editor``; no membership, ``None``.
    """
    if viewer is None:
        return None
    level = viewer.memberships.get(store.projects[project].organization)
    if level is None:
        return None
    return "manager" if creator == viewer.id or level >= ADMIN else "editor"


def access_variant(
    store: Store, viewer: User | None, project: int
) -> tuple[int, int | None] | None:
    """All that :func:`user_access_level` reads of ``viewer`` for rows of ``project``: who
    asks and their level in its organization.

    Rendered rows cached per viewer are kept under this key, so a member whose level changes
    (``organization_members``, which writes no insight or dashboard) gets rows rendered for the
    new level instead of the ones cached for the old.
    """
    if viewer is None:
        return None
    return (viewer.id, viewer.memberships.get(store.projects[project].organization))


def iso(value: Any) -> str | None:
    return format_datetime(value)


# -- detail routes ---------------------------------------------------------------------------


def path_pk(ctx: RequestContext) -> int | None:
    """The detail id as Django's lookup reads it (:func:`phemu.fields.lookup_int`); ``None``
    finds nothing (404)."""
    return lookup_int(ctx.path_values.get("pk", ""))


class ProjectRow(Protocol):
    project: int
    deleted: bool


R = TypeVar("R", bound=ProjectRow)


def find_in_project(
    get: Callable[[int], R | None], project: int, pk: int | None, *, include_deleted: bool = False
) -> R:
    """The row ``pk`` of ``project``, or PostHog's 404 ``Not found.``.

    Another project's id and (unless ``include_deleted``) a soft-deleted row both look missing.
    """
    found = get(pk) if pk is not None else None
    if found is None or found.project != project or (found.deleted and not include_deleted):
        raise NotFound()
    return found


def lookup_then_body(
    ctx: RequestContext, find: Callable[[bool], T], restores: Callable[[Any], bool]
) -> tuple[T, Any]:
    """The object and the parsed body, for a PATCH whose body decides the lookup.

    PostHog widens the lookup to soft-deleted rows from the body, yet a missing object still
    answers 404 before a body error (DRF looks the object up before it parses the body), so the
    narrow lookup runs first when the body cannot be parsed.
    """
    try:
        body = ctx.body
    except PostHogError:
        find(False)
        raise
    return find(restores(body)), body


class ModelBackend(Protocol):
    """The operations a backend of a PostHog ``ModelViewSet`` with soft-deleted rows offers
    (dashboards, insights), which :class:`ModelHandlers` turns into handlers."""

    def add(self, project: int, body: Any, *, user_id: int | None) -> Any: ...

    def lookup(self, project: int, pk: int | None, *, include_deleted: bool = False) -> Any: ...

    def change(self, row: Any, body: Any, *, user_id: int | None) -> Any: ...

    def render(self, row: Any, viewer: User | None = None) -> dict[str, Any]: ...


class ModelHandlers:
    """``create`` and ``partial_update`` handlers over a :class:`ModelBackend`, answering as
    the key's owner sees the row.

    :param backend: the backend class (found per emulator with ``Backend.of``).
    :param restores: whether a PATCH body widens the lookup to soft-deleted rows (each viewset
        reads ``deleted`` its own way).
    """

    def __init__(self, backend: type[Backend], restores: Callable[[Any], bool]) -> None:
        self.backend = backend
        self.restores = restores

    def of(self, ctx: RequestContext) -> ModelBackend:
        return self.backend.of(ctx.emulator)  # type: ignore[return-value]

    def create(self, ctx: RequestContext) -> Response:
        backend = self.of(ctx)
        with ctx.store.lock:
            row = backend.add(ctx.project_id, ctx.body, user_id=ctx.owner.id)
            return json_response(backend.render(row, ctx.owner), 201)

    def partial_update(self, ctx: RequestContext) -> Response:
        backend = self.of(ctx)
        with ctx.store.lock:
            row, body = lookup_then_body(
                ctx,
                lambda wide: backend.lookup(ctx.project_id, path_pk(ctx), include_deleted=wide),
                self.restores,
            )
            changed = backend.change(row, body, user_id=ctx.owner.id)
            return json_response(backend.render(changed, ctx.owner))
