"""The /_phemu/ control plane and its Python twins."""

from __future__ import annotations

import json

from tests.conftest import body


def post_json(client, path, payload, method="POST"):
    return client.open(
        path, method=method, data=json.dumps(payload), content_type="application/json"
    )


def test_health_needs_no_auth(client):
    data = body(client.get("/_phemu/health"))
    assert data["status"] == "ok" and data["profile"] == "docs"


def test_control_plane_is_not_journaled(emulator, client):
    client.get("/_phemu/health")
    assert emulator.requests() == []


def test_seed_then_reset(emulator, client, auth):
    response = post_json(
        client, "/_phemu/seed", {"version": 1, "projects": [{"id": 2, "name": "Two"}]}
    )
    assert response.status_code == 200
    assert body(client.get("/api/projects/", headers=auth))["count"] == 2
    assert client.post("/_phemu/reset").status_code == 200
    assert body(client.get("/api/projects/", headers=auth))["count"] == 1


def test_bad_seed_is_rejected_whole_with_the_record_named(emulator, client, auth):
    bad = {
        "version": 1,
        "projects": [{"id": 2, "name": "Fine"}, {"id": 3, "organization": "nope", "name": "Bad"}],
    }
    response = post_json(client, "/_phemu/seed", bad)
    assert response.status_code == 400
    assert body(response)["error"] == "projects[1] (id 3): organization 'nope' does not exist"
    assert body(client.get("/api/projects/", headers=auth))["count"] == 1


def test_state_round_trip(emulator, client, auth):
    post_json(client, "/_phemu/seed", {"version": 1, "projects": [{"id": 4, "name": "Four"}]})
    exported = body(client.get("/_phemu/state"))
    assert exported["version"] == 1
    client.post("/_phemu/reset")
    assert post_json(client, "/_phemu/state", exported, method="PUT").status_code == 200
    assert body(client.get("/_phemu/state")) == exported
    assert body(client.get("/api/projects/", headers=auth))["count"] == 2


def test_state_of_another_version_is_refused(client):
    response = post_json(client, "/_phemu/state", {"version": 99}, method="PUT")
    assert response.status_code == 400
    assert "version 99" in body(response)["error"]


def test_requests_journal(emulator, client, auth):
    client.get("/api/projects/?limit=1", headers=auth)
    client.get("/api/nothing/")
    data = body(client.get("/_phemu/requests"))
    assert data["count"] == 2
    first = data["results"][0]
    assert (first["method"], first["path"], first["query"], first["status"]) == (
        "GET", "/api/projects/", "limit=1", 200,
    )  # fmt: skip
    assert data["results"][1]["unknown_route"] is True
    assert body(client.get("/_phemu/requests?status=404"))["count"] == 1
    client.delete("/_phemu/requests")
    assert body(client.get("/_phemu/requests"))["count"] == 0


def test_clock_freeze_set_advance(emulator, client):
    data = body(post_json(client, "/_phemu/clock", {"freeze": True, "at": "2026-06-15T10:00:00Z"}))
    assert data == {"now": "2026-06-15T10:00:00Z", "frozen": True}
    data = body(post_json(client, "/_phemu/clock", {"advance": 90.5}))
    assert data["now"] == "2026-06-15T10:01:30.500000Z"
    data = body(post_json(client, "/_phemu/clock", {"set": "2027-01-01T00:00:00+02:00"}))
    assert data["now"] == "2026-12-31T22:00:00Z"
    assert emulator.now().isoformat() == "2026-12-31T22:00:00+00:00"
    data = body(post_json(client, "/_phemu/clock", {"unfreeze": True}))
    assert data["frozen"] is False
    bad = post_json(client, "/_phemu/clock", {"advance": "soon"})
    assert bad.status_code == 400


def test_unknown_control_path_and_method(client):
    assert client.get("/_phemu/nothing").status_code == 404
    assert client.get("/_phemu/reset").status_code == 405


def test_assert_called_reports_near_misses(emulator, client, auth):
    client.get("/api/projets/", headers=auth)
    client.get("/api/projects/", headers=auth)
    emulator.assert_called("GET", "/api/projects", times=1)
    try:
        emulator.assert_called("POST", "/api/projects/")
    except AssertionError as error:
        assert "did you mean /api/projects/" in str(error)
    else:  # pragma: no cover
        raise AssertionError("assert_called should have failed")
