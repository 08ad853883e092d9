"""Personal API key lookup, storage and failures (``posthog/auth.py``)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import DEFAULT_KEY
from tests.conftest import body

NOT_AUTHENTICATED = (
    b'{"type":"authentication_error","code":"not_authenticated",'
    b'"detail":"Authentication credentials were not provided.","attr":null}'
)


def failed(source: str) -> bytes:
    return (
        b'{"type":"authentication_error","code":"authentication_failed",'
        b'"detail":"Personal API key found in request ' + source.encode() + b' is invalid.",'
        b'"attr":null}'
    )


def test_no_key_is_not_authenticated_without_www_authenticate(client):
    response = client.get("/api/projects/")
    assert response.status_code == 401
    assert response.data == NOT_AUTHENTICATED
    assert "WWW-Authenticate" not in response.headers


@pytest.mark.parametrize(
    "header", [f"Bearer {DEFAULT_KEY}", f"Bearer   {DEFAULT_KEY}   ", f"Bearer\t{DEFAULT_KEY}"]
)
def test_bearer_header_with_surrounding_whitespace(client, header):
    assert client.get("/api/projects/", headers={"Authorization": header}).status_code == 200


def test_key_in_query_string(client):
    assert client.get(f"/api/projects/?personal_api_key={DEFAULT_KEY}").status_code == 200


def test_key_in_json_body(widgets):
    response = widgets.client().post(
        "/api/projects/1/widgets/",
        data=json.dumps({"personal_api_key": DEFAULT_KEY, "a": 1}),
        content_type="application/json",
    )
    assert response.status_code == 201


def test_key_in_form_body(widgets):
    response = widgets.client().post(
        "/api/projects/1/widgets/", data={"personal_api_key": DEFAULT_KEY, "a": "1"}
    )
    assert response.status_code == 201
    assert body(response)["received"]["a"] == "1"


@pytest.mark.parametrize(
    ("kwargs", "source"),
    [
        ({"headers": {"Authorization": "Bearer phx_wrong"}}, "Authorization header"),
        ({"query_string": "personal_api_key=phx_wrong"}, "query string"),
    ],
)
def test_invalid_key_names_its_source(client, kwargs, source):
    response = client.get("/api/projects/", **kwargs)
    assert response.status_code == 401
    assert response.data == failed(source)


def test_invalid_key_in_body_names_body(widgets):
    response = widgets.client().post(
        "/api/projects/1/widgets/",
        data=json.dumps({"personal_api_key": "phx_wrong"}),
        content_type="application/json",
    )
    assert response.data == failed("body")


def test_only_the_first_source_is_tried(client):
    # A bad header key is not rescued by a good query-string key.
    response = client.get(
        f"/api/projects/?personal_api_key={DEFAULT_KEY}",
        headers={"Authorization": "Bearer phx_wrong"},
    )
    assert response.data == failed("Authorization header")


@pytest.mark.parametrize("header", ["bearer " + DEFAULT_KEY, "Token " + DEFAULT_KEY, "Bearer x"])
def test_malformed_authorization_header_is_ignored(client, header):
    # Not of the form "Bearer <2+ chars>": ignored, so no key at all.
    response = client.get("/api/projects/", headers={"Authorization": header})
    assert response.data == NOT_AUTHENTICATED


def test_oauth_tokens_are_not_personal_api_keys(client):
    response = client.get("/api/projects/", headers={"Authorization": "Bearer pha_oauthtoken"})
    assert response.data == NOT_AUTHENTICATED


def test_inactive_owner_fails_authentication(emulator, client, auth):
    emulator.store.users[1].is_active = False
    assert client.get("/api/projects/", headers=auth).data == failed("Authorization header")


def test_malformed_body_fails_before_401_without_bearer(widgets):
    response = widgets.client().post(
        "/api/projects/1/widgets/", data="{oops", content_type="application/json"
    )
    assert response.status_code == 400
    assert body(response)["code"] == "parse_error"


def test_store_keeps_only_the_hash_and_mask(emulator):
    key = next(iter(emulator.store.keys.values()))
    assert key.secure_value.startswith("sha256$") and len(key.secure_value) == 7 + 64
    assert key.mask_value == "phx_...0000"
    exported = json.dumps(emulator.export_state())
    assert DEFAULT_KEY not in exported
    assert key.secure_value in exported


def test_last_used_at_updates_at_most_hourly(emulator, client, auth):
    emulator.freeze_time("2026-06-15T10:00:00Z")
    client.get("/api/projects/", headers=auth)
    key = next(iter(emulator.store.keys.values()))
    first = key.last_used_at
    emulator.advance_time(minutes=59)
    client.get("/api/projects/", headers=auth)
    assert key.last_used_at == first
    emulator.advance_time(minutes=1)
    client.get("/api/projects/", headers=auth)
    assert key.last_used_at != first
