"""``{prefix}/events/`` as ``posthog/api/event.py`` answers it (the list's query is
``posthog/models/event/query_event_list.py``, rows ``ClickhouseEventSerializer`` in
``posthog/models/event/util.py``)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest

from phemu.emulator import Emulator
from tests.openapi import assert_valid
from tests.resources.api_support import get_ok as get

EVENTS = "/api/projects/1/events/"


def ns(body: dict[str, Any]) -> list[Any]:
    return [e["properties"].get("n") for e in body["results"]]


@pytest.fixture
def clicks(frozen: Emulator) -> Emulator:
    """Three clicks by u1 a minute apart from 10:00, then one ``other`` by u2 at 10:03."""
    for n in range(3):
        frozen.events.capture("click", "u1", {"n": n, "$set": {"plan": "pro", "email": "a@b.c"}})
        frozen.advance_time(60)
    frozen.events.capture("other", "u2", {"n": 9})
    return frozen


def test_rows_and_order(clicks: Emulator, auth: dict[str, str]) -> None:
    """Newest first; ``timestamp`` is ``isoformat()`` (``+00:00``); ``person`` has only the first
    distinct id and the ``email``/``name``/``username`` properties; ``next`` only when a row
    beyond the page came back."""
    body = get(clicks, auth, EVENTS)
    assert_valid(body, "PaginatedClickhouseEventList")
    assert ns(body) == [9, 2, 1, 0] and body["next"] is None
    first = body["results"][1]
    assert list(first) == [
        "id",
        "distinct_id",
        "properties",
        "event",
        "timestamp",
        "person",
        "elements",
        "elements_chain",
    ]
    assert first["timestamp"] == "2026-06-15T10:02:00+00:00"
    assert first["person"] == {
        "is_identified": False,
        "distinct_ids": ["u1"],
        "properties": {"email": "a@b.c"},
    }
    assert body["results"][0]["person"]["properties"] == {}


def test_next_is_the_same_request_before_the_last_row(
    clicks: Emulator, auth: dict[str, str]
) -> None:
    """``_build_next_url``: the request's parameters (last values) with ``before`` set to the
    last returned event's time."""
    body = get(clicks, auth, f"{EVENTS}?event=click&limit=2")
    assert ns(body) == [2, 1]
    assert body["next"] == (
        "http://localhost/api/projects/1/events/?event=click&limit=2&before="
        + quote("2026-06-15T10:01:00+00:00", safe="")
    )
    follow = get(clicks, auth, body["next"].split("localhost", 1)[1])
    assert ns(follow) == [0] and follow["next"] is None


def test_ascending_order_pages_with_after(clicks: Emulator, auth: dict[str, str]) -> None:
    """``orderBy`` other than ``["-timestamp"]`` sorts ascending and pages with ``after``."""
    body = get(clicks, auth, f"{EVENTS}?orderBy=%5B%22timestamp%22%5D&limit=2")
    assert ns(body) == [0, 1]
    assert "after=2026-06-15T10%3A01%3A00%2B00%3A00" in body["next"]
    assert ns(get(clicks, auth, body["next"].split("localhost", 1)[1])) == [2, 9]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("event=click", [2, 1, 0]),
        ("distinct_id=u2", [9]),
        ("after=2026-06-15T10:01:00Z", [9, 2]),  # strictly after
        ("before=2026-06-15T10:01:00Z", [0]),  # strictly before
        ("before=2026-06-15T10:01:00", [0]),  # naive is the project's time zone (UTC)
        ("offset=1&limit=2", [2, 1]),
        ("properties=" + quote(json.dumps([{"key": "n", "value": 1, "operator": "gt"}])), [9, 2]),
        (
            "properties=" + quote(json.dumps([{"key": "plan", "value": "pro", "type": "person"}])),
            [2, 1, 0],
        ),
        ("properties=" + quote(json.dumps([{"key": "n", "value": ["0", "9"]}])), [9, 0]),
        ("action_id=1", []),
    ],
)
def test_filters(clicks: Emulator, auth: dict[str, str], query: str, expected: list[int]) -> None:
    """``parse_request_params`` and the legacy property filter."""
    assert ns(get(clicks, auth, f"{EVENTS}?{query}")) == expected


def test_person_id_means_the_persons_distinct_ids(clicks: Emulator, auth: dict[str, str]) -> None:
    """``person_id`` (numeric id or uuid) filters on the distinct ids the person has now."""
    clicks.events.capture("$identify", "u2", {"$anon_distinct_id": "u1"})
    person = clicks.persons.get("u2")
    assert person is not None
    assert ns(get(clicks, auth, f"{EVENTS}?person_id={person.id}")) == [None, 9, 2, 1, 0]
    assert ns(get(clicks, auth, f"{EVENTS}?person_id={person.uuid}&event=click")) == [2, 1, 0]
    assert ns(get(clicks, auth, f"{EVENTS}?person_id=999")) == []


def test_events_in_the_future_are_left_out(frozen: Emulator, auth: dict[str, str]) -> None:
    """``before`` defaults to now + 5 seconds."""
    frozen.events.capture("soon", "u1", {"n": 1}, timestamp="2026-06-15T10:00:04Z")
    frozen.events.capture("later", "u1", {"n": 2}, timestamp="2026-06-15T10:00:06Z")
    assert ns(get(frozen, auth, EVENTS)) == [1]


def test_string_values_lose_surrounding_quotes(frozen: Emulator, auth: dict[str, str]) -> None:
    """``parse_properties`` strips ``"`` from both ends of string values."""
    frozen.events.capture("x", "u1", {"quoted": '"hello"', "n": 1})
    assert get(frozen, auth, EVENTS)["results"][0]["properties"]["quoted"] == "hello"


def test_bad_limit_is_posthogs_500(clicks: Emulator, auth: dict[str, str]) -> None:
    """``int(request.GET["limit"])`` is not guarded; a bad offset falls back to 0."""
    assert clicks.client().get(f"{EVENTS}?limit=two", headers=auth).status_code == 500
    assert ns(get(clicks, auth, f"{EVENTS}?offset=x&limit=1")) == [9]
    clicks.bugs.clear()


def test_retrieve(clicks: Emulator, auth: dict[str, str]) -> None:
    """By uuid; the person only with ``include_person``; a malformed uuid gets the view's own
    400 body; an unknown one ``No events exist for event UUID ...``."""
    listed = get(clicks, auth, f"{EVENTS}?event=click&limit=1")["results"][0]
    one = get(clicks, auth, f"{EVENTS}{listed['id']}/")
    assert_valid(one, "ClickhouseEvent")
    assert one == {**listed, "person": None}
    assert get(clicks, auth, f"{EVENTS}{listed['id']}/?include_person=1") == listed
    bad = clicks.client().get(f"{EVENTS}nope/", headers=auth)
    assert (bad.status_code, bad.get_json()) == (
        400,
        {"detail": "Invalid UUID", "code": "invalid", "type": "validation_error"},
    )
    missing = "01928a6e-3c1d-7000-8000-000000000999"
    gone = clicks.client().get(f"{EVENTS}{missing}/", headers=auth)
    assert gone.status_code == 404
    assert gone.get_json()["detail"] == f"No events exist for event UUID {missing}"


def test_properties_must_parse(clicks: Emulator, auth: dict[str, str]) -> None:
    """``Filter``: ``ValidationError("Properties are unparsable!")`` (no attr)."""
    response = clicks.client().get(f"{EVENTS}?properties=%5B", headers=auth)
    assert response.status_code == 400
    assert response.get_json() == {
        "type": "validation_error",
        "code": "invalid_input",
        "detail": "Properties are unparsable!",
        "attr": None,
    }
