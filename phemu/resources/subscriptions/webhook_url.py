"""PostHog's webhook URL check (``posthog/security/url_validation.py``) without its DNS step.

An emulator must never resolve names (tests run offline and must be deterministic), so only the
literal checks remain: scheme, host, metadata and loopback names, internal suffixes and IP
literals (``docs/subscriptions.md``). The first failing rule gives the reason.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

METADATA_HOSTS = frozenset({"169.254.169.254", "metadata.google.internal"})
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
INTERNAL_SUFFIXES = (
    ".local",
    ".internal",
    ".svc.cluster.local",
    ".cluster.local",
    ".consul",
    ".lan",
    ".home",
    ".corp",
    ".localdomain",
    ".home.arpa",
    ".intranet",
    ".priv",
)
_CGNAT = ipaddress.ip_network("100.64.0.0/10")


def webhook_url_problem(url: str) -> str | None:
    """The reason PostHog would give for refusing ``url``, or ``None`` when it is accepted."""
    if "\\" in url or "%5c" in url.lower():
        return "Invalid URL: ambiguous authority"
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
    except ValueError:
        return "Invalid URL"
    if parts.scheme not in ("http", "https"):
        return "URL must start with http:// or https://"
    if not parts.netloc or not hostname:
        return "Missing host"
    try:
        host = hostname.encode("idna").decode("ascii").lower().rstrip(".")
    except UnicodeError:
        return "Invalid URL"
    if host in METADATA_HOSTS:
        return "Local/metadata host"
    if host in LOOPBACK_HOSTS:
        return "Local/Loopback host not allowed"
    for suffix in INTERNAL_SUFFIXES:
        if host.endswith(suffix):
            return f"Internal domain pattern blocked: {suffix}"
    if _private_ip(host):
        return "Private IP address not allowed"
    return None


def _private_ip(host: str) -> bool:
    try:
        address: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or (isinstance(address, ipaddress.IPv4Address) and address in _CGNAT)
    )
