"""phemu's hook specifications (pluggy), all prefixed ``phemu_``.

Plugins implement these with ``@phemu.hookimpl``. A module or object registering an
implementation whose name starts with ``phemu_`` but matches no spec is refused at load time
(``PluginManager.check_pending``), so a misspelt hook never fails silently.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

import pluggy

if TYPE_CHECKING:
    from werkzeug.wrappers import Request
    from werkzeug.wrappers import Response

    from phemu.context import RequestContext
    from phemu.emulator import Emulator
    from phemu.routing import Route

hookspec = pluggy.HookspecMarker("phemu")


@hookspec
def phemu_routes(profile: str) -> list[Route]:  # type: ignore[empty-body]
    """Add endpoints to the router.

    Called once when an emulator is created. Return :class:`phemu.routing.Route` objects; each
    carries its handlers and scope object, so the platform checks (auth, restrictions, scopes,
    throttling) apply to plugin routes exactly as to built-in ones.
    """


@hookspec
def phemu_seed(emulator: Emulator) -> list[dict[str, Any]] | dict[str, Any] | None:
    """Add data when a store is created or reset.

    Return a seed document (or a list of them); they are loaded after the emulator's own seeds,
    with the same validation (a bad document is rejected whole).
    """


@hookspec(firstresult=True)
def phemu_before_request(emulator: Emulator, request: Request) -> Response | None:
    """Answer a request instead of the emulator.

    Called for every request before routing. The first non-``None`` response wins and is
    returned as is (fault injection, rate limits, canned answers); it is still journaled.
    """


@hookspec
def phemu_after_response(emulator: Emulator, request: Request, response: Response) -> None:
    """Observe or modify a response just before it is returned (headers, body, status)."""


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
    """Observe a delivery written to the outbox (``value_change`` or ``scheduled``)."""
