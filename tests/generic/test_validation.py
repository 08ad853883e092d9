"""Schema-driven request validation answers DRF's first error, as PostHog does."""

from __future__ import annotations

from typing import Any

import pytest

from phemu.emulator import Emulator
from tests.conftest import ADA
from tests.generic.support import NOW
from tests.generic.support import body

FLAGS = "/api/projects/1/feature_flags/"
EXPORTS = "/api/projects/1/batch_exports/"


@pytest.fixture
def emulator() -> Emulator:
    emu = Emulator(load_entrypoints=False)
    emu.freeze_time(NOW)
    yield emu
    emu.check()


def error(code: str, detail: str, attr: str | None) -> dict[str, Any]:
    return {"type": "validation_error", "code": code, "detail": detail, "attr": attr}


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({}, error("required", "This field is required.", "key")),
        ({"key": None}, error("null", "This field may not be null.", "key")),
        ({"key": "  "}, error("blank", "This field may not be blank.", "key")),
        (
            {"key": "k" * 401},
            error("max_length", "Ensure this field has no more than 400 characters.", "key"),
        ),
        ({"key": ["a"]}, error("invalid_input", "Not a valid string.", "key")),
        (
            {"key": "k", "active": "maybe"},
            error("invalid_input", "Must be a valid boolean.", "active"),
        ),
        (
            {"key": "k", "filters": "all"},
            error("not_a_dict", 'Expected a dictionary of items but got type "str".', "filters"),
        ),
        (
            {"key": "k", "version": "v2"},
            error("invalid_input", "A valid integer is required.", "version"),
        ),
        (
            {"key": "k", "evaluation_runtime": "edge"},
            error("invalid_choice", '"edge" is not a valid choice.', "evaluation_runtime"),
        ),
        (
            {"key": "k", "tags": "beta"},
            error("not_a_list", 'Expected a list of items but got type "str".', "tags"),
        ),
        (
            {"key": "k", "created_at": "yesterday"},
            error(
                "invalid_input",
                "Datetime has wrong format. Use one of these formats instead: "
                "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].",
                "created_at",
            ),
        ),
        (
            {"key": "k", "analytics_dashboards": [1, "two"]},
            error("invalid_input", "A valid integer is required.", "analytics_dashboards__1"),
        ),
    ],
)
def test_first_error_is_drfs(emulator: Emulator, payload: dict[str, Any], expected: Any) -> None:
    response = emulator.client().post(FLAGS, json=payload, headers=emulator.auth_headers)
    assert (response.status_code, body(response)) == (400, expected)
    assert emulator.generic.list("feature_flags") == []  # nothing stored


def test_errors_come_in_field_order(emulator: Emulator) -> None:
    # `name` is declared before `key`; DRF collects errors in declaration order.
    response = emulator.client().post(FLAGS, json={"name": ["x"]}, headers=emulator.auth_headers)
    assert body(response)["attr"] == "name"


def test_nested_serializer_errors_carry_the_path(emulator: Emulator) -> None:
    client, headers = emulator.client(), emulator.auth_headers
    base = {"name": "nightly", "interval": "hour"}
    response = client.post(EXPORTS, json={**base, "destination": {}}, headers=headers)
    assert body(response) == error("required", "This field is required.", "destination__type")
    response = client.post(EXPORTS, json={**base, "destination": {"type": "FTP"}}, headers=headers)
    assert body(response) == error(
        "invalid_choice", '"FTP" is not a valid choice.', "destination__type"
    )
    response = client.post(EXPORTS, json={**base, "destination": "s3"}, headers=headers)
    assert body(response) == error(
        "invalid_input", "Invalid data. Expected a dictionary, but got str.", "destination"
    )


def test_body_must_be_an_object(emulator: Emulator) -> None:
    response = emulator.client().post(FLAGS, json=[1], headers=emulator.auth_headers)
    assert body(response) == error(
        "invalid_input", "Invalid data. Expected a dictionary, but got list.", None
    )


def test_patch_is_partial_and_put_is_not(emulator: Emulator) -> None:
    client, headers = emulator.client(), emulator.auth_headers
    assert client.post(FLAGS, json={"key": "k"}, headers=headers).status_code == 201
    assert client.patch(f"{FLAGS}1/", json={"name": "n"}, headers=headers).status_code == 200
    response = client.put(f"{FLAGS}1/", json={"name": "n"}, headers=headers)
    assert body(response) == error("required", "This field is required.", "key")


def test_read_only_fields_are_ignored_and_filled(emulator: Emulator) -> None:
    client, headers = emulator.client(), emulator.auth_headers
    sent = {
        "key": "beta",
        "id": 999,
        "created_by": {"id": 42},
        "updated_at": "2000-01-01T00:00:00Z",
        "is_simple_flag": "not even a boolean",
    }
    created = body(client.post(FLAGS, json=sent, headers=headers))
    assert created["id"] == 1
    assert created["created_by"] == ADA
    assert created["last_modified_by"] == ADA
    assert created["updated_at"] == NOW
    assert created["created_at"] == NOW  # writable, defaulted from the emulator clock
    second = body(client.post(FLAGS, json={"key": "gamma"}, headers=headers))
    assert second["id"] == 2


def test_drf_coercion_of_numbers_and_booleans(emulator: Emulator) -> None:
    client, headers = emulator.client(), emulator.auth_headers
    created = body(
        client.post(FLAGS, json={"key": 7, "active": "true", "version": "3"}, headers=headers)
    )
    assert (created["key"], created["active"], created["version"]) == ("7", True, 3)


def test_form_bodies_are_parsed_like_drf(emulator: Emulator) -> None:
    response = emulator.client().post(
        FLAGS, data={"key": "from-form", "active": "on"}, headers=emulator.auth_headers
    )
    assert response.status_code == 201
    assert (body(response)["key"], body(response)["active"]) == ("from-form", True)
