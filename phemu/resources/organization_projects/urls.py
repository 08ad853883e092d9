"""Routes: PostHog's ``OrganizationViewSet`` and the organization-nested project viewset
(``posthog/api/organization.py``, ``posthog/api/project.py``)."""

from __future__ import annotations

from phemu.resources.organization_projects import responses
from phemu.routing import Route

ROUTES = (
    Route(
        "/api/organizations/",
        "organizations.list",
        {"GET": responses.list_organizations, "POST": responses.create_organization},
        "organization",
        nested=False,
        restriction="projects_list",
        operations={"GET": "list", "POST": "create"},
    ),
    Route(
        "/api/organizations/<organization_id>/projects/",
        "organization_projects.list",
        {"GET": responses.list_projects, "POST": responses.create_project},
        "project",
        nested=False,
        restriction="organization",
        target=responses.target,
        mapped=frozenset({"PATCH"}),  # DRF's list-level ``patch`` action (write scope, 405)
        operations={"GET": "list_2", "POST": "create_2"},
    ),
    Route(
        "/api/organizations/<organization_id>/projects/<id>/",
        "organization_projects.detail",
        {
            "GET": responses.retrieve_project,
            "PATCH": responses.update_project,
            "PUT": responses.update_project,
            "DELETE": responses.delete_project,
        },
        "project",
        nested=False,
        restriction="organization",
        # PostHog's schema gives PATCH here the read scope (posthog/api/project.py).
        read_methods=frozenset({"PATCH"}),
        target=responses.target,
        operations={
            "GET": "retrieve_2",
            "PATCH": "partial_update_2",
            "PUT": "update_2",
            "DELETE": "destroy_2",
        },
    ),
)
