"""The HogQL query engine behind ``query/`` (docs/query.md).

HogQL text is parsed by sqlglot's ClickHouse dialect (``phemu.query.parse``), resolved against
PostHog's virtual tables and rewritten for DuckDB (``phemu.query.translate``), and run over
per-project DuckDB tables kept in step with the emulator's records (``phemu.query.engine``).
The engine reads records only through :class:`phemu.query.records.ProjectData`, so it does not
depend on how a resource stores them.

sqlglot and DuckDB come with the optional ``phemu[query]`` extra; this package imports without
them, and :func:`available` tells whether the engine can run.
"""

from __future__ import annotations

from importlib.util import find_spec
from typing import TYPE_CHECKING
from typing import Any

if TYPE_CHECKING:
    from phemu.query.records import EventRecord
    from phemu.query.records import PersonRecord
    from phemu.query.records import ProjectData
    from phemu.query.records import SessionRecord
    from phemu.query.records import StaticData

#: The one-line hint for a missing engine.
INSTALL_HINT = "pip install 'phemu[query]'"


_RECORD_NAMES = frozenset(
    {"EventRecord", "PersonRecord", "ProjectData", "SessionRecord", "StaticData"}
)


def __getattr__(name: str) -> Any:
    # The record classes load on first access: resources import ``phemu.query.dates`` with the
    # engine, and should not pay for the records' dataclasses then.
    if name in _RECORD_NAMES:
        from phemu.query import records

        return getattr(records, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def available() -> bool:
    """Whether the ``phemu[query]`` extra (DuckDB and sqlglot) is installed."""
    return find_spec("duckdb") is not None and find_spec("sqlglot") is not None


__all__ = [
    "INSTALL_HINT",
    "EventRecord",
    "PersonRecord",
    "ProjectData",
    "SessionRecord",
    "StaticData",
    "available",
]
