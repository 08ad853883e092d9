"""httpx doors: transports to hand a client, and a patcher for clients created anywhere.

* :func:`httpx_transport` / :func:`async_httpx_transport` answer every request sent through
  them from the emulator (``httpx.Client(transport=phemu.httpx_transport(emulator))``).
* :func:`mock_httpx` (or ``phemu.mock(..., httpx=True)``) patches
  ``httpx.HTTPTransport.handle_request`` and ``httpx.AsyncHTTPTransport.handle_async_request``
  so clients built inside third-party libraries are routed too, by host, with the same
  passthrough and unknown-host rules as the ``requests`` patcher.

This module imports httpx; phemu imports this module only when one of these is used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

import httpx

from phemu.front_doors import HostRouter
from phemu.front_doors import call_app
from phemu.front_doors import resolve_emulator

if TYPE_CHECKING:
    from phemu.emulator import Emulator
    from phemu.patcher import PostHogMock


def _answer(emulator: Emulator, request: httpx.Request, body: bytes) -> httpx.Response:
    status, headers, content = call_app(
        emulator, request.method, str(request.url), request.headers.multi_items(), body
    )
    return httpx.Response(status, headers=headers, content=content, request=request)


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


class HttpxPatch:
    """Patches httpx's default transports while installed (used by :class:`PostHogMock`)."""

    def __init__(self, router: HostRouter, emulator: Emulator) -> None:
        self.router = router
        self.emulator = emulator
        self._saved: tuple[Any, Any] | None = None

    def install(self) -> None:
        sync_original = httpx.HTTPTransport.handle_request
        async_original = httpx.AsyncHTTPTransport.handle_async_request
        router, emulator = self.router, self.emulator

        def handle_request(
            transport: httpx.HTTPTransport, request: httpx.Request
        ) -> httpx.Response:
            url = str(request.url)
            if router.routes(url):
                return _answer(emulator, request, request.read())
            if router.may_pass(url):
                return sync_original(transport, request)
            raise httpx.ConnectError(router.refusal(request.method, url), request=request)

        async def handle_async_request(
            transport: httpx.AsyncHTTPTransport, request: httpx.Request
        ) -> httpx.Response:
            url = str(request.url)
            if router.routes(url):
                return _answer(emulator, request, await request.aread())
            if router.may_pass(url):
                return await async_original(transport, request)
            raise httpx.ConnectError(router.refusal(request.method, url), request=request)

        self._saved = (sync_original, async_original)
        setattr(httpx.HTTPTransport, "handle_request", handle_request)  # noqa: B010
        setattr(httpx.AsyncHTTPTransport, "handle_async_request", handle_async_request)  # noqa: B010

    def uninstall(self) -> None:
        if self._saved is not None:
            sync_original, async_original = self._saved
            setattr(httpx.HTTPTransport, "handle_request", sync_original)  # noqa: B010
            setattr(httpx.AsyncHTTPTransport, "handle_async_request", async_original)  # noqa: B010
            self._saved = None


__all__ = [
    "AsyncEmulatorTransport",
    "EmulatorTransport",
    "HttpxPatch",
    "async_httpx_transport",
    "httpx_transport",
    "mock_httpx",
]
