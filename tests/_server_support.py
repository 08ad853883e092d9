"""Running ``phemu serve`` as a subprocess in tests: start on port 0, read the banner, stop."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

TESTS = Path(__file__).resolve().parent
URL = re.compile(r"serving PostHog's API on (http://[^\s]+)")
KEY = re.compile(r"personal API key: (\S+)")
TOKEN = re.compile(r"control token: (\S+)")
START_TIMEOUT = 20.0


class Serve:
    """One ``python -m phemu serve`` process; ``url``/``key``/``banner`` once started."""

    def __init__(
        self,
        *args: str,
        env: dict[str, str] | None = None,
        command: list[str] | None = None,
        cwd: Path | None = None,
    ) -> None:
        environment = {k: v for k, v in os.environ.items() if not k.startswith("PHEMU_")}
        environment["PYTHONPATH"] = os.pathsep.join(
            [str(TESTS), environment.get("PYTHONPATH", "")]
        ).rstrip(os.pathsep)
        environment.update(env or {})
        command = [*(command or [sys.executable, "-m", "phemu"]), "serve"]
        if "--port" not in args and "PHEMU_PORT" not in (env or {}):
            command += ["--port", "0"]
        self.proc = subprocess.Popen(
            command + list(args),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=environment,
            cwd=cwd,
            text=True,
        )
        self.banner_lines: list[str] = []
        self.url = ""
        self.key = ""
        self.stderr = ""
        self._stderr_lines: list[str] = []
        self._stdout_rest: list[str] = []

    def start(self) -> Serve:
        """Wait for the banner; raise with stderr if the process exits or stalls first."""
        assert self.proc.stdout is not None and self.proc.stderr is not None
        threading.Thread(target=self._drain_stderr, daemon=True).start()
        deadline = time.monotonic() + START_TIMEOUT
        lines: list[str] = []

        def read() -> None:
            assert self.proc.stdout is not None
            for line in self.proc.stdout:
                lines.append(line)
                if line.startswith("  inspector:"):
                    break

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        reader.join(max(0.0, deadline - time.monotonic()))
        self.banner_lines = [line.rstrip("\n") for line in lines]
        found = URL.search("\n".join(self.banner_lines))
        if not found:
            self.kill()
            raise AssertionError(
                f"phemu serve did not start: stdout={lines!r} stderr={self.stderr_text()!r}"
            )
        self.url = found.group(1)
        key = KEY.search("\n".join(self.banner_lines))
        self.key = key.group(1) if key else ""
        threading.Thread(target=self._drain_stdout, daemon=True).start()
        return self

    @property
    def banner(self) -> str:
        return "\n".join(self.banner_lines)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}

    @property
    def control_token(self) -> str:
        found = TOKEN.search(self.banner)
        return found.group(1) if found else ""

    def _drain_stderr(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self._stderr_lines.append(line)

    def _drain_stdout(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._stdout_rest.append(line)

    def stderr_text(self) -> str:
        return "".join(self._stderr_lines)

    def terminate(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> int:
        """Send ``sig`` and wait for the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def __enter__(self) -> Serve:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.kill()
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()


def run_fails(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``phemu serve`` expecting it to refuse to start (bounded)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PHEMU_")}
    environment.update(env or {})
    port = [] if "PHEMU_PORT" in environment or "--port" in args else ["--port", "0"]
    return subprocess.run(
        [sys.executable, "-m", "phemu", "serve", *port, *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=START_TIMEOUT,
        check=False,
    )


def raw_exchange(server: Any, payload: bytes, timeout: float = 5.0) -> bytes:
    """Send ``payload`` on a fresh connection to ``server`` (``host``/``port``) and read until
    the server closes it (or ``timeout`` passes in silence)."""
    with socket.create_connection((server.host, server.port), timeout=timeout) as sock:
        sock.sendall(payload)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)
