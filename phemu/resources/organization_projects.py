"""Organizations and their projects: ``GET/POST /api/organizations/``,
``/api/organizations/:organization_id/projects/`` (list, create, retrieve, update, delete) and
``POST /api/projects/`` (a project in the key owner's current organization).

These write the platform store (projects and organizations are what every other route
resolves), so a project created here is at once visible to ``/api/projects/``, usable as
``/api/projects/:id/...`` and listed by ``@current`` organizations. Shapes follow PostHog's
schema components: ``Organization`` (the same detail ``/api/organizations/@current/``
answers), ``ProjectBackwardCompatBasic`` for list items (``project_basic``) and
``ProjectBackwardCompat`` for one project. Creating or deleting a project needs an admin of the
organization (``OrganizationAdminWritePermissions`` in ``posthog/permissions.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

from werkzeug.wrappers import Response

from phemu.errors import Msg
from phemu.errors import NotFound
from phemu.errors import PermissionDenied
from phemu.openapi.index import component
from phemu.openapi.instances import instance
from phemu.openapi.validate import validate_body
from phemu.pagination import paginate_list
from phemu.resources._base import Resource
from phemu.resources._base import empty_response
from phemu.resources._base import json_response
from phemu.resources._base import project_basic
from phemu.resources.generic.models import ALNUM
from phemu.resources.organizations import current_organization
from phemu.resources.organizations import find_visible_organization
from phemu.resources.organizations import organization_detail
from phemu.resources.projects import project_detail
from phemu.resources.projects import visible_projects
from phemu.routing import Route
from phemu.seed import _slug
from phemu.serialization import format_datetime
from phemu.store import ADMIN
from phemu.store import OWNER
from phemu.store import Organization
from phemu.store import Project

if TYPE_CHECKING:
    from phemu.context import RequestContext

DEFAULT_PROJECT_NAME = "Default project"


# -- organizations ----------------------------------------------------------------------------
def list_organizations(ctx: RequestContext) -> Response:
    from phemu.auth import visible_organizations

    store = ctx.store
    orgs = [store.organizations[o] for o in visible_organizations(store, ctx.owner, ctx.key)]
    return json_response(
        paginate_list(ctx.request, orgs, lambda org: organization_detail(store, ctx.owner, org))
    )


def create_organization(ctx: RequestContext) -> Response:
    data = validate_body(ctx.body, component("Organization"), partial=False)
    store, now = ctx.store, ctx.now
    with store.lock:
        org = Organization(
            id=store.new_uuid(),
            name=data["name"],
            slug=_slug(data["name"]),
            created_at=now,
            updated_at=now,
            members_can_use_personal_api_keys=data.get("members_can_use_personal_api_keys", True),
        )
        store.organizations[org.id] = org
        ctx.owner.memberships[org.id] = OWNER
    return json_response(organization_detail(store, ctx.owner, org), status=201)


# -- projects of an organization ----------------------------------------------------------------
def _organization(ctx: RequestContext) -> Organization:
    org = find_visible_organization(ctx, ctx.path_values["organization_id"])
    if org is None:
        raise NotFound()
    return org


def _target(ctx: RequestContext) -> tuple[Project | None, Organization | None]:
    return None, find_visible_organization(ctx, ctx.path_values["organization_id"])


def project_full(ctx: RequestContext, project: Project) -> dict[str, Any]:
    """``ProjectBackwardCompat``: the detail ``/api/projects/:id/`` answers (its values as they
    are, platform.md §9.2), completed with the component's other fields (their schema
    defaults), in the component's order."""
    defaults = instance(
        component("ProjectBackwardCompat"), format_datetime(ctx.now) or "", full=True
    )
    detail = project_detail(ctx, project)
    return {name: detail.get(name, default) for name, default in defaults.items()}


def list_projects(ctx: RequestContext) -> Response:
    org = _organization(ctx)
    projects = [p for p in visible_projects(ctx) if p.organization == org.id]
    return json_response(paginate_list(ctx.request, projects, project_basic))


def create_project(ctx: RequestContext) -> Response:
    return _create(ctx, _organization(ctx))


def create_in_current_organization(ctx: RequestContext) -> Response:
    """``POST /api/projects/``: PostHog's root project viewset creates in the owner's current
    organization."""
    org = current_organization(ctx.store, ctx.owner)
    if org is None:
        raise NotFound(Msg.CURRENT_ORGANIZATION_NOT_FOUND)
    return _create(ctx, org)


def _require_admin(ctx: RequestContext, org: Organization) -> None:
    if ctx.owner.memberships.get(org.id, 0) < ADMIN:
        raise PermissionDenied(Msg.ORGANIZATION_LEVEL_INSUFFICIENT)


def _create(ctx: RequestContext, org: Organization) -> Response:
    _require_admin(ctx, org)
    data = validate_body(ctx.body, component("ProjectBackwardCompat"), partial=False)
    store, now = ctx.store, ctx.now
    with store.lock:
        project_id = store.next_id("project")
        while project_id in store.projects:
            project_id = store.next_id("project")
        project = Project(
            id=project_id,
            uuid=store.new_uuid(),
            organization=org.id,
            name=data.get("name", DEFAULT_PROJECT_NAME),
            api_token="phc_" + store.random_token(43, ALNUM),
            timezone=data.get("timezone", "UTC"),
            created_at=now,
            updated_at=now,
        )
        store.projects[project_id] = project
    return json_response(project_full(ctx, project), status=201)


def _project(ctx: RequestContext) -> tuple[Organization, Project]:
    org = _organization(ctx)
    raw = ctx.path_values["id"]
    for project in visible_projects(ctx):
        if project.organization == org.id and raw.isdigit() and project.id == int(raw):
            return org, project
    raise NotFound()


def retrieve_project(ctx: RequestContext) -> Response:
    _, project = _project(ctx)
    return json_response(project_full(ctx, project))


def update_project(ctx: RequestContext) -> Response:
    _, project = _project(ctx)
    schema = component("PatchedProjectBackwardCompat")
    data = validate_body(ctx.body, schema, partial=ctx.method == "PATCH")
    with ctx.store.lock:
        project.name = data.get("name", project.name)
        project.timezone = data.get("timezone", project.timezone)
        project.updated_at = ctx.now
    return json_response(project_full(ctx, project))


def delete_project(ctx: RequestContext) -> Response:
    org, project = _project(ctx)
    _require_admin(ctx, org)
    store = ctx.store
    with store.lock:
        del store.projects[project.id]
        for user in store.users.values():
            if user.current_project == project.id:
                mine = [p.id for o in user.memberships for p in store.projects_of(o)]
                user.current_project = mine[0] if mine else None
    return empty_response(204)


RESOURCE = Resource(
    name="organization_projects",
    routes=(
        Route(
            "/api/organizations/",
            "organizations.list",
            {"GET": list_organizations, "POST": create_organization},
            "organization",
            nested=False,
            restriction="projects_list",
            operations={"GET": "list", "POST": "create"},
        ),
        Route(
            "/api/organizations/<organization_id>/projects/",
            "organization_projects.list",
            {"GET": list_projects, "POST": create_project},
            "project",
            nested=False,
            restriction="organization",
            target=_target,
            mapped=frozenset({"PATCH"}),  # DRF's list-level ``patch`` action (write scope, 405)
            operations={"GET": "list_2", "POST": "create_2"},
        ),
        Route(
            "/api/organizations/<organization_id>/projects/<id>/",
            "organization_projects.detail",
            {
                "GET": retrieve_project,
                "PATCH": update_project,
                "PUT": update_project,
                "DELETE": delete_project,
            },
            "project",
            nested=False,
            restriction="organization",
            # PostHog's schema gives PATCH here the read scope (posthog/api/project.py).
            read_methods=frozenset({"PATCH"}),
            target=_target,
            operations={
                "GET": "retrieve_2",
                "PATCH": "partial_update_2",
                "PUT": "update_2",
                "DELETE": "destroy_2",
            },
        ),
    ),
)
