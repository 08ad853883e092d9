"""Schema-driven request validation answers DRF's first error, as PostHog does."""

from __future__ import annotations

from typing import Any

import pytest

from phemu.emulator import Emulator
from tests.conftest import ADA
from tests.conftest import body
from tests.generic.support import NOW

FEATURES = "/api/projects/1/early_access_feature/"
FUNCTIONS = "/api/environments/1/hog_functions/"
ACTIONS = "/api/projects/1/actions/"
EXPORTS = "/api/projects/1/batch_exports/"
FEATURE = {"name": "n", "stage": "beta"}


def error(code: str, detail: str, attr: str | None) -> dict[str, Any]:
    return {"type": "validation_error", "code": code, "detail": detail, "attr": attr}


CASES = [
    (FEATURES, {}, error("required", "This field is required.", "name")),
    (FEATURES, {"name": None}, error("null", "This field may not be null.", "name")),
    (
        FEATURES,
        {"name": "  ", "stage": "beta"},
        error("blank", "This field may not be blank.", "name"),
    ),
    (
        FEATURES,
        {"name": "n" * 201},
        error("max_length", "Ensure this field has no more than 200 characters.", "name"),
    ),
    (FEATURES, {"name": ["a"]}, error("invalid_input", "Not a valid string.", "name")),
    (
        FEATURES,
        {"name": "n", "stage": "gamma"},
        error("invalid_choice", '"gamma" is not a valid choice.', "stage"),
    ),
    (
        FEATURES,
        {**FEATURE, "documentation_url": "nope"},
        error("invalid_input", "Enter a valid URL.", "documentation_url"),
    ),
    (
        FEATURES,
        {**FEATURE, "feature_flag_id": "x"},
        error("invalid_input", "A valid integer is required.", "feature_flag_id"),
    ),
    (
        FUNCTIONS,
        {"enabled": "maybe"},
        error("invalid_input", "Must be a valid boolean.", "enabled"),
    ),
    (
        FUNCTIONS,
        {"inputs": "all"},
        error("not_a_dict", 'Expected a dictionary of items but got type "str".', "inputs"),
    ),
    (
        FUNCTIONS,
        {"inputs_schema": "x"},
        error("not_a_list", 'Expected a list of items but got type "str".', "inputs_schema"),
    ),
    (FUNCTIONS, {"masking": {}}, error("required", "This field is required.", "masking__ttl")),
    (
        FUNCTIONS,
        {"filters": "all"},
        error(
            "invalid_input",
            "Invalid data. Expected a dictionary, but got str.",
            "filters__non_field_errors",
        ),
    ),
    (
        FUNCTIONS,
        {"execution_order": "v2"},
        error("invalid_input", "A valid integer is required.", "execution_order"),
    ),
    (
        ACTIONS,
        {"last_calculated_at": "yesterday"},
        error(
            "invalid_input",
            "Datetime has wrong format. Use one of these formats instead: "
            "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].",
            "last_calculated_at",
        ),
    ),
]


@pytest.mark.parametrize(("path", "payload", "expected"), CASES)
def test_first_error_is_drfs(
    emulator: Emulator, path: str, payload: dict[str, Any], expected: Any
) -> None:
    response = emulator.client().post(path, json=payload, headers=emulator.auth_headers)
    assert (response.status_code, body(response)) == (400, expected)
    assert emulator.export_state()["generic"] == []  # nothing stored


def test_errors_come_in_field_order(emulator: Emulator) -> None:
    # `name` is declared before `stage`; DRF collects errors in declaration order.
    response = emulator.client().post(
        FEATURES, json={"stage": "gamma", "name": None}, headers=emulator.auth_headers
    )
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


def test_body_must_be_an_object(emulator: Emulator) -> None:
    response = emulator.client().post(FEATURES, json=[1], headers=emulator.auth_headers)
    assert body(response) == error(
        "invalid_input", "Invalid data. Expected a dictionary, but got list.", None
    )


def test_patch_is_partial_and_put_is_not(emulator: Emulator) -> None:
    client, headers = emulator.client(), emulator.auth_headers
    created = body(client.post(FEATURES, json=FEATURE, headers=headers))
    path = f"{FEATURES}{created['id']}/"
    assert client.patch(path, json={"description": "d"}, headers=headers).status_code == 200
    response = client.put(path, json={"description": "d"}, headers=headers)
    assert body(response) == error("required", "This field is required.", "name")


def test_read_only_fields_are_ignored_and_filled(emulator: Emulator) -> None:
    client, headers = emulator.client(), emulator.auth_headers
    sent = {
        "name": "first",
        "id": 999,
        "created_by": {"id": 42},
        "created_at": "2000-01-01T00:00:00Z",
        "is_calculating": "not even a boolean",
    }
    created = body(client.post(ACTIONS, json=sent, headers=headers))
    assert created["id"] == 1  # the collection's own sequence
    assert created["created_by"] == ADA
    assert created["created_at"] == NOW
    second = body(client.post(ACTIONS, json={"name": "second"}, headers=headers))
    assert second["id"] == 2


def test_drf_coercion_of_numbers_and_booleans(emulator: Emulator) -> None:
    client, headers = emulator.client(), emulator.auth_headers
    created = body(client.post(ACTIONS, json={"name": 5, "post_to_slack": "true"}, headers=headers))
    assert (created["name"], created["post_to_slack"]) == ("5", True)


def test_form_bodies_are_parsed_like_drf(emulator: Emulator) -> None:
    response = emulator.client().post(
        ACTIONS, data={"name": "from-form", "post_to_slack": "on"}, headers=emulator.auth_headers
    )
    assert response.status_code == 201
    assert (body(response)["name"], body(response)["post_to_slack"]) == ("from-form", True)


def test_form_list_fields_read_the_indexed_form(emulator: Emulator) -> None:
    """DRF's ``ListField.get_value``: a form's list is the repeated key, else ``key[0]``,
    ``key[1]``... in index order, and on a partial update only the key itself counts."""
    client, headers = emulator.client(), emulator.auth_headers
    created = body(
        client.post(
            ACTIONS,
            data={"name": "indexed", "tags[1]": "second", "tags[0]": "first"},
            headers=headers,
        )
    )
    assert created["tags"] == ["first", "second"]
    repeated = body(
        client.post(ACTIONS, data={"name": "repeated", "tags": ["a", "b"]}, headers=headers)
    )
    assert repeated["tags"] == ["a", "b"]
    patched = body(
        client.patch(f"{ACTIONS}{created['id']}/", data={"tags[0]": "ignored"}, headers=headers)
    )
    assert patched["tags"] == ["first", "second"]
