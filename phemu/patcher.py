"""``phemu.mock()``: route ``requests`` (optionally httpx) calls for PostHog hosts into an emulator.

A :class:`PostHogMock` is an instance, never a module singleton. It works as a context manager,
a decorator (sync or async functions) and through :meth:`~PostHogMock.start` /
:meth:`~PostHogMock.stop`, and nests safely (only the outermost stop uninstalls).

For ``requests`` it owns a private ``responses.RequestsMock`` whose single registered response
hands every request for a routed host to the emulator's WSGI app
(:func:`phemu.front_doors.call_app`).
It coexists with the user's own ``responses`` mocks in either order:

* started *inside* a user's mock, URLs it does not route go to that mock (which answers or
  refuses them itself);
* started *outside* (e.g. the ``posthog_mock`` fixture plus ``@responses.activate`` on the test),
  a request for a routed host that the user's mock has no registration for is handed to phemu
  instead of being refused by the user's mock.

``responses`` and ``requests`` are imported only when the requests door starts; httpx only when
the httpx door starts (``httpx=True`` or :func:`phemu.mock_httpx`).
"""

from __future__ import annotations

import functools
import inspect
import re
import threading
from collections.abc import Callable
from collections.abc import Iterable
from io import BytesIO
from typing import TYPE_CHECKING
from typing import Any
from typing import TypeVar
from typing import cast

from phemu.front_doors import HostRouter
from phemu.front_doors import Passthrough
from phemu.front_doors import call_app
from phemu.front_doors import resolve_emulator

if TYPE_CHECKING:
    from phemu.emulator import Emulator
    from phemu.journal import JournalEntry
    from phemu.patcher_httpx import HttpxPatch

F = TypeVar("F", bound=Callable[..., Any])

_ANYTHING = re.compile(r".*")


class PostHogMock:
    """Routes HTTP clients into one emulator while active.

    :param emulator: the emulator to route into; omit it to create one from ``options``.
    :param base_urls: extra base URLs to route (a self-hosted ``http://posthog.internal:8000``).
    :param base_url: one extra base URL (same as ``base_urls=[base_url]``); it also becomes
        :attr:`base_url`.
    :param default_hosts: route PostHog's Cloud hosts (:data:`phemu.front_doors.DEFAULT_BASE_URLS`).
    :param passthrough: ``True`` lets other URLs reach the network, a list of URL prefixes lets
        only those; by default they fail with an error naming the URL and the routed base URLs.
    :param requests: patch ``requests`` (through ``responses``).
    :param httpx: patch httpx's sync and async transports too.
    :param options: :class:`~phemu.emulator.Emulator` keyword arguments, when no emulator is given.
    """

    def __init__(
        self,
        emulator: Emulator | None = None,
        *,
        base_urls: Iterable[str] = (),
        base_url: str | None = None,
        default_hosts: bool = True,
        passthrough: Passthrough = False,
        requests: bool = True,
        httpx: bool = False,
        **options: Any,
    ) -> None:
        self.emulator = resolve_emulator(emulator, options)
        named = ([base_url] if base_url else []) + list(base_urls)
        self.router = HostRouter(named, default_hosts=default_hosts, passthrough=passthrough)
        self.patch_requests = requests
        self.patch_httpx = httpx
        self._lock = threading.RLock()
        self._depth = 0
        self._requests_door: _RequestsDoor | None = None
        self._httpx_door: HttpxPatch | None = None

    # -- what tests use -------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        """The first routed base URL (the one named by the user, else ``https://us.posthog.com``)."""
        return self.router.base_urls[0]

    @property
    def base_urls(self) -> tuple[str, ...]:
        return self.router.base_urls

    @property
    def api_key(self) -> str | None:
        """The seeded default personal API key."""
        return self.emulator.default_api_key

    @property
    def auth_headers(self) -> dict[str, str]:
        return self.emulator.auth_headers

    def url(self, path: str) -> str:
        """``base_url`` joined with an API path (``ph.url("/api/projects/")``)."""
        return self.base_url + "/" + path.lstrip("/")

    def requests(
        self, method: str | None = None, path: str | None = None, status: int | None = None
    ) -> list[JournalEntry]:
        """The emulator's journal, filtered (see :meth:`phemu.emulator.Emulator.requests`)."""
        return self.emulator.requests(method=method, path=path, status=status)

    def assert_called(self, method: str, path: str, times: int | None = None) -> None:
        self.emulator.assert_called(method, path, times=times)

    def assert_request_made(self, method: str, path: str, count: int | None = None) -> None:
        """Alias of :meth:`assert_called` (``count`` is ``times``)."""
        self.emulator.assert_called(method, path, times=count)

    def reset(self) -> None:
        self.emulator.reset()

    @property
    def active(self) -> bool:
        return self._depth > 0

    # -- lifecycle ------------------------------------------------------------------------------
    def start(self) -> PostHogMock:
        """Install the patches (nested starts only count; the outermost stop uninstalls)."""
        with self._lock:
            self._depth += 1
            if self._depth > 1:
                return self
            try:
                if self.patch_requests:
                    self._requests_door = _RequestsDoor(self.router, self.respond)
                    self._requests_door.install()
                if self.patch_httpx:
                    from phemu.patcher_httpx import HttpxPatch

                    self._httpx_door = HttpxPatch(self.router, self.emulator)
                    self._httpx_door.install()
            except BaseException:
                self._depth = 1
                self.stop()
                raise
        return self

    def stop(self) -> None:
        with self._lock:
            if self._depth == 0:
                return
            self._depth -= 1
            if self._depth > 0:
                return
            if self._httpx_door is not None:
                self._httpx_door.uninstall()
                self._httpx_door = None
            if self._requests_door is not None:
                self._requests_door.uninstall()
                self._requests_door = None

    def __enter__(self) -> PostHogMock:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __call__(self, func: F) -> F:
        """Use as a decorator on a sync or async function."""
        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                with self:
                    return await func(*args, **kwargs)

            return cast(F, async_wrapper)

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self:
                return func(*args, **kwargs)

        return cast(F, wrapper)

    # -- the bridge -----------------------------------------------------------------------------
    def respond(
        self, method: str, url: str, headers: Iterable[tuple[str, str]], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        """Answer one request through the emulator (every door of this mock ends here)."""
        return call_app(self.emulator, method, url, headers, body)


def mock(emulator: Emulator | None = None, **kwargs: Any) -> PostHogMock:
    """Route ``requests`` calls for PostHog hosts into ``emulator`` (or a new one).

    ``phemu.mock(base_url="http://posthog.internal:8000", profile="cloud")`` creates an emulator
    with ``profile="cloud"``; ``phemu.mock(emulator, httpx=True)`` routes requests and httpx into
    an existing one. See :class:`PostHogMock` for the keywords.
    """
    return PostHogMock(emulator, **kwargs)


Respond = Callable[
    [str, str, Iterable[tuple[str, str]], bytes], tuple[int, list[tuple[str, str]], bytes]
]


class _RequestsDoor:
    """The ``responses`` side of a :class:`PostHogMock`."""

    def __init__(self, router: HostRouter, respond: Respond) -> None:
        self.router = router
        self.respond = respond
        self._mock: Any = None
        self._original_on_request: Any = None

    def install(self) -> None:
        import requests.adapters
        import responses

        previous = requests.adapters.HTTPAdapter.send
        network = previous is getattr(responses, "_real_send", None)
        router = self.router

        def delegate(adapter: Any, request: Any, **kwargs: Any) -> Any:
            # URLs phemu does not route: an inner user mock decides; the network only if allowed.
            url = str(request.url)
            if network and not router.may_pass(url):
                raise requests.ConnectionError(router.refusal(request.method, url), request=request)
            try:
                return previous(adapter, request, **kwargs)
            except requests.ConnectionError as error:
                if network:
                    raise
                note = f"\n(phemu routes only: {', '.join(router.base_urls)})"
                raise requests.ConnectionError(f"{error}{note}", request=request) from error

        private = responses.RequestsMock(
            assert_all_requests_are_fired=False,
            passthru_prefixes=cast(Any, (_ANYTHING,)),
            real_adapter_send=cast(Any, delegate),
        )
        private.add(_emulator_response_class()(router, self._callback))
        self._mock = private
        private.start()
        self._wrap_other_mocks(responses, private)

    def _callback(self, request: Any) -> tuple[int, list[tuple[str, str]], bytes]:
        body = request.body
        if body is None:
            body = b""
        elif isinstance(body, str):
            body = body.encode("utf-8")
        return self.respond(request.method, str(request.url), request.headers.items(), body)

    def _wrap_other_mocks(self, responses: Any, private: Any) -> None:
        """Let a user's ``RequestsMock`` started later hand unregistered PostHog URLs to phemu."""
        original = responses.RequestsMock._on_request
        router = self.router

        def _on_request(mock_self: Any, adapter: Any, request: Any, **kwargs: Any) -> Any:
            if (
                mock_self is not private
                and router.routes(str(request.url))
                and not _has_registration(mock_self, request, kwargs)
            ):
                return private._on_request(adapter, request, **kwargs)
            return original(mock_self, adapter, request, **kwargs)

        self._original_on_request = original
        setattr(responses.RequestsMock, "_on_request", _on_request)  # noqa: B010

    def uninstall(self) -> None:
        import responses

        if self._original_on_request is not None:
            setattr(responses.RequestsMock, "_on_request", self._original_on_request)  # noqa: B010
            self._original_on_request = None
        if self._mock is not None:
            self._mock.stop(allow_assert=False)
            self._mock = None


def _has_registration(user_mock: Any, request: Any, kwargs: dict[str, Any]) -> bool:
    """Whether the user's mock has a response registered for this request (theirs wins)."""
    try:
        # responses sets these before matching; matchers read them.
        request.params = user_mock._parse_request_params(request.path_url)
        request.req_kwargs = kwargs
        return any(match.matches(request)[0] for match in user_mock.registered())
    except Exception:  # an exotic matcher: let the user's mock decide as it would alone
        return True


@functools.lru_cache(maxsize=1)
def _emulator_response_class() -> type[Any]:
    """A ``responses`` response that matches any method on a routed host (built lazily)."""
    import responses
    from responses import _form_response as form_response
    from urllib3 import HTTPHeaderDict

    class EmulatorResponse(responses.CallbackResponse):
        def __init__(self, router: HostRouter, callback: Callable[[Any], Any]) -> None:
            super().__init__("GET", _ANYTHING, callback, content_type=None)
            self.router = router

        def matches(self, request: Any) -> tuple[bool, str]:
            if self.router.routes(str(request.url)):
                return True, ""
            return False, "not a host routed to phemu"

        def get_response(self, request: Any) -> Any:
            # CallbackResponse's version merges default headers into a fresh header dict first;
            # the emulator's answer is complete, and this is every request's hot path.
            status, headers, body = self.callback(request)
            return form_response(BytesIO(body), HTTPHeaderDict(headers), status, request.method)

    return EmulatorResponse
