"""Feature flag activity: ``FeatureFlagViewSet.activity`` / ``all_activity``
(``posthog/api/feature_flag.py``), entries written on every save by ``ModelActivityMixin``
(``posthog/models/activity_logging/model_activity.py``), rendered by ``ActivityLogSerializer``
and paged by ``activity_page_response`` (``posthog/models/activity_logging/``)."""

from __future__ import annotations

from phemu.emulator import Emulator

FLAGS = "/api/projects/1/feature_flags/"
ROLLOUT = {"groups": [{"properties": [], "rollout_percentage": 100}]}


def test_every_write_is_journaled_newest_first(frozen: Emulator, auth: dict[str, str]) -> None:
    client = frozen.client()
    flag = client.post(FLAGS, json={"key": "beta", "filters": ROLLOUT}, headers=auth).json
    frozen.advance_time(minutes=1)
    client.patch(f"{FLAGS}{flag['id']}/", json={"active": False}, headers=auth)
    frozen.advance_time(minutes=1)
    client.patch(f"{FLAGS}{flag['id']}/", json={"deleted": True}, headers=auth)
    body = client.get(f"{FLAGS}{flag['id']}/activity/", headers=auth).json
    assert body["total_count"] == 3 and body["next"] is None and body["previous"] is None
    newest, middle, oldest = body["results"]
    assert oldest["activity"] == "created" and oldest["detail"]["changes"] == []
    assert oldest["detail"]["name"] == "beta" and oldest["item_id"] == str(flag["id"])
    assert oldest["user"] == {"first_name": "Ada", "email": "ada@example.com"}
    assert oldest["scope"] == "FeatureFlag" and oldest["created_at"] == "2026-06-15T10:00:00Z"
    assert middle["detail"]["changes"] == [
        {
            "type": "FeatureFlag",
            "action": "changed",
            "field": "active",
            "before": True,
            "after": False,
        },
        {"type": "FeatureFlag", "action": "changed", "field": "version", "before": 1, "after": 2},
    ]
    assert [c["field"] for c in newest["detail"]["changes"]] == ["deleted", "version"]
    assert set(newest) == {"id", "user", "activity", "scope", "item_id", "detail", "created_at"}


def test_pages_and_links(emulator: Emulator, auth: dict[str, str]) -> None:
    """``limit``/``page`` (Django's Paginator) and ``format_query_params_absolute_url``."""
    client = emulator.client()
    for n in range(3):
        client.post(FLAGS, json={"key": f"f{n}", "filters": ROLLOUT}, headers=auth)
    first = client.get(f"{FLAGS}activity/?limit=2", headers=auth).json
    assert [e["detail"]["name"] for e in first["results"]] == ["f2", "f1"]
    assert first["next"] == f"http://localhost{FLAGS}activity/?limit=2&page=2"
    second = client.get(first["next"], headers=auth).json
    assert [e["detail"]["name"] for e in second["results"]] == ["f0"]
    assert second["previous"] == f"http://localhost{FLAGS}activity/?limit=2&page=1"
    assert client.get(f"{FLAGS}activity/?page=5", headers=auth).status_code == 500


def test_unknown_flag_is_a_bare_404_and_seeds_are_not_journaled(
    emulator: Emulator, auth: dict[str, str]
) -> None:
    response = emulator.client().get(f"{FLAGS}999/activity/", headers=auth)
    assert (response.status_code, response.data, "Content-Type" in response.headers) == (
        404,
        b"",
        False,
    )
    emulator.load_seed({"feature_flags": [{"key": "seeded", "filters": ROLLOUT}]})
    assert emulator.activity_log.all("FeatureFlag") == []
    scoped = emulator.client().get(f"{FLAGS}activity/", headers=auth)
    assert scoped.json["total_count"] == 0
