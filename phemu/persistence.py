"""``phemu serve --state-file``: the store on disk, in the state-export format.

The file is exactly ``emulator.export_state()`` as JSON, so a state file is also a seed document
and ``GET /_phemu/state`` output is a valid state file. Saves are atomic: the document goes to a
temporary file in the same directory, is fsynced, then ``os.replace``d over the old file (and the
directory is fsynced), so a crash or a failed save leaves the previous good file untouched. A file
that cannot be read back whole (truncated, corrupted, from another format version) is refused at
start instead of silently starting empty over someone's data.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from phemu.errors import SeedError
from phemu.errors import StateFileError
from phemu.serialization import dumps

if TYPE_CHECKING:
    from phemu.emulator import Emulator

log = logging.getLogger("phemu.state")


class StateFile:
    """One emulator's state file: :meth:`load` at start, :meth:`save` atomically, autosave."""

    def __init__(self, emulator: Emulator, path: str | os.PathLike[str]) -> None:
        self.emulator = emulator
        self.path = Path(path)
        self.saves = 0
        self._lock = threading.Lock()  # one save at a time, so an older snapshot never wins
        self._autosave: threading.Thread | None = None
        self._stop = threading.Event()

    # -- loading ------------------------------------------------------------------------------
    def load(self) -> bool:
        """Replace the emulator's store with the file's content; ``False`` if there is no file."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return False
        except OSError as error:
            raise StateFileError(f"{self.path}: cannot read state file: {error}") from None
        problem = "it is empty" if not raw.strip() else None
        document = None
        if problem is None:
            try:
                document = json.loads(raw)
            except (ValueError, UnicodeDecodeError) as error:
                problem = f"it is not valid JSON, probably truncated or corrupted ({error})"
        if problem is None and not isinstance(document, dict):
            problem = "it is not a JSON object"
        if problem is None and isinstance(document, dict):
            try:
                self.emulator.import_state(document)
            except SeedError as error:
                problem = f"it is not a phemu state document ({error})"
        if problem is not None:
            raise StateFileError(
                f"{self.path}: refusing to start from this state file: {problem}. "
                "Fix or move it away (or start without --state-file)."
            )
        return True

    # -- saving -------------------------------------------------------------------------------
    def save(self) -> Path:
        """Write the current state atomically; on any failure the old file stays as it was."""
        with self._lock:
            document = self.emulator.export_state()
            data = dumps(document)
            directory = self.path.parent if str(self.path.parent) else Path(".")
            temp: str | None = None
            try:
                fd, temp = tempfile.mkstemp(
                    prefix=f".{self.path.name}.", suffix=".tmp", dir=directory
                )
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(temp, self.path)
                temp = None
                _fsync_directory(directory)
            except OSError as error:
                raise StateFileError(f"{self.path}: could not save state: {error}") from None
            finally:
                if temp is not None:
                    with contextlib.suppress(OSError):
                        os.unlink(temp)
            self.saves += 1
            return self.path

    def save_logged(self) -> bool:
        """:meth:`save`, logging instead of raising (autosave and shutdown must not crash)."""
        try:
            self.save()
        except StateFileError as error:
            log.error("%s", error)
            return False
        except Exception:  # an export bug must not kill the server or skip the other saves
            log.exception("%s: could not save state", self.path)
            return False
        log.debug("state saved to %s", self.path)
        return True

    # -- autosave -----------------------------------------------------------------------------
    def start_autosave(self, every: float) -> None:
        """Save every ``every`` seconds on a daemon thread until :meth:`stop_autosave`."""
        if every <= 0 or self._autosave is not None:
            return
        self._stop.clear()

        def loop() -> None:
            while not self._stop.wait(every):
                self.save_logged()

        self._autosave = threading.Thread(target=loop, name="phemu-autosave", daemon=True)
        self._autosave.start()

    def stop_autosave(self) -> None:
        self._stop.set()
        if self._autosave is not None:
            self._autosave.join(timeout=30)
            self._autosave = None


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
