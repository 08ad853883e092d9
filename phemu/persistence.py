"""``phemu serve --state-file``: the store on disk, in the state-export format.

The file is ``emulator.export_state()`` as JSON, so a state file is also a seed document and
``GET /_phemu/state`` output is a valid state file. Saves are atomic: the document goes to a
temporary file in the same directory, is fsynced, then ``os.replace``d over the old file (and the
directory is fsynced), so a crash or a failed save leaves the previous good file untouched. A file
that cannot be read back whole (truncated, corrupted, from another format version) is refused at
start instead of silently starting empty over someone's data, and so is one holding two records
with the same id (importing it would silently drop one).

The file also keeps the store's random generator (``_random_state``) and the clock (``_clock``:
frozen instant or offset), so values drawn after a restart (insight short ids, project tokens)
continue the sequence instead of repeating it and a frozen test clock stays where it was. A
symlinked path is followed: the save replaces the link's target and leaves the link in place.

Durability (``phemu serve --sync``, docs/server.md): with ``always``, every request's changes
are appended to the mutation log beside the file (``phemu/mutation_log.py``) and fsynced before
its answer leaves, and saves fold the log into the file; with ``snapshot``, the whole file is
saved before each write is answered. In both, concurrent requests share one write (group
commit): while one is being written, the requests that finish wait for the next, which covers
them all. A log found beside the file at start is replayed in every mode (it holds
acknowledged writes), then folded.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
import threading
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

from phemu.errors import SeedError
from phemu.errors import StateFileError
from phemu.mutation_log import CLOCK_KEY
from phemu.mutation_log import RANDOM_STATE_KEY
from phemu.mutation_log import SEQUENCE_KEY
from phemu.mutation_log import MutationLog
from phemu.mutation_log import NeedsFold
from phemu.mutation_log import apply_batches
from phemu.mutation_log import fsync_directory
from phemu.mutation_log import log_path
from phemu.mutation_log import read_log
from phemu.serialization import dumps

if TYPE_CHECKING:
    from phemu.emulator import Emulator

__all__ = ["CLOCK_KEY", "RANDOM_STATE_KEY", "SYNC_MODES", "StateFile", "StateFileError"]

log = logging.getLogger("phemu.state")
#: ``--sync`` values: nothing per request, the mutation log, a whole save per write.
SYNC_MODES = ("off", "always", "snapshot")


class StateFile:
    """One emulator's state file: :meth:`load` at start, :meth:`open` to start its ``sync``
    mode, :meth:`commit` after each request, :meth:`save` atomically, autosave, :meth:`close`.

    :param sync: ``off`` (saves only when asked), ``always`` (the mutation log) or
        ``snapshot`` (a whole save per write).
    :param fold_bytes: with ``always``, fold once the log outgrows this and the snapshot.
    :param verify: with ``always``, check every batch against the store (tests: see
        :class:`~phemu.mutation_log.MutationLog`).
    """

    def __init__(
        self,
        emulator: Emulator,
        path: str | os.PathLike[str],
        *,
        sync: str = "off",
        fold_bytes: int | None = None,
        verify: bool = False,
    ) -> None:
        if sync not in SYNC_MODES:
            raise ValueError(f"sync must be one of {', '.join(SYNC_MODES)}, not {sync!r}")
        self.emulator = emulator
        self.path = Path(path)
        self.sync = sync
        self.saves = 0
        self.log: MutationLog | None = None
        self._fold_bytes = fold_bytes
        self._verify = verify
        self._sequence = 0  # the last logged batch the loaded state holds
        self._log_found = False
        self._autosave: threading.Thread | None = None
        self._stop = threading.Event()
        # Group commit: tickets handed out, covered by a finished write, or by a failed one;
        # ``_busy``: someone writes the file(s) now (a commit's leader, or a save).
        self._commits = threading.Condition()
        self._requested = 0
        self._durable = 0
        self._failed_through = 0
        self._failure = ""
        self._busy = False
        self._writes_waiting = False

    # -- loading ------------------------------------------------------------------------------
    def load(self) -> bool:
        """Replace the emulator's store with the file's content and the batches of its log;
        ``False`` if there is neither."""
        document = self._read_snapshot()
        contents = read_log(log_path(self.path))
        self._log_found = contents is not None
        if contents is not None and contents.torn_bytes:
            log.warning(
                "%s: dropped a torn last batch of %d bytes (written when the server was "
                "killed; never acknowledged)",
                log_path(self.path),
                contents.torn_bytes,
            )
        if document is None:
            if contents is not None and contents.batches:
                raise StateFileError(
                    f"{log_path(self.path)}: refusing to start: the mutation log holds writes "
                    f"but its state file {self.path} is missing. Put the state file back, or "
                    "move the log away to start afresh."
                )
            return False
        if contents is not None:
            self._sequence = apply_batches(
                document, contents.batches, self.emulator.seed_sections()
            )
        problem = duplicate_ids(document) or self._import(document)
        if problem is not None:
            raise self._refusal(problem)
        return True

    def _read_snapshot(self) -> dict[str, Any] | None:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as error:
            raise StateFileError(f"{self.path}: cannot read state file: {error}") from None
        if not raw.strip():
            raise self._refusal("it is empty")
        try:
            document = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as error:
            raise self._refusal(
                f"it is not valid JSON, probably truncated or corrupted ({error})"
            ) from None
        except RecursionError:
            raise self._refusal("it is nested too deeply to be a phemu state document") from None
        if not isinstance(document, dict):
            raise self._refusal("it is not a JSON object")
        return document

    def _refusal(self, problem: str) -> StateFileError:
        return StateFileError(
            f"{self.path}: refusing to start from this state file: {problem}. "
            "Fix or move it away (or start without --state-file)."
        )

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
        restores: tuple[tuple[str, Any, Callable[[Any], None]], ...] = (
            (RANDOM_STATE_KEY, random_state, self.emulator.store.restore_random_state),
            (CLOCK_KEY, clock, self.emulator.clock.restore),
        )
        for key, value, restore in restores:
            try:
                if value is not None:
                    restore(value)
            except ValueError as error:
                return f"its {key} is damaged ({error})"
        return None

    # -- starting and stopping ----------------------------------------------------------------
    def open(self) -> None:
        """Start the ``sync`` mode (after :meth:`load`): with ``always`` the state file is
        written and the log emptied now; in any mode, a log that :meth:`load` replayed is folded
        into the file (then removed, unless ``always`` goes on writing it)."""
        if self.sync == "always":
            self.log = MutationLog(
                self.emulator,
                log_path(self.path),
                sequence=self._sequence,
                fold_bytes=self._fold_bytes,
                verify=self._verify,
            )
            self.save()
        elif self._log_found:
            self.save()
            self._remove_log()

    def close(self) -> bool:
        """Stop autosaving, save (fold) a last time and close the log; ``False`` (logged) if the
        last save failed, in which case the log stays for the next start to replay."""
        self.stop_autosave()
        saved = self.save_logged()
        if self.log is not None:
            self.log.close()
            if saved:
                self._remove_log()
        return saved

    def _remove_log(self) -> None:
        path = log_path(self.path)
        try:
            path.unlink(missing_ok=True)
            fsync_directory(path.parent)
        except OSError as error:
            log.warning("%s: could not remove the folded mutation log: %s", path, error)

    # -- saving -------------------------------------------------------------------------------
    def save(self) -> Path:
        """Write the current state atomically (with ``always``: fold the log into it); on any
        failure the old file stays as it was."""
        with self._exclusive():
            self._save_now()
        return self.path

    def _save_now(self) -> None:
        if self.log is not None:
            document = self.log.snapshot()
            data = dumps(document)
            try:
                self._replace(data)
            except StateFileError:
                self.log.must_fold = True  # what the snapshot took is in neither file yet
                raise
            self.log.folded(len(data), data)
        else:
            with self.emulator.store.lock:  # the records, generator and clock of one moment
                document = self.emulator.export_state()
                random_state = self.emulator.store.random_state()
                document[CLOCK_KEY] = self.emulator.clock.state()
            if random_state is not None:
                document[RANDOM_STATE_KEY] = random_state
            if self._sequence:
                # It holds what a replayed log held: a log left behind is not replayed twice.
                document[SEQUENCE_KEY] = self._sequence
            self._replace(dumps(document))
        self.saves += 1

    def _replace(self, data: bytes) -> None:
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
            fsync_directory(directory)
        except OSError as error:
            raise StateFileError(f"{self.path}: could not save state: {error}") from None
        finally:
            if temp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(temp)

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

    # -- --sync: after each request -----------------------------------------------------------
    def commit(self, *, write: bool = True) -> None:
        """Return once what the store holds now is on disk (``--sync always``: the log;
        ``snapshot``: a whole save, for writes only); raise :class:`StateFileError` if that
        write failed. ``write``: the request was a ``POST``/``PUT``/``PATCH``/``DELETE`` (a read
        that changed nothing returns at once).

        The first caller becomes the leader and writes; callers arriving meanwhile wait for the
        next write, which one of them leads and which covers them all.
        """
        if self.sync == "off" or (self.sync == "snapshot" and not write):
            return
        if not write and self.log is not None and not self.log.pending():
            return
        with self._commits:
            self._requested += 1
            ticket = self._requested
            self._writes_waiting = self._writes_waiting or write
            while True:
                if self._durable >= ticket:
                    return
                if self._failed_through >= ticket:
                    raise StateFileError(self._failure)
                if not self._busy:
                    break
                self._commits.wait()
            self._busy = True
            covered = self._requested  # every ticket up to here changed the store before now
            writes, self._writes_waiting = self._writes_waiting, False
        failure: StateFileError | None = None
        try:
            self._write_pending(writes)
        except StateFileError as error:
            failure = error
        except Exception as error:  # an export bug: the write is not durable either
            failure = StateFileError(f"{self.path}: could not save state: {error!r}")
        with self._commits:
            self._busy = False
            if failure is None:
                self._durable = max(self._durable, covered)
            else:
                self._failed_through = max(self._failed_through, covered)
                self._failure = str(failure)
            self._commits.notify_all()
        if failure is not None:
            raise failure

    def _write_pending(self, writes: bool) -> None:
        if self.log is None:
            self._save_now()
            return
        try:
            data = self.log.collect(write=writes)
        except NeedsFold:
            self._save_now()
            return
        if data is not None:
            self.log.append(data)
            if self.log.full():
                self._save_now()

    @contextlib.contextmanager
    def _exclusive(self) -> Iterator[None]:
        """Be the only writer of the file and its log while the block runs."""
        with self._commits:
            while self._busy:
                self._commits.wait()
            self._busy = True
        try:
            yield
        finally:
            with self._commits:
                self._busy = False
                self._commits.notify_all()

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
