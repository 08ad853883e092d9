"""Rendered JSON of stored rows, kept until the row's backend writes it again.

A list page of a resource is mostly the JSON of its rows. The backend of a resource is the only
writer of its rows, so it knows when a row's JSON goes stale and drops it then
(:meth:`RenderCache.drop`); what a row shows of *other* tables (the ``created_by`` user, an
insight's dashboard tiles) changes through seed documents or through another backend, which
drops what it affects. Seed documents may change users, so every cache empties itself when the
store has loaded one since (``Store.version``).
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Hashable
from collections.abc import Sequence
from typing import TYPE_CHECKING
from typing import Any

from phemu.serialization import dumps

if TYPE_CHECKING:
    from phemu.store import Store


class RenderCache:
    """``id -> variant -> JSON bytes`` of rendered rows, valid for one :attr:`Store.version`.

    A variant tells renderings of one row apart when the JSON depends on the request (who asks,
    which serializer); dropping a row drops all of them.
    """

    __slots__ = ("rows", "version")

    def __init__(self) -> None:
        self.rows: dict[Any, dict[Hashable, bytes]] = {}
        self.version = -1

    def __deepcopy__(self, memo: dict[int, Any]) -> RenderCache:
        # Store checkpoints copy every table before a seed loads; a rolled-back table simply
        # renders its rows again.
        return RenderCache()

    def many(
        self,
        store: Store,
        pks: Sequence[Any],
        render: Callable[[Any], Any],
        variant: Hashable = None,
    ) -> list[bytes]:
        """The JSON of rows ``pks`` (as ``variant``), in order; ``render(pk)`` gives the object
        of a row whose JSON is not cached."""
        if self.version != store.version:
            self.rows.clear()
            self.version = store.version
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

    def drop(self, pk: Any) -> None:
        self.rows.pop(pk, None)

    def clear(self) -> None:
        self.rows.clear()
