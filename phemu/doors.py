"""What every front door shares: which URLs go to the emulator, and one in-process WSGI call.

The ``responses`` patcher, the httpx transports and the httpx patcher all turn a client's
request into :func:`call_app` on the emulator's one WSGI app, so a scenario answers the same
whichever door a test uses. :class:`HostRouter` holds the routing rules the patchers share:
PostHog's hosts (plus any base URL the user names) go in; other hosts reach the network only if
the user allowed it; otherwise the request fails with an error naming the URL and the routed
base URLs.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from typing import TYPE_CHECKING
from typing import Any
from urllib.parse import urlsplit

from phemu.errors import ConfigurationError

if TYPE_CHECKING:
    from werkzeug.test import Client

    from phemu.emulator import Emulator

#: The hosts PostHog's clients talk to by default (US and EU Cloud, the legacy app host, and the
#: US ingestion host some SDKs use for every call).
DEFAULT_BASE_URLS = (
    "https://us.posthog.com",
    "https://eu.posthog.com",
    "https://app.posthog.com",
    "https://us.i.posthog.com",
)

_DEFAULT_PORTS = {"http": 80, "https": 443}

#: Headers the WSGI environ carries by other means (``base_url`` sets the host; the body sets
#: the length).
_DROPPED_HEADERS = frozenset({"host", "content-length"})

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
    client: Client,
    method: str,
    url: str,
    headers: Iterable[tuple[str, str]],
    body: bytes,
) -> tuple[int, list[tuple[str, str]], bytes]:
    """Send one request through the emulator's WSGI app in-process.

    The client's scheme and host become the WSGI host, so absolute URLs phemu builds
    (pagination links) point back at the host the client called. Method, path, query, headers
    and body are passed unchanged.

    :returns: ``(status, headers, body)``.
    """
    parts = urlsplit(url)
    response = client.open(
        path=parts.path or "/",
        base_url=f"{parts.scheme}://{parts.netloc}",
        query_string=parts.query,
        method=method.upper(),
        headers=[(k, v) for k, v in headers if k.lower() not in _DROPPED_HEADERS],
        data=body,
    )
    try:
        return response.status_code, response.headers.to_wsgi_list(), response.get_data()
    finally:
        response.close()
