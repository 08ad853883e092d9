"""The query resource's per-emulator state and :class:`QueryBackend`, its Python API.

The state is the engine's DuckDB database (derived data, rebuilt from the records on demand, so
store checkpoints start it empty: ``phemu/query/engine.py``) and the statuses of queries asked
for asynchronously (``posthog/clickhouse/client/execute_async.py``).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from typing import TYPE_CHECKING
from typing import Any

from phemu.errors import Msg
from phemu.errors import NotFound
from phemu.errors import QueryEngineMissing
from phemu.errors import QueryError
from phemu.resources._base import Backend

if TYPE_CHECKING:
    from phemu.query.engine import Database

#: ``QueryStatusManager.STATUS_TTL_SECONDS``: a status is kept 20 minutes.
STATUS_TTL = timedelta(minutes=20)
#: ``refresh`` values (and the legacy ``async: true``) that answer with a query status
#: (``posthog/hogql_queries/query_runner.py``, ``execution_mode_from_refresh``).
ASYNC_REFRESH = ("async", "force_async")


class QueryState:
    """The emulator's query database (created on the first query) and async query statuses."""

    def __init__(self) -> None:
        self._database: Database | None = None
        #: (project, query id) -> (status, expiry)
        self.statuses: dict[tuple[int, str], tuple[dict[str, Any], datetime]] = {}

    def __deepcopy__(self, memo: dict[int, Any]) -> QueryState:
        copied = QueryState()
        copied.statuses = dict(self.statuses)
        return copied

    def database(self) -> Database:
        if self._database is None:
            from phemu.query.engine import Database

            self._database = Database()
        return self._database


class QueryBackend(Backend):
    """``emulator.query``: run a ``query/`` body as ``POST query/`` does, read and cancel
    asynchronous queries as ``GET`` / ``DELETE query/:id/`` do."""

    def run(self, body: Any, *, project: int = 1) -> dict[str, Any]:
        """The ``query/`` answer for ``project``; raises the PostHog error the endpoint would
        answer (``QueryError`` for HogQL errors, ``ParseError`` for a body that is not a
        ``QueryRequest``, ``QueryEngineMissing`` without the ``phemu[query]`` extra). An
        asynchronous request (``refresh: "async"``) answers ``{"query_status": ...}``, pending."""
        try:
            from phemu.query.run import run
        except ImportError:
            raise QueryEngineMissing() from None
        from phemu.resources.events.models import project_zone
        from phemu.resources.query.adapter import project_data

        emulator, store = self.emulator, self.store
        with store.lock:
            # HogQL runs in the team's zone (``posthog/hogql/context.py``); a name zoneinfo does
            # not know falls back to UTC, as everywhere else in phemu.
            timezone_name = str(getattr(project_zone(emulator, project), "key", "UTC"))
            data = project_data(emulator, project)
            database = store.state(QueryState).database()
            now = emulator.clock.now()
            if not _is_async(body):
                try:
                    return run(database, project, data, body, now, timezone_name)
                except QueryError as error:
                    raise error.for_profile(emulator.profile) from None
            # Asked asynchronously: computed now (from the records as they are now), answered
            # by the first status read, as PostHog's worker would have finished it.
            query_id = str(body.get("client_query_id") or uuid.uuid4().hex)
            status = _status(query_id, project, now)
            pending = dict(status)
            try:
                status["results"] = run(database, project, data, body, now, timezone_name)
                status["error"] = False
            except QueryError as error:
                status["error_message"] = error.for_profile(emulator.profile).detail
            status.update(complete=True, pickup_time=_json_time(now), end_time=_json_time(now))
            status["expiration_time"] = _json_time(now + STATUS_TTL)
            store.state(QueryState).statuses[(project, query_id)] = (status, now + STATUS_TTL)
            return {"query_status": pending}

    def status(self, query_id: str, *, project: int = 1) -> dict[str, Any]:
        """``GET query/:id/``: the stored ``QueryStatus``, as long as PostHog keeps it."""
        with self.store.lock:
            found = self._live(project, query_id)
            if found is None:
                raise NotFound(Msg.QUERY_NOT_FOUND.format(id=query_id, team=project))
            return dict(found)

    def cancel(self, query_id: str, *, project: int = 1, dequeue_only: bool = False) -> str:
        """``DELETE query/:id/`` (``cancel_query``): a finished query stays; anything else is
        forgotten. Returns PostHog's message."""
        with self.store.lock:
            found = self._live(project, query_id)
            if found is not None and found["complete"]:
                return Msg.QUERY_ALREADY_COMPLETE
            self.store.state(QueryState).statuses.pop((project, query_id), None)
        return Msg.QUERY_DEQUEUED if dequeue_only else Msg.QUERY_CANCELLED

    def _live(self, project: int, query_id: str) -> dict[str, Any] | None:
        statuses = self.store.state(QueryState).statuses
        found = statuses.get((project, query_id))
        if found is None:
            return None
        if self.emulator.clock.now() >= found[1]:
            del statuses[(project, query_id)]
            return None
        return found[0]


def _json_time(moment: datetime) -> str:
    """Django's JSON encoding of a datetime: milliseconds at most, ``Z`` for UTC."""
    text = moment.astimezone(timezone.utc).replace(tzinfo=None).isoformat()
    return (text[:23] if moment.microsecond else text) + "Z"


def _is_async(body: Any) -> bool:
    return isinstance(body, Mapping) and (
        body.get("async") is True or body.get("refresh") in ASYNC_REFRESH
    )


def _status(query_id: str, project: int, now: datetime) -> dict[str, Any]:
    """A new ``QueryStatus`` (``posthog/schema.py``; the model's field order)."""
    return {
        "complete": False,
        "dashboard_id": None,
        "end_time": None,
        "error": True,
        "error_message": None,
        "expiration_time": _json_time(now + STATUS_TTL),
        "id": query_id,
        "insight_id": None,
        "labels": None,
        "pickup_time": None,
        "query_async": True,
        "query_progress": None,
        "results": None,
        "start_time": _json_time(now),
        "task_id": None,
        "team_id": project,
    }
