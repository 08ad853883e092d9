"""phemu's hook specifications (pluggy), all prefixed ``phemu_``.

Plugins implement these as module-level functions or methods named exactly like the spec,
optionally decorated with ``@phemu.hookimpl`` (needed only for ``tryfirst``/``trylast``/
``wrapper``). An implementation may accept any subset of the spec's arguments. Any callable
named ``phemu_*`` that matches no spec, or takes an argument its spec lacks, is refused when the
emulator is built (:class:`~phemu.errors.ConfigurationError`), so a misspelt hook never fails
silently.

Hooks run in the thread of the request or call that triggers them; plugins keep their state on
the emulator (``emulator.extensions``), never in module globals, because one process may run
many emulators at once. ``plugins/README.md`` is the authoring guide.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Sequence
from typing import TYPE_CHECKING
from typing import Any

import pluggy

if TYPE_CHECKING:
    from werkzeug.wrappers import Request
    from werkzeug.wrappers import Response

    from phemu.context import RequestContext
    from phemu.emulator import Emulator
    from phemu.routing import Route
    from phemu.seed import SeedSection

hookspec = pluggy.HookspecMarker("phemu")

#: A control-plane handler: ``handler(emulator, request, **path_values) -> Response``.
ControlHandler = Callable[..., "Response"]
#: ``(werkzeug rule path under /_phemu/, methods, handler)``.
ControlRoute = tuple[str, Sequence[str], ControlHandler]


@hookspec
def phemu_configure(emulator: Emulator, options: dict[str, Any]) -> None:
    """Set up a plugin's per-emulator state and take its constructor options.

    Called once per emulator, after its store, clock, outbox and journal exist and before the
    initial seed is loaded. ``options`` holds the :class:`~phemu.emulator.Emulator` keyword
    arguments the core does not take (``faults=[...]`` for the shipped faults plugin,
    ``channel_lookups={...}`` for the sessions resource, or whatever a pytest marker passed);
    an implementation **pops** the keys it owns. Keys nobody popped are a
    :class:`~phemu.errors.ConfigurationError`, so a typo or a disabled plugin is reported
    instead of ignored. Keep state in ``emulator.extensions[<plugin name>]`` (tests reach it
    as ``emulator.<plugin name>`` unless a resource has that name).
    """


@hookspec
def phemu_reset(emulator: Emulator) -> None:
    """Return per-emulator plugin state to its configured starting point.

    Called by :meth:`Emulator.reset` (and ``POST /_phemu/reset``) after the store, outbox,
    journal and clock were reset and before :func:`phemu_seed` runs again. A session-wide
    server is reset before every test, so state added at run time must not survive this.
    """


@hookspec
def phemu_routes(profile: str) -> list[Route]:  # type: ignore[empty-body]
    """Add PostHog-style endpoints to the router.

    Called once when an emulator is created, with its profile (``docs`` or ``cloud``). Return
    :class:`phemu.extend.Route` objects; each carries its handlers, its ``scope_object`` and
    its throttle family, so every platform check (authentication, key restrictions, scope,
    membership, throttling, error JSON, journaling) applies to plugin routes exactly as to
    built-in ones. Endpoint names must be unique across all routes; prefix them with the plugin
    name. Return the same ``Route`` instances every time (module constants) so the compiled URL
    map is shared between emulators.
    """


@hookspec
def phemu_control_routes() -> list[ControlRoute]:  # type: ignore[empty-body]
    """Add endpoints to the control plane (``/_phemu/...``: no auth, never journaled).

    Return ``(path, methods, handler)`` triples; ``path`` is a werkzeug rule starting with
    ``/_phemu/`` (``/_phemu/faults/<int:rule_id>``) and ``handler(emulator, request,
    **path_values)`` returns a werkzeug ``Response``. Raising
    :class:`phemu.extend.ControlError` answers 400 ``{"error": message}``.
    """


@hookspec
def phemu_seed_sections() -> list[SeedSection]:  # type: ignore[empty-body]
    """Add top-level keys to the seed-document format, for data kept by plugin routes.

    Called once when an emulator is created. Return :class:`phemu.extend.SeedSection` objects
    (``key``, ``load(emulator, records)``, ``export(emulator)``); they load after the platform
    and resource sections, take part in ``export_state``/``import_state`` and the server's
    saved state, and are rolled back with everything else when a document is rejected. Keep
    the data in ``emulator.store.state(YourState)`` so a reset empties it, and read records
    with :func:`phemu.extend.iter_records` so errors name them as phemu's own sections do.
    """


@hookspec
def phemu_seed(emulator: Emulator) -> list[dict[str, Any]] | dict[str, Any] | None:
    """Add data when a store is created or reset.

    Called on creation and on every reset, after the emulator's own seed documents are loaded
    (so an implementation can look at ``emulator.store``, e.g. to add data to every project).
    Return a seed document (or a list of them) or ``None``; all plugin documents load together,
    all or nothing, with the same validation (a bad record raises a
    :class:`~phemu.errors.SeedError` naming it).
    """


@hookspec(firstresult=True)
def phemu_before_request(emulator: Emulator, request: Request) -> Response | None:
    """Answer a PostHog API request instead of the emulator.

    Called for every request outside ``/_phemu/`` before the scheduler tick, routing and
    authentication. The first non-``None`` response wins (later implementations are not
    called) and is returned as is: fault injection and canned answers live here. It still goes
    through :func:`phemu_after_response` and the journal. Raising
    :class:`phemu.errors.DroppedConnection` makes the front door fail the way a dropped
    connection does (the client library's connection error; a closed socket in the server).
    """


@hookspec
def phemu_after_response(emulator: Emulator, request: Request, response: Response) -> None:
    """Observe or modify a response just before it is journaled and returned.

    Called for every PostHog API request (not for ``/_phemu/``), whoever answered it. Mutate
    ``response`` in place (headers, status, ``set_data``); the return value is ignored.
    """


@hookspec(firstresult=True)
def phemu_ai_filters(ctx: RequestContext, messages: list[dict[str, str]]) -> Any:
    """Answer one ``session_recordings/ai/filters`` request.

    Return an output dict, a JSON string, an :class:`phemu.ai.AIError`, or ``None`` to let the
    next implementation answer. Whatever is returned is validated against the strict schema.
    """


@hookspec(firstresult=True)
def phemu_ai_regex(ctx: RequestContext, description: str, engine: str) -> Any:
    """Answer one ``session_recordings/ai/regex`` request (``engine`` is ``re2`` or ``javascript``).

    Same return contract as :func:`phemu_ai_filters`.
    """


@hookspec
def phemu_subscription_delivery(emulator: Emulator, entry: dict[str, Any]) -> None:
    """Observe a delivery just written to the outbox (``value_change`` or ``scheduled``).

    ``entry`` is the outbox record (with its ``id``); treat it as read-only. Called
    synchronously by the scheduler, possibly while the store lock is held: forward it somewhere
    (a real SMTP or webhook sink in a demo) or queue it, but do not call back into the
    emulator's HTTP API from here.
    """
