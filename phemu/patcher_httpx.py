"""httpx doors: transports to hand a client, and a patcher for clients created anywhere.

* :func:`httpx_transport` / :func:`async_httpx_transport` answer every request sent through
  them from the emulator (``httpx.Client(transport=phemu.httpx_transport(emulator))``).
* :func:`mock_httpx` (or ``phemu.mock(..., httpx=True)``) patches
  ``httpx.HTTPTransport.handle_request`` and ``httpx.AsyncHTTPTransport.handle_async_request``
  so clients built inside third-party libraries are routed too, by host, with the same
  passthrough and unknown-host rules as the ``requests`` patcher. Every active mock shares the
  one patch (:data:`HTTPX_PATCH`), restored when the last of them stops, in any order.

A dropped connection (``phemu.errors.DroppedConnection``) surfaces as
``httpx.RemoteProtocolError``, as when a real server closes the socket without answering.

This module imports httpx; phemu imports this module only when one of these is used.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from collections.abc import Iterable
from typing import TYPE_CHECKING
from typing import Any

try:
    import httpx
except ModuleNotFoundError as missing:  # pragma: no cover - exercised in a throwaway venv
    if missing.name != "httpx":
        raise
    raise ModuleNotFoundError(
        "phemu's httpx doors need httpx, which is an optional extra: pip install 'phemu[httpx]'",
        name="httpx",
    ) from None

from phemu.errors import DroppedConnection
from phemu.front_doors import Answer
from phemu.front_doors import SharedPatch
from phemu.front_doors import call_app
from phemu.front_doors import resolve_emulator

if TYPE_CHECKING:
    from phemu.emulator import Emulator
    from phemu.patcher import PostHogMock

Respond = Callable[[str, str, Iterable[tuple[str, str]], bytes], Answer]


def _respond(respond: Respond, request: httpx.Request, body: bytes) -> httpx.Response:
    try:
        status, headers, content = respond(
            request.method, str(request.url), request.headers.multi_items(), body
        )
    except DroppedConnection as error:
        # What httpx raises when a server closes the socket without answering.
        raise httpx.RemoteProtocolError(
            "Server disconnected without sending a response.", request=request
        ) from error
    return httpx.Response(status, headers=headers, content=content, request=request)


def _answer(emulator: Emulator, request: httpx.Request, body: bytes) -> httpx.Response:
    return _respond(functools.partial(call_app, emulator), request, body)


class EmulatorTransport(httpx.BaseTransport):
    """A sync httpx transport answered by an emulator in-process (any host)."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return _answer(self.emulator, request, request.read())


class AsyncEmulatorTransport(httpx.AsyncBaseTransport):
    """An async httpx transport answered by an emulator in-process (any host).

    :param in_thread: run the WSGI call in a worker thread (``anyio.to_thread``) instead of on
        the event loop. phemu never blocks on I/O, so the default answers inline; use a thread
        when plugins do slow work.
    """

    def __init__(self, emulator: Emulator, *, in_thread: bool = False) -> None:
        self.emulator = emulator
        self.in_thread = in_thread

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        if self.in_thread:
            import anyio.to_thread

            return await anyio.to_thread.run_sync(_answer, self.emulator, request, body)
        return _answer(self.emulator, request, body)


def httpx_transport(emulator: Emulator | None = None, **options: Any) -> EmulatorTransport:
    """A sync transport for ``httpx.Client(transport=...)`` (a new emulator from ``options``
    when none is given; reach it as ``transport.emulator``)."""
    return EmulatorTransport(resolve_emulator(emulator, options))


def async_httpx_transport(
    emulator: Emulator | None = None, *, in_thread: bool = False, **options: Any
) -> AsyncEmulatorTransport:
    """An async transport for ``httpx.AsyncClient(transport=...)``."""
    return AsyncEmulatorTransport(resolve_emulator(emulator, options), in_thread=in_thread)


def mock_httpx(emulator: Emulator | None = None, **kwargs: Any) -> PostHogMock:
    """Route httpx clients created anywhere into ``emulator`` by host (``requests`` untouched).

    Takes the keywords of :class:`phemu.patcher.PostHogMock`.
    """
    from phemu.patcher import PostHogMock

    kwargs.setdefault("requests", False)
    return PostHogMock(emulator, httpx=True, **kwargs)


def _install_httpx_patch(shared: SharedPatch) -> Callable[[], None]:
    """Patch httpx's default transports to answer routed URLs from the newest active mock."""
    sync_original = httpx.HTTPTransport.handle_request
    async_original = httpx.AsyncHTTPTransport.handle_async_request

    def handle_request(transport: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        door = shared.door_for(url)
        if door is not None:
            return _respond(door.respond, request, request.read())
        if shared.may_pass(url):
            return sync_original(transport, request)
        raise httpx.ConnectError(shared.refusal(request.method, url), request=request)

    async def handle_async_request(
        transport: httpx.AsyncHTTPTransport, request: httpx.Request
    ) -> httpx.Response:
        url = str(request.url)
        door = shared.door_for(url)
        if door is not None:
            return _respond(door.respond, request, await request.aread())
        if shared.may_pass(url):
            return await async_original(transport, request)
        raise httpx.ConnectError(shared.refusal(request.method, url), request=request)

    setattr(httpx.HTTPTransport, "handle_request", handle_request)  # noqa: B010
    setattr(httpx.AsyncHTTPTransport, "handle_async_request", handle_async_request)  # noqa: B010

    def restore() -> None:
        # Only our own functions are put back: one patched on top later stays, and keeps
        # calling ours, which passes everything through once no phemu mock is active.
        if httpx.HTTPTransport.__dict__.get("handle_request") is handle_request:
            setattr(httpx.HTTPTransport, "handle_request", sync_original)  # noqa: B010
        if httpx.AsyncHTTPTransport.__dict__.get("handle_async_request") is handle_async_request:
            setattr(httpx.AsyncHTTPTransport, "handle_async_request", async_original)  # noqa: B010

    return restore


#: The one httpx patch of the process, shared by every active mock routing httpx.
HTTPX_PATCH = SharedPatch(_install_httpx_patch)


__all__ = [
    "HTTPX_PATCH",
    "AsyncEmulatorTransport",
    "EmulatorTransport",
    "async_httpx_transport",
    "httpx_transport",
    "mock_httpx",
]
