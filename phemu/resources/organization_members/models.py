"""Organization memberships (``emulator.organization_members``): the store's users and their
levels, plus what a membership row adds (id, ``joined_at``, ``updated_at``, the user's
``last_login``).

``OrganizationMemberSerializer`` (``posthog/api/organization_member.py``) and
``OrganizationMembership.validate_update`` (``posthog/models/organization.py``): only admins
edit others, nobody changes their own level, nobody raises a level above their own, and only the
owner passes ownership on (becoming an admin). ``DELETE`` is ``User.leave``: the owner cannot
leave. The membership id is derived from the organization and the user, so it is stable across
state files; ``last_login`` defaults to the user's ``date_joined`` (phemu has no logins).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta
from typing import TYPE_CHECKING
from typing import Any

from phemu import fields
from phemu.errors import Msg
from phemu.errors import NotFound
from phemu.errors import PermissionDenied
from phemu.errors import ValidationError
from phemu.resources._base import Backend
from phemu.resources._base import user_basic
from phemu.serialization import format_datetime
from phemu.store import ADMIN
from phemu.store import OWNER

if TYPE_CHECKING:
    from phemu.emulator import Emulator
    from phemu.store import User

LEVELS = (1, 8, 15)
#: The namespace of membership ids (phemu's own, fixed).
_NAMESPACE = uuid.UUID("5d1b0c7e-8f3a-4e6b-9c2d-7a1e3f5b9d04")


@dataclass(slots=True, kw_only=True)
class MembershipRow:
    joined_at: datetime
    updated_at: datetime
    last_login: datetime | None = None


@dataclass
class MembershipTables:
    #: (organization id, user id) -> the row's own fields; users without one joined at sign-up
    rows: dict[tuple[str, int], MembershipRow] = field(default_factory=dict)


def membership_id(organization: str, user: User) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{organization}:{user.uuid}"))


class OrganizationMembersBackend(Backend):
    """Read, re-level and remove organization members."""

    def __init__(self, emulator: Emulator) -> None:
        super().__init__(emulator)
        self._emulator = emulator

    @property
    def _tables(self) -> MembershipTables:
        return self._emulator.store.state(MembershipTables)

    def _row(self, organization: str, user: User) -> MembershipRow:
        found = self._tables.rows.get((organization, user.id))
        if found is None:
            return MembershipRow(joined_at=user.date_joined, updated_at=user.date_joined)
        return found

    def members(self, organization: str) -> list[User]:
        """Active members, most recently joined first (``-joined_at``)."""
        users = [
            u
            for u in self._emulator.store.users.values()
            if organization in u.memberships and u.is_active
        ]
        return sorted(
            users, key=lambda u: (self._row(organization, u).joined_at, u.id), reverse=True
        )

    def find(self, organization: str, user_uuid: str) -> User | None:
        return next((u for u in self.members(organization) if u.uuid == user_uuid), None)

    def all(self, organization: str) -> list[dict[str, Any]]:
        return [self.render(organization, u) for u in self.members(organization)]

    def render(self, organization: str, user: User) -> dict[str, Any]:
        row = self._row(organization, user)
        return {
            "id": membership_id(organization, user),
            "user": user_basic(user),
            "level": user.memberships[organization],
            "joined_at": format_datetime(row.joined_at),
            "updated_at": format_datetime(row.updated_at),
            "is_2fa_enabled": False,
            "has_social_auth": False,
            "last_login": format_datetime(row.last_login or user.date_joined),
        }

    def scoped_api_keys(
        self, organization: str, user_uuid: str, *, by: int | None = None
    ) -> dict[str, Any]:
        """``scoped_api_keys`` (``posthog/api/organization_member.py``) over
        ``OrganizationMembership.get_scoped_api_keys`` (``posthog/models/organization.py``): the
        member's personal API keys that reach this organization (scoped to it, to one of its
        projects, or to nothing at all), whether any was used in the last seven days, and each
        key's label and last use. ``@me`` is the member ``by`` names."""
        store = self._emulator.store
        with store.lock:
            if user_uuid == "@me":
                member = store.users.get(by) if by is not None else None
            else:
                member = self.find(organization, user_uuid)
            if member is None or organization not in member.memberships:
                raise NotFound()
            teams = {p.id for p in store.projects_of(organization)}
            keys = sorted(
                (
                    k
                    for k in store.keys.values()
                    if k.user == member.id
                    and (
                        organization in (k.scoped_organizations or [])
                        or teams.intersection(k.scoped_teams or [])
                        or (not k.scoped_organizations and not k.scoped_teams)
                    )
                ),
                key=lambda k: (k.created_at, k.id),
            )
            week_ago = self._emulator.clock.now() - timedelta(days=7)
            return {
                "has_keys": bool(keys),
                "has_keys_active_last_week": any(
                    k.last_used_at is not None and k.last_used_at >= week_ago for k in keys
                ),
                "keys": [
                    {"name": k.label, "last_used_at": format_datetime(k.last_used_at)} for k in keys
                ],
            }

    # -- writes --------------------------------------------------------------------------------
    def check_edit(self, organization: str, actor: User, member: User, level: int | None) -> None:
        """``validate_update`` of the requesting membership."""
        own = actor.memberships.get(organization, 0)
        if level is not None:
            if member.id == actor.id:
                raise PermissionDenied(Msg.MEMBER_OWN_LEVEL)
            if level == OWNER:
                if own != OWNER:
                    raise PermissionDenied(Msg.MEMBER_OWNERSHIP_ONLY_OWNER)
            elif level > own:
                raise PermissionDenied(Msg.MEMBER_LEVEL_ABOVE_OWN)
        if member.id != actor.id:
            if own < ADMIN:
                raise PermissionDenied(Msg.MEMBER_EDIT_NEEDS_ADMIN)
            if member.memberships.get(organization, 0) > own:
                raise PermissionDenied(Msg.MEMBER_EDIT_HIGHER)

    def update(self, organization: str, user_uuid: str, *, by: int, body: Any) -> dict[str, Any]:
        """``PATCH``: ``level`` (1, 8 or 15); ``by`` is the requesting user's id."""
        store = self._emulator.store
        with store.lock:
            actor, member = self._pair(organization, user_uuid, by)
            self.check_edit(organization, actor, member, None)
            data = fields.expect_object(body)
            level = None
            if "level" in data:
                fields.not_null(data["level"], "level")
                # A model ChoiceField: compared as text ("8" and 8 both name admin).
                level = int(fields.parse_choice(data["level"], "level", map(str, LEVELS)))
                self.check_edit(organization, actor, member, level)
                if level == OWNER:
                    actor.memberships[organization] = ADMIN
                member.memberships[organization] = level
            now = self._emulator.clock.now()
            row = self._row(organization, member)
            row.updated_at = now
            self._tables.rows[(organization, member.id)] = row
            return self.render(organization, member)

    def remove(self, organization: str, user_uuid: str, *, by: int) -> None:
        """``DELETE``: the member leaves (``User.leave``); their current project moves on."""
        store = self._emulator.store
        with store.lock:
            actor, member = self._pair(organization, user_uuid, by)
            self.check_edit(organization, actor, member, None)
            if member.memberships[organization] == OWNER:
                raise ValidationError(Msg.MEMBER_OWNER_CANNOT_LEAVE)
            del member.memberships[organization]
            self._tables.rows.pop((organization, member.id), None)
            current = store.projects.get(member.current_project) if member.current_project else None
            if current is not None and current.organization == organization:
                remaining = [p for org in member.memberships for p in store.projects_of(org)]
                member.current_project = remaining[0].id if remaining else None

    def _pair(self, organization: str, user_uuid: str, by: int) -> tuple[User, User]:
        store = self._emulator.store
        actor = store.users[by]
        member = actor if user_uuid == "@me" else self.find(organization, user_uuid)
        if member is None or organization not in member.memberships:
            raise NotFound()
        return actor, member

    # -- seeds and state files -----------------------------------------------------------------
    def load(self, records: list[dict[str, Any]]) -> None:
        """``{"organization", "user" (email or id), "joined_at"?, "updated_at"?,
        "last_login"?}`` for memberships the ``users`` section declares."""
        from phemu.clock import parse_instant
        from phemu.errors import SeedError
        from phemu.seed import user_ref
        from phemu.seed import where

        store = self._emulator.store
        for position, record in enumerate(records):
            label = where("organization_members", position, record)
            user_id = user_ref(store, record.get("user"), label, "user")
            organization = record.get("organization")
            if user_id is None or organization not in store.users[user_id].memberships:
                raise SeedError(f"{label}: the user is not a member of {organization!r}")
            user = store.users[user_id]
            try:
                joined = parse_instant(record.get("joined_at") or user.date_joined)
                row = MembershipRow(
                    joined_at=joined,
                    updated_at=parse_instant(record.get("updated_at") or joined),
                    last_login=parse_instant(record["last_login"])
                    if record.get("last_login")
                    else None,
                )
            except (TypeError, ValueError) as error:
                raise SeedError(f"{label}: {error}") from None
            self._tables.rows[(str(organization), user_id)] = row

    def export(self) -> list[dict[str, Any]]:
        store = self._emulator.store
        return [
            {
                "organization": organization,
                "user": store.users[user_id].email,
                "joined_at": format_datetime(row.joined_at),
                "updated_at": format_datetime(row.updated_at),
                "last_login": format_datetime(row.last_login),
            }
            for (organization, user_id), row in sorted(self._tables.rows.items())
            if user_id in store.users and organization in store.users[user_id].memberships
        ]
