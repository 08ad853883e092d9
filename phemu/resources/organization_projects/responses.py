"""Thin handlers for ``/api/organizations/`` and ``/api/organizations/:id/projects/`` (and
``POST /api/projects/``): resolve what the path names for the key, call the backend, answer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from werkzeug.wrappers import Response

from phemu.auth import visible_organizations
from phemu.errors import Msg
from phemu.errors import NotFound
from phemu.pagination import paginate_list
from phemu.resources._base import empty_response
from phemu.resources._base import json_response
from phemu.resources._base import project_basic
from phemu.resources.organization_projects.models import OrganizationProjectsBackend
from phemu.resources.organizations import current_organization
from phemu.resources.organizations import organization_detail

if TYPE_CHECKING:
    from phemu.context import RequestContext
    from phemu.store import Organization
    from phemu.store import Project


def _backend(ctx: RequestContext) -> OrganizationProjectsBackend:
    return OrganizationProjectsBackend.of(ctx.emulator)


def target(ctx: RequestContext) -> tuple[Project | None, Organization | None]:
    return None, _backend(ctx).organization(ctx.owner, ctx.path_values["organization_id"])


def _organization(ctx: RequestContext) -> Organization:
    org = _backend(ctx).organization(ctx.owner, ctx.path_values["organization_id"])
    if org is None:
        raise NotFound()
    return org


def _project(ctx: RequestContext) -> tuple[Organization, Project]:
    org = _organization(ctx)
    return org, _backend(ctx).project_in(ctx.owner, org, ctx.path_values["id"], ctx.key)


def list_organizations(ctx: RequestContext) -> Response:
    store = ctx.store
    orgs = [store.organizations[o] for o in visible_organizations(store, ctx.owner, ctx.key)]
    return json_response(
        paginate_list(ctx.request, orgs, lambda org: organization_detail(store, ctx.owner, org))
    )


def create_organization(ctx: RequestContext) -> Response:
    return json_response(_backend(ctx).add_organization(ctx.owner, ctx.body), status=201)


def list_projects(ctx: RequestContext) -> Response:
    projects = _backend(ctx).projects_of(ctx.owner, _organization(ctx), ctx.key)
    return json_response(paginate_list(ctx.request, projects, project_basic))


def create_project(ctx: RequestContext) -> Response:
    created = _backend(ctx).add_project(ctx.owner, _organization(ctx), ctx.body)
    return json_response(created, status=201)


def create_in_current_organization(ctx: RequestContext) -> Response:
    """``POST /api/projects/``: PostHog's root project viewset creates in the owner's current
    organization."""
    org = current_organization(ctx.store, ctx.owner)
    if org is None:
        raise NotFound(Msg.CURRENT_ORGANIZATION_NOT_FOUND)
    return json_response(_backend(ctx).add_project(ctx.owner, org, ctx.body), status=201)


def retrieve_project(ctx: RequestContext) -> Response:
    _, project = _project(ctx)
    return json_response(_backend(ctx).render_project(ctx.owner, project))


def update_project(ctx: RequestContext) -> Response:
    _, project = _project(ctx)
    changed = _backend(ctx).change_project(
        ctx.owner, project, ctx.body, partial=ctx.method == "PATCH"
    )
    return json_response(changed)


def delete_project(ctx: RequestContext) -> Response:
    org, project = _project(ctx)
    _backend(ctx).remove_project(ctx.owner, org, project)
    return empty_response(204)


# -- the project secret API key ------------------------------------------------------------------


def rotate_secret_token(ctx: RequestContext) -> Response:
    _, project = _project(ctx)
    _backend(ctx).rotate_secret(ctx.owner, project)
    return json_response(_backend(ctx).render_project(ctx.owner, project))


def delete_secret_token_backup(ctx: RequestContext) -> Response:
    _, project = _project(ctx)
    _backend(ctx).delete_secret_backup(ctx.owner, project)
    return json_response(_backend(ctx).render_project(ctx.owner, project))


def _environment(ctx: RequestContext) -> Project:
    """The project's one environment shares its id (``phemu/store.py``)."""
    project = ctx.project
    if project is None or ctx.path_values["pk"] != str(project.id):
        raise NotFound()
    return project


def rotate_environment_secret_token(ctx: RequestContext) -> Response:
    project = _environment(ctx)
    _backend(ctx).rotate_secret(ctx.owner, project)
    return json_response(_backend(ctx).render_environment(ctx.owner, project))


def delete_environment_secret_token_backup(ctx: RequestContext) -> Response:
    project = _environment(ctx)
    _backend(ctx).delete_secret_backup(ctx.owner, project)
    return json_response(_backend(ctx).render_environment(ctx.owner, project))
