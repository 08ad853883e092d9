"""Routes: PostHog's ``OrganizationViewSet`` and the organization-nested project viewset
(``posthog/api/organization.py``, ``posthog/api/project.py``)."""

from __future__ import annotations

from phemu.resources.organization_projects import responses
from phemu.routing import Route
from phemu.routing import ScopedRoute

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
    # The project secret API key's actions (ProjectViewSet in posthog/api/project.py, TeamViewSet
    # in posthog/api/team.py): no required_scopes, so personal API keys get 403; their answers
    # are the backend's rotate_secret_token / delete_secret_token_backup.
    *(
        ScopedRoute(
            f"/api/organizations/<organization_id>/projects/<id>/{action}/",
            f"organization_projects.{action}",
            {"PATCH": handler},
            "project",
            nested=False,
            restriction="organization",
            target=responses.target,
            scopes=None,
        )
        for action, handler in (
            ("rotate_secret_token", responses.rotate_secret_token),
            ("delete_secret_token_backup", responses.delete_secret_token_backup),
        )
    ),
    *(
        ScopedRoute(
            f"/environments/<pk>/{action}/",
            f"environments.{action}",
            {"PATCH": handler},
            "project",
            prefixes=("projects",),
            scopes=None,
        )
        for action, handler in (
            ("rotate_secret_token", responses.rotate_environment_secret_token),
            ("delete_secret_token_backup", responses.delete_environment_secret_token_backup),
        )
    ),
)
