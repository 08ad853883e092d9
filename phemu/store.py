"""The state store: organizations, projects, users, personal API keys and resource tables.

One :class:`Store` belongs to one emulator; nothing here is module-level state. Every mutation
happens under ``store.lock`` (an ``RLock``, so operations can nest). Resources keep their own
tables in state objects obtained with :meth:`Store.state`, keyed by the state class, so a
resource's model, rules and routes stay together in its own module.
"""

from __future__ import annotations

import copy
import hashlib
import random
import threading
import uuid
from collections.abc import Callable
from collections.abc import Hashable
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from typing import Any
from typing import TypeVar

T = TypeVar("T")

MEMBER, ADMIN, OWNER = 1, 8, 15


def hash_key(value: str) -> str:
    """PostHog's ``sha256$<hex>`` secure value of a personal API key (no salt)."""
    return "sha256$" + hashlib.sha256(value.encode("utf-8")).hexdigest()


def mask_key(value: str) -> str:
    """PostHog's ``mask_key_value`` (``posthog/models/utils.py``): first 4 characters, ``...``,
    last 4 (``phx_...a1b2``); a value under 16 characters is all ``********``, so a short key
    never shows whole."""
    if len(value) < 16:
        return "********"
    return f"{value[:4]}...{value[-4:]}"


@dataclass(slots=True, kw_only=True)
class Organization:
    id: str
    name: str
    slug: str
    created_at: datetime
    updated_at: datetime
    members_can_use_personal_api_keys: bool = True


@dataclass(slots=True, kw_only=True)
class Project:
    """A project and its single environment; both share ``id``."""

    id: int
    uuid: str
    organization: str
    name: str
    api_token: str
    timezone: str
    created_at: datetime
    updated_at: datetime
    custom_channel_types: list[str] = field(default_factory=list)
    #: The team's "feature flags secure API key" and the one it replaced at the last rotation
    #: (``Team.secret_api_token`` / ``secret_api_token_backup``, ``posthog/models/team/team.py``):
    #: both authenticate local evaluation until the backup is deleted.
    secret_api_token: str | None = None
    secret_api_token_backup: str | None = None


@dataclass(slots=True, kw_only=True)
class User:
    id: int
    uuid: str
    distinct_id: str
    email: str
    first_name: str
    last_name: str
    date_joined: datetime
    memberships: dict[str, int] = field(default_factory=dict)  # organization id -> level
    current_project: int | None = None
    is_active: bool = True
    is_email_verified: bool | None = None
    role_at_organization: str | None = None


@dataclass(slots=True, kw_only=True)
class PersonalAPIKey:
    id: str
    label: str
    secure_value: str
    mask_value: str
    user: int
    scopes: list[str]
    scoped_teams: list[int] | None
    scoped_organizations: list[str] | None
    created_at: datetime
    last_used_at: datetime | None = None


class Changes:
    """What the store's writers changed since the mutation log last wrote it
    (``phemu serve --sync always``, ``phemu/mutation_log.py``).

    Writers report changes by seed section, as records of that section's export: a record by
    its key (``Store.changed``: the log exports it again, or finds it gone), a record appended
    (``Store.appended``: append-only sections, such as events), or the whole section
    (``Store.rewritten``). ``count`` grows with every report, so a request that changed nothing
    sees at a glance that nothing waits to be written.
    """

    __slots__ = ("appends", "count", "keys", "sections")

    def __init__(self) -> None:
        self.keys: dict[tuple[str, Hashable], None] = {}  # ordered: first change first
        self.appends: list[tuple[str, Callable[..., dict[str, Any]], tuple[Any, ...]]] = []
        self.sections: set[str] = set()
        self.count = 0


class Store:
    """All state of one emulator.

    ``seed`` seeds the random generator used for UUIDs, tokens and short ids, so the same seed
    documents always produce the same state.
    """

    def __init__(self, seed: int = 0) -> None:
        self.lock = threading.RLock()
        self._seed = seed
        self._rng: random.Random | None = None  # created on first use, see ``rng``
        self.organizations: dict[str, Organization] = {}
        self.projects: dict[int, Project] = {}
        self.users: dict[int, User] = {}
        self.keys: dict[str, PersonalAPIKey] = {}  # secure_value -> key
        self.counters: dict[str, int] = {}
        self._states: dict[type[Any], Any] = {}
        #: Bumped by every seed document load: rendered-row caches (``resources/_cache.py``)
        #: drop what they hold, since a document may change the users rows show.
        self.version = 0
        #: Set while a mutation log records this store (``phemu serve --sync always``).
        self.changes: Changes | None = None

    # -- change reports (the mutation log) -----------------------------------------------------
    def changed(self, section: str, *keys: Hashable) -> None:
        """The records ``keys`` of seed section ``section`` changed, appeared or went away.

        Every writer of a section whose ``SeedSection`` says ``tracked`` calls this (or
        :meth:`appended`, :meth:`rewritten`) under ``lock``; it costs one attribute read unless
        a mutation log records the store.
        """
        changes = self.changes
        if changes is not None:
            for key in keys:
                changes.keys[(section, key)] = None
            changes.count += 1

    def appended(self, section: str, export: Callable[..., dict[str, Any]], *args: Any) -> None:
        """A record was appended to an append-only section; ``export(*args)`` gives its seed
        record (called when the log writes it)."""
        changes = self.changes
        if changes is not None:
            changes.appends.append((section, export, args))
            changes.count += 1

    def rewritten(self, section: str) -> None:
        """Anything in ``section`` may have changed (a bulk change): the log writes it whole."""
        changes = self.changes
        if changes is not None:
            changes.sections.add(section)
            changes.count += 1

    # -- ids and random values -------------------------------------------------------------
    @property
    def rng(self) -> random.Random:
        """The store's generator, ``random.Random(seed)`` until something draws from it.

        Created on first use: the default seed draws nothing, and seeding a generator (and
        saving its 625-word state in every seed checkpoint) is a large share of a ``reset()``.
        """
        rng = self._rng
        if rng is None:
            with self.lock:
                rng = self._rng
                if rng is None:
                    rng = self._rng = random.Random(self._seed)
        return rng

    def random_state(self) -> list[Any] | None:
        """The generator's state as JSON-ready data, ``None`` while it was never drawn from.

        State files keep it, so values drawn after a restart (insight short ids, project tokens,
        UUIDs) continue the sequence instead of starting it over.
        """
        with self.lock:
            if self._rng is None:
                return None
            version, internal, gauss = self._rng.getstate()
            return [version, list(internal), gauss]

    def random_state_tuple(self) -> tuple[int, tuple[int, ...], Any] | None:
        """``random.Random.getstate()``, or ``None`` while the generator was never drawn from."""
        with self.lock:
            return None if self._rng is None else self._rng.getstate()

    def restore_random_state(self, state: Any) -> None:
        """Undo :meth:`random_state`; ``ValueError`` if ``state`` is not one of its results."""
        try:
            version, internal, gauss = state
            rng = random.Random()
            rng.setstate((version, tuple(internal), gauss))
        except (TypeError, ValueError) as error:
            raise ValueError(f"not a random generator state ({error})") from None
        with self.lock:
            self._rng = rng

    def next_id(self, sequence: str) -> int:
        """The next value of a per-resource sequence shared by all projects (starts at 1)."""
        with self.lock:
            value = self.counters.get(sequence, 0) + 1
            self.counters[sequence] = value
            return value

    def bump_id(self, sequence: str, used: int) -> None:
        """Make sure ``sequence`` never hands out ``used`` again (explicit ids in seeds)."""
        with self.lock:
            if self.counters.get(sequence, 0) < used:
                self.counters[sequence] = used

    def new_uuid(self) -> str:
        """A deterministic UUID from the store's generator."""
        with self.lock:
            return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def random_token(self, length: int, alphabet: str) -> str:
        # Exactly ``rng.choice(alphabet)`` per character (CPython draws ``getrandbits(k)`` until
        # the value is below ``n``), inlined: seeds draw a 43-character token per project, a
        # large share of creating an Emulator.
        size = len(alphabet)
        bits = size.bit_length()
        with self.lock:
            getrandbits = self.rng.getrandbits
            out = []
            for _ in range(length):
                drawn = getrandbits(bits)
                while drawn >= size:
                    drawn = getrandbits(bits)
                out.append(alphabet[drawn])
            return "".join(out)

    # -- resource tables -------------------------------------------------------------------
    def state(self, cls: type[T]) -> T:
        """The resource state object of class ``cls``, created empty on first use."""
        found = self._states.get(cls)
        if found is None:
            with self.lock:
                found = self._states.get(cls)
                if found is None:
                    found = self._states[cls] = cls()
        return found

    # -- transactions ----------------------------------------------------------------------
    def checkpoint(self) -> dict[str, Any]:
        """A deep copy of everything mutable, for :meth:`rollback` if a seed fails half-way."""
        with self.lock:
            # The generator state is a tuple of ints (immutable): saved as is, never deep-copied.
            tables: dict[str, Any] = {
                "organizations": self.organizations,
                "projects": self.projects,
                "users": self.users,
                "keys": self.keys,
                "counters": self.counters,
                "states": self._states,
            }
            # A fresh store (every Emulator() and reset()) has nothing to copy.
            saved = copy.deepcopy(tables) if any(tables.values()) else {k: {} for k in tables}
            # A generator never handed out is still ``Random(seed)``: nothing to save.
            saved["rng"] = None if self._rng is None else self._rng.getstate()
            return saved

    def rollback(self, saved: dict[str, Any]) -> None:
        with self.lock:
            if saved["rng"] is None:
                self._rng = None
            else:
                self.rng.setstate(saved["rng"])
            self.organizations = saved["organizations"]
            self.projects = saved["projects"]
            self.users = saved["users"]
            self.keys = saved["keys"]
            self.counters = saved["counters"]
            self._states = saved["states"]

    # -- platform lookups ------------------------------------------------------------------
    def find_key(self, plaintext: str) -> PersonalAPIKey | None:
        return self.keys.get(hash_key(plaintext))

    def project_for_secret(self, token: str) -> Project | None:
        """The project whose secret API token or its backup is ``token`` (the flags service's
        ``Team::from_pg_by_secret_token``, ``rust/feature-flags/src/team/team_operations.rs``)."""
        if not token:
            return None
        for project in self.projects.values():
            if token in (project.secret_api_token, project.secret_api_token_backup):
                return project
        return None

    def user_by_email(self, email: str) -> User | None:
        for user in self.users.values():
            if user.email == email:
                return user
        return None

    def projects_of(self, organization_id: str) -> list[Project]:
        return sorted(
            (p for p in self.projects.values() if p.organization == organization_id),
            key=lambda p: p.id,
        )
