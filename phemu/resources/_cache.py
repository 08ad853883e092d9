"""Rendered JSON of stored rows, kept until the row's backend writes it again.

A list page of a resource is mostly the JSON of its rows. The backend of a resource is the only
writer of its rows, so it knows when a row's JSON goes stale and drops it then
(:meth:`RenderCache.drop`); what a row shows of *other* tables (the ``created_by`` user, an
insight's dashboard tiles) changes through seed documents or through another backend, which
drops what it affects. Seed documents may change users, so every cache empties itself when the
store has loaded one since (``Store.version``).

Since every write of a row drops its JSON, whatever else is derived from the rows alone (a
list's order, a page's joined JSON) is kept beside it and forgotten at every drop.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Hashable
from collections.abc import Sequence
from typing import TYPE_CHECKING
from typing import Any
from typing import TypeVar

from phemu.serialization import dumps

if TYPE_CHECKING:
    from phemu.store import Store

T = TypeVar("T")

#: Derived values (pages, list orders) kept at once: tests repeat a few pages, and a client
#: walking thousands of different pages should not grow the cache without bound.
_DERIVED_LIMIT = 32


class RenderCache:
    """``id -> variant -> JSON bytes`` of rendered rows, valid for one :attr:`Store.version`.

    A variant tells renderings of one row apart when the JSON depends on the request (who asks,
    which serializer); dropping a row drops all of them, and everything derived from the rows.
    A variant names everything the rendering reads beyond the row and its backend's tables:
    the viewer's id *and* level (``access_variant``), since levels change through another
    resource that writes no row.
    """

    __slots__ = ("derived", "rows", "version")

    def __init__(self) -> None:
        self.rows: dict[Any, dict[Hashable, bytes]] = {}
        #: values computed from the rows only (:meth:`memo`, :meth:`joined`), by key
        self.derived: dict[Hashable, Any] = {}
        self.version = -1

    def __deepcopy__(self, memo: dict[int, Any]) -> RenderCache:
        # Store checkpoints copy every table before a seed loads; a rolled-back table simply
        # renders its rows again.
        return RenderCache()

    def _check(self, store: Store) -> None:
        if self.version != store.version:
            self.rows.clear()
            self.derived.clear()
            self.version = store.version

    def many(
        self,
        store: Store,
        pks: Sequence[Any],
        render: Callable[[Any], Any],
        variant: Hashable = None,
    ) -> list[bytes]:
        """The JSON of rows ``pks`` (as ``variant``), in order; ``render(pk)`` gives the object
        of a row whose JSON is not cached."""
        self._check(store)
        rows = self.rows
        found: list[bytes] = []
        for pk in pks:
            entry = rows.get(pk)
            if entry is None:
                entry = rows[pk] = {}
            json = entry.get(variant)
            if json is None:
                json = entry[variant] = dumps(render(pk))
            found.append(json)
        return found

    def joined(
        self,
        store: Store,
        pks: Sequence[Any],
        render: Callable[[Any], Any],
        variant: Hashable = None,
    ) -> bytes:
        """:meth:`many` joined with commas (a page's ``results``), kept until a row is dropped:
        a repeated page costs a lookup, not a pass over its rows."""
        self._check(store)
        key = ("joined", variant, tuple(pks))
        found = self.derived.get(key)
        if found is None:
            found = b",".join(self.many(store, pks, render, variant))
            self._keep(key, found)
        return found

    def memo(self, store: Store, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()``, kept under ``key`` until a row is dropped: for values that depend on
        the rows' fields alone (the ids of a list in its order), since every write drops the
        row it changes. A backend using it drops a new row's id when it stores the row, as the
        insights and dashboards tables do."""
        self._check(store)
        full = ("memo", key)
        if full in self.derived:
            return self.derived[full]  # type: ignore[no-any-return]
        value = compute()
        self._keep(full, value)
        return value

    def _keep(self, key: Hashable, value: Any) -> None:
        if len(self.derived) >= _DERIVED_LIMIT:
            self.derived.clear()
        self.derived[key] = value

    def drop(self, pk: Any) -> None:
        self.rows.pop(pk, None)
        self.derived.clear()

    def clear(self) -> None:
        self.rows.clear()
        self.derived.clear()
