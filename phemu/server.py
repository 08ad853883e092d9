"""Serving an emulator over HTTP: the in-process :class:`ThreadedServer` behind ``phemu serve``.

The server is waitress, not werkzeug's development server nor a thread-per-connection server: one
I/O thread reads every connection in an event loop and hands a request to the bounded worker pool
only once it has arrived whole. A client that trickles its headers (or idles on keep-alive) costs a
socket, never a worker, so hundreds of slow clients cannot starve the others; and since the loop
sees every partial request, it can bound the time a *whole* request takes to arrive, not each
read. waitress also validates ``Content-Length`` strictly (digits only) and de-chunks bodies before
the app sees them. ``benchmarks/bench_server.py`` measures it against ``moto_server``.

Around waitress, phemu adds what only a socket needs:

- :class:`ServerApp`: the guard of :mod:`phemu.server_guard` (Host allow-list, control token,
  JSON-only control writes), one access-log line per request on ``phemu.access``, ``--sync
  always`` (the state file is saved before a write is answered), and fault injection's dropped
  connections (the socket is closed without an answer).
- JSON error answers for what waitress refuses before the app: 413 in PostHog's error shape for a
  body over the limit, 400 ``malformed_request`` for a bad ``Content-Length``, chunk size or
  header line.
- ``GET /_phemu/health`` runs on its own small worker pool, so it answers while every API worker
  is busy (a delayed fault, a long import).
- A graceful :meth:`ThreadedServer.stop` with a deadline: stop accepting, stop reading new requests,
  let requests in flight finish for up to ``shutdown_timeout`` seconds, then close every
  connection, whatever is still running (a ``delay`` fault cannot hold a shutdown).
"""

from __future__ import annotations

import logging
import socket
import sys
import threading
import time
from collections.abc import Callable
from collections.abc import Iterable
from typing import TYPE_CHECKING
from typing import Any

from waitress import wasyncore
from waitress.adjustments import Adjustments
from waitress.channel import ClientDisconnected
from waitress.channel import HTTPChannel
from waitress.server import TcpWSGIServer
from waitress.task import ErrorTask
from waitress.task import ThreadedTaskDispatcher
from waitress.utilities import RequestEntityTooLarge

from phemu.errors import DroppedConnection
from phemu.errors import MalformedRequest
from phemu.errors import PostHogError
from phemu.errors import RequestTooLarge
from phemu.errors import ServerError
from phemu.errors import WriteNotDurable
from phemu.journal import mask_query
from phemu.serialization import dumps
from phemu.server_guard import HEALTH_PATHS
from phemu.server_guard import Guard
from phemu.server_guard import HostPolicy
from phemu.server_guard import is_loopback
from phemu.server_guard import new_token

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse
    from _typeshed.wsgi import WSGIApplication
    from _typeshed.wsgi import WSGIEnvironment

    from phemu.emulator import Emulator
    from phemu.persistence import StateFile

#: Bodies above this many bytes are refused with 413 (PostHog's proxies refuse far less).
DEFAULT_MAX_BODY = 10 * 1024 * 1024
#: Worker threads; connections that are idle or still arriving do not hold one.
DEFAULT_THREADS = 16
#: Seconds a request may take to arrive whole, and a keep-alive connection may stay idle.
DEFAULT_TIMEOUT = 10.0
#: Seconds ``stop()`` lets in-flight requests run before closing every connection. Below
#: Docker's 10 s grace period, so ``docker stop`` leaves time to save the state file.
DEFAULT_SHUTDOWN_TIMEOUT = 5.0
#: Open connections beyond which the server stops accepting until some close.
CONNECTION_LIMIT = 1000
#: Workers reserved for ``GET /_phemu/health``.
HEALTH_THREADS = 2
#: Methods whose requests ``--sync`` makes durable before answering whatever they changed (a
#: read waits only if something it did, or a request before it, changed the store).
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

access_log = logging.getLogger("phemu.access")
log = logging.getLogger("phemu.server")
# waitress warns about its task queue depth whenever all workers are busy: normal under load.
logging.getLogger("waitress.queue").setLevel(logging.ERROR)


class ServerApp:
    """The WSGI app the socket sees: guard, access log and ``--sync always`` around the emulator.

    The body limit itself is enforced by the HTTP server before the app runs (see
    :class:`JsonErrorTask`); ``max_body`` is kept here for the 413 message.
    """

    def __init__(
        self,
        app: WSGIApplication,
        max_body: int = DEFAULT_MAX_BODY,
        log: bool = True,
        guard: Guard | None = None,
        durable: StateFile | None = None,
    ) -> None:
        self.app = app
        self.max_body = max_body
        self.log = log
        self.guard = guard
        self.durable = durable

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        status_seen: list[str] = []

        def recording_start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
            status_seen.insert(0, status)
            return start_response(status, headers, exc_info)

        refusal = self.guard.refusal(environ) if self.guard is not None else None
        if refusal is not None:
            result: Iterable[bytes] = refusal(environ, recording_start_response)
        else:
            try:
                result = self.app(environ, recording_start_response)
            except DroppedConnection:
                # Fault injection asked for a dropped connection: waitress closes the socket
                # without writing anything when the app reports the client gone.
                status_seen.append("dropped")
                self._log(environ, status_seen, started)
                raise ClientDisconnected("connection dropped by phemu") from None
            if self.durable is not None and environ.get("PATH_INFO") not in HEALTH_PATHS:
                write = environ.get("REQUEST_METHOD") in WRITE_METHODS
                result = self._make_durable(result, recording_start_response, write)
        self._log(environ, status_seen, started)
        return result

    def _make_durable(
        self, result: Iterable[bytes], start_response: StartResponse, write: bool
    ) -> Iterable[bytes]:
        """Make the request's changes durable before the answer leaves (``--sync``), else
        answer 503."""
        from phemu.errors import StateFileError

        assert self.durable is not None
        try:
            self.durable.commit(write=write)
        except StateFileError as error:
            close = getattr(result, "close", None)
            if close is not None:
                close()
            return error_answer(WriteNotDurable(str(error)), start_response, sys.exc_info())
        return result

    def _log(self, environ: WSGIEnvironment, status_seen: list[str], started: float) -> None:
        if self.log and access_log.isEnabledFor(logging.INFO):
            query = mask_query(environ.get("QUERY_STRING", ""))
            access_log.info(
                "%s %s%s %s %.1fms",
                environ.get("REQUEST_METHOD", "-"),
                environ.get("PATH_INFO", ""),
                f"?{query}" if query else "",
                status_seen[0].split(" ", 1)[0] if status_seen else "-",
                (time.perf_counter() - started) * 1000,
            )


def error_answer(
    error: PostHogError, start_response: StartResponse, exc_info: Any = None
) -> list[bytes]:
    body = dumps(error.body())
    start_response(
        f"{error.status} {REASONS.get(error.status, 'Error')}",
        [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
        exc_info,
    )
    return [body]


REASONS = {400: "Bad Request", 413: "Request Entity Too Large", 503: "Service Unavailable"}


# -- waitress, adapted ----------------------------------------------------------------------------


class JsonErrorTask(ErrorTask):  # type: ignore[misc]
    """waitress's answer to a request it could not parse or accept, in PostHog's JSON shape."""

    def execute(self) -> None:
        server: PhemuWSGIServer = self.channel.server
        error = self.request.error
        if isinstance(error, RequestEntityTooLarge):
            answer: PostHogError = RequestTooLarge(server.max_body)
        elif 400 <= error.code < 500:
            answer = MalformedRequest(str(error.body))
        else:
            answer = ServerError()
        body = dumps(answer.body())
        self.status = f"{error.code} {error.reason}"
        self.response_headers.append(("Content-Type", "application/json"))
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)
        if server.access_log and access_log.isEnabledFor(logging.INFO):
            access_log.info(
                "%s %s %s", self.request.command or "-", self.request.path or "-", error.code
            )


class PhemuChannel(HTTPChannel):  # type: ignore[misc]
    """One connection. Remembers when the request being received began, for the deadline."""

    error_task_class = JsonErrorTask
    #: ``time.time()`` of the first byte of the request still arriving, else ``None``.
    receiving_since: float | None = None

    def received(self, data: bytes) -> bool:
        if self.request is None:
            self.receiving_since = time.time()
        accepted: bool = super().received(data)
        if self.request is None:
            self.receiving_since = None
        return accepted

    def readable(self) -> bool:
        # Once stop() has begun, no new request is read: what is not in flight is not answered.
        return not self.server.stopping and bool(super().readable())


class PhemuWSGIServer(TcpWSGIServer):  # type: ignore[misc]
    """waitress's TCP server with a whole-request deadline and a separate pool for health."""

    channel_class = PhemuChannel

    def __init__(
        self,
        *args: Any,
        max_body: int,
        request_timeout: float,
        access_log: bool,
        health: ThreadedTaskDispatcher,
        **kwargs: Any,
    ) -> None:
        self.max_body = max_body
        self.request_timeout = request_timeout
        self.access_log = access_log
        self.health = health
        self.stopping = False
        super().__init__(*args, **kwargs)

    def maintenance(self, now: float) -> None:
        """Close idle keep-alive connections (waitress) and requests too slow to arrive."""
        super().maintenance(now)
        cutoff = now - self.request_timeout
        for channel in list(self.active_channels.values()):
            since = channel.receiving_since
            if since is not None and since < cutoff and not channel.requests:
                channel.will_close = True

    def add_task(self, channel: PhemuChannel) -> None:
        request = channel.requests[0] if channel.requests else None
        if request is not None and request.command == "GET" and request.path in HEALTH_PATHS:
            self.health.add_task(channel)
        else:
            self.task_dispatcher.add_task(channel)


class ThreadedServer:
    """An emulator served on background threads (``port=0`` picks a free port).

    The socket is bound and listening when :meth:`start` returns (so :attr:`url` is final and
    the first request cannot be refused). :meth:`stop` stops accepting, lets in-flight requests
    finish (up to ``shutdown_timeout`` seconds) and closes every connection. Usable as a
    context manager.

    ``allowed_hosts`` and ``control_token`` are the guard of :mod:`phemu.server_guard`; a server
    bound to a non-loopback address without a token gets a generated one
    (:attr:`control_token`). ``durable``, a :class:`~phemu.persistence.StateFile`, is saved
    before each write is answered (``phemu serve --sync always``).
    """

    def __init__(
        self,
        emulator: Emulator,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        threads: int = DEFAULT_THREADS,
        max_body: int = DEFAULT_MAX_BODY,
        timeout: float = DEFAULT_TIMEOUT,
        shutdown_timeout: float = DEFAULT_SHUTDOWN_TIMEOUT,
        access_log: bool = False,
        allowed_hosts: Iterable[str] = (),
        control_token: str | None = None,
        durable: StateFile | None = None,
    ) -> None:
        self.emulator = emulator
        self.host = host
        self.port = port
        self.threads = threads
        self.max_body = max_body
        self.timeout = timeout
        self.shutdown_timeout = shutdown_timeout
        self.access_log = access_log
        self.allowed_hosts = tuple(allowed_hosts)
        if control_token is None and not is_loopback(host):
            control_token = new_token()
        self.control_token = control_token
        self.durable = durable
        self._server: PhemuWSGIServer | None = None
        self._map: dict[int, Any] = {}
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> ThreadedServer:
        with self._lock:
            if self._server is not None:
                return self
            guard = Guard(HostPolicy(self.allowed_hosts, self.host), self.control_token)
            app = ServerApp(
                self.emulator,
                max_body=self.max_body,
                log=self.access_log,
                guard=guard,
                durable=self.durable,
            )
            sock = listen(self.host, self.port)  # raises OSError if the port is taken
            adj = Adjustments(
                sockets=[sock],
                threads=self.threads,
                ident="phemu",
                # waitress refuses bodies of this size or more: a body of max_body is accepted.
                max_request_body_size=self.max_body + 1,
                channel_timeout=max(1, round(self.timeout)),
                cleanup_interval=1,
                connection_limit=CONNECTION_LIMIT,
                asyncore_use_poll=True,  # select() stops at 1024 descriptors
                asyncore_loop_timeout=1,
                clear_untrusted_proxy_headers=False,  # the app sees every header, as PostHog's
                log_socket_errors=False,
                expose_tracebacks=False,
            )
            dispatcher = ThreadedTaskDispatcher()
            dispatcher.set_thread_count(self.threads)
            health = ThreadedTaskDispatcher()
            health.set_thread_count(HEALTH_THREADS)
            self._map = {}
            server = PhemuWSGIServer(
                app,
                map=self._map,
                _sock=sock,
                dispatcher=dispatcher,
                adj=adj,
                bind_socket=False,
                sockinfo=(sock.family, sock.type, sock.proto, sock.getsockname()),
                max_body=self.max_body,
                request_timeout=self.timeout,
                access_log=self.access_log,
                health=health,
            )
            self.port = int(sock.getsockname()[1])
            self._server = server
            self._thread = threading.Thread(target=self._serve, name="phemu-server", daemon=True)
            self._thread.start()
        return self

    def _serve(self) -> None:
        server, connections = self._server, self._map
        while server is not None and connections:
            wasyncore.loop(timeout=1.0, map=connections, use_poll=True, count=1)

    def stop(self) -> None:
        """Stop accepting, finish in-flight requests (up to the deadline), close (idempotent)."""
        with self._lock:
            server, thread = self._server, self._thread
            self._server, self._thread = None, None
        if server is None:
            return
        deadline = time.monotonic() + self.shutdown_timeout
        server.stopping = True
        self._in_loop(server, lambda: wasyncore.dispatcher.close(server))  # stop accepting
        channels: Callable[[], list[Any]] = lambda: list(server.active_channels.values())  # noqa: E731
        while time.monotonic() < deadline and any(c.requests for c in channels()):
            time.sleep(0.02)
        unfinished = sum(1 for c in channels() if c.requests)
        if unfinished:
            log.warning(
                "%d request(s) still running after the %g s shutdown deadline: closing their "
                "connections unanswered",
                unfinished,
                self.shutdown_timeout,
            )
        flushed = min(deadline, time.monotonic() + 1.0)
        while time.monotonic() < flushed and any(c.total_outbufs_len for c in channels()):
            time.sleep(0.02)
        self._in_loop(server, lambda: close_everything(server, self._map))
        if thread is not None:
            thread.join(timeout=5)
        # Idle workers exit now; one still inside a request (a daemon thread) exits after it,
        # without picking up anything queued. Nothing waits for it.
        server.task_dispatcher.set_thread_count(0)
        server.health.set_thread_count(0)

    @staticmethod
    def _in_loop(server: PhemuWSGIServer, action: Callable[[], object]) -> None:
        """Run ``action`` on the I/O thread (the only one that may touch its sockets), wait."""
        done = threading.Event()

        def run() -> None:
            try:
                action()
            finally:
                done.set()

        try:
            server.trigger.pull_trigger(run)
        except OSError:  # the loop is already gone
            return
        done.wait(5)

    def __enter__(self) -> ThreadedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def close_everything(server: PhemuWSGIServer, connections: dict[int, Any]) -> None:
    """Close every connection (waking workers blocked on one) and the loop's own trigger."""
    for channel in list(server.active_channels.values()):
        channel.handle_close()
    wasyncore.close_all(connections, ignore_all=True)


def listen(host: str, port: int) -> socket.socket:
    """A bound, listening TCP socket for ``host:port`` (IPv4 or IPv6, first address found)."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.bind(address)
        sock.listen(1024)
    except OSError:
        sock.close()
        raise
    return sock
