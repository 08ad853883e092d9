"""``query/:id/``: asynchronous queries, their status and cancellation (``posthog/api/query.py``,
``posthog/clickhouse/client/execute_async.py``)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

pytest.importorskip("duckdb")

from phemu.emulator import Emulator
from tests.openapi import assert_valid

EVENTS = [
    {
        "project": 1,
        "event": name,
        "distinct_id": f"u{n}",
        "timestamp": f"2026-06-15T0{n}:00:00Z",
        "properties": {},
    }
    for n, name in enumerate(["a", "b", "a", "c", "a"])
]


@pytest.fixture
def seeded(emulator: Emulator) -> Emulator:
    emulator.freeze_time("2026-06-15T12:00:00Z")
    emulator.load_seed({"events": EVENTS})
    return emulator


def call(emulator: Emulator, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    response = emulator.client().open(
        f"/api/projects/1/{path}", method=method, json=body, headers=emulator.auth_headers
    )
    return response.status_code, response.json


HOGQL = {
    "kind": "HogQLQuery",
    "query": "select event, count() from events group by event order by event",
}


@pytest.mark.parametrize("ask", [{"refresh": "async"}, {"refresh": "force_async"}, {"async": True}])
def test_an_async_query_answers_202_then_its_status_holds_the_results(
    seeded: Emulator, ask: dict[str, Any]
) -> None:
    status, body = call(seeded, "POST", "query/", {"query": HOGQL, "client_query_id": "q1", **ask})
    assert status == 202
    pending = body["query_status"]
    assert (pending["id"], pending["team_id"], pending["complete"]) == ("q1", 1, False)
    assert pending["start_time"] == "2026-06-15T12:00:00Z" and pending["results"] is None
    status, body = call(seeded, "GET", "query/q1/")
    assert status == 200
    done = body["query_status"]
    # query_progress is an Optional $ref PostHog renders as null; the schema omits "nullable"
    assert done["query_progress"] is None
    assert_valid(
        {"query_status": {k: v for k, v in done.items() if k != "query_progress"}},
        "QueryStatusResponse",
    )
    assert (done["complete"], done["error"]) == (True, False)
    expected = sorted(Counter(e["event"] for e in EVENTS).items())
    assert done["results"]["results"] == [list(pair) for pair in expected]


def test_a_failed_async_query_reports_its_error(seeded: Emulator) -> None:
    bad = {"kind": "HogQLQuery", "query": "select nope from events"}
    status, body = call(seeded, "POST", "query/", {"query": bad, "refresh": "async"})
    assert status == 202
    status, body = call(seeded, "GET", f"query/{body['query_status']['id']}/")
    assert status == 400
    assert body["query_status"]["error_message"] == "Unable to resolve field: nope"
    assert (body["query_status"]["complete"], body["query_status"]["error"]) == (True, True)


def test_unknown_and_expired_statuses_are_not_found(seeded: Emulator) -> None:
    status, body = call(seeded, "GET", "query/nope/")
    assert (status, body) == (
        404,
        {
            "type": "invalid_request",
            "code": "not_found",
            "detail": "Query nope not found for team 1",
            "attr": None,
        },
    )
    call(seeded, "POST", "query/", {"query": HOGQL, "refresh": "async", "client_query_id": "q2"})
    seeded.advance_time(minutes=19)
    assert call(seeded, "GET", "query/q2/")[0] == 200
    seeded.advance_time(minutes=1)
    assert call(seeded, "GET", "query/q2/")[0] == 404


def test_cancel(seeded: Emulator) -> None:
    call(seeded, "POST", "query/", {"query": HOGQL, "refresh": "async", "client_query_id": "q3"})
    assert call(seeded, "DELETE", "query/q3/") == (200, {"message": "Query already complete"})
    assert call(seeded, "GET", "query/q3/")[0] == 200
    assert call(seeded, "DELETE", "query/other/") == (
        200,
        {"message": "Cancelled query on clickhouse"},
    )
    assert call(seeded, "DELETE", "query/other/?dequeue_only=true") == (
        200,
        {"message": "Only tried to dequeue, not cancelling query on clickhouse"},
    )


def test_a_blocking_query_leaves_no_status(seeded: Emulator) -> None:
    status, _ = call(seeded, "POST", "query/", {"query": HOGQL, "client_query_id": "q4"})
    assert status == 200
    assert call(seeded, "GET", "query/q4/")[0] == 404
