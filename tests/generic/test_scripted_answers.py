"""Tests script the answer of any schema operation, from Python or over the control plane."""

from __future__ import annotations

import json

import pytest

from phemu.emulator import Emulator
from phemu.errors import ValidationError
from phemu.resources.generic import Answer
from tests.conftest import body

ACTIONS = "/api/projects/1/actions/"


def test_queued_answers_come_first_then_the_generic_one(emulator: Emulator) -> None:
    client, headers = emulator.client(), emulator.auth_headers
    emulator.generic.queue("actions_list", {"results": ["scripted"]}, Answer(None, 503))
    assert emulator.generic.pending() == {"actions_list": 2}
    first = client.get(ACTIONS, headers=headers)
    assert (first.status_code, body(first)) == (200, {"results": ["scripted"]})
    second = client.get(ACTIONS, headers=headers)
    assert (second.status_code, second.get_data()) == (503, b"null")
    third = client.get(ACTIONS, headers=headers)
    assert body(third)["count"] == 0
    assert [e.tier for e in emulator.requests()] == ["scripted", "scripted", "stateful"]
    assert emulator.generic.pending() == {}


def test_scripted_errors_are_posthog_errors(emulator: Emulator) -> None:
    emulator.generic.queue(
        "actions_create", ValidationError("An action with this name exists", attr="name")
    )
    response = emulator.client().post(ACTIONS, json={"name": "k"}, headers=emulator.auth_headers)
    assert (response.status_code, body(response)) == (
        400,
        {
            "type": "validation_error",
            "code": "invalid_input",
            "detail": "An action with this name exists",
            "attr": "name",
        },
    )
    assert emulator.generic.list("actions") == []  # nothing was written


def test_only_schema_driven_operations_take_scripts(emulator: Emulator) -> None:
    with pytest.raises(KeyError, match="hand-written resource"):
        emulator.generic.queue("feature_flags_list", {})
    with pytest.raises(KeyError, match="not an operationId"):
        emulator.generic.queue("flags_list", {})


def test_scripts_do_not_bypass_the_platform_checks(emulator: Emulator) -> None:
    emulator.generic.queue("actions_list", {"scripted": True})
    response = emulator.client().get(ACTIONS)
    assert response.status_code == 401
    assert emulator.generic.pending() == {"actions_list": 1}


def test_control_plane_queues_counts_and_clears(emulator: Emulator) -> None:
    client = emulator.client()
    queued = client.post(
        "/_phemu/generic/answers",
        json={"operation": "environments_hog_functions_list", "bodies": [{"a": 1}, {"b": 2}]},
    )
    assert json.loads(queued.data) == {"pending": {"environments_hog_functions_list": 2}}
    client.post(
        "/_phemu/generic/answers",
        json={"operation": "environments_web_vitals_retrieve", "body": {}, "status": 202},
    )
    response = client.post("/_phemu/generic/answers", json={"operation": "nope_list", "body": {}})
    assert (response.status_code, json.loads(response.data)) == (
        400,
        {"error": "'nope_list' is not an operationId of PostHog's schema"},
    )
    got = emulator.client().get("/api/environments/1/hog_functions/", headers=emulator.auth_headers)
    assert body(got) == {"a": 1}
    client.delete("/_phemu/generic/answers?operation=environments_hog_functions_list")
    assert json.loads(client.get("/_phemu/generic/answers").data) == {
        "pending": {"environments_web_vitals_retrieve": 1}
    }
    client.delete("/_phemu/generic/answers")
    assert json.loads(client.get("/_phemu/generic/answers").data) == {"pending": {}}
    for bad in ({}, {"operation": "x"}, {"operation": "x", "body": 1, "bodies": []}):
        assert client.post("/_phemu/generic/answers", json=bad).status_code == 400


def test_reset_drops_the_queue(emulator: Emulator) -> None:
    emulator.generic.queue("actions_list", {})
    emulator.reset()
    assert emulator.generic.pending() == {}
