"""Serving an emulator over HTTP: an in-process :class:`ThreadedServer` and the CLI's loop."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from werkzeug.serving import BaseWSGIServer
from werkzeug.serving import WSGIRequestHandler
from werkzeug.serving import make_server

if TYPE_CHECKING:
    from phemu.emulator import Emulator


class QuietHandler(WSGIRequestHandler):
    """werkzeug's handler without its per-request stderr line (phemu logs its own)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None


class ThreadedServer:
    """An emulator served on a background thread (``port=0`` picks a free port).

    Usable as a context manager; :attr:`url` is known once :meth:`start` returns.
    """

    def __init__(self, emulator: Emulator, host: str = "127.0.0.1", port: int = 0) -> None:
        self.emulator = emulator
        self.host = host
        self.port = port
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> ThreadedServer:
        server = make_server(
            self.host, self.port, self.emulator, threaded=True, request_handler=QuietHandler
        )
        self._server = server
        self.port = server.server_port
        self._thread = threading.Thread(
            target=server.serve_forever, name="phemu-server", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server, self._thread = None, None

    def __enter__(self) -> ThreadedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
