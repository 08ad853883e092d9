"""The :class:`Emulator` facade: one store, one clock, one outbox, one journal, one WSGI app.

Everything a test can do over the control plane it can do here in Python, and every front door
wraps :attr:`Emulator.app`. No state lives outside an instance.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any
from typing import TypeVar

from phemu import seed as seeding
from phemu.admin import build_control_table
from phemu.ai import CANNED_PLUGIN
from phemu.ai import CANNED_PLUGIN_NAME
from phemu.ai import CannedAnswers
from phemu.app import PostHogApp
from phemu.clock import Clock
from phemu.errors import ConfigurationError
from phemu.errors import PhemuBug
from phemu.journal import Journal
from phemu.journal import JournalEntry
from phemu.outbox import Outbox
from phemu.plugin_manager import build_plugin_manager
from phemu.resources import ALL_RESOURCES
from phemu.resources import Backend
from phemu.resources import Resource
from phemu.resources.generic import complete_routes
from phemu.routing import Route
from phemu.routing import RouteTable
from phemu.routing import build_table
from phemu.store import Store

if TYPE_CHECKING:
    import pluggy
    from _typeshed.wsgi import StartResponse
    from _typeshed.wsgi import WSGIEnvironment
    from werkzeug.test import Client

    from phemu.persistence import StateFile
    from phemu.throttling import Throttler

PROFILES = ("docs", "cloud")
B = TypeVar("B", bound=Backend)
SeedSource = str | Path | dict[str, Any]


def resolve_profile(profile: str | None) -> str:
    """Argument, else ``PHEMU_PROFILE``, else ``docs``; anything else is a configuration error."""
    chosen = profile or os.environ.get("PHEMU_PROFILE") or "docs"
    if chosen not in PROFILES:
        raise ConfigurationError(f"unknown profile {chosen!r}; choose one of {', '.join(PROFILES)}")
    return chosen


class Emulator:
    """An in-memory PostHog.

    :param profile: ``docs`` (default) or ``cloud`` (README.md, "Platform behaviour").
    :param seeds: seed documents (mappings or JSON file paths) loaded on top of the default seed.
    :param default_seed: load the packaged default seed first (``phemu/data/default.json``:
        project 1, a ``*`` key).
    :param plugins: extra pluggy plugins (objects, modules, or ``"module[:attr]"`` strings).
    :param disable_plugins: plugin names not to register (e.g. ``"ai_rules"``).
    :param load_entrypoints: register plugins from the ``phemu`` entry-point group.
    :param rate_limits: ``"posthog"`` for PostHog's budgets, or a mapping overriding some of
        them (``{"burst": "3/minute"}``); off by default, as in PostHog's own test settings.
    :param random_seed: seed of the generator behind UUIDs, tokens and short ids (plugins may
        seed their own generators from it).
    :param options: options of resources and plugins, each taken by its owner's
        ``phemu_configure`` hook (``channel_lookups={...}`` for the sessions resource,
        ``faults=[...]`` for the shipped faults plugin); an option nobody takes is a
        :class:`ConfigurationError`.

    Each resource's Python API is a namespace named after it (``emulator.subscriptions``,
    ``emulator.dashboards``, ...): its :class:`~phemu.resources.Backend`, see
    :meth:`__getattr__`.
    """

    def __init__(
        self,
        *,
        profile: str | None = None,
        seeds: Sequence[SeedSource] = (),
        default_seed: bool = True,
        plugins: Iterable[Any] = (),
        disable_plugins: Iterable[str] = (),
        load_entrypoints: bool = True,
        rate_limits: str | dict[str, str] | None = None,
        random_seed: int = 0,
        clock: Clock | None = None,
        **options: Any,
    ) -> None:
        self.profile = resolve_profile(profile)
        self.random_seed = random_seed
        self.resources: tuple[Resource, ...] = ALL_RESOURCES
        self._backends: dict[type[Backend], Backend] = {}
        #: The backends with scheduled work, for the ``resources`` they were found in.
        self._ticking: tuple[tuple[Resource, ...], tuple[Backend, ...]] = ((), ())
        self.clock = clock or Clock()
        self.clock.listeners.append(lambda _now: self.tick())
        self.ai = CannedAnswers(self)
        self._hooks = build_plugin_manager(
            builtins=self._builtin_plugins(),
            plugins=plugins,
            load_entrypoints=load_entrypoints,
            disabled=disable_plugins,
        )
        self._plugin_sections: list[seeding.SeedSection] = [
            section
            for sections in self.hooks.hook.phemu_seed_sections()
            for section in sections or ()
        ]
        self.seed_sections()  # a plugin redefining a seed key fails here, at start-up
        self.routes: RouteTable = build_table(self._all_routes())
        self.throttler: Throttler | None = None
        if rate_limits:
            from phemu.throttling import Throttler  # off by default: most emulators never throttle

            self.throttler = Throttler.from_setting(rate_limits)
        self.outbox = Outbox(on_delivery=self._deliver)
        self.journal = Journal()
        self.bugs: list[str] = []
        #: Set by ``phemu serve --state-file``; ``POST /_phemu/state/save`` saves through it.
        self.state_file: StateFile | None = None
        self._bugs_lock = threading.Lock()
        self._tick_lock = threading.RLock()  # a delivery hook may call the emulator back
        self.seed_sources: list[SeedSource] = (["default"] if default_seed else []) + list(seeds)
        self._seed_documents = [seeding.shared_document(s) for s in self.seed_sources]
        # Errors name the file a seed came from, and number only the user's own documents.
        self._seed_names: list[str | None] = ["the default seed"] if default_seed else []
        self._seed_names += seeding.source_names(seeds)
        self.store = Store(seed=random_seed)
        self.app = PostHogApp(self)
        self.control_table = build_control_table(
            row for rows in self.hooks.hook.phemu_control_routes() for row in rows or ()
        )
        #: Per-emulator plugin state, by plugin name (see the ``phemu_configure`` hook).
        self.extensions: dict[str, Any] = {}
        self._configure_plugins(dict(options))
        self._load_initial_state()

    # -- construction helpers ------------------------------------------------------------------
    def _builtin_plugins(self) -> list[tuple[str, Any]]:
        # Stateless modules and classes (their state lives in the store or on the emulator), so
        # the manager can be shared.
        resource_plugins = [
            (f"resource:{r.name}", r.plugin) for r in self.resources if r.plugin is not None
        ]
        return [(CANNED_PLUGIN_NAME, CANNED_PLUGIN), *resource_plugins]

    # -- resources -------------------------------------------------------------------------------
    def backend(self, cls: type[B]) -> B:
        """This emulator's instance of a resource's backend class (created on first use)."""
        found = self._backends.get(cls)
        if found is None:
            found = self._backends[cls] = cls(self)
        return found  # type: ignore[return-value]

    def __getattr__(self, name: str) -> Any:
        """``emulator.<name>``: the Python API (backend) of the resource of that name, else
        the per-emulator state a plugin keeps under that name (``emulator.faults``)."""
        if not name.startswith("_"):
            for resource in self.__dict__.get("resources", ()):
                if resource.name == name and resource.backend is not None:
                    return self.backend(resource.backend)
            extensions = self.__dict__.get("extensions", {})
            if name in extensions:
                return extensions[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @property
    def hooks(self) -> pluggy.PluginManager:
        """The pluggy manager of this emulator's plugins (``hooks.hook.phemu_*(...)``).

        It may be shared with other emulators built with the same plugins (modules and entry
        points; see :mod:`phemu.plugin_manager`), so treat it as read-only: register plugins
        through the constructor (``plugins=[...]``, ``disable_plugins=[...]``), never with
        ``hooks.register``, and keep plugin state on the emulator (``extensions``, ``store``).
        """
        return self._hooks

    def _configure_plugins(self, options: dict[str, Any]) -> None:
        self.hooks.hook.phemu_configure(emulator=self, options=options)
        if options:
            names = ", ".join(sorted(map(repr, options)))
            raise ConfigurationError(
                f"no phemu plugin took the option(s) {names}; is the plugin that owns them "
                "installed and not disabled?"
            )

    def _all_routes(self) -> list[Route]:
        routes = [route for resource in self.resources for route in resource.routes]
        for extra in self.hooks.hook.phemu_routes(profile=self.profile):
            routes.extend(extra or [])
        return complete_routes(routes)  # every other schema operation (phemu/resources/generic)

    def _load_initial_state(self) -> None:
        # The emulator's own documents first, so phemu_seed implementations can look at them.
        seeding.load_documents(self, self._seed_documents, self._seed_names)
        documents: list[Any] = []
        for result in self.hooks.hook.phemu_seed(emulator=self):
            if isinstance(result, dict):
                documents.append(result)
            elif result:
                documents.extend(result)
        if documents:
            names = [f"phemu_seed document #{i}" for i in range(1, len(documents) + 1)]
            seeding.load_documents(self, documents, names)

    def seed_sections(self) -> dict[str, seeding.SeedSection]:
        """Every top-level seed key, in load order (platform, resources, then plugins)."""
        sections = {s.key: s for s in seeding.PLATFORM_SECTIONS}
        for resource in self.resources:
            for section in resource.seed_sections:
                sections[section.key] = section
        for section in self._plugin_sections:
            if section.key in sections:
                raise ConfigurationError(f"a phemu plugin redefines the seed key {section.key!r}")
            sections[section.key] = section
        return sections

    # -- WSGI ------------------------------------------------------------------------------------
    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Any:
        return self.app(environ, start_response)

    def control_plane(self, environ: WSGIEnvironment, start_response: StartResponse) -> Any:
        from phemu.admin import control_plane_app

        return control_plane_app(self, environ, start_response)

    def client(self) -> Client:
        """A werkzeug test client bound to this emulator (no network)."""
        from werkzeug.test import Client

        return Client(self.app)

    @property
    def default_api_key(self) -> str | None:
        """The first plaintext key of the loaded seed documents (the default seed's ``*`` key)."""
        for doc in self._seed_documents:
            for key in doc.get("personal_api_keys", []) or []:
                if isinstance(key, dict) and isinstance(key.get("value"), str):
                    return str(key["value"])
        return None

    @property
    def auth_headers(self) -> dict[str, str]:
        key = self.default_api_key
        return {"Authorization": f"Bearer {key}"} if key else {}

    # -- state -------------------------------------------------------------------------------
    def reset(self) -> None:
        """Back to the seeds: a new store, empty outbox and journal, real time."""
        self.clock.reset()
        store = Store(seed=self.random_seed)
        # Held until the seeds are in: another thread (the mutation log) never sees the new
        # store half-loaded.
        with store.lock:
            self.store = store
            self.outbox.clear()
            self.journal.clear()
            if self.throttler is not None:
                self.throttler.clear()
            with self._bugs_lock:
                self.bugs.clear()
            self.hooks.hook.phemu_reset(emulator=self)
            self._load_initial_state()

    def load_seed(self, *sources: SeedSource) -> None:
        """Load seed documents on top of the current state (all or nothing)."""
        names: list[str | None] = list(seeding.source_names(sources))
        if len(sources) == 1 and isinstance(sources[0], Mapping):
            names = [None]  # one in-memory document: its record labels say enough
        seeding.load_documents(self, [seeding.read_document(s) for s in sources], names)

    def export_state(self) -> dict[str, Any]:
        """The whole store as one versioned seed document."""
        with self.store.lock:
            return seeding.export_document(self)

    def import_state(self, document: dict[str, Any]) -> None:
        """Replace the whole store with ``document`` (an :meth:`export_state` result)."""
        old = self.store
        store = Store(seed=self.random_seed)
        with store.lock:  # as in reset(): nobody sees the new store half-loaded
            self.store = store
            try:
                seeding.load_documents(self, [document])
            except Exception:
                self.store = old
                raise

    # -- time ---------------------------------------------------------------------------------
    def now(self) -> datetime:
        return self.clock.now()

    def freeze_time(self, at: str | datetime | None = None) -> datetime:
        return self.clock.freeze(at)

    def unfreeze_time(self) -> datetime:
        return self.clock.unfreeze()

    def set_time(self, at: str | datetime) -> datetime:
        return self.clock.set(at)

    def advance_time(self, delta: timedelta | float = 0, **units: float) -> datetime:
        """Advance by ``delta`` (seconds or timedelta) plus ``days=``/``hours=``/... keywords."""
        step = delta if isinstance(delta, timedelta) else timedelta(seconds=delta)
        return self.clock.advance(step + timedelta(**units))

    def tick(self) -> None:
        """Run every resource's scheduler once (``Backend.tick``)."""
        resources, ticking = self._ticking
        if resources is not self.resources:
            ticking = tuple(
                self.backend(r.backend)
                for r in self.resources
                if r.backend is not None and r.backend.tick is not Backend.tick
            )
            self._ticking = (self.resources, ticking)
        if not ticking:
            return
        now = self.clock.now()
        with self._tick_lock:
            for backend in ticking:
                backend.tick(now)

    # -- journal and bugs -------------------------------------------------------------------
    def requests(
        self, method: str | None = None, path: str | None = None, status: int | None = None
    ) -> list[JournalEntry]:
        """Journaled requests, filtered by method, path (trailing slash ignored) and status."""
        return self.journal.entries(method=method, path=path, status=status)

    def assert_called(self, method: str, path: str, times: int | None = None) -> None:
        """Assert ``method path`` was requested (exactly ``times`` times when given).

        The failure lists every journaled request, flags those that hit a route phemu does not
        emulate with the closest known routes, and says so when ``path`` itself is not a route.
        """
        found = len(self.requests(method=method, path=path))
        if (times is None and found == 0) or (times is not None and found != times):
            from phemu.journal import assertion_message

            raise AssertionError(
                assertion_message(self.journal, self.routes, method, path, times, found)
            )

    def record_bug(self, trace: str) -> None:
        with self._bugs_lock:
            self.bugs.append(trace)

    def check(self) -> None:
        """Raise :class:`PhemuBug` if any request hit an unexpected exception inside phemu."""
        with self._bugs_lock:
            bugs, self.bugs = list(self.bugs), []
        if bugs:
            raise PhemuBug("phemu failed while handling a request:\n" + bugs[0])

    # -- plugins --------------------------------------------------------------------------------
    def extension(self, name: str) -> Any:
        """The per-emulator state a plugin stored under ``name`` in ``phemu_configure``."""
        try:
            return self.extensions[name]
        except KeyError:
            raise ConfigurationError(
                f"the phemu plugin {name!r} is not active on this emulator (not installed, "
                "disabled, or load_entrypoints=False without plugins=[...])"
            ) from None

    def _deliver(self, entry: dict[str, Any]) -> None:
        self.hooks.hook.phemu_subscription_delivery(emulator=self, entry=entry)
