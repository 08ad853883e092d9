"""phemu's pytest plugin (entry point ``pytest11``): ``posthog_*`` fixtures, ``phemu`` marker.

pytest loads this module in every test run wherever phemu is installed, so it imports nothing
but pytest at import time; the emulator, patchers and server are imported by the fixtures.

Layering (as pytest-httpserver does it):

* configuration fixtures a user overrides in ``conftest.py``: :func:`posthog_profile`,
  :func:`posthog_seeds`, :func:`posthog_clock`, :func:`posthog_emulator_options`,
  :func:`posthog_base_urls`, :func:`posthog_passthrough`;
* the ``@pytest.mark.phemu(profile=..., seeds=[...], clock=..., **emulator_options)`` marker,
  which wins over the configuration fixtures for one test;
* :func:`posthog_emulator`, a fresh :class:`~phemu.emulator.Emulator` per test whose teardown
  re-raises phemu's own bugs (``Emulator.check``);
* doors onto that emulator: :func:`posthog_mock` (requests), :func:`posthog_httpx` (httpx) and
  :func:`posthog_server` (a live server started once per session; each test gets it pointed at
  its own fresh emulator, so state never leaks between tests, even after a failure).
"""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Sequence
from typing import TYPE_CHECKING
from typing import Any

import pytest

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse
    from _typeshed.wsgi import WSGIEnvironment

    from phemu.emulator import Emulator
    from phemu.front_doors import Passthrough
    from phemu.patcher import PostHogMock
    from phemu.server import ThreadedServer

MARKER = "phemu"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(profile=None, seeds=(), clock=None, **emulator_options): configure the "
        "posthog_* fixtures for one test (clock freezes the emulator at that instant; other "
        "keywords, e.g. rate_limits='posthog', go to phemu.Emulator)",
    )


# -- configuration fixtures (override in conftest.py) ------------------------------------------
@pytest.fixture
def posthog_profile() -> str | None:
    """The emulator profile (``docs``/``cloud``); ``None`` falls back to ``PHEMU_PROFILE``."""
    return None


@pytest.fixture
def posthog_seeds() -> Sequence[Any]:
    """Seed documents (paths or mappings) loaded after the default seed."""
    return ()


@pytest.fixture
def posthog_clock() -> str | None:
    """An ISO 8601 instant to freeze the emulator clock at, or ``None`` for real time."""
    return None


@pytest.fixture
def posthog_emulator_options() -> dict[str, Any]:
    """Extra :class:`~phemu.emulator.Emulator` keywords (``rate_limits``, ``plugins``...)."""
    return {}


@pytest.fixture
def posthog_base_urls() -> Sequence[str]:
    """Base URLs routed by :func:`posthog_mock`/:func:`posthog_httpx` besides PostHog's hosts."""
    return ()


@pytest.fixture
def posthog_passthrough() -> Passthrough:
    """Whether unrouted URLs may reach the network (``True`` or a list of URL prefixes)."""
    return False


# -- the emulator -------------------------------------------------------------------------------
def emulator_settings(
    node: pytest.Item,
    profile: str | None,
    seeds: Sequence[Any],
    clock: str | None,
    options: dict[str, Any],
) -> tuple[dict[str, Any], str | None]:
    """Emulator keyword arguments and clock for one test: fixtures, then the marker."""
    kwargs = dict(options)
    if profile is not None:
        kwargs["profile"] = profile
    all_seeds = list(kwargs.pop("seeds", ())) + list(seeds)
    marker = node.get_closest_marker(MARKER)
    if marker is not None:
        if marker.args:
            raise pytest.UsageError(
                f"@pytest.mark.{MARKER} takes keyword arguments only (got {marker.args!r})"
            )
        marked = dict(marker.kwargs)
        extra = marked.pop("seeds", ())
        all_seeds += [extra] if isinstance(extra, (str, dict)) else list(extra)
        if "seed" in marked:
            all_seeds.append(marked.pop("seed"))
        clock = marked.pop("clock", clock)
        kwargs.update(marked)
    kwargs["seeds"] = all_seeds
    return kwargs, clock


@pytest.fixture
def posthog_emulator(
    request: pytest.FixtureRequest,
    posthog_profile: str | None,
    posthog_seeds: Sequence[Any],
    posthog_clock: str | None,
    posthog_emulator_options: dict[str, Any],
) -> Iterator[Emulator]:
    """A fresh emulator for this test; teardown re-raises any phemu bug seen meanwhile."""
    from phemu.emulator import Emulator

    kwargs, clock = emulator_settings(
        request.node, posthog_profile, posthog_seeds, posthog_clock, posthog_emulator_options
    )
    emulator = Emulator(**kwargs)
    if clock is not None:
        emulator.freeze_time(clock)
    yield emulator
    emulator.check()


@pytest.fixture
def posthog_api_key(posthog_emulator: Emulator) -> str:
    """The plaintext personal API key of the seeds (the default seed's ``*`` key)."""
    key = posthog_emulator.default_api_key
    if key is None:
        raise pytest.UsageError("the loaded seeds define no personal API key with a 'value'")
    return key


# -- doors ----------------------------------------------------------------------------------------
@pytest.fixture
def posthog_mock(
    posthog_emulator: Emulator,
    posthog_base_urls: Sequence[str],
    posthog_passthrough: Passthrough,
) -> Iterator[PostHogMock]:
    """``requests`` calls to PostHog hosts (and ``posthog_base_urls``) go to the emulator."""
    from phemu.patcher import PostHogMock

    with PostHogMock(
        posthog_emulator, base_urls=posthog_base_urls, passthrough=posthog_passthrough
    ) as door:
        yield door


@pytest.fixture
def posthog_httpx(
    posthog_emulator: Emulator,
    posthog_base_urls: Sequence[str],
    posthog_passthrough: Passthrough,
) -> Iterator[PostHogMock]:
    """httpx clients (sync and async, created anywhere) are routed to the emulator by host."""
    from phemu.patcher import PostHogMock

    with PostHogMock(
        posthog_emulator,
        base_urls=posthog_base_urls,
        passthrough=posthog_passthrough,
        requests=False,
        httpx=True,
    ) as door:
        yield door


class EmulatorSlot:
    """The WSGI app of the session's server: forwards to the current test's emulator."""

    def __init__(self) -> None:
        self.emulator: Emulator | None = None

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Any:
        emulator = self.emulator
        if emulator is None:
            start_response("503 Service Unavailable", [("Content-Type", "application/json")])
            return [b'{"error": "no phemu test is running"}']
        return emulator.app(environ, start_response)


class PostHogServer:
    """What :func:`posthog_server` gives a test: the live URL and the emulator behind it."""

    def __init__(self, server: ThreadedServer, emulator: Emulator) -> None:
        self.server = server
        self.emulator = emulator

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``: point ``POSTHOG_HOST`` (or a client's base URL) here."""
        return self.server.url

    @property
    def api_key(self) -> str | None:
        return self.emulator.default_api_key

    @property
    def auth_headers(self) -> dict[str, str]:
        return self.emulator.auth_headers

    def url_for(self, path: str) -> str:
        return self.url + "/" + path.lstrip("/")


@pytest.fixture(scope="session")
def posthog_server_session() -> Iterator[tuple[ThreadedServer, EmulatorSlot]]:
    """The session's server on a free 127.0.0.1 port (started on first use, stopped at exit)."""
    from typing import cast

    from phemu.emulator import Emulator
    from phemu.server import ThreadedServer

    slot = EmulatorSlot()
    server = ThreadedServer(cast(Emulator, slot), host="127.0.0.1", port=0)
    server.start()
    try:
        yield server, slot
    finally:
        server.stop()


@pytest.fixture
def posthog_server(
    posthog_server_session: tuple[ThreadedServer, EmulatorSlot],
    posthog_emulator: Emulator,
) -> Iterator[PostHogServer]:
    """The live server, serving this test's fresh :func:`posthog_emulator`."""
    server, slot = posthog_server_session
    slot.emulator = posthog_emulator
    try:
        yield PostHogServer(server, posthog_emulator)
    finally:
        slot.emulator = None
