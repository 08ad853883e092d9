"""What ``phemu serve`` checks before the emulator sees a request: Host, control token, media type.

A server on a developer's machine is reachable by every web page the developer opens. Three rules
keep those pages (and other hosts) away from it, in this order:

1. **Host allow-list** (DNS rebinding): a page on ``attacker.example`` whose name later resolves to
   127.0.0.1 sends ``Host: attacker.example``. Only loopback names, the address the server is
   bound to, and names given with ``--allowed-host`` are answered; anything else gets a 400 naming
   the flag, on the API and the control plane alike.
2. **Control token**: a server bound to a non-loopback address is reachable from other machines,
   so its control plane (reset, seed, state import) needs a token (``X-Phemu-Token``, or the
   password of HTTP Basic auth so the inspector opens in a browser). ``/_phemu/health`` stays open
   for liveness probes.
3. **JSON only for control-plane writes** (CSRF): a page on any origin can auto-submit a form
   (``text/plain``, ``application/x-www-form-urlencoded``, ``multipart/form-data``) or send a
   ``no-cors`` fetch, but cannot send ``Content-Type: application/json`` without a CORS preflight,
   which phemu never grants. So a control-plane ``POST``/``PUT``/``PATCH`` without that media type
   is refused with 415. ``DELETE`` always needs a preflight and stays usable from curl.

In-process front doors (``phemu.mock()``, httpx transports) never pass through here: they see
PostHog's own host names and no browser can reach them.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import ipaddress
import secrets
from collections.abc import Iterable
from typing import TYPE_CHECKING

from werkzeug.wrappers import Response

from phemu.errors import DisallowedHost
from phemu.errors import Msg
from phemu.errors import PostHogError
from phemu.serialization import dumps

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

CONTROL_PREFIX = "/_phemu"
HEALTH_PATHS = frozenset({"/_phemu/health", "/_phemu/health/"})
TOKEN_HEADER = "X-Phemu-Token"
#: Control-plane methods that need no ``Content-Type: application/json``: they either change
#: nothing or cannot be sent cross-origin without a CORS preflight (``DELETE``).
JSON_EXEMPT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "DELETE"})
WILDCARD_ADDRESSES = frozenset({"0.0.0.0", "::", ""})


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a bind address or a Host name, port-less) is this machine only."""
    name = host.strip().strip("[]").rstrip(".").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def host_name(header: str) -> str:
    """The name part of a ``Host`` header: ``[::1]:8000`` → ``::1``, ``a.b:80`` → ``a.b``."""
    value = header.strip().lower()
    if value.startswith("["):
        return value[1:].split("]", 1)[0]
    if value.count(":") == 1:
        value = value.split(":", 1)[0]
    return value.rstrip(".")


def new_token() -> str:
    """A control token for a server bound to a non-loopback address."""
    return secrets.token_urlsafe(24)


class HostPolicy:
    """Which ``Host`` names are answered.

    Patterns: an exact name or address, ``.example.com`` for that domain and its subdomains (as
    Django's ``ALLOWED_HOSTS``), or ``*`` for any name.
    """

    def __init__(self, allowed: Iterable[str] = (), bound: str = "127.0.0.1") -> None:
        self.any = False
        self.names: set[str] = set()
        self.domains: list[str] = []
        for raw in allowed:
            pattern = raw.strip().lower()
            if not pattern:
                continue
            if pattern == "*":
                self.any = True
            elif pattern.startswith("."):
                self.domains.append(pattern.rstrip("."))
            else:
                self.names.add(_normal(host_name(pattern)))
        if bound.strip("[]") not in WILDCARD_ADDRESSES:
            self.names.add(_normal(bound.strip("[]").lower()))

    def allows(self, header: str) -> bool:
        if self.any:
            return True
        name = host_name(header)
        if is_loopback(name) or _normal(name) in self.names:
            return True
        return any(name == domain[1:] or name.endswith(domain) for domain in self.domains)


def _normal(name: str) -> str:
    """Addresses compared by value (``::0001`` is ``::1``), names as written."""
    try:
        return str(ipaddress.ip_address(name))
    except ValueError:
        return name


class Guard:
    """The three checks above, as one ``refusal(environ)`` call per request."""

    def __init__(self, hosts: HostPolicy, control_token: str | None = None) -> None:
        self.hosts = hosts
        self.control_token = control_token

    def refusal(self, environ: WSGIEnvironment) -> Response | None:
        """The response refusing this request, or ``None`` to let the emulator answer it."""
        path = environ.get("PATH_INFO", "") or ""
        control = path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/")
        host = environ.get("HTTP_HOST")
        if host is not None and not self.hosts.allows(host):
            return _refuse(DisallowedHost(host), control)
        if not control:
            return None
        if (
            self.control_token is not None
            and path not in HEALTH_PATHS
            and not self._token_matches(environ)
        ):
            return Response(
                dumps({"error": Msg.CONTROL_TOKEN_REQUIRED}),
                status=401,
                content_type="application/json",
                headers={"WWW-Authenticate": 'Basic realm="phemu control plane"'},
            )
        method = str(environ.get("REQUEST_METHOD", "GET")).upper()
        if method not in JSON_EXEMPT_METHODS:
            content_type = environ.get("CONTENT_TYPE", "") or ""
            if content_type.split(";", 1)[0].strip().lower() != "application/json":
                message = Msg.CONTROL_NEEDS_JSON.format(content_type=content_type)
                return Response(
                    dumps({"error": message}), status=415, content_type="application/json"
                )
        return None

    def _token_matches(self, environ: WSGIEnvironment) -> bool:
        assert self.control_token is not None
        expected = self.control_token.encode()
        given = str(environ.get("HTTP_X_PHEMU_TOKEN", "")).encode("latin-1", "replace")
        if given and hmac.compare_digest(given, expected):
            return True
        authorization = str(environ.get("HTTP_AUTHORIZATION", ""))
        scheme, _, encoded = authorization.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError):
            return False
        password = decoded.partition(b":")[2]
        return bool(password) and hmac.compare_digest(password, expected)


def _refuse(error: PostHogError, control: bool) -> Response:
    """PostHog's error shape on the API, the control plane's ``{"error": ...}`` under /_phemu."""
    body = {"error": error.detail} if control else error.body()
    return Response(dumps(body), status=error.status, content_type="application/json")
