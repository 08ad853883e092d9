"""Serving an emulator over HTTP: the in-process :class:`ThreadedServer` behind ``phemu serve``.

The server is cheroot (CherryPy's pure-Python WSGI server) rather than werkzeug's development
server: it keeps HTTP/1.1 connections alive (16 load-test clients do not exhaust loopback ports
with one connection per request), hands idle keep-alive connections back to a selector instead of
pinning a thread on each, bounds its worker pool, times out slow clients, answers malformed HTTP
with 400 and keeps serving, and its ``stop()`` stops accepting then joins the workers, so
in-flight requests finish before state is saved. ``benchmarks/bench_server.py`` measures it.

:class:`ServerApp` wraps the emulator with what only a socket needs: a body-size limit answered
with a PostHog-shaped JSON 413 (the app never reads an oversized body) and one access-log line
per request on the ``phemu.access`` logger.
"""

from __future__ import annotations

import errno
import io
import logging
import threading
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING
from typing import Any

from cheroot import wsgi

from phemu.errors import DroppedConnection
from phemu.errors import RequestTooLarge
from phemu.journal import mask_query
from phemu.serialization import dumps

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse
    from _typeshed.wsgi import WSGIApplication
    from _typeshed.wsgi import WSGIEnvironment

    from phemu.emulator import Emulator

#: Bodies above this many bytes are refused with 413 (PostHog's proxies refuse far less).
DEFAULT_MAX_BODY = 10 * 1024 * 1024
#: Worker threads; idle keep-alive connections do not hold one.
DEFAULT_THREADS = 16
#: Seconds a client may stay silent mid-request (or idle on a keep-alive connection).
DEFAULT_TIMEOUT = 10.0
#: Seconds ``stop()`` waits for in-flight requests before closing their sockets.
DEFAULT_SHUTDOWN_TIMEOUT = 10.0

access_log = logging.getLogger("phemu.access")


class ServerApp:
    """The WSGI app the socket sees: body limit and access log around the emulator."""

    def __init__(
        self, app: WSGIApplication, max_body: int = DEFAULT_MAX_BODY, log: bool = True
    ) -> None:
        self.app = app
        self.max_body = max_body
        self.log = log

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        status_seen: list[str] = []

        def recording_start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
            status_seen.append(status)
            return start_response(status, headers, exc_info)

        refused = self._check_body(environ)
        try:
            if refused is not None:
                result: Iterable[bytes] = self._too_large(recording_start_response)
            else:
                result = self.app(environ, recording_start_response)
        except DroppedConnection:
            # Fault injection asked for a dropped connection: cheroot closes the socket without
            # writing anything (and without logging) for a reset it is told about.
            status_seen.append("dropped")
            self._log(environ, status_seen, started)
            raise ConnectionResetError(errno.ECONNRESET, "connection dropped by phemu") from None
        self._log(environ, status_seen, started)
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

    def _check_body(self, environ: WSGIEnvironment) -> str | None:
        """``"too large"`` when the declared or chunked body exceeds the limit.

        A chunked body is read here (up to the limit plus one byte) and replaced by a buffer with
        a ``Content-Length``, so the emulator always sees a sized body.
        """
        length = environ.get("CONTENT_LENGTH") or ""
        if length.isdigit():
            return "too large" if int(length) > self.max_body else None
        if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
            body = environ["wsgi.input"].read(self.max_body + 1)
            if len(body) > self.max_body:
                return "too large"
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
        return None

    def _too_large(self, start_response: StartResponse) -> list[bytes]:
        error = RequestTooLarge(self.max_body)
        body = dumps(error.body())
        start_response(
            f"{error.status} Request Entity Too Large",
            [
                ("Content-Type", "application/json"),
                ("Content-Length", str(len(body))),
                ("Connection", "close"),
            ],
        )
        return [body]


class ThreadedServer:
    """An emulator served on background threads (``port=0`` picks a free port).

    The socket is bound and listening when :meth:`start` returns (so :attr:`url` is final and
    the first request cannot be refused). :meth:`stop` stops accepting, lets in-flight requests
    finish (up to ``shutdown_timeout`` seconds) and closes every connection. Usable as a
    context manager.
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
    ) -> None:
        self.emulator = emulator
        self.host = host
        self.port = port
        self.threads = threads
        self.max_body = max_body
        self.timeout = timeout
        self.shutdown_timeout = shutdown_timeout
        self.access_log = access_log
        self._server: wsgi.Server | None = None
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
            app = ServerApp(self.emulator, max_body=self.max_body, log=self.access_log)
            server = wsgi.Server(
                (self.host, self.port),
                app,
                numthreads=self.threads,
                request_queue_size=128,
                timeout=max(1, round(self.timeout)),
                shutdown_timeout=max(1, round(self.shutdown_timeout)),
                server_name="phemu",
            )
            server.max_request_body_size = 0  # ServerApp answers 413 itself, as JSON
            server.expiration_interval = 0.2  # how soon stop() stops accepting (default 0.5 s)
            server.prepare()  # binds and listens; raises OSError if the port is taken
            self.port = int(server.bind_addr[1])
            self._server = server
            self._thread = threading.Thread(target=self._serve, name="phemu-server", daemon=True)
            self._thread.start()
        return self

    def _serve(self) -> None:
        server = self._server
        if server is not None:
            server.serve()

    def stop(self) -> None:
        """Stop accepting, finish in-flight requests, close connections (idempotent)."""
        with self._lock:
            server, thread = self._server, self._thread
            self._server, self._thread = None, None
        if server is not None:
            server.stop()
        if thread is not None:
            thread.join(timeout=self.shutdown_timeout + 5)

    def __enter__(self) -> ThreadedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
