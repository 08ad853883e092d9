"""The example plugin of plugins/README.md, tested the way the guide recommends: through HTTP
on an ``Emulator`` built with the plugin."""

from __future__ import annotations

from typing import Any

import phemu_example
import pytest

from phemu import Emulator
from phemu.errors import SeedError

NOTES = "/api/projects/1/example_notes/"
READONLY = {"Authorization": f"Bearer {phemu_example.READONLY_KEY}"}


@pytest.fixture
def emulator() -> Emulator:
    emulator = Emulator(plugins=["phemu_example"])
    emulator.freeze_time("2026-06-15T10:00:00Z")
    return emulator


def test_the_route_lists_the_seeded_note(emulator: Emulator) -> None:
    body = emulator.client().get(NOTES, headers=emulator.auth_headers).json
    assert body["count"] == 1
    assert body["results"][0]["text"] == "Welcome to the example plugin"
    assert body["next"] is None and body["previous"] is None


def test_scopes_apply_to_the_plugin_route(emulator: Emulator) -> None:
    client = emulator.client()
    assert client.get(NOTES, headers=READONLY).status_code == 200
    denied = client.post(NOTES, json={"text": "hi"}, headers=READONLY)
    assert denied.status_code == 403
    assert denied.json == {
        "type": "authentication_error",
        "code": "permission_denied",
        "detail": "API key missing required scope 'notebook:write'",
        "attr": None,
    }
    # The read-only key the plugin seeded cannot read anything else either.
    assert client.get("/api/projects/1/", headers=READONLY).status_code == 403
    assert client.get(NOTES).status_code == 401


def test_create_validate_and_retrieve(emulator: Emulator) -> None:
    client, headers = emulator.client(), emulator.auth_headers
    created = client.post(NOTES, json={"text": "  remember the milk "}, headers=headers)
    assert created.status_code == 201
    assert created.json == {
        "id": 2,
        "text": "remember the milk",
        "created_at": "2026-06-15T10:00:00Z",
    }
    assert client.get("/api/environments/1/example_notes/2", headers=headers).json["id"] == 2
    missing = client.post(NOTES, json={}, headers=headers)
    assert missing.json == {
        "type": "validation_error",
        "code": "required",
        "detail": "This field is required.",
        "attr": "text",
    }
    assert (
        client.post(NOTES, json={"text": "x" * 201}, headers=headers).json["code"] == "max_length"
    )
    assert client.get(NOTES + "99/", headers=headers).json["detail"] == "Not found."
    assert client.get(NOTES + "abc/", headers=headers).status_code == 404


def test_reset_restores_the_seeded_notes(emulator: Emulator) -> None:
    client, headers = emulator.client(), emulator.auth_headers
    client.post(NOTES, json={"text": "temporary"}, headers=headers)
    emulator.reset()
    texts = [n["text"] for n in client.get(NOTES, headers=headers).json["results"]]
    assert texts == ["Welcome to the example plugin"]


def test_notes_are_part_of_exported_and_imported_state(emulator: Emulator) -> None:
    client, headers = emulator.client(), emulator.auth_headers
    client.post(NOTES, json={"text": "kept"}, headers=headers)
    state = emulator.export_state()
    assert [n["text"] for n in state["example_notes"]] == ["Welcome to the example plugin", "kept"]
    other = Emulator(plugins=["phemu_example"], default_seed=False)
    other.import_state(state)
    assert other.client().get(NOTES, headers=headers).json["count"] == 2


def test_bad_seed_records_name_themselves(emulator: Emulator) -> None:
    bad: dict[str, Any] = {
        "example_notes": [{"project": 1, "text": "ok"}, {"project": 42, "text": "x"}]
    }
    with pytest.raises(SeedError, match=r"example_notes\[1\].*project 42 does not exist"):
        emulator.load_seed(bad)
    assert emulator.client().get(NOTES, headers=emulator.auth_headers).json["count"] == 1


def test_deliveries_are_observed_per_emulator_and_readable_on_the_control_plane(
    emulator: Emulator,
) -> None:
    emulator.outbox.append({"kind": "scheduled", "target_type": "email", "subscription": 1})
    seen = emulator.client().get("/_phemu/example/deliveries").json
    assert seen == {"count": 1, "results": [{"outbox_id": 1, "kind": "scheduled", "to": "email"}]}
    assert (
        Emulator(plugins=["phemu_example"]).client().get("/_phemu/example/deliveries").json["count"]
        == 0
    )
    emulator.reset()
    assert emulator.client().get("/_phemu/example/deliveries").json["count"] == 0


def test_it_can_be_disabled_by_name() -> None:
    emulator = Emulator(plugins=["phemu_example"], disable_plugins=["example"])
    assert emulator.client().get(NOTES, headers=emulator.auth_headers).status_code == 404
    assert emulator.client().get("/_phemu/example/deliveries").status_code == 404
