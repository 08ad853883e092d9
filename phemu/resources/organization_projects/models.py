"""Organizations and their projects (``emulator.organization_projects``): the only writer of the
platform's organization and project tables after seeding.

Projects and organizations are what every other route resolves, so a project created here is at
once visible to ``/api/projects/``, usable as ``/api/projects/:id/...`` and listed by
``@current`` organizations. Shapes follow PostHog's schema components: ``Organization`` (the
detail ``/api/organizations/@current/`` answers), ``ProjectBackwardCompatBasic`` for list items
(``project_basic``) and ``ProjectBackwardCompat`` for one project. Creating or deleting a project
needs an admin of the organization (``OrganizationAdminWritePermissions`` in
``posthog/permissions.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

from phemu.auth import visible_organizations
from phemu.errors import Msg
from phemu.errors import NotFound
from phemu.errors import PermissionDenied
from phemu.openapi.index import component
from phemu.resources._base import Backend
from phemu.resources._base import project_basic
from phemu.resources.activity_log.models import change
from phemu.resources.generic.models import ALNUM
from phemu.resources.organizations import current_organization
from phemu.resources.organizations import organization_detail
from phemu.resources.projects import project_detail
from phemu.seed import _slug
from phemu.serialization import format_datetime
from phemu.store import ADMIN
from phemu.store import OWNER
from phemu.store import Organization
from phemu.store import Project
from phemu.store import Store
from phemu.store import mask_key

if TYPE_CHECKING:
    from collections.abc import Callable

    from phemu.store import PersonalAPIKey
    from phemu.store import User

DEFAULT_PROJECT_NAME = "Default project"
#: ``BASE62`` of ``posthog/models/utils.py`` (``int_to_base``'s digits).
BASE62 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def new_secret_token(store: Store) -> str:
    """``generate_random_token_secret`` (``posthog/models/utils.py``): ``phs_`` and 35 random
    bytes written in base 62 (``int_to_base``), drawn from the store's seeded generator."""
    number = store.rng.getrandbits(35 * 8)
    digits = ""
    while number:
        number, index = divmod(number, 62)
        digits = BASE62[index] + digits
    return "phs_" + (digits or "0")


def _masked(token: str | None) -> str | None:
    return mask_key(token) if token else None


class OrganizationProjectsBackend(Backend):
    """Create organizations; list, create, change and delete their projects.

    The Python API answers for a user (``by``: a user id or email; the default key's owner when
    left out) and sees what that user's memberships show; the HTTP handlers also pass the key,
    whose ``scoped_organizations`` narrow what is visible.
    """

    # -- lookups --------------------------------------------------------------------------------
    def organization(self, user: User, raw: str) -> Organization | None:
        """The organization ``raw`` names (``@current`` or an id) if ``user`` belongs to it (a
        key's ``scoped_organizations`` are the route restriction's business)."""
        store = self.store
        if raw == "@current":
            return current_organization(store, user)
        if raw in visible_organizations(store, user, None):
            return store.organizations.get(raw)
        return None

    def projects_of(
        self, user: User, organization: Organization, key: PersonalAPIKey | None = None
    ) -> list[Project]:
        orgs = set(visible_organizations(self.store, user, key))
        return sorted(
            (
                p
                for p in self.store.projects.values()
                if p.organization == organization.id and p.organization in orgs
            ),
            key=lambda p: p.id,
        )

    def project_in(
        self, user: User, organization: Organization, raw: str, key: PersonalAPIKey | None = None
    ) -> Project:
        """The project ``raw`` of ``organization``, or PostHog's 404."""
        for project in self.projects_of(user, organization, key):
            if raw.isdigit() and project.id == int(raw):
                return project
        raise NotFound()

    def render_project(self, user: User, project: Project) -> dict[str, Any]:
        """``ProjectBackwardCompat``: the detail ``/api/projects/:id/`` answers, completed with
        the component's other fields (their schema defaults), in the component's order."""
        from phemu.openapi.instances import instance

        now = format_datetime(self.emulator.clock.now()) or ""
        defaults = instance(component("ProjectBackwardCompat"), now, full=True)
        detail = project_detail(self.store, user, project)
        return {name: detail.get(name, default) for name, default in defaults.items()}

    # -- writes ---------------------------------------------------------------------------------
    def add_organization(self, user: User, body: Any) -> dict[str, Any]:
        """``POST /api/organizations/``: the creator becomes its owner."""
        from phemu.openapi.validate import validate_body

        data = validate_body(body, component("Organization"), partial=False)
        store, now = self.store, self.emulator.clock.now()
        with store.lock:
            org = Organization(
                id=store.new_uuid(),
                name=data["name"],
                slug=_slug(data["name"]),
                created_at=now,
                updated_at=now,
                members_can_use_personal_api_keys=data.get(
                    "members_can_use_personal_api_keys", True
                ),
            )
            store.organizations[org.id] = org
            user.memberships[org.id] = OWNER
            return organization_detail(store, user, org)

    def _require_admin(self, user: User, org: Organization) -> None:
        if user.memberships.get(org.id, 0) < ADMIN:
            raise PermissionDenied(Msg.ORGANIZATION_LEVEL_INSUFFICIENT)

    def add_project(self, user: User, org: Organization, body: Any) -> dict[str, Any]:
        """``POST .../projects/``: a project with a fresh token, by an admin."""
        from phemu.openapi.validate import validate_body

        self._require_admin(user, org)
        data = validate_body(body, component("ProjectBackwardCompat"), partial=False)
        store, now = self.store, self.emulator.clock.now()
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
            return self.render_project(user, project)

    def change_project(
        self, user: User, project: Project, body: Any, *, partial: bool
    ) -> dict[str, Any]:
        """``PATCH`` / ``PUT``: the name and time zone are what phemu's projects hold."""
        from phemu.openapi.validate import validate_body

        schema = component("PatchedProjectBackwardCompat")
        data = validate_body(body, schema, partial=partial)
        with self.store.lock:
            project.name = data.get("name", project.name)
            project.timezone = data.get("timezone", project.timezone)
            project.updated_at = self.emulator.clock.now()
            return self.render_project(user, project)

    def render_environment(self, user: User, project: Project) -> dict[str, Any]:
        """``Team``: what the ``/api/projects/:id/environments/:id/`` actions answer for the
        project's one environment (same id), the component's other fields at their schema
        defaults."""
        from phemu.openapi.instances import instance

        now = format_datetime(self.emulator.clock.now()) or ""
        defaults = instance(component("Team"), now, full=True)
        detail = project_detail(self.store, user, project)
        return {name: detail.get(name, default) for name, default in defaults.items()}

    def _require_project_admin(self, user: User, project: Project) -> None:
        # TeamMemberStrictManagementPermission (posthog/permissions.py): writes need an admin.
        if user.memberships.get(project.organization, 0) < ADMIN:
            raise PermissionDenied(Msg.PROJECT_PERMISSIONS_INSUFFICIENT)

    def rotate_secret(self, user: User, project: Project) -> None:
        """``Team.rotate_secret_token_and_save`` (``posthog/models/team/team.py``): a new
        secret, the current one becomes the backup (both authenticate), the old backup stops
        working; the activity log shows masked values, ``created`` for a first secret."""
        self._require_project_admin(user, project)
        store = self.store
        with store.lock:
            old_primary, expired = project.secret_api_token, project.secret_api_token_backup
            new = new_secret_token(store)
            project.secret_api_token, project.secret_api_token_backup = new, old_primary
            project.updated_at = self.emulator.clock.now()
        before: dict[str, Any] = {"secret_api_token": _masked(old_primary)}
        after: dict[str, Any] = {"secret_api_token": _masked(new)}
        if old_primary:
            before["secret_api_token_backup"] = _masked(expired)
            after["secret_api_token_backup"] = _masked(old_primary)
        action = "created" if old_primary is None else "changed"
        self._log_team(user, project, change("Team", action, "secret_api_token", before, after))

    def delete_secret_backup(self, user: User, project: Project) -> None:
        """``Team.delete_secret_token_backup_and_save``: nothing to do (and nothing logged)
        without a backup."""
        self._require_project_admin(user, project)
        old_backup = project.secret_api_token_backup
        if not old_backup:
            return
        with self.store.lock:
            project.secret_api_token_backup = None
            project.updated_at = self.emulator.clock.now()
        self._log_team(
            user,
            project,
            change("Team", "deleted", "secret_api_token_backup", _masked(old_backup), None),
        )

    def _log_team(self, user: User, project: Project, entry: dict[str, Any]) -> None:
        self.emulator.activity_log.log(
            project=project.id,
            scope="Team",
            item_id=project.id,
            activity="updated",
            user=user.id,
            changes=[entry],
            name=project.name,
        )

    def remove_project(self, user: User, org: Organization, project: Project) -> None:
        """``DELETE``, by an admin; users whose current project it was move to another one."""
        self._require_admin(user, org)
        store = self.store
        with store.lock:
            del store.projects[project.id]
            for member in store.users.values():
                if member.current_project == project.id:
                    mine = [p.id for o in member.memberships for p in store.projects_of(o)]
                    member.current_project = mine[0] if mine else None

    # -- the Python API -------------------------------------------------------------------------
    def _user(self, by: int | str | None) -> User:
        user = self.viewer(by)
        if user is None:
            raise NotFound()
        return user

    def _org(self, user: User, organization: str) -> Organization:
        org = self.organization(user, organization)
        if org is None:
            raise NotFound(
                Msg.CURRENT_ORGANIZATION_NOT_FOUND if organization == "@current" else None
            )
        return org

    def organizations(self, *, by: int | str | None = None) -> list[dict[str, Any]]:
        """``GET /api/organizations/``'s rows: the user's organizations."""
        user, store = self._user(by), self.store
        with store.lock:
            return [
                organization_detail(store, user, store.organizations[o])
                for o in visible_organizations(store, user, None)
            ]

    def create_organization(self, *, by: int | str | None = None, **fields: Any) -> dict[str, Any]:
        """What ``POST /api/organizations/`` answers (the user becomes its owner)."""
        return self.add_organization(self._user(by), fields)

    def list(
        self, organization: str = "@current", *, by: int | str | None = None
    ) -> list[dict[str, Any]]:
        """``GET /api/organizations/:id/projects/``'s rows."""
        user = self._user(by)
        with self.store.lock:
            org = self._org(user, organization)
            return [project_basic(p) for p in self.projects_of(user, org)]

    def create(
        self, organization: str = "@current", *, by: int | str | None = None, **fields: Any
    ) -> dict[str, Any]:
        """What ``POST /api/organizations/:id/projects/`` answers."""
        user = self._user(by)
        return self.add_project(user, self._org(user, organization), fields)

    def get(
        self, project: int, organization: str = "@current", *, by: int | str | None = None
    ) -> dict[str, Any]:
        user = self._user(by)
        with self.store.lock:
            found = self.project_in(user, self._org(user, organization), str(project))
            return self.render_project(user, found)

    def update(
        self,
        project: int,
        organization: str = "@current",
        *,
        by: int | str | None = None,
        partial: bool = True,
        **fields: Any,
    ) -> dict[str, Any]:
        """``PATCH`` (``partial=False``: ``PUT``) of a project."""
        user = self._user(by)
        found = self.project_in(user, self._org(user, organization), str(project))
        return self.change_project(user, found, fields, partial=partial)

    def rotate_secret_token(
        self,
        project: int,
        organization: str = "@current",
        *,
        by: int | str | None = None,
        environment: bool = False,
    ) -> dict[str, Any]:
        """What ``PATCH .../projects/:id/rotate_secret_token/`` answers (``environment=True``:
        the ``Team`` that ``.../environments/:id/rotate_secret_token/`` answers)."""
        return self._secret_action(self.rotate_secret, project, organization, by, environment)

    def delete_secret_token_backup(
        self,
        project: int,
        organization: str = "@current",
        *,
        by: int | str | None = None,
        environment: bool = False,
    ) -> dict[str, Any]:
        """What ``PATCH .../delete_secret_token_backup/`` answers (see
        :meth:`rotate_secret_token`)."""
        return self._secret_action(
            self.delete_secret_backup, project, organization, by, environment
        )

    def _secret_action(
        self,
        step: Callable[[User, Project], None],
        project: int,
        organization: str,
        by: int | str | None,
        environment: bool,
    ) -> dict[str, Any]:
        user = self._user(by)
        found = self.project_in(user, self._org(user, organization), str(project))
        step(user, found)
        with self.store.lock:
            if environment:
                return self.render_environment(user, found)
            return self.render_project(user, found)

    def delete(
        self, project: int, organization: str = "@current", *, by: int | str | None = None
    ) -> None:
        user = self._user(by)
        org = self._org(user, organization)
        self.remove_project(user, org, self.project_in(user, org, str(project)))
