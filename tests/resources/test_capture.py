"""Capture doors: what PostHog's capture service accepts and answers (``rust/capture/src``)."""

from __future__ import annotations

import base64
import gzip
import json
from urllib.parse import urlencode

import pytest

from phemu.emulator import Emulator

TOKEN = "phc_phemuDefaultProjectToken0000000000000000000"


def _post(emulator: Emulator, path: str, body: bytes, **headers: str):
    return emulator.client().post(
        path, data=body, headers={"Content-Type": "application/json", **headers}
    )


def event(name: str = "signup_completed", **extra: object) -> dict[str, object]:
    return {"event": name, "distinct_id": "user-1", "properties": {"plan": "pro"}, **extra}


@pytest.mark.parametrize("path", ["/batch/", "/e/", "/i/v0/e/", "/capture/", "/track/", "/batch"])
def test_every_door_stores_the_event(emulator: Emulator, path: str) -> None:
    response = _post(emulator, path, json.dumps({"api_key": TOKEN, "batch": [event()]}).encode())
    assert response.status_code == 200
    assert response.get_json() == {"status": "Ok"}
    assert emulator.events.captured("signup_completed", plan="pro")


@pytest.mark.parametrize(
    "payload",
    [
        {"api_key": TOKEN, "batch": [event()]},
        {**event(), "api_key": TOKEN},
        [{**event(), "token": TOKEN}],
        {**event(), "$token": TOKEN},
        {
            "event": "signup_completed",
            "properties": {"token": TOKEN, "distinct_id": "user-1", "plan": "pro"},
        },
    ],
    ids=["batch", "single", "array", "dollar-token", "properties-token"],
)
def test_body_shapes_and_token_places(emulator: Emulator, payload: object) -> None:
    assert _post(emulator, "/e/", json.dumps(payload).encode()).status_code == 200
    assert [e["distinct_id"] for e in emulator.events.find("signup_completed")] == ["user-1"]


def test_gzip_by_header_by_magic_and_by_query(emulator: Emulator) -> None:
    body = gzip.compress(json.dumps({"api_key": TOKEN, "batch": [event()]}).encode())
    assert _post(emulator, "/batch/", body, **{"Content-Encoding": "gzip"}).status_code == 200
    assert _post(emulator, "/batch/", body).status_code == 200
    assert (
        _post(
            emulator, "/batch/?compression=gzip-js", body, **{"Content-Type": "text/plain"}
        ).status_code
        == 200
    )
    assert len(emulator.events.find("signup_completed")) == 3


def test_base64_form_data_as_older_browser_sdks_send(emulator: Emulator) -> None:
    data = base64.b64encode(json.dumps([{**event(), "token": TOKEN}]).encode()).decode()
    response = emulator.client().post(
        "/e/",
        data=urlencode({"data": data}),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200
    assert emulator.events.captured("signup_completed")


def test_top_level_set_is_folded_into_properties(emulator: Emulator) -> None:
    # posthog-python's set() sends "$set" beside "properties" (posthog/client.py).
    message = {"event": "$set", "distinct_id": "user-1", "$set": {"plan": "pro"}}
    _post(emulator, "/batch/", json.dumps({"api_key": TOKEN, "batch": [message]}).encode())
    assert emulator.events.find("$set")[0]["properties"]["$set"] == {"plan": "pro"}
    assert emulator.persons.get("user-1").properties == {"plan": "pro"}


@pytest.mark.parametrize(
    ("payload", "status", "text"),
    [
        ({"batch": [event()]}, 401, "event submitted without an api_key"),
        (
            {"api_key": "phx_personal", "batch": [event()]},
            401,
            "API key is not valid: personal_api_key",
        ),
        ({"api_key": " ", "batch": [event()]}, 401, "API key is not valid: empty"),
        ({"api_key": "x" * 65, "batch": [event()]}, 401, "API key is not valid: too_long"),
        (
            {"api_key": TOKEN, "batch": [{**event(), "api_key": "phc_other"}]},
            401,
            "batch submitted with inconsistent api_key values",
        ),
        ({"api_key": TOKEN, "batch": []}, 400, "request holds no event"),
        (
            {"api_key": TOKEN, "batch": [{"distinct_id": "u"}]},
            400,
            "event submitted with an empty event name",
        ),
        (
            {"api_key": TOKEN, "batch": [{"event": "x"}]},
            400,
            "event submitted without a distinct_id",
        ),
        (
            {"api_key": TOKEN, "batch": [{"event": "x", "distinct_id": " "}]},
            400,
            "event submitted with an empty distinct_id",
        ),
    ],
)
def test_refusals_are_plain_text(
    emulator: Emulator, payload: object, status: int, text: str
) -> None:
    response = _post(emulator, "/batch/", json.dumps(payload).encode())
    assert (response.status_code, response.get_data(as_text=True)) == (status, text)
    assert response.mimetype == "text/plain"
    assert emulator.events.all() == []


def test_unparseable_bodies(emulator: Emulator) -> None:
    response = _post(emulator, "/batch/", b"{not json")
    assert response.status_code == 400
    assert response.get_data(as_text=True).startswith("failed to parse request: ")
    response = _post(emulator, "/batch/", b"\x1f\x8bnot gzip")
    assert response.get_data(as_text=True) == "failed to decode request: invalid GZIP data"


def test_unknown_token_is_accepted_and_dropped(emulator: Emulator) -> None:
    # Capture checks only the token's shape; PostHog drops unknown tokens later in its pipeline.
    response = _post(
        emulator, "/batch/", json.dumps({"api_key": "phc_nobody", "batch": [event()]}).encode()
    )
    assert response.status_code == 200
    assert emulator.events.all() == []


def test_timestamps_are_corrected_for_client_clock_skew(emulator: Emulator) -> None:
    emulator.freeze_time("2026-06-15T10:00:00Z")
    skewed = {**event(), "timestamp": "2026-06-15T08:59:50Z", "sent_at": "2026-06-15T09:00:00Z"}
    _post(emulator, "/batch/", json.dumps({"api_key": TOKEN, "batch": [skewed]}).encode())
    assert emulator.events.all()[0]["timestamp"] == "2026-06-15T09:59:50Z"


def test_session_events_feed_session_derivation(emulator: Emulator, auth: dict[str, str]) -> None:
    batch = [
        {
            **event("$pageview"),
            "properties": {"$session_id": "s1", "$current_url": "https://example.com/a"},
            "timestamp": "2026-06-15T10:00:00Z",
        },
        {
            **event("$pageview"),
            "properties": {"$session_id": "s1", "$current_url": "https://example.com/b"},
            "timestamp": "2026-06-15T10:05:00Z",
        },
    ]
    _post(emulator, "/batch/", json.dumps({"api_key": TOKEN, "batch": batch}).encode())
    session = emulator.sessions.properties("s1")
    assert session is not None
    assert session["$pageview_count"] == 2
    assert session["$entry_current_url"] == "https://example.com/a"


def test_control_plane_lists_captured_events(emulator: Emulator) -> None:
    _post(
        emulator,
        "/batch/",
        json.dumps({"api_key": TOKEN, "batch": [event(), event("other")]}).encode(),
    )
    listed = emulator.client().get("/_phemu/events?event=signup_completed").get_json()
    assert listed["count"] == 1
    assert listed["results"][0]["properties"] == {"plan": "pro"}
    assert emulator.client().delete("/_phemu/events").get_json() == {"status": "cleared"}
    assert emulator.events.all() == []


def test_captured_events_and_persons_are_queryable(
    emulator: Emulator, auth: dict[str, str]
) -> None:
    pytest.importorskip("duckdb")
    batch = [{**event(), "properties": {"plan": "pro", "$set": {"plan": "pro"}}}]
    _post(emulator, "/batch/", json.dumps({"api_key": TOKEN, "batch": batch}).encode())
    query = {"kind": "HogQLQuery", "query": "select event, person.properties.plan from events"}
    response = emulator.client().post("/api/projects/1/query/", json={"query": query}, headers=auth)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["results"] == [["signup_completed", "pro"]]
