"""Route declarations and the werkzeug URL map built from them.

A :class:`Route` is data: a path, the handler per HTTP method, the scope object, the PostHog
operations it implements and a few flags that decide how the platform checks apply (the
request flow in ``docs/architecture.md``). Resource modules declare their
routes; :func:`build_map` turns them into one werkzeug ``Map`` serving both project prefixes,
with an optional trailing slash and no redirects (PostHog's router uses ``/?$`` and
``APPEND_SLASH`` is off).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from functools import cached_property
from functools import lru_cache
from typing import TYPE_CHECKING
from typing import Any
from typing import Literal

from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import MethodNotAllowed
from werkzeug.routing import Map
from werkzeug.routing import MapAdapter
from werkzeug.routing import Rule

if TYPE_CHECKING:
    from werkzeug.wrappers import Response

    from phemu.context import RequestContext
    from phemu.store import Organization
    from phemu.store import Project

Handler = Callable[["RequestContext"], "Response"]

#: How personal API key restrictions (``scoped_teams``, ``scoped_organizations``) apply.
Restriction = Literal["nested", "project_detail", "projects_list", "organization", "user"]

PREFIXES = ("projects", "environments")
#: Path-value names whose OpenAPI spelling differs.
_OPENAPI_NAMES = {"pk": "id", "project": "project_id"}
_MATCH_CACHE = 4096
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


@dataclass(frozen=True, eq=False)
class Route:
    """One PostHog route.

    :param path: for nested routes, the part after ``/api/<prefix>/<project>``, e.g.
        ``/subscriptions/<pk>/``; otherwise the absolute path, e.g. ``/api/projects/``.
    :param endpoint: ``"<resource>.<action>"``, unique; used in the journal and coverage report.
    :param handlers: the mapped methods. ``HEAD`` follows ``GET`` and ``OPTIONS`` is answered by
        the platform, so neither is listed here.
    :param scope_object: ``subscription`` for ``subscription:read`` / ``subscription:write``.
    :param forbid_destroy: PostHog's ``ForbidDestroyModel``: DELETE is mapped but answers 405
        with an empty body after every check.
    :param read_methods: methods needing only the read scope besides GET/HEAD/OPTIONS (the AI
        routes take POST with ``session_recording:read``).
    :param throttle: the throttle family, ``burst`` (CRUD) or ``clickhouse`` (queries).
    :param json_only: PostHog installs a JSON-only parser (insights): forms answer 415.
    :param target: for non-nested routes, finds the project or organization the request is
        about (if the owner can see it) so key restrictions can be checked against it.
    :param cloud: ``None`` (same in both profiles), ``"absent"`` (the route does not exist in
        the ``cloud`` profile) or ``"refuse_keys"`` (every personal API key gets 403 there).
    :param public: the route is one of PostHog's ingestion or flags doors (``/batch/``,
        ``/flags/``...): it authenticates by project token or key itself, so the personal-key
        checks of the API are skipped (see ``PostHogApp.check``).
    :param prefixes: for nested routes, the prefixes PostHog registers the viewset under: both
        (``register_grandfathered_environment_nested_viewset``) or ``("projects",)`` for the
        viewsets only ``projects_router`` registers (``posthog/api/__init__.py``).
    :param mapped: methods PostHog's viewset maps to an action that phemu does not emulate
        (``PUT`` on insights): they need the write scope, then answer 405.
    :param secret_keys: the action also takes a project secret API key
        (``ProjectSecretAPIKeyAuthentication`` and ``ProjectSecretAPITokenPermission`` in
        ``posthog/auth.py``, ``posthog/permissions.py``): ``local_evaluation`` and
        ``remote_config`` of feature flags. Everywhere else a ``phs_`` key is an unknown
        personal API key.
    :param operations: the PostHog operation each method implements, by its ``operationId`` under
        ``/api/projects/`` (``{"GET": "subscriptions_list"}``); nested routes also claim the
        ``environments_`` twin. This is how a hand-written route claims operations of PostHog's
        schema, so that a schema-driven resource serves only the rest.
    """

    path: str
    endpoint: str
    handlers: Mapping[str, Handler]
    scope_object: str
    nested: bool = True
    restriction: Restriction = "nested"
    forbid_destroy: bool = False
    read_methods: frozenset[str] = frozenset()
    throttle: Literal["burst", "clickhouse"] = "burst"
    json_only: bool = False
    cloud: Literal["absent", "refuse_keys"] | None = None
    target: Callable[[RequestContext], tuple[Project | None, Organization | None]] | None = None
    public: bool = False
    mapped: frozenset[str] = frozenset()
    name: str = ""
    description: str = field(default="", repr=False)
    prefixes: tuple[str, ...] = PREFIXES
    secret_keys: bool = False
    operations: Mapping[str, str] = field(default_factory=dict, repr=False)

    @cached_property
    def allow(self) -> str:
        """The ``Allow`` header DRF sends: mapped methods, then HEAD (if GET) and OPTIONS."""
        served = {*self.handlers, *self.mapped}
        methods: list[str] = [m for m in ("GET", "POST", "PUT", "PATCH") if m in served]
        if self.forbid_destroy or "DELETE" in served:
            methods.append("DELETE")
        if "GET" in served:
            methods.append("HEAD")
        methods.append("OPTIONS")
        return ", ".join(methods)

    @property
    def detail(self) -> bool:
        """A route about one object (its path has an id, as ``/feature_flags/<pk>/status/``), as
        DRF's ``view.detail``."""
        return "<" in self.path

    def maps(self, method: str) -> bool:
        """Whether PostHog's viewset has an action for ``method`` on this route.

        ``posthog/permissions.py`` (``APIScopePermission``) derives the required scope from the
        action before DRF looks for a handler, and an action it cannot place needs no scope:
        personal API keys then get 403 "This action does not support personal API key access"
        instead of 405. HEAD follows GET and OPTIONS is DRF's ``metadata`` action (read scope);
        a PATCH on a list route is the ``patch`` action (write scope, then 405).
        """
        if method in self.handlers or method in self.mapped or method == "OPTIONS":
            return True
        if method == "HEAD":
            return "GET" in self.handlers or "GET" in self.mapped
        if method == "DELETE":
            return self.forbid_destroy
        return method == "PATCH" and not self.detail

    def required_scope(self, method: str) -> str:
        action = "read" if method in READ_METHODS or method in self.read_methods else "write"
        return f"{self.scope_object}:{action}"

    def required_scopes(self, method: str) -> tuple[str, ...] | None:
        """Every scope a personal API key needs for ``method``; ``None`` when PostHog refuses
        personal API keys there (schema operations without a scope, ``phemu/openapi/``)."""
        return (self.required_scope(method),)

    def tier(self, method: str) -> str:
        """How the answer to ``method`` is made, for the journal: ``exact`` (hand-written);
        schema-driven routes answer ``stateful`` or ``shaped`` (docs/generic.md)."""
        return "exact"

    def operation_ids(self) -> dict[str, tuple[str, ...]]:
        """``method -> operationIds`` this route claims (every prefix it serves, nested routes)."""
        if not self.nested or "environments" not in self.prefixes:
            return {method: (op,) for method, op in self.operations.items()}
        return {method: (op, f"environments_{op}") for method, op in self.operations.items()}

    def templates(self) -> list[str]:
        """The OpenAPI templates of :meth:`patterns` (``/api/projects/{project_id}/x/{id}/``)."""
        return [
            re.sub(r"<(?:\w+:)?(\w+)>", lambda m: "{" + _OPENAPI_NAMES.get(m[1], m[1]) + "}", p)
            for p in self.patterns()
        ]

    def patterns(self) -> list[str]:
        """The werkzeug rule strings for this route (one per prefix when nested)."""
        if not self.nested:
            return [self.path]
        return [f"/api/{prefix}/<project>{self.path}" for prefix in self.prefixes]


@dataclass(frozen=True, eq=False)
class ScopedRoute(Route):
    """A route whose viewset action names its scopes itself (``@action(required_scopes=[...])``):
    a personal API key needs every one; ``None`` is an action without any, which keys cannot
    call (``APIScopePermission``, ``posthog/permissions.py``)."""

    scopes: tuple[str, ...] | None = ()

    def required_scopes(self, method: str) -> tuple[str, ...] | None:
        if method in self.handlers or method in ("HEAD", "OPTIONS"):
            return self.scopes
        return super().required_scopes(method)  # a list's ``patch`` action: write, then 405


class MatchOnlyRule(Rule):
    """A werkzeug rule whose URL builders are compiled on first use, not when the map is built.

    phemu only matches URLs and never builds them; werkzeug compiles two builder functions per
    rule (with ``ast`` and ``compile``), which is most of the cost of building a route table
    that holds every operation of PostHog's schema.
    """

    def _compile_builder(self, append_unknown: bool = True) -> Callable[..., tuple[str, str]]:
        compile_now = super()._compile_builder
        built: list[Callable[..., tuple[str, str]]] = []

        def build(rule: Rule, *args: Any, **kwargs: Any) -> tuple[str, str]:
            if not built:
                built.append(compile_now(append_unknown))
            return built[0](rule, *args, **kwargs)

        return build


@dataclass(frozen=True)
class RouteTable:
    """The compiled map plus the routes by endpoint, shared by all emulators with the same set."""

    url_map: Map
    routes: Mapping[str, Route]
    #: ``path -> ((endpoint, prefix index), values)`` of recent matches: tests and clients
    #: repeat the same few paths, and werkzeug's matcher costs more than a dict lookup.
    _matched: dict[str, tuple[tuple[str, int], Mapping[str, str]]] = field(
        default_factory=dict, repr=False, compare=False
    )

    @cached_property
    def adapter(self) -> MapAdapter:
        """One adapter for every request: matching only reads it, and binding the map to each
        request's environ costs more than the match itself."""
        return self.url_map.bind("phemu.invalid")

    def match(self, path: str) -> tuple[tuple[str, int], Mapping[str, str]]:
        """``((endpoint, prefix index), path values)`` of ``path`` (any method: routes take
        every method and answer 405 themselves); werkzeug's ``HTTPException`` when none."""
        found = self._matched.get(path)
        if found is None:
            found = self.adapter.match(path_info=path, method="GET", return_rule=False)
            if len(self._matched) >= _MATCH_CACHE:
                self._matched.clear()
            self._matched[path] = found
        return found

    def known_paths(self) -> list[str]:
        return [pattern for route in self.routes.values() for pattern in route.patterns()]

    def matches(self, path: str) -> bool:
        """Whether ``path`` is one of the emulated routes (any method)."""
        try:
            self.adapter.match(path, method="GET")
        except MethodNotAllowed:
            return True
        except HTTPException:
            return False
        return True

    def near_misses(self, path: str, limit: int = 3) -> list[str]:
        """The known route patterns closest to an unmatched path, for the journal."""
        return difflib.get_close_matches(path, self.known_paths(), n=limit, cutoff=0.5)


def build_table(routes: Iterable[Route]) -> RouteTable:
    return _build_table(tuple(routes))


@lru_cache(maxsize=32)
def _build_table(routes: tuple[Route, ...]) -> RouteTable:
    # Routes are immutable and compared by identity, so caching the compiled map is safe and
    # keeps creating an Emulator cheap.
    by_endpoint: dict[str, Route] = {}
    rules: list[Rule] = []
    for route in routes:
        if route.endpoint in by_endpoint:
            raise ValueError(f"duplicate route endpoint {route.endpoint!r}")
        by_endpoint[route.endpoint] = route
        for index, pattern in enumerate(route.patterns()):
            rules.append(
                MatchOnlyRule(pattern, endpoint=(route.endpoint, index), strict_slashes=False)
            )
    url_map = Map(rules, strict_slashes=False, merge_slashes=False, redirect_defaults=False)
    return RouteTable(url_map=url_map, routes=by_endpoint)
