"""Seeding subscriptions without HTTP: the ``subscriptions`` seed section and Emulator methods."""

from __future__ import annotations

from typing import Any

import pytest

from phemu.errors import NotFound
from phemu.errors import ProjectNotFound
from phemu.errors import SeedError
from phemu.errors import ValidationError
from phemu.resources.subscriptions.models import SubscriptionsState
from tests.resources.subscriptions_support import BASE
from tests.resources.subscriptions_support import Api
from tests.resources.subscriptions_support import make_emulator
from tests.resources.subscriptions_support import valid


def seed(api: Api, *records: dict[str, Any]) -> None:
    api.emulator.load_seed({"version": 1, "subscriptions": list(records)})


def test_seed_records_use_api_names(api: Api) -> None:
    seed(
        api,
        {**valid(title="Seeded"), "project": 1},
        {
            **valid(insight=8, target_type="slack", target_value="C1|#x"),
            "project": 2,
            "id": 40,
            "created_by": "ada@example.com",
            "created_at": "2026-01-02T03:04:05.5Z",
            "next_delivery_date": "2026-06-16T00:00:00Z",
        },
    )
    status, page = api.get()
    assert status == 200
    (first,) = page["results"]
    assert (first["id"], first["title"], first["created_by"]["email"]) == (
        1,
        "Seeded",
        "ada@example.com",
    )
    assert first["created_at"] == "2026-06-15T10:00:00Z"
    assert first["next_delivery_date"] == "2026-06-20T00:00:00Z"
    status, second = api.get("/api/projects/2/subscriptions/40/")
    assert (second["created_at"], second["next_delivery_date"]) == (
        "2026-01-02T03:04:05.500000Z",
        "2026-06-16T00:00:00Z",
    )
    # Explicit ids move the shared counter on; seeds write no outbox entries.
    assert api.created()["id"] == 41
    assert api.emulator.subscriptions.deliveries("value_change") == [
        api.emulator.outbox.entries()[0]
    ]
    # A seeded next_delivery_date is due like any other.
    api.emulator.set_time("2026-06-16T00:00:00Z")
    assert [e["subscription_id"] for e in api.emulator.subscriptions.deliveries("scheduled")] == [
        40
    ]


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"project": 99}, "subscriptions[0]: project 99 does not exist"),
        ({"project": 1, "id": "x"}, "subscriptions[0] (id 'x'): 'id' must be a positive integer"),
        ({"project": 1, "frequency": "hourly"},
         'subscriptions[0]: frequency: "hourly" is not a valid choice.'),
        ({"project": 1, "insight": 9, "target_type": "webhook", "target_value": "http://localhost/"},
         "subscriptions[0]: target_value: Invalid webhook URL: Local/Loopback host not allowed"),
        ({"project": 1, "insight": 8}, "subscriptions[0]: insight: This insight does not belong to your team."),
        ({"project": 1, "byweekday": ["monday"], "bysetpos": 0},
         "subscriptions[0]: the schedule is invalid (bysetpos must be between -366 and 366, "
         "not 0, when byweekday is set)"),
        ({"project": 1, "created_by": "nobody@example.com"},
         "subscriptions[0]: created_by 'nobody@example.com' is not a known user email or id"),
        ({"project": 1, "colour": "red"}, "subscriptions[0]: unknown key(s) 'colour'"),
        ({"project": 1, "created_at": "yesterday"},
         "subscriptions[0]: 'created_at' is not an ISO 8601 datetime: 'yesterday'"),
    ],
)  # fmt: skip
def test_seed_errors_name_the_record_and_load_nothing(
    api: Api, record: dict[str, Any], message: str
) -> None:
    with pytest.raises(SeedError) as caught:
        seed(api, {**valid(), **record})
    assert str(caught.value) == message
    assert api.emulator.subscriptions.list() == []


def test_a_bad_record_rolls_back_the_whole_document(api: Api) -> None:
    with pytest.raises(SeedError, match=r"subscriptions\[1\]"):
        seed(api, {**valid(), "project": 1}, {**valid(interval=0), "project": 1})
    assert api.emulator.subscriptions.list() == []
    assert api.created()["id"] == 1


def test_seeds_may_point_at_soft_deleted_targets(api: Api) -> None:
    seed(api, {**valid(insight=9), "project": 1})
    assert api.get()[1]["results"][0]["insight"] == 9


def test_export_round_trips(api: Api) -> None:
    api.created(title="A", byweekday=["friday", "monday"], bysetpos=-1, frequency="monthly")
    gone = api.created(insight=None, dashboard=3, target_type="webhook",
                       target_value="https://example.com/h")  # fmt: skip
    api.patch(gone["id"], {"deleted": True})
    api.created(count=3)  # exhausted: next_delivery_date null
    seed(api, {**valid(), "project": 1, "created_by": None})
    api.emulator.set_time("2026-06-15T10:00:00.25Z")
    api.created(start_date="2022-01-01T00:00:00.123456Z")
    before = api.emulator.export_state()
    listing = api.get(f"{BASE}?limit=100", check_schema=False)[1]  # one created_by is null
    deleted = api.get(f"{BASE}?deleted=true")[1]

    fresh = make_emulator()
    fresh.freeze_time("2026-06-15T09:00:00Z")  # an earlier clock: stored dates are kept as is
    fresh.import_state(before)
    again = Api(fresh)
    assert fresh.export_state()["subscriptions"] == before["subscriptions"]
    assert again.get(f"{BASE}?limit=100", check_schema=False)[1] == listing
    assert again.get(f"{BASE}?deleted=true")[1] == deleted
    assert again.created()["id"] == 6


def test_seeded_row_without_created_by_is_null(api: Api) -> None:
    seed(api, {**valid(), "project": 1, "created_by": None})
    _, data = api.get(f"{BASE}1/", check_schema=False)
    assert data["created_by"] is None


# -- Emulator methods ---------------------------------------------------------------------------


def test_create_subscription_method() -> None:
    emulator = make_emulator()
    data = emulator.subscriptions.create(
        insight=7, target_type="email", target_value="x@y.z", frequency="daily",
        start_date="2022-01-01", title="From Python",
    )  # fmt: skip
    assert data["created_by"]["email"] == "ada@example.com"
    assert data["next_delivery_date"] == "2026-06-16T00:00:00Z"
    assert emulator.outbox.entries() == []
    assert emulator.subscriptions.get(data["id"]) == data
    assert Api(emulator).get(f"{BASE}{data['id']}/") == (200, data)
    other = emulator.subscriptions.create(2, notify=True, created_by=1, **valid(insight=8))
    assert other["id"] == 2
    assert emulator.subscriptions.deliveries("value_change")[0]["subscription_id"] == 2
    assert emulator.subscriptions.list(2) == [other]
    emulator.check()


def test_create_subscription_validates_like_post() -> None:
    emulator = make_emulator()
    with pytest.raises(ValidationError) as caught:
        emulator.subscriptions.create(**valid(interval=0))
    assert caught.value.body() == {
        "type": "validation_error",
        "code": "min_value",
        "detail": "Ensure this value is greater than or equal to 1.",
        "attr": "interval",
    }
    with pytest.raises(ProjectNotFound):
        emulator.subscriptions.create(5, **valid())
    assert emulator.store.state(SubscriptionsState).rows == {}


def test_update_subscription_method_and_listing_deleted() -> None:
    emulator = make_emulator()
    first = emulator.subscriptions.create(**valid())
    second = emulator.subscriptions.create(**valid())
    data = emulator.subscriptions.update(first["id"], deleted=True, title="gone")
    assert (data["deleted"], data["title"]) == (True, "gone")
    assert [s["id"] for s in emulator.subscriptions.list()] == [second["id"]]
    assert [s["id"] for s in emulator.subscriptions.list(deleted=True)] == [first["id"]]
    emulator.subscriptions.update(second["id"], target_value="new@x.io", notify=True)
    assert (
        emulator.subscriptions.deliveries("value_change")[0]["previous_value"] == "test@posthog.com"
    )
    with pytest.raises(NotFound):
        emulator.subscriptions.update(999, title="x")
    with pytest.raises(NotFound):
        emulator.subscriptions.get(999)


def test_project_may_be_left_out_with_a_single_project() -> None:
    from phemu.emulator import Emulator

    emulator = Emulator(load_entrypoints=False)
    emulator.load_seed({"insights": [{"project": 1, "id": 7}]})
    emulator.load_seed({"version": 1, "subscriptions": [valid()]})
    assert [s["insight"] for s in emulator.subscriptions.list(1)] == [7]
    with pytest.raises(SeedError, match=r"'project' is required when there is not exactly one"):
        make_emulator().load_seed({"version": 1, "subscriptions": [valid()]})
