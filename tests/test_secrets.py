"""Keys never appear in plaintext where a request is recorded or logged (issue 12, item 7).

PostHog reads a personal API key from the ``Authorization`` header, a body's
``personal_api_key`` or the query's; the journal (``emulator.requests()``,
``GET /_phemu/requests``, assertion messages), the web inspector and the server's access log
show it only masked, as PostHog masks keys (``phx_...0000``).
"""

from __future__ import annotations

import json
import logging
from urllib.parse import quote

import pytest
import requests

from phemu.emulator import Emulator
from phemu.journal import mask_query
from phemu.server import ThreadedServer
from tests.conftest import DEFAULT_KEY

MASKED = "phx_...0000"
SHORT_KEY = "phx_bob2"  # under 16 characters: PostHog masks it whole


def recorded_surfaces(emulator: Emulator) -> str:
    """Everything a user can read back about past requests, as one text."""
    client = emulator.client()
    journal = client.get("/_phemu/requests").get_data(as_text=True)
    inspector = client.get("/_phemu/").get_data(as_text=True)
    entries = json.dumps([e.to_dict() for e in emulator.requests()])
    try:
        emulator.assert_called("GET", "/api/nothing/")
    except AssertionError as error:
        report = str(error)
    return "\n".join([journal, inspector, entries, report])


@pytest.mark.parametrize(
    ("how", "query"),
    [
        ("query", f"personal_api_key={DEFAULT_KEY}"),
        ("query, encoded name", f"limit=1&personal%5Fapi%5Fkey={DEFAULT_KEY}"),
        ("query, other parameter", f"search={DEFAULT_KEY}"),
    ],
)
def test_a_key_in_the_query_is_recorded_masked(how: str, query: str) -> None:
    emulator = Emulator(load_entrypoints=False)
    response = emulator.client().get(f"/api/projects/?{query}")
    if how != "query, other parameter":
        assert response.status_code == 200  # masking changes the records, not the request
    text = recorded_surfaces(emulator)
    assert DEFAULT_KEY not in text
    assert DEFAULT_KEY[4:] not in text
    assert MASKED in text


@pytest.mark.parametrize("how", ["header", "json body", "form body"])
def test_keys_in_headers_and_bodies_are_never_recorded(how: str) -> None:
    emulator = Emulator(load_entrypoints=False)
    client = emulator.client()
    if how == "header":
        response = client.get("/api/projects/", headers={"Authorization": f"Bearer {DEFAULT_KEY}"})
    elif how == "json body":
        response = client.post(
            "/api/projects/1/dashboards/", json={"personal_api_key": DEFAULT_KEY}
        )
    else:
        response = client.post(
            "/api/projects/1/dashboards/", data={"personal_api_key": DEFAULT_KEY, "name": "x"}
        )
    assert response.status_code in (200, 201)
    assert DEFAULT_KEY[4:] not in recorded_surfaces(emulator)


def test_a_short_key_is_masked_whole() -> None:
    assert mask_query(f"personal_api_key={SHORT_KEY}") == "personal_api_key=********"
    assert mask_query("personal_api_key=") == "personal_api_key="
    assert mask_query("limit=1&offset=2") == "limit=1&offset=2"
    assert mask_query("token=phc_projectTokenIsPublic0001") == "token=phc_projectTokenIsPublic0001"
    assert mask_query(f"q={quote('see ' + DEFAULT_KEY)}") == "q=see+phx_...0000"


def test_the_access_log_masks_keys(caplog: pytest.LogCaptureFixture) -> None:
    emulator = Emulator(load_entrypoints=False)
    with (
        caplog.at_level(logging.INFO, logger="phemu.access"),
        ThreadedServer(emulator, access_log=True) as server,
    ):
        response = requests.get(f"{server.url}/api/projects/?personal_api_key={DEFAULT_KEY}")
        assert response.status_code == 200
        response = requests.get(
            f"{server.url}/api/projects/", headers={"Authorization": f"Bearer {DEFAULT_KEY}"}
        )
        assert response.status_code == 200
    lines = [r.getMessage() for r in caplog.records if r.name == "phemu.access"]
    assert len(lines) == 2
    assert lines[0].startswith(f"GET /api/projects/?personal_api_key={MASKED} 200 ")
    assert not any(DEFAULT_KEY[4:] in line for line in lines)
