"""What every front door shares: which URLs go to the emulator, and one in-process WSGI call.

The ``responses`` patcher, the httpx transports and the httpx patcher all turn a client's
request into :func:`call_app` on the emulator's one WSGI app, so a scenario answers the same
whichever door a test uses. :class:`HostRouter` holds the routing rules the patchers share:
PostHog's hosts (plus any base URL the user names) go in; other hosts reach the network only if
the user allowed it; otherwise the request fails with an error naming the URL and the routed
base URLs.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from io import BytesIO
from typing import TYPE_CHECKING
from typing import Any
from typing import Protocol
from urllib.parse import unquote_to_bytes
from urllib.parse import urlsplit

from phemu.errors import ConfigurationError

if TYPE_CHECKING:
    from phemu.emulator import Emulator

#: The hosts PostHog's clients talk to by default (US and EU Cloud, the legacy app host, and the
#: US and EU ingestion hosts PostHog's SDKs send capture, ``/flags`` and definitions to).
DEFAULT_BASE_URLS = (
    "https://us.posthog.com",
    "https://eu.posthog.com",
    "https://app.posthog.com",
    "https://us.i.posthog.com",
    "https://eu.i.posthog.com",
)

_DEFAULT_PORTS = {"http": 80, "https": 443}
#: What may follow the origin part of a URL (``""``: the URL ends there).
_AFTER_ORIGIN = frozenset({"", "/", "?", "#"})

Passthrough = bool | Sequence[str]


def origin(url: str) -> tuple[str, str, int]:
    """``(scheme, host, port)`` of a URL, lower-cased, with the scheme's default port filled in.

    :raises ConfigurationError: for a URL without ``http``/``https`` scheme or host.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise ConfigurationError(
            f"not a base URL: {url!r} (expected http(s)://host[:port], e.g. http://posthog.internal:8000)"
        )
    return scheme, parts.hostname.lower(), parts.port or _DEFAULT_PORTS[scheme]


def base_of(url: str) -> str:
    """``scheme://host[:port]`` of a URL, with a default port left out."""
    scheme, host, port = origin(url)
    return f"{scheme}://{host}" if port == _DEFAULT_PORTS[scheme] else f"{scheme}://{host}:{port}"


class HostRouter:
    """The routing rules of one patcher.

    :param base_urls: extra base URLs to route into the emulator (self-hosted PostHog).
    :param default_hosts: also route :data:`DEFAULT_BASE_URLS`.
    :param passthrough: ``True`` lets every other URL reach the network; a list of URL
        prefixes lets only those; ``False`` (default) makes other URLs fail loudly.
    """

    def __init__(
        self,
        base_urls: Iterable[str] = (),
        *,
        default_hosts: bool = True,
        passthrough: Passthrough = False,
    ) -> None:
        named = [base_of(url) for url in base_urls]
        ordered = named + (list(DEFAULT_BASE_URLS) if default_hosts else [])
        self.base_urls: tuple[str, ...] = tuple(dict.fromkeys(ordered))
        if not self.base_urls:
            raise ConfigurationError("a phemu patcher needs at least one base URL to route")
        self._origins = frozenset(origin(url) for url in self.base_urls)
        if isinstance(passthrough, str):
            passthrough = [passthrough]
        self.passthrough: bool | tuple[str, ...] = (
            passthrough if isinstance(passthrough, bool) else tuple(passthrough)
        )

    def routes(self, url: str) -> bool:
        """Whether ``url`` belongs to a routed base URL (scheme, host and port all match)."""
        for base in self.base_urls:
            # A URL spelled as the base URL is (lower case, no default port) needs no parsing.
            if url.startswith(base) and url[len(base) : len(base) + 1] in _AFTER_ORIGIN:
                return True
        try:
            return origin(url) in self._origins
        except ConfigurationError:
            return False

    def may_pass(self, url: str) -> bool:
        """Whether a URL that is not routed may reach the network."""
        if isinstance(self.passthrough, bool):
            return self.passthrough
        return any(url.startswith(prefix) for prefix in self.passthrough)

    def refusal(self, method: str, url: str) -> str:
        """The message of the error raised for a URL that is neither routed nor allowed out."""
        allowed = ""
        if isinstance(self.passthrough, tuple) and self.passthrough:
            allowed = f"\nPassthrough is limited to: {', '.join(self.passthrough)}"
        return (
            f"phemu: {method.upper()} {url} is not routed to the emulator and may not reach the "
            f"network.\nRouted base URLs: {', '.join(self.base_urls)}{allowed}\n"
            "Name the host with base_urls=[...] to route it into phemu, or pass "
            "passthrough=True (or a list of URL prefixes) to let it through."
        )


Answer = tuple[int, list[tuple[str, str]], bytes]


class Door(Protocol):
    """What a shared patch needs of one active mock: its routing rules and its answer."""

    @property
    def router(self) -> HostRouter: ...

    def respond(
        self, method: str, url: str, headers: Iterable[tuple[str, str]], body: bytes
    ) -> Answer: ...


class SharedPatch:
    """One patch of a client library, shared by every mock that routes that library.

    A patch replaces a class attribute (``HTTPAdapter.send``, httpx's transports), which is
    process state by nature, so each patched library has one of these at module level; what it
    routes to stays per mock. ``install`` runs when the first mock starts and returns the
    function that undoes it, called when the last mock stops, in whatever order mocks stop.
    The newest active mock that routes a URL answers it; a URL none routes reaches the network
    only if every active mock allows it.
    """

    def __init__(self, install: Callable[[SharedPatch], Callable[[], None]]) -> None:
        self._install = install
        self._lock = threading.Lock()
        self._doors: tuple[Door, ...] = ()  # oldest first; replaced whole, so reads need no lock
        self._restore: Callable[[], None] | None = None

    def acquire(self, door: Door) -> None:
        with self._lock:
            if not self._doors:
                self._restore = self._install(self)
            self._doors = (*self._doors, door)

    def release(self, door: Door) -> None:
        with self._lock:
            remaining = tuple(d for d in self._doors if d is not door)
            if len(remaining) == len(self._doors):
                return
            self._doors = remaining
            if not remaining and self._restore is not None:
                restore, self._restore = self._restore, None
                restore()

    @property
    def installed(self) -> bool:
        return bool(self._doors)

    def door_for(self, url: str) -> Door | None:
        """The newest active mock routing ``url``, or ``None``."""
        for door in reversed(self._doors):
            if door.router.routes(url):
                return door
        return None

    def may_pass(self, url: str) -> bool:
        """Whether a URL no mock routes may reach the network (every active mock must agree;
        with none active the patch is inert and everything passes)."""
        return all(door.router.may_pass(url) for door in self._doors)

    def base_urls(self) -> tuple[str, ...]:
        """The base URLs routed by the active mocks, newest mock first."""
        return tuple(dict.fromkeys(u for d in reversed(self._doors) for u in d.router.base_urls))

    def refusal(self, method: str, url: str) -> str:
        """The error message for a URL that is neither routed nor allowed out."""
        doors = self._doors
        passthrough = doors[-1].router.passthrough if doors else False
        combined = HostRouter(self.base_urls(), default_hosts=not doors, passthrough=passthrough)
        return combined.refusal(method, url)


def resolve_emulator(emulator: Emulator | None, options: Mapping[str, Any]) -> Emulator:
    """The emulator a door wraps: the one given, else a new one built from ``options``."""
    if emulator is not None:
        if options:
            raise ConfigurationError(
                "pass either an Emulator or Emulator options, not both "
                f"(got {', '.join(sorted(options))})"
            )
        return emulator
    from phemu.emulator import Emulator

    return Emulator(**options)


def call_app(
    emulator: Emulator,
    method: str,
    url: str,
    headers: Iterable[tuple[str, str]],
    body: bytes,
) -> Answer:
    """Send one request through the emulator's app in-process and collect the answer: what
    its WSGI call would give (:meth:`phemu.app.PostHogApp.answer`).

    :returns: ``(status, headers, body)``.
    """
    return emulator.app.answer(build_environ(method, url, headers, body))


def build_environ(
    method: str, url: str, headers: Iterable[tuple[str, str]], body: bytes
) -> dict[str, Any]:
    """The WSGI environ of one client request.

    What werkzeug's test ``EnvironBuilder`` produces for the same request (the path
    percent-decoded into ``PATH_INFO``, the raw query in ``QUERY_STRING``, every header as
    ``HTTP_*``), built directly because this is every door's hot path. The client's scheme and
    host become the WSGI host, so absolute URLs phemu builds (pagination links) point back at
    the host the client called.
    """
    parts = urlsplit(url)
    scheme = parts.scheme or "http"
    port = parts.port or _DEFAULT_PORTS.get(scheme, 80)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method.upper(),
        "SCRIPT_NAME": "",
        "PATH_INFO": unquote_to_bytes(parts.path or "/").decode("latin-1"),
        "QUERY_STRING": parts.query,
        "REQUEST_URI": url[len(scheme) + 3 + len(parts.netloc) :] or "/",
        "SERVER_NAME": parts.hostname or "localhost",
        "SERVER_PORT": str(port),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": parts.netloc,
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scheme,
        "wsgi.input": BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "CONTENT_LENGTH": str(len(body)),
    }
    for name, value in headers:
        key = name.upper().replace("-", "_")
        if key == "CONTENT_TYPE":
            environ["CONTENT_TYPE"] = value
        elif key not in ("HOST", "CONTENT_LENGTH"):
            key = "HTTP_" + key
            environ[key] = f"{environ[key]}, {value}" if key in environ else value
    return environ
