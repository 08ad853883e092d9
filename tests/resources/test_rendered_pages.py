"""List pages are assembled from each row's cached JSON: byte for byte the JSON of the rendered
objects, and never stale after any write (HTTP, Python API, seeds, the scheduler)."""

from __future__ import annotations

import json

import pytest

from phemu.emulator import Emulator
from phemu.serialization import dumps
from tests.conftest import DEFAULT_ORG

AUTH: dict[str, str] = {}
NOW = "2026-06-15T10:00:00Z"


@pytest.fixture
def emulator() -> Emulator:
    emulator = Emulator(load_entrypoints=False)
    emulator.freeze_time(NOW)
    AUTH.update(emulator.auth_headers)
    emulator.load_seed(
        {
            "insights": [{"id": i, "name": f"Insight {i}", "query": {"kind": "X"}} for i in (1, 2)],
            "dashboards": [{"id": 1, "name": "Board", "tiles": [1]}],
            "subscriptions": [
                {
                    "insight": 1,
                    "target_type": "email",
                    "target_value": "a@example.com",
                    "frequency": "daily",
                    "start_date": "2026-06-01T09:00:00Z",
                    "title": f"Report {n}",
                }
                for n in range(3)
            ],
        }
    )
    return emulator


def page(emulator: Emulator, resource: str, query: str = "") -> bytes:
    response = emulator.client().get(f"/api/projects/1/{resource}/{query}", headers=AUTH)
    assert response.status_code == 200
    return response.get_data()


def expected(emulator: Emulator, resource: str) -> bytes:
    """The page rendered the slow way: every row's object (the Python API renders each one
    afresh, as the key's owner sees it), dumped as one document."""
    rows = getattr(emulator, resource).list(1)
    return dumps({"count": len(rows), "next": None, "previous": None, "results": rows})


@pytest.mark.parametrize("resource", ["subscriptions", "dashboards", "insights"])
def test_pages_are_the_rendered_rows_byte_for_byte(emulator: Emulator, resource: str) -> None:
    assert page(emulator, resource) == expected(emulator, resource)
    assert page(emulator, resource) == expected(emulator, resource)  # now from the cache


def test_limited_pages_keep_drf_links(emulator: Emulator) -> None:
    body = json.loads(page(emulator, "subscriptions", "?limit=1&offset=1"))
    assert body["next"] == "http://localhost/api/projects/1/subscriptions/?limit=1&offset=2"
    assert body["previous"] == "http://localhost/api/projects/1/subscriptions/?limit=1"
    assert [r["title"] for r in body["results"]] == ["Report 1"]


def assert_fresh(emulator: Emulator) -> None:
    for resource in ("subscriptions", "dashboards", "insights"):
        assert page(emulator, resource) == expected(emulator, resource), resource


def test_writes_through_every_path_show_in_the_next_page(emulator: Emulator) -> None:
    client = emulator.client()
    assert_fresh(emulator)  # fills the caches
    client.patch("/api/projects/1/subscriptions/1/", json={"title": "Renamed"}, headers=AUTH)
    assert_fresh(emulator)
    emulator.subscriptions.update(2, title="From Python")
    assert_fresh(emulator)
    client.patch("/api/projects/1/dashboards/1/", json={"name": "Board 2"}, headers=AUTH)
    assert_fresh(emulator)
    emulator.insights.update(2, dashboards=[1])  # a tile: insight 2 now shows dashboard 1
    assert_fresh(emulator)
    insights = json.loads(page(emulator, "insights"))["results"]
    assert [i["dashboards"] for i in insights] == [[1], [1]]
    client.patch("/api/projects/1/insights/1/", json={"name": "Insight one"}, headers=AUTH)
    assert_fresh(emulator)
    client.patch("/api/projects/1/dashboards/1/", json={"deleted": True}, headers=AUTH)
    assert_fresh(emulator)
    insights = json.loads(page(emulator, "insights"))["results"]
    assert [i["dashboards"] for i in insights] == [[], []]
    before = json.loads(page(emulator, "subscriptions"))["results"][0]["next_delivery_date"]
    emulator.advance_time(days=1)  # the scheduler moves next_delivery_date on
    assert_fresh(emulator)
    after = json.loads(page(emulator, "subscriptions"))["results"][0]["next_delivery_date"]
    assert after != before
    grace = {"email": "ada@example.com", "first_name": "Grace", "organizations": [DEFAULT_ORG]}
    emulator.load_seed({"users": [grace]})
    assert_fresh(emulator)
    subscription = json.loads(page(emulator, "subscriptions"))["results"][0]
    assert subscription["created_by"]["first_name"] == "Grace"


def test_pages_follow_every_change_of_a_lists_order_and_members(emulator: Emulator) -> None:
    """A page is kept whole between requests: new rows, renames, pins, soft deletes and
    restores still show in the next page, in PostHog's order."""
    client = emulator.client()

    def names(resource: str, query: str = "") -> list[str]:
        return [row["name"] for row in json.loads(page(emulator, resource, query))["results"]]

    assert_fresh(emulator)
    client.post("/api/projects/1/dashboards/", json={"name": "Alpha"}, headers=AUTH)
    assert names("dashboards") == ["Alpha", "Board"]
    client.patch("/api/projects/1/dashboards/1/", json={"pinned": True}, headers=AUTH)
    assert names("dashboards") == ["Board", "Alpha"]
    client.patch("/api/projects/1/dashboards/1/", json={"deleted": True}, headers=AUTH)
    assert names("dashboards") == ["Alpha"]
    emulator.dashboards.update(1, deleted=False)
    assert names("dashboards") == ["Board", "Alpha"]
    assert_fresh(emulator)

    assert names("insights", "?search=insight") == ["Insight 1", "Insight 2"]
    client.patch("/api/projects/1/insights/2/", json={"name": "Other"}, headers=AUTH)
    assert names("insights", "?search=insight") == ["Insight 1"]
    emulator.insights.create(name="Insight three")
    assert names("insights", "?search=insight") == ["Insight 1", "Insight three"]
    assert names("insights", "?limit=1&offset=2") == ["Insight three"]
    client.patch("/api/projects/1/insights/1/", json={"deleted": True}, headers=AUTH)
    assert names("insights", "?search=insight") == ["Insight three"]
    short_id = emulator.insights.get(2)["short_id"]
    assert names("insights", f"?short_id={short_id}") == ["Other"]
    assert_fresh(emulator)

    client.post(
        "/api/projects/1/subscriptions/",
        json={
            "insight": 2,
            "target_type": "email",
            "target_value": "b@example.com",
            "frequency": "daily",
            "start_date": "2026-06-01T09:00:00Z",
            "title": "New",
        },
        headers=AUTH,
    )
    assert_fresh(emulator)
