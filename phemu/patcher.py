"""``phemu.mock()``: route ``requests`` (optionally httpx) calls for PostHog hosts into an emulator.

A :class:`PostHogMock` is an instance, never a module singleton. It works as a context manager,
a decorator (sync or async functions) and through :meth:`~PostHogMock.start` /
:meth:`~PostHogMock.stop`, and nests safely (only the outermost stop uninstalls).

For ``requests``, every active mock shares one private ``responses.RequestsMock``
(:data:`REQUESTS_PATCH`, installed when the first mock starts and removed when the last one
stops, in any order) whose single registered response hands each request for a routed host to
the newest mock routing it, whose emulator's WSGI app answers (:func:`phemu.front_doors.call_app`).
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
from urllib.parse import parse_qsl
from urllib.parse import urlsplit

from phemu.errors import DroppedConnection
from phemu.front_doors import Answer
from phemu.front_doors import HostRouter
from phemu.front_doors import Passthrough
from phemu.front_doors import SharedPatch
from phemu.front_doors import call_app
from phemu.front_doors import resolve_emulator

if TYPE_CHECKING:
    from phemu.emulator import Emulator
    from phemu.journal import JournalEntry

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
                    REQUESTS_PATCH.acquire(self)
                if self.patch_httpx:
                    from phemu.patcher_httpx import HTTPX_PATCH

                    HTTPX_PATCH.acquire(self)
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
            if self.patch_httpx:
                from phemu.patcher_httpx import HTTPX_PATCH

                HTTPX_PATCH.release(self)
            if self.patch_requests:
                REQUESTS_PATCH.release(self)

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
    ) -> Answer:
        """Answer one request through the emulator (every door of this mock ends here)."""
        return call_app(self.emulator, method, url, headers, body)


def mock(emulator: Emulator | None = None, **kwargs: Any) -> PostHogMock:
    """Route ``requests`` calls for PostHog hosts into ``emulator`` (or a new one).

    ``phemu.mock(base_url="http://posthog.internal:8000", profile="cloud")`` creates an emulator
    with ``profile="cloud"``; ``phemu.mock(emulator, httpx=True)`` routes requests and httpx into
    an existing one. See :class:`PostHogMock` for the keywords.
    """
    return PostHogMock(emulator, **kwargs)


def _requests_send_is_real(send: Any) -> bool:
    """Whether ``HTTPAdapter.send`` is requests' own (the network) rather than another mock's."""
    return (
        getattr(send, "__module__", None) == "requests.adapters"
        and getattr(send, "__qualname__", None) == "HTTPAdapter.send"
    )


def _install_requests_patch(shared: SharedPatch) -> Callable[[], None]:
    """Route ``requests`` through one private ``responses.RequestsMock`` for every active mock.

    Public ``responses`` API throughout (``RequestsMock(real_adapter_send=...)``, ``add``,
    ``start``/``stop``, ``registered``, ``unbound_on_send``) except one hook: a user's mock
    started *after* phemu hands the PostHog URLs it has no registration for to phemu by
    wrapping ``RequestsMock._on_request``, for which responses has no public equivalent.
    """
    import requests.adapters
    import responses

    previous = requests.adapters.HTTPAdapter.send
    network = _requests_send_is_real(previous)

    def delegate(adapter: Any, request: Any, **kwargs: Any) -> Any:
        # URLs phemu does not route: an inner user mock decides; the network only if allowed.
        url = str(request.url)
        if network and not shared.may_pass(url):
            raise requests.ConnectionError(shared.refusal(request.method, url), request=request)
        try:
            return previous(adapter, request, **kwargs)
        except requests.ConnectionError as error:
            if network:
                raise
            note = f"\n(phemu routes only: {', '.join(shared.base_urls())})"
            raise requests.ConnectionError(f"{error}{note}", request=request) from error

    private = responses.RequestsMock(
        assert_all_requests_are_fired=False,
        passthru_prefixes=cast(Any, (_ANYTHING,)),
        real_adapter_send=cast(Any, delegate),
    )
    answering = _emulator_response_class(responses.BaseResponse)(shared, private.calls)
    private.add(answering)
    private.start()
    installed = requests.adapters.HTTPAdapter.send
    private_send = private.unbound_on_send()
    original_on_request = responses.RequestsMock.__dict__["_on_request"]

    def _on_request(mock_self: Any, adapter: Any, request: Any, **kwargs: Any) -> Any:
        if (
            mock_self is not private
            and shared.door_for(str(request.url)) is not None
            and not _has_registration(mock_self, request, kwargs)
        ):
            return private_send(adapter, request, **kwargs)
        return original_on_request(mock_self, adapter, request, **kwargs)

    setattr(responses.RequestsMock, "_on_request", _on_request)  # noqa: B010

    def restore() -> None:
        if responses.RequestsMock.__dict__.get("_on_request") is _on_request:
            setattr(responses.RequestsMock, "_on_request", original_on_request)  # noqa: B010
        if requests.adapters.HTTPAdapter.send is installed:
            private.stop(allow_assert=False)
        # Otherwise a user's mock started later still patches on top of ours. Restoring now
        # would undo theirs (unittest.mock patches nest last-in, first-out); ours stays under
        # it, inert with no phemu mock active, and theirs puts it back when it stops.

    return restore


#: The one ``requests`` patch of the process, shared by every active :class:`PostHogMock`.
REQUESTS_PATCH = SharedPatch(_install_requests_patch)


def _request_params(url: str) -> dict[str, Any]:
    """The query as ``responses`` hands it to matchers: one value, or a list when repeated."""
    params: dict[str, Any] = {}
    for key, value in parse_qsl(urlsplit(url).query, keep_blank_values=True):
        if key in params:
            known = params[key]
            params[key] = [*known, value] if isinstance(known, list) else [known, value]
        else:
            params[key] = value
    return params


def _has_registration(user_mock: Any, request: Any, kwargs: dict[str, Any]) -> bool:
    """Whether the user's mock has a response registered for this request (theirs wins)."""
    try:
        # responses sets these before matching; matchers read them.
        request.params = _request_params(request.path_url)
        request.req_kwargs = kwargs
        return any(match.matches(request)[0] for match in user_mock.registered())
    except Exception:  # an exotic matcher: let the user's mock decide as it would alone
        return True


def _urllib3_response(
    status: int, headers: list[tuple[str, str]], body: bytes, method: str | None
) -> Any:
    """The ``urllib3`` response ``requests`` builds its ``Response`` from.

    ``original_response.msg`` carries the headers, which is where requests reads cookies.
    """
    from http.client import responses as reasons

    from urllib3.response import HTTPResponse

    try:
        from urllib3 import HTTPHeaderDict
    except ImportError:  # urllib3 1.x
        from urllib3.response import HTTPHeaderDict  # type: ignore[attr-defined]

    header_dict = HTTPHeaderDict(headers)
    drained = BytesIO()
    drained.close()
    # msg: urllib3 expects an http.client.HTTPMessage; requests only calls its get_all().
    original = HTTPResponse(body=drained, msg=cast(Any, header_dict), preload_content=False)
    return HTTPResponse(
        status=status,
        reason=reasons.get(status),
        body=BytesIO(body),
        headers=header_dict,
        original_response=cast(Any, original),
        preload_content=False,
        request_method=method,
    )


@functools.lru_cache(maxsize=4)
def _emulator_response_class(base: type[Any]) -> type[Any]:
    """A ``responses`` response that matches any method on a routed host (built lazily).

    Keyed by ``responses.BaseResponse``: a process that imports ``responses`` afresh (pytester's
    in-process runs drop modules) gets a class ``responses`` recognises as its own.
    """

    class EmulatorResponse(base):  # type: ignore[misc]
        def __init__(self, shared: SharedPatch, log: Any) -> None:
            super().__init__("GET", _ANYTHING)
            self.shared = shared
            #: the private mock's call list (``RequestsMock.calls``)
            self.log = log

        def matches(self, request: Any) -> tuple[bool, str]:
            if self.shared.door_for(str(request.url)) is not None:
                return True, ""
            return False, "not a host routed to phemu"

        def get_response(self, request: Any) -> Any:
            # responses records every call, request and response with its body, in the mock's
            # and in the matched response's call list; nobody reads the private mock's, so they
            # keep only the latest call instead of every call since the first mock started.
            self.calls.reset()
            self.log.reset()
            url = str(request.url)
            door = self.shared.door_for(url)
            if door is None:  # the last mock stopped between matching and answering
                import requests

                raise requests.ConnectionError(self.shared.refusal(request.method, url))
            body = request.body
            if body is None:
                body = b""
            elif isinstance(body, str):
                body = body.encode("utf-8")
            try:
                status, headers, content = door.respond(
                    request.method, url, request.headers.items(), body
                )
            except DroppedConnection as error:
                import requests  # the module of this moment: a test may have imported it afresh

                # What requests raises when a server closes the socket without answering.
                raise requests.ConnectionError(str(error), request=request) from error
            return _urllib3_response(status, headers, content, request.method)

    return EmulatorResponse
