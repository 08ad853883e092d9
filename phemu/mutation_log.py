"""The mutation log of ``phemu serve --sync always``: record-level changes, fsynced per request.

A state file alone must be rewritten whole to make one write durable. With ``--sync always``
the state file is a snapshot, and ``PATH.log`` beside it (beside the symlink's target) holds
what changed since: after each request, before its answer leaves, the records it changed are
appended as one *batch* and the file is fsynced (concurrent requests share one write and one
fsync: group commit). A batch is self-describing JSON:

``{"seq": 12, "changes": [...], "counters": {...}, "random": ..., "clock": ...}``

where each change names a seed section and holds records in their seed (export) form:
``{"section": "dashboards", "op": "put", "key": 7, "record": {...}}`` (a new or changed
record), ``{"op": "delete", "key": 7}``, ``{"op": "append", "record": {...}}`` (append-only
sections: events) or ``{"op": "replace", "records": [...]}`` (a whole section). ``counters``
(the id sequences), ``random`` (the random generator: its whole state, or only its position
while its state words are unchanged) and ``clock`` appear when they changed. Replaying a log
re-applies stored results: nothing is recomputed, so the clock, the random generator and
plugins cannot make a replay differ from what was answered.

On disk: a header line ``{"phemu": "mutation-log", "format": 1, "documents": 1}``, then one
line per batch, ``<length:8 hex> <crc32:8 hex> <JSON>``. A kill -9 while a batch is written
leaves a torn last line (short, or failing its length or checksum): it was never acknowledged
(its requests were still waiting for the fsync), so loading drops it. A bad line *followed by*
more lines is damage, not a torn write, and is refused like a damaged state file.

Loading a state file replays its log onto the snapshot's document (record by record, in the
seed format, so the seed loader then rebuilds every table and index once). Saving (``POST
/_phemu/state/save``, ``--autosave``, shutdown) *folds*: the snapshot is rewritten atomically
with the sequence number of the last batch it covers (``_log_sequence``), then the log is
truncated; a crash between the two leaves batches the snapshot already covers, which loading
skips. The log also folds whenever it outgrows the snapshot (at least
:data:`FOLD_MIN_BYTES`), and on start.

Which records changed: the writers of a tracked seed section report them (``Store.changed``,
``appended``, ``rewritten``; see :class:`phemu.seed.SeedSection`); every other section (the
platform tables, plugin sections, resources that report nothing) is compared with its last
logged export after each write request. A seed document, ``reset`` or a state import replaces
the store wholesale and is logged as a fold.
"""

from __future__ import annotations

import contextlib
import json
import os
import zlib
from collections.abc import Hashable
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

from phemu.errors import StateFileError
from phemu.seed import FORMAT_VERSION as DOCUMENT_VERSION
from phemu.serialization import dumps
from phemu.store import Changes

if TYPE_CHECKING:
    from phemu.emulator import Emulator
    from phemu.seed import SeedSection
    from phemu.store import Store

#: The format of the log file itself (its framing and batch keys).
LOG_FORMAT = 1
HEADER = dumps({"phemu": "mutation-log", "format": LOG_FORMAT, "documents": DOCUMENT_VERSION})
#: The keys of a state file that belong to the log and the store rather than to a section.
SEQUENCE_KEY = "_log_sequence"
RANDOM_STATE_KEY = "_random_state"
CLOCK_KEY = "_clock"
#: The log folds into the snapshot once it is larger than the snapshot and than this.
FOLD_MIN_BYTES = 4 * 1024 * 1024
_FRAME_HEAD = 18  # "%08x %08x "
_MT_WORDS = 624  # the Mersenne Twister's state words; the 625th is its position


def log_path(state_path: str | os.PathLike[str]) -> Path:
    """Where the log of a state file lives: beside the file a symlink points at."""
    return Path(os.path.realpath(state_path) + ".log")


# -- reading ---------------------------------------------------------------------------------


@dataclass
class LogContents:
    """The batches of a log file that can be replayed, and what a kill -9 left torn."""

    batches: list[dict[str, Any]] = field(default_factory=list)
    torn_bytes: int = 0


def frame(batch: Mapping[str, Any]) -> bytes:
    payload = dumps(batch)
    return b"%08x %08x " % (len(payload), zlib.crc32(payload)) + payload + b"\n"


def read_log(path: Path) -> LogContents | None:
    """The log at ``path`` (``None`` if there is none).

    :raises StateFileError: a log of another format, or damaged anywhere but its last line.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise StateFileError(f"{path}: cannot read the mutation log: {error}") from None
    contents = LogContents()
    end_of_header = data.find(b"\n")
    if end_of_header < 0:
        # Empty, or killed while writing the header: nothing was ever logged.
        contents.torn_bytes = len(data)
        return contents
    _check_header(path, data[:end_of_header])
    position = end_of_header + 1
    while position < len(data):
        batch, following = _frame_at(data, position)
        if batch is None:
            rest = data[position:]
            if b"\n" in rest[:-1] and rest.strip(b"\x00"):
                raise StateFileError(
                    f"{path}: refusing to start: the mutation log is damaged at byte {position} "
                    "(a line fails its length or checksum and more lines follow). Move it away "
                    "to start from the state file alone, losing what it holds."
                )
            contents.torn_bytes = len(rest)
            break
        contents.batches.append(batch)
        position = following
    return contents


def _check_header(path: Path, line: bytes) -> None:
    try:
        header = json.loads(line)
    except (ValueError, UnicodeDecodeError):
        header = None
    if not isinstance(header, dict) or header.get("phemu") != "mutation-log":
        raise StateFileError(f"{path}: refusing to start: this is not a phemu mutation log.")
    found = (header.get("format"), header.get("documents"))
    if found != (LOG_FORMAT, DOCUMENT_VERSION):
        raise StateFileError(
            f"{path}: refusing to start: this mutation log has format {found[0]!r} with records "
            f"of document version {found[1]!r}; this phemu reads format {LOG_FORMAT} with "
            f"version {DOCUMENT_VERSION}. Start the phemu that wrote it on the same state file "
            "once (it folds the log into the state file), or move the log away."
        )


def _frame_at(data: bytes, position: int) -> tuple[dict[str, Any] | None, int]:
    """The batch framed at ``position`` and where the next frame starts; ``None`` if torn."""
    head = data[position : position + _FRAME_HEAD]
    if len(head) < _FRAME_HEAD or head[8:9] != b" " or head[17:18] != b" ":
        return None, position
    try:
        length, checksum = int(head[:8], 16), int(head[9:17], 16)
    except ValueError:
        return None, position
    start = position + _FRAME_HEAD
    payload = data[start : start + length]
    if len(payload) != length or data[start + length : start + length + 1] != b"\n":
        return None, position
    if zlib.crc32(payload) != checksum:
        return None, position
    try:
        batch = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        return None, position
    if not isinstance(batch, dict) or not isinstance(batch.get("seq"), int):
        return None, position
    return batch, start + length + 1


# -- replaying -------------------------------------------------------------------------------


def canonical(key: Any) -> Hashable:
    """A record key as a dict key, the same whether it came from a record or through JSON
    (which turns tuples into lists)."""
    if isinstance(key, (list, tuple)):
        return tuple(canonical(part) for part in key)
    return key  # type: ignore[no-any-return]


class _Section:
    """One section's records while batches are applied to a document."""

    def __init__(self, records: list[Any], section: SeedSection | None) -> None:
        self.records: list[Any] = list(records)
        self.section = section
        self.index: dict[Hashable, int] | None = None

    def _positions(self) -> dict[Hashable, int]:
        if self.index is None:
            identify = self.section.identify if self.section is not None else _record_id
            self.index = {}
            for position, record in enumerate(self.records):
                if isinstance(record, dict):
                    self.index[canonical(identify(record))] = position
        return self.index

    def put(self, key: Any, record: Any) -> None:
        positions = self._positions()
        position = positions.get(canonical(key))
        if position is None:
            positions[canonical(key)] = len(self.records)
            self.records.append(record)
        else:
            self.records[position] = record

    def delete(self, key: Any) -> None:
        position = self._positions().pop(canonical(key), None)
        if position is not None:
            self.records[position] = _GONE

    def append(self, record: Any) -> None:
        self.index = None
        self.records.append(record)

    def replace(self, records: list[Any]) -> None:
        self.index = None
        self.records = list(records)

    def result(self) -> list[Any]:
        return [r for r in self.records if r is not _GONE]


_GONE = object()


def _record_id(record: Mapping[str, Any]) -> Any:
    return record.get("id")


def apply_batches(
    document: dict[str, Any],
    batches: Iterable[Mapping[str, Any]],
    sections: Mapping[str, SeedSection],
) -> int:
    """Apply the batches after the document's ``_log_sequence`` to it, in place; the sequence
    number of the last batch it holds afterwards."""
    covered = document.get(SEQUENCE_KEY, 0)
    if not isinstance(covered, int):
        covered = 0
    touched: dict[str, _Section] = {}
    for batch in batches:
        if batch["seq"] <= covered:
            continue  # folded into the snapshot already
        for change in batch.get("changes", ()):
            name = change["section"]
            target = touched.get(name)
            if target is None:
                records = document.get(name)
                target = touched[name] = _Section(
                    records if isinstance(records, list) else [], sections.get(name)
                )
            op = change["op"]
            if op == "put":
                target.put(change["key"], change["record"])
            elif op == "delete":
                target.delete(change["key"])
            elif op == "append":
                target.append(change["record"])
            else:
                target.replace(change["records"])
        if "counters" in batch:
            document["counters"] = batch["counters"]
        if "random" in batch:
            _apply_random(document, batch["random"])
        if "clock" in batch:
            document[CLOCK_KEY] = batch["clock"]
        covered = batch["seq"]
    for name, target in touched.items():
        document[name] = target.result()
    document[SEQUENCE_KEY] = covered
    return int(covered)


def _apply_random(document: dict[str, Any], logged: Any) -> None:
    if isinstance(logged, dict):  # the position in unchanged state words
        state = document[RANDOM_STATE_KEY]
        internal = list(state[1])
        internal[_MT_WORDS] = logged["position"]
        document[RANDOM_STATE_KEY] = [state[0], internal, logged["gauss"]]
    else:
        document[RANDOM_STATE_KEY] = logged


# -- writing ---------------------------------------------------------------------------------


class _Baseline:
    """What the log last wrote of the store beyond the tracked records: the untracked
    sections (each record's JSON), the counters, the random generator and the clock."""

    def __init__(self) -> None:
        #: per untracked section: its export's JSON, and each record's JSON by key (``None``
        #: when its records have no distinct keys)
        self.sections: dict[str, tuple[bytes, dict[Hashable, bytes] | None]] = {}
        self.counters: dict[str, int] = {}
        self.random_words: tuple[int, ...] | None = None
        self.random: tuple[int, tuple[int, ...], Any] | None = None
        self.clock: dict[str, object] | None = None


class MutationLog:
    """The log file of one state file, written by the requests' group commit.

    Not thread-safe by itself: :class:`phemu.persistence.StateFile` calls :meth:`collect`,
    :meth:`append` and :meth:`fold` from one writer at a time.

    :param fold_bytes: fold once the log is larger than this and than the snapshot
        (:data:`FOLD_MIN_BYTES` by default).
    :param verify: after every batch, check that the snapshot plus the log equals the store's
        export (a writer that changed a tracked section without reporting it); for tests, it
        exports the whole store each time. Problems land in :attr:`problems`.
    """

    def __init__(
        self,
        emulator: Emulator,
        path: Path,
        *,
        sequence: int = 0,
        fold_bytes: int | None = None,
        verify: bool = False,
    ) -> None:
        self.emulator = emulator
        self.path = path
        self.sequence = sequence
        self.fold_bytes = fold_bytes
        self.snapshot_bytes = 0
        self.size = 0
        self.batches = 0
        self.folds = 0
        self.verify = verify
        self.problems: list[str] = []
        self._view: dict[str, Any] | None = None
        self._fd: int | None = None
        self._store: Store | None = None
        self._version = -1
        self._baseline = _Baseline()
        self.must_fold = True  # nothing is tracked until the first fold

    # -- state ---------------------------------------------------------------------------------
    def pending(self) -> bool:
        """Whether anything may wait to be written (cheap, no lock: for requests that read)."""
        store = self.emulator.store
        changes = store.changes
        return (
            self.must_fold
            or store is not self._store
            or store.version != self._version
            or changes is None
            or changes.count > 0
        )

    def full(self) -> bool:
        limit = max(self.fold_bytes or FOLD_MIN_BYTES, self.snapshot_bytes)
        return self.size > limit

    # -- collecting (under the store lock) -----------------------------------------------------
    def collect(self, *, write: bool) -> bytes | None:
        """The next batch framed for the file, ``None`` when nothing changed, or raises
        :class:`NeedsFold` when the store was replaced or cannot be described by a batch."""
        while True:
            store = self.emulator.store
            with store.lock:
                if self.emulator.store is not store:
                    continue  # replaced while we waited for its lock
                if self.must_fold or store is not self._store or store.version != self._version:
                    raise NeedsFold()
                changes = store.changes
                assert changes is not None
                store.changes = Changes()
                batch = self._batch(store, changes, write=write)
                data = None
                if batch is not None:
                    self.sequence += 1
                    data = frame({"seq": self.sequence, **batch})
                if self.verify:
                    self._check(data)
                return data

    def _batch(self, store: Store, changes: Changes, *, write: bool) -> dict[str, Any] | None:
        emulator = self.emulator
        sections = emulator.seed_sections()
        entries: list[dict[str, Any]] = []
        compare = write
        for name in changes.sections:
            section = sections.get(name)
            if section is not None:
                entries.append(
                    {"section": name, "op": "replace", "records": section.export(emulator)}
                )
        for name, key in changes.keys:
            section = sections.get(name)
            if section is None or name in changes.sections:
                continue
            if section.export_one is None:
                compare = True  # an untracked section said it changed (a key's last_used_at)
                continue
            record = section.export_one(emulator, key)
            if record is None:
                entries.append({"section": name, "op": "delete", "key": key})
            else:
                entries.append({"section": name, "op": "put", "key": key, "record": record})
        for name, export, args in changes.appends:
            if name not in changes.sections and name in sections:
                entries.append({"section": name, "op": "append", "record": export(*args)})
        if compare:
            for section in sections.values():
                if not section.tracked:
                    entries.extend(self._compare(section))
        batch: dict[str, Any] = {"changes": entries} if entries else {}
        baseline = self._baseline
        if store.counters != baseline.counters:
            baseline.counters = dict(store.counters)
            batch["counters"] = baseline.counters
        random = _random_change(store, baseline)
        if random is not None:
            batch["random"] = random
        clock = emulator.clock.state()
        if clock != baseline.clock:
            baseline.clock = clock
            batch["clock"] = clock
        return batch or None

    def _compare(self, section: SeedSection) -> list[dict[str, Any]]:
        """The changes of an untracked section since the log last wrote it: nothing when its
        export serializes as before (one encoding); else its records by key, or all of it."""
        records = section.export(self.emulator)
        whole = dumps(records)
        old = self._baseline.sections.get(section.key)
        if old is not None and old[0] == whole:
            return []
        keyed = _by_key(section, records)
        self._baseline.sections[section.key] = (
            whole,
            None if keyed is None else {k: v[1] for k, v in keyed.items()},
        )
        if keyed is None or old is None or old[1] is None:
            return [{"section": section.key, "op": "replace", "records": records}]
        before = old[1]
        entries = [
            {"section": section.key, "op": "put", "key": key, "record": record}
            for key, (record, json) in keyed.items()
            if before.get(key) != json
        ]
        entries.extend(
            {"section": section.key, "op": "delete", "key": key}
            for key in before
            if key not in keyed
        )
        return entries

    # -- the file ------------------------------------------------------------------------------
    def append(self, data: bytes) -> None:
        """Write one batch and make it durable; on failure the file is cut back to its last
        good batch (or the next commit folds)."""
        fd = self._open()
        start = self.size
        try:
            if start == 0:
                _write_all(fd, HEADER + b"\n")
                self.size = len(HEADER) + 1
            _write_all(fd, data)
            _sync(fd)
        except OSError as error:
            self.must_fold = True
            with contextlib.suppress(OSError):
                os.ftruncate(fd, start)
            self.size = start
            raise StateFileError(
                f"{self.path}: could not write the mutation log: {error}"
            ) from None
        self.size += len(data)
        self.batches += 1

    def snapshot(self) -> dict[str, Any]:
        """The whole store as a state document covering every batch so far (for a fold), under
        the store lock; starts tracking the store it describes."""
        emulator = self.emulator
        while True:
            store = emulator.store
            with store.lock:
                if emulator.store is not store:
                    continue
                document = emulator.export_state()
                baseline = self._baseline = _Baseline()
                baseline.counters = dict(store.counters)
                random_state = store.random_state()
                if random_state is not None:
                    document[RANDOM_STATE_KEY] = random_state
                    _random_change(store, baseline)
                baseline.clock = document[CLOCK_KEY] = emulator.clock.state()
                for section in emulator.seed_sections().values():
                    if not section.tracked:
                        self._compare(section)
                store.changes = Changes()
                self._store = store
                self._version = store.version
                self.must_fold = False
                document[SEQUENCE_KEY] = self.sequence
                return document

    def folded(self, snapshot_bytes: int, document: bytes | None = None) -> None:
        """The snapshot is durable: empty the log (its batches are in the snapshot)."""
        fd = self._open()
        try:
            os.ftruncate(fd, 0)
            _sync(fd)
        except OSError as error:
            self.must_fold = True
            raise StateFileError(
                f"{self.path}: could not empty the mutation log: {error}"
            ) from None
        self.size = 0
        self.snapshot_bytes = snapshot_bytes
        self.folds += 1
        if self.verify and document is not None:
            self._view = json.loads(document)

    def close(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None

    def _open(self) -> int:
        if self._fd is None:
            created = not self.path.exists()
            try:
                self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
                self.size = os.fstat(self._fd).st_size
                if created:
                    fsync_directory(self.path.parent)
            except OSError as error:
                raise StateFileError(
                    f"{self.path}: could not open the mutation log: {error}"
                ) from None
        return self._fd

    # -- verification (tests) ----------------------------------------------------------------------
    def _check(self, data: bytes | None) -> None:
        """Apply the batch (if any) to the logged view and compare the view with the store
        (``verify``): a change nobody reported shows even when nothing was written."""
        if self._view is None:
            return
        if data is not None:
            batch, _ = _frame_at(data, 0)
            assert batch is not None
            apply_batches(self._view, [batch], self.emulator.seed_sections())
        expected = json.loads(dumps(self.emulator.export_state()))
        expected[RANDOM_STATE_KEY] = self.emulator.store.random_state()
        expected[CLOCK_KEY] = self.emulator.clock.state()
        sections = self.emulator.seed_sections()
        for key, records in expected.items():
            logged = self._view.get(key)
            section = sections.get(key)
            if section is not None and not section.append_only:
                # A record put for the first time goes last, where the export may sort it
                # elsewhere (definitions by name): loading does not depend on their order.
                logged, records = _keyed(section, logged), _keyed(section, records)
            if logged != records:
                self.problems.append(_describe(key, self._view.get(key), expected[key]))


class NeedsFold(Exception):
    """The store was replaced (reset, seed document, state import) or never folded."""


def _by_key(
    section: SeedSection, records: list[dict[str, Any]]
) -> dict[Hashable, tuple[dict[str, Any], bytes]] | None:
    """The records by their distinct keys, with their JSON; ``None`` if keys repeat or are
    missing (the section is then compared whole)."""
    keyed: dict[Hashable, tuple[dict[str, Any], bytes]] = {}
    for record in records:
        key = canonical(section.identify(record))
        if key is None or key in keyed:
            return None
        keyed[key] = (record, dumps(record))
    return keyed


def _keyed(section: SeedSection, records: Any) -> Any:
    """The records by key when every record has a distinct one, else as they are."""
    found = _by_key(section, records) if isinstance(records, list) else None
    return records if found is None else {key: record for key, (record, _) in found.items()}


def _random_change(store: Store, baseline: _Baseline) -> Any:
    """How the random generator moved since the log last wrote it (``None``: it did not)."""
    state = store.random_state_tuple()
    if state is None or state == baseline.random:
        return None
    version, internal, gauss = state
    words = internal[:_MT_WORDS]
    baseline.random = state
    if words == baseline.random_words:
        return {"position": internal[_MT_WORDS], "gauss": gauss}
    baseline.random_words = words
    return [version, list(internal), gauss]


def _describe(key: str, logged: Any, actual: Any) -> str:
    if isinstance(logged, list) and isinstance(actual, list):
        for position, (a, b) in enumerate(zip(logged, actual, strict=False)):
            if a != b:
                return f"{key}[{position}]: logged {a!r}, store has {b!r}"
        return f"{key}: logged {len(logged)} records, store has {len(actual)}"
    return f"{key}: logged {logged!r}, store has {actual!r}"


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _sync(fd: int) -> None:
    getattr(os, "fdatasync", os.fsync)(fd)


def fsync_directory(directory: Path) -> None:
    """Make a rename or a new file itself durable (POSIX); a no-op where directories cannot be
    opened."""
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
