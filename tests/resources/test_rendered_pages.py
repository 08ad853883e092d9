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


def page(
    emulator: Emulator, resource: str, query: str = "", headers: dict[str, str] | None = None
) -> bytes:
    response = emulator.client().get(f"/api/projects/1/{resource}/{query}", headers=headers or AUTH)
    assert response.status_code == 200
    return response.get_data()


def expected(emulator: Emulator, resource: str, viewer: str | None = None) -> bytes:
    """The page rendered the slow way: every row's object (the Python API renders each one
    afresh, as ``viewer``, by default the key's owner, sees it), dumped as one document."""
    as_viewer = {} if viewer is None else {"viewer": viewer}
    rows = getattr(emulator, resource).list(1, **as_viewer)
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


def test_python_api_writes_show_in_the_next_page(emulator: Emulator) -> None:
    assert_fresh(emulator)
    emulator.dashboards.update(1, name="Renamed in Python")
    assert_fresh(emulator)
    emulator.dashboards.create(name="Second board")
    assert_fresh(emulator)
    emulator.insights.update(1, name="Insight renamed", dashboards=[])
    assert_fresh(emulator)
    emulator.subscriptions.create(
        insight=2,
        target_type="slack",
        target_value="C123|#general",
        frequency="weekly",
        start_date="2026-06-16T09:00:00Z",
        title="Made in Python",
    )
    assert_fresh(emulator)
    emulator.subscriptions.update(1, deleted=True)
    assert_fresh(emulator)
    assert [d["name"] for d in json.loads(page(emulator, "dashboards"))["results"]] == [
        "Renamed in Python",
        "Second board",
    ]
    titles = [s["title"] for s in json.loads(page(emulator, "subscriptions"))["results"]]
    assert titles == ["Report 1", "Report 2", "Made in Python"]


def test_a_clock_advance_changes_the_derived_fields_of_the_next_page(emulator: Emulator) -> None:
    """``next_delivery_date`` moves when the scheduler delivers (on the clock's move, before
    any request), ``last_accessed_at`` when a dashboard is read: both show in the next page as
    the Python API shows them."""

    def delivery_dates() -> list[str]:
        rows = json.loads(page(emulator, "subscriptions"))["results"]
        return [row["next_delivery_date"] for row in rows]

    assert delivery_dates() == ["2026-06-16T09:00:00Z"] * 3
    emulator.advance_time(days=2)
    assert [emulator.subscriptions.get(pk)["next_delivery_date"] for pk in (1, 2, 3)] == [
        "2026-06-18T09:00:00Z"
    ] * 3
    assert delivery_dates() == ["2026-06-18T09:00:00Z"] * 3
    assert_fresh(emulator)

    def last_accessed() -> str | None:
        rows = json.loads(page(emulator, "dashboards"))["results"]
        value: str | None = rows[0]["last_accessed_at"]
        return value

    assert last_accessed() is None
    emulator.client().get("/api/projects/1/dashboards/1/", headers=AUTH)
    assert last_accessed() == "2026-06-17T10:00:00Z"
    emulator.advance_time(hours=1)
    assert last_accessed() == "2026-06-17T10:00:00Z"  # only a read of the dashboard stamps it
    emulator.client().get("/api/projects/1/dashboards/1/", headers=AUTH)
    assert last_accessed() == "2026-06-17T11:00:00Z"
    assert_fresh(emulator)


def test_a_members_new_level_shows_in_their_next_page(emulator: Emulator) -> None:
    """``user_access_level`` depends on the viewer's level, which the organization members
    routes change without writing any insight or dashboard."""
    emulator.load_seed(
        {
            "users": [{"email": "bob@example.com", "organizations": {DEFAULT_ORG: 1}}],
            "personal_api_keys": [{"user": "bob@example.com", "value": "phx_bob", "scopes": ["*"]}],
        }
    )
    bob = {"Authorization": "Bearer phx_bob"}
    uuid = next(u.uuid for u in emulator.store.users.values() if u.email == "bob@example.com")

    def levels() -> list[str]:
        found = []
        for resource in ("dashboards", "insights"):
            body = page(emulator, resource, headers=bob)
            assert body == expected(emulator, resource, "bob@example.com")
            found.extend(row["user_access_level"] for row in json.loads(body)["results"])
        return found

    assert levels() == ["editor"] * 3
    members = f"/api/organizations/{DEFAULT_ORG}/members/{uuid}/"
    response = emulator.client().patch(members, json={"level": 8}, headers=AUTH)
    assert response.status_code == 200
    assert levels() == ["manager"] * 3
    owner = emulator.dashboards.viewer()
    assert owner is not None
    emulator.organization_members.update(DEFAULT_ORG, uuid, by=owner.id, body={"level": 1})
    assert levels() == ["editor"] * 3
    assert_fresh(emulator)  # the owner's own view is unchanged and still served


def test_reset_and_import_state_show_in_the_next_page(emulator: Emulator) -> None:
    assert_fresh(emulator)
    saved = emulator.export_state()
    emulator.client().patch("/api/projects/1/insights/1/", json={"name": "Changed"}, headers=AUTH)
    emulator.dashboards.update(1, name="Changed")
    assert_fresh(emulator)
    emulator.import_state(saved)
    assert_fresh(emulator)
    assert json.loads(page(emulator, "insights"))["results"][0]["name"] == "Insight 1"
    emulator.reset()
    assert_fresh(emulator)
    assert json.loads(page(emulator, "dashboards"))["count"] == 0
