"""Thin handlers for ``/api/organizations/:id/members/`` (``OrganizationMemberViewSet``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from werkzeug.wrappers import Response

from phemu.errors import Msg
from phemu.errors import NotFound
from phemu.pagination import paginate_list
from phemu.resources._base import empty_response
from phemu.resources._base import json_response
from phemu.resources.organization_members.models import OrganizationMembersBackend
from phemu.resources.organizations import find_visible_organization

if TYPE_CHECKING:
    from phemu.context import RequestContext
    from phemu.store import Organization
    from phemu.store import Project


def _backend(ctx: RequestContext) -> OrganizationMembersBackend:
    return OrganizationMembersBackend.of(ctx.emulator)


def _organization(ctx: RequestContext) -> Organization:
    raw = ctx.path_values["organization"]
    found = find_visible_organization(ctx, raw)
    if found is None:
        raise NotFound(Msg.CURRENT_ORGANIZATION_NOT_FOUND if raw == "@current" else None)
    return found


def target(ctx: RequestContext) -> tuple[Project | None, Organization | None]:
    return None, find_visible_organization(ctx, ctx.path_values["organization"])


def list_(ctx: RequestContext) -> Response:
    organization = _organization(ctx)
    backend = _backend(ctx)
    users = backend.members(organization.id)
    if "email" in ctx.query:
        users = [u for u in users if u.email == ctx.query["email"]]
    return json_response(
        paginate_list(ctx.request, users, lambda u: backend.render(organization.id, u))
    )


def update(ctx: RequestContext) -> Response:
    organization = _organization(ctx)
    body = _backend(ctx).update(
        organization.id, ctx.path_values["user_uuid"], by=ctx.owner.id, body=ctx.body
    )
    return json_response(body)


def destroy(ctx: RequestContext) -> Response:
    organization = _organization(ctx)
    _backend(ctx).remove(organization.id, ctx.path_values["user_uuid"], by=ctx.owner.id)
    return empty_response(204)


def scoped_api_keys(ctx: RequestContext) -> Response:
    organization = _organization(ctx)
    return json_response(
        _backend(ctx).scoped_api_keys(
            organization.id, ctx.path_values["user_uuid"], by=ctx.owner.id
        )
    )
