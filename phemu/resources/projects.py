"""``GET /api/projects/`` and ``GET /api/projects/:id/``.

Projects come from seeds, ``POST /api/projects/`` and the organization routes
(``resources/organization_projects/``); other methods pass the checks and answer 405.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

from werkzeug.wrappers import Response

from phemu.auth import visible_organizations
from phemu.errors import NotFound
from phemu.fields import lookup_int
from phemu.pagination import paginate_list
from phemu.resources._base import Resource
from phemu.resources._base import iso
from phemu.resources._base import json_response
from phemu.resources._base import project_basic
from phemu.routing import Route

if TYPE_CHECKING:
    from phemu.context import RequestContext
    from phemu.store import Organization
    from phemu.store import Project
    from phemu.store import Store
    from phemu.store import User


def visible_projects(ctx: RequestContext) -> list[Project]:
    """Projects of the owner's organizations (narrowed by ``scoped_organizations``), by id."""
    orgs = set(visible_organizations(ctx.store, ctx.owner, ctx.key))
    return sorted(
        (p for p in ctx.store.projects.values() if p.organization in orgs), key=lambda p: p.id
    )


def find_visible_project(ctx: RequestContext, raw: str) -> Project | None:
    wanted = ctx.owner.current_project if raw == "@current" else lookup_int(raw)
    if wanted is None:
        return None
    return next((p for p in visible_projects(ctx) if p.id == wanted), None)


def _target(ctx: RequestContext) -> tuple[Project | None, Organization | None]:
    return find_visible_project(ctx, ctx.path_values["id"]), None


def list_(ctx: RequestContext) -> Response:
    projects = visible_projects(ctx)
    search = ctx.query.get("search")
    if search:
        projects = [p for p in projects if search.lower() in p.name.lower()]
    return json_response(paginate_list(ctx.request, projects, project_basic))


def create(ctx: RequestContext) -> Response:
    from phemu.resources.organization_projects.responses import create_in_current_organization

    return create_in_current_organization(ctx)


def retrieve(ctx: RequestContext) -> Response:
    project = find_visible_project(ctx, ctx.path_values["id"])
    if project is None:
        raise NotFound()
    return json_response(project_detail(ctx.store, ctx.owner, project))


def project_detail(store: Store, user: User, project: Project) -> dict[str, Any]:
    """The detail ``GET /api/projects/:id/`` answers, as ``user`` sees it."""
    level = user.memberships.get(project.organization)
    return {
        "id": project.id,
        "organization": project.organization,
        "name": project.name,
        "product_description": None,
        "created_at": iso(project.created_at),
        "updated_at": iso(project.updated_at),
        "uuid": project.uuid,
        "api_token": project.api_token,
        "timezone": project.timezone,
        "is_demo": False,
        "ingested_event": True,
        "completed_snippet_onboarding": True,
        "has_completed_onboarding_for": None,
        "access_control": False,
        "project_id": project.id,
        "effective_membership_level": level,
        "group_types": [],
        "has_group_types": False,
        "session_recording_opt_in": False,
        "session_recording_retention_period": "30d",
        "week_start_day": None,
        "test_account_filters": [],
        "modifiers": {},
        "default_modifiers": {},
        "person_on_events_querying_enabled": True,
        # Read-only fields of ProjectBackwardCompatSerializer and TeamSerializer.
        "secret_api_token": project.secret_api_token,
        "secret_api_token_backup": project.secret_api_token_backup,
    }


RESOURCE = Resource(
    name="projects",
    routes=(
        Route(
            "/api/projects/",
            "projects.list",
            {"GET": list_, "POST": create},
            "project",
            nested=False,
            restriction="projects_list",
        ),
        Route(
            "/api/projects/<id>/",
            "projects.retrieve",
            {"GET": retrieve},
            "project",
            nested=False,
            restriction="project_detail",
            target=_target,
            mapped=frozenset({"PUT", "PATCH", "DELETE"}),
        ),
    ),
)
