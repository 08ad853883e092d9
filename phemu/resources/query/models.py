"""The query resource's per-emulator state and its Python API.

The state is the engine's DuckDB database: derived data, rebuilt from the records on demand,
so store checkpoints and resets start it empty (``phemu/query/engine.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

from phemu.errors import QueryEngineMissing
from phemu.errors import QueryError

if TYPE_CHECKING:
    from phemu.emulator import Emulator
    from phemu.query.engine import Database


class QueryState:
    """Holds the emulator's query database, created on the first query."""

    def __init__(self) -> None:
        self._database: Database | None = None

    def __deepcopy__(self, memo: dict[int, Any]) -> QueryState:
        return QueryState()

    def database(self) -> Database:
        if self._database is None:
            from phemu.query.engine import Database

            self._database = Database()
        return self._database


def run_query(emulator: Emulator, project: int, body: Any) -> dict[str, Any]:
    """Answer a ``query/`` body for ``project`` exactly as ``POST query/`` does.

    Raises the PostHog error the endpoint would answer (``QueryError`` for HogQL errors,
    ``ParseError`` for a body that is not a ``QueryRequest``, ``QueryEngineMissing`` without
    the ``phemu[query]`` extra).
    """
    try:
        from phemu.query.run import run
    except ImportError:
        raise QueryEngineMissing() from None
    from phemu.resources.query.adapter import project_data

    store = emulator.store
    with store.lock:
        timezone_name = store.projects[project].timezone if project in store.projects else "UTC"
        data = project_data(emulator, project)
        database = store.state(QueryState).database()
        try:
            return run(database, project, data, body, emulator.clock.now(), timezone_name)
        except QueryError as error:
            raise error.for_profile(emulator.profile) from None
