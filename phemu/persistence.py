"""``phemu serve --state-file``: the store on disk, in the state-export format.

The file is exactly ``emulator.export_state()`` as JSON, so a state file is also a seed document
and ``GET /_phemu/state`` output is a valid state file. Saves are atomic: the document goes to a
temporary file in the same directory, is fsynced, then ``os.replace``d over the old file (and the
directory is fsynced), so a crash or a failed save leaves the previous good file untouched. A file
that cannot be read back whole (truncated, corrupted, from another format version) is refused at
start instead of silently starting empty over someone's data, and so is one holding two records
with the same id (importing it would silently drop one).

The file also keeps the store's random generator (``_random_state``), so values drawn after a
restart (insight short ids, project tokens) continue the sequence instead of repeating it. A
symlinked path is followed: the save replaces the link's target and leaves the link in place.

``phemu serve --sync always`` calls :meth:`StateFile.commit` after every write and answers only
once a save that began after the write has reached the disk. Concurrent writers share saves
(group commit): while one save runs, the writes that arrive wait for the next one, which covers
all of them. A save is the whole store, so its cost grows with the state (docs/server.md has
the measured figures).
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
from typing import Any

from phemu.errors import SeedError
from phemu.errors import StateFileError
from phemu.serialization import dumps

if TYPE_CHECKING:
    from phemu.emulator import Emulator

log = logging.getLogger("phemu.state")
#: The keys of the generator state and of the clock in a state file (ignored by seed loading:
#: they start with "_").
RANDOM_STATE_KEY = "_random_state"
CLOCK_KEY = "_clock"


class StateFile:
    """One emulator's state file: :meth:`load` at start, :meth:`save` atomically, autosave."""

    def __init__(self, emulator: Emulator, path: str | os.PathLike[str]) -> None:
        self.emulator = emulator
        self.path = Path(path)
        self.saves = 0
        self._lock = threading.Lock()  # one save at a time, so an older snapshot never wins
        self._autosave: threading.Thread | None = None
        self._stop = threading.Event()
        # --sync always: commit tickets handed out, covered by a finished save, or by a failed one
        self._commits = threading.Condition()
        self._requested = 0
        self._durable = 0
        self._failed_through = 0
        self._failure = ""
        self._saving = False

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
            except RecursionError:
                problem = "it is nested too deeply to be a phemu state document"
        if problem is None and not isinstance(document, dict):
            problem = "it is not a JSON object"
        if problem is None and isinstance(document, dict):
            problem = duplicate_ids(document)
        if problem is None and isinstance(document, dict):
            problem = self._import(document)
        if problem is not None:
            raise StateFileError(
                f"{self.path}: refusing to start from this state file: {problem}. "
                "Fix or move it away (or start without --state-file)."
            )
        return True

    def _import(self, document: dict[str, Any]) -> str | None:
        """Replace the store with ``document``; the reason it cannot, or ``None``."""
        random_state = document.get(RANDOM_STATE_KEY)
        clock = document.get(CLOCK_KEY)
        try:
            self.emulator.import_state(document)
        except SeedError as error:
            return f"it is not a phemu state document ({error})"
        except RecursionError:
            return "it is nested too deeply to be a phemu state document"
        for key, value, restore in (
            (RANDOM_STATE_KEY, random_state, self.emulator.store.restore_random_state),
            (CLOCK_KEY, clock, self.emulator.clock.restore),
        ):
            try:
                if value is not None:
                    restore(value)
            except ValueError as error:
                return f"its {key} is damaged ({error})"
        return None

    # -- saving -------------------------------------------------------------------------------
    def save(self) -> Path:
        """Write the current state atomically; on any failure the old file stays as it was."""
        with self._lock:
            with self.emulator.store.lock:  # the records and the generator from one moment
                document = self.emulator.export_state()
                random_state = self.emulator.store.random_state()
            if random_state is not None:
                document[RANDOM_STATE_KEY] = random_state
            document[CLOCK_KEY] = self.emulator.clock.state()
            data = dumps(document)
            # A symlink is followed: its target is replaced, the link stays a link.
            target = Path(os.path.realpath(self.path))
            directory = target.parent
            temp: str | None = None
            try:
                fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(temp, target)
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

    # -- --sync always ------------------------------------------------------------------------
    def commit(self) -> None:
        """Return once a save that began after this call has finished; raise if it failed.

        Called after a write (its change already in the store): the first caller becomes the
        leader and saves; callers arriving meanwhile wait for the next save, which one of them
        leads and which covers them all.
        """
        with self._commits:
            self._requested += 1
            ticket = self._requested
            while True:
                if self._durable >= ticket:
                    return
                if self._failed_through >= ticket:
                    raise StateFileError(self._failure)
                if not self._saving:
                    break
                self._commits.wait()
            self._saving = True
            covered = self._requested  # every ticket up to here changed the store before now
        failure: StateFileError | None = None
        try:
            self.save()
        except StateFileError as error:
            failure = error
        except Exception as error:  # an export bug: the write is not durable either
            failure = StateFileError(f"{self.path}: could not save state: {error!r}")
        with self._commits:
            self._saving = False
            if failure is None:
                self._durable = max(self._durable, covered)
            else:
                self._failed_through = max(self._failed_through, covered)
                self._failure = str(failure)
            self._commits.notify_all()
        if failure is not None:
            raise failure

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


def duplicate_ids(document: dict[str, Any]) -> str | None:
    """Why ``document`` cannot be loaded without losing records (two with one id), or ``None``."""
    for key, records in document.items():
        if not isinstance(records, list):
            continue
        seen: set[Any] = set()
        for record in records:
            ident = record.get("id") if isinstance(record, dict) else None
            if ident is None or isinstance(ident, (dict, list)):
                continue
            if ident in seen:
                return f"it has two {key} records with id {ident!r}"
            seen.add(ident)
    return None


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
