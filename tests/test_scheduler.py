"""The emulated subscription scheduler, driven by the emulator clock.

PostHog runs ``schedule-all-subscriptions`` at minute 55 of every hour (``posthog/temporal/
schedule.py``, cron ``55 * * * *``); each run delivers what is due within 15 minutes and not
pointing at a soft-deleted insight or dashboard (``posthog/temporal/subscriptions/
subscription_scheduling_workflow.py``, ``fetch_due_subscriptions_activity``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck
from hypothesis import example
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from tests.resources.subscriptions_support import BASE
from tests.resources.subscriptions_support import OMIT
from tests.resources.subscriptions_support import Api
from tests.resources.subscriptions_support import make_emulator


@pytest.fixture
def api() -> Iterator[Api]:
    emulator = make_emulator()
    yield Api(emulator)
    emulator.check()


def scheduled(api: Api) -> list[tuple[int, str]]:
    return [
        (e["subscription_id"], e["scheduled_for"])
        for e in api.emulator.subscriptions.deliveries("scheduled")
    ]


def patch_board(api: Api, url: str, **body: Any) -> int:
    """PATCH an insight or dashboard (soft delete / restore); the status code."""
    return api.client.patch(url, headers=api.headers, json=body).status_code


def next_date(api: Api, pk: int) -> Any:
    return api.get(f"{BASE}{pk}/")[1]["next_delivery_date"]


def test_reference_example_delivered_by_the_run_before_it_is_due(api: Api) -> None:
    sub = api.created()
    assert sub["next_delivery_date"] == "2026-06-20T00:00:00Z"
    api.emulator.set_time("2026-06-19T23:54:59Z")
    assert scheduled(api) == []
    api.emulator.set_time("2026-06-19T23:55:00Z")  # due within this run's 15-minute look-ahead
    entries = api.emulator.subscriptions.deliveries("scheduled")
    assert entries == [
        {
            "id": 2,
            "kind": "scheduled",
            "at": "2026-06-19T23:55:00Z",
            "project_id": 1,
            "subscription_id": sub["id"],
            "target_type": "email",
            "target_value": "test@posthog.com",
            "previous_value": None,
            "invite_message": None,
            "scheduled_for": "2026-06-20T00:00:00Z",
            "recipients": ["test@posthog.com"],
        }
    ]
    assert next_date(api, sub["id"]) == "2026-06-27T00:00:00Z"


@pytest.mark.parametrize(
    ("start", "delivered_at"),
    [
        ("2026-06-15T10:20:00Z", "2026-06-15T10:55:00Z"),  # runs only at minute 55
        ("2026-06-15T11:10:00Z", "2026-06-15T10:55:00Z"),  # exactly 15 minutes ahead
        ("2026-06-15T11:10:01Z", "2026-06-15T11:55:00Z"),  # just beyond the look-ahead
        ("2026-06-15T11:55:00Z", "2026-06-15T11:55:00Z"),
    ],
)
def test_runs_at_minute_55_with_a_15_minute_look_ahead(
    api: Api, start: str, delivered_at: str
) -> None:
    sub = api.created(frequency="daily", start_date=start)
    assert sub["next_delivery_date"] == start
    api.emulator.advance_time(hours=3)
    entries = api.emulator.subscriptions.deliveries("scheduled")
    assert [(e["at"], e["scheduled_for"]) for e in entries] == [(delivered_at, start)]


def test_a_jump_replays_every_hourly_run_in_between(api: Api) -> None:
    sub = api.created()
    api.emulator.advance_time(days=30)  # to 2026-07-15T10:00:00Z
    assert scheduled(api) == [
        (sub["id"], "2026-06-20T00:00:00Z"),
        (sub["id"], "2026-06-27T00:00:00Z"),
        (sub["id"], "2026-07-04T00:00:00Z"),
        (sub["id"], "2026-07-11T00:00:00Z"),
    ]
    assert [e["at"] for e in api.emulator.subscriptions.deliveries("scheduled")] == [
        "2026-06-19T23:55:00Z",
        "2026-06-26T23:55:00Z",
        "2026-07-03T23:55:00Z",
        "2026-07-10T23:55:00Z",
    ]
    assert next_date(api, sub["id"]) == "2026-07-18T00:00:00Z"


def test_advance_three_weeks_step_by_step_gives_three_weekly_deliveries(api: Api) -> None:
    sub = api.created()
    for _ in range(21):
        api.emulator.advance_time(days=1)
    assert scheduled(api) == [
        (sub["id"], "2026-06-20T00:00:00Z"),
        (sub["id"], "2026-06-27T00:00:00Z"),
        (sub["id"], "2026-07-04T00:00:00Z"),
    ]
    assert next_date(api, sub["id"]) == "2026-07-11T00:00:00Z"


def test_successive_values_from_2022(api: Api) -> None:
    api.emulator.set_time("2022-01-01T00:00:00Z")
    sub = api.created(
        frequency="monthly", interval=2, byweekday=["wednesday", "friday"], bysetpos=-1
    )
    seen = [sub["next_delivery_date"]]
    for _ in range(2):
        api.emulator.set_time(seen[-1])
        seen.append(next_date(api, sub["id"]))
    assert seen == ["2022-01-28T00:00:00Z", "2022-03-30T00:00:00Z", "2022-05-27T00:00:00Z"]


def test_successive_values_each_from_a_fresh_clock() -> None:
    cases = [
        ({"frequency": "weekly", "interval": 2}, ["2022-01-15T00:00:00Z"]),
        (
            {
                "frequency": "monthly",
                "byweekday": ["monday", "tuesday", "wednesday", "thursday", "friday",
                              "saturday", "sunday"],
                "bysetpos": 3,
            },
            ["2022-01-03T00:00:00Z", "2022-02-03T00:00:00Z"],
        ),
        ({"frequency": "monthly", "bysetpos": 3}, ["2022-02-01T00:00:00Z"]),
        (
            {"frequency": "monthly", "interval": 2, "byweekday": ["wednesday", "friday"],
             "bysetpos": -1},
            ["2022-01-28T00:00:00Z", "2022-03-30T00:00:00Z", "2022-05-27T00:00:00Z"],
        ),
    ]  # fmt: skip
    for schedule, expected in cases:
        api = Api(make_emulator())
        api.emulator.set_time("2022-01-01T00:00:00Z")
        sub = api.created(**schedule)
        seen = [sub["next_delivery_date"]]
        while len(seen) < len(expected):
            api.emulator.set_time(seen[-1])
            seen.append(next_date(api, sub["id"]))
        assert seen == expected, schedule
        assert len(scheduled(api)) == len(expected) - 1


def test_due_subscriptions_fire_in_date_then_id_order(api: Api) -> None:
    late = api.created(frequency="daily", start_date="2026-06-15T12:00:00Z")
    early = api.created(frequency="daily", start_date="2026-06-15T11:00:00Z")
    same = api.created(frequency="daily", start_date="2026-06-15T11:00:00Z")
    api.emulator.set_time("2026-06-15T13:00:00Z")
    assert scheduled(api) == [
        (early["id"], "2026-06-15T11:00:00Z"),
        (same["id"], "2026-06-15T11:00:00Z"),
        (late["id"], "2026-06-15T12:00:00Z"),
    ]


def test_recipients_and_targets_at_delivery_time(api: Api) -> None:
    sub = api.created(target_value="a@x.io, b@x.io")
    api.patch(sub["id"], {"target_value": "c@x.io,,d@x.io "})
    api.emulator.set_time("2026-06-20T00:00:00Z")
    entry = api.emulator.subscriptions.deliveries("scheduled")[0]
    assert (entry["target_value"], entry["recipients"]) == ("c@x.io,,d@x.io", ["c@x.io", "d@x.io"])
    slack = api.created(target_type="slack", target_value="C1|#general")
    api.emulator.set_time("2026-06-27T00:00:00Z")
    assert api.emulator.subscriptions.deliveries("scheduled", subscription_id=slack["id"])[0][
        "recipients"
    ] == ["C1|#general"]


def test_deleted_rows_are_skipped_and_a_restored_one_fires_at_the_next_run(api: Api) -> None:
    sub = api.created()
    api.patch(sub["id"], {"deleted": True})
    api.emulator.set_time("2026-07-15T10:00:00Z")
    assert scheduled(api) == []
    assert next_date(api, sub["id"]) == "2026-06-20T00:00:00Z"  # stale, not recomputed
    _status, data = api.patch(sub["id"], {"deleted": False})
    assert data["next_delivery_date"] == "2026-06-20T00:00:00Z"
    api.get()  # a request runs a tick, but no run happened since the last one
    assert scheduled(api) == []
    api.emulator.advance_time(hours=1)  # the 10:55 run
    assert scheduled(api) == [(sub["id"], "2026-06-20T00:00:00Z")]
    assert next_date(api, sub["id"]) == "2026-07-18T00:00:00Z"


@pytest.mark.parametrize(("target", "path"), [({"insight": 7}, "insights/7"),
                                              ({"insight": OMIT, "dashboard": 3}, "dashboards/3")])  # fmt: skip
def test_a_soft_deleted_insight_or_dashboard_holds_its_subscriptions(
    api: Api, target: dict[str, Any], path: str
) -> None:
    """``.exclude(dashboard__deleted=True).exclude(insight__deleted=True)``: not delivered, and
    ``next_delivery_date`` stays, so a restore delivers the missed occurrence at the next run."""
    sub = api.created(**target)
    url = f"/api/projects/1/{path}/"
    assert patch_board(api, url, deleted=True) == 200
    api.emulator.advance_time(days=14)  # 2026-06-29T10:00:00Z
    assert scheduled(api) == []
    assert next_date(api, sub["id"]) == "2026-06-20T00:00:00Z"
    assert patch_board(api, url, deleted=False) == 200
    api.emulator.advance_time(hours=1)
    assert scheduled(api) == [(sub["id"], "2026-06-20T00:00:00Z")]
    assert api.emulator.subscriptions.deliveries("scheduled")[0]["at"] == "2026-06-29T10:55:00Z"
    assert next_date(api, sub["id"]) == "2026-07-04T00:00:00Z"


def test_other_subscriptions_run_while_one_is_held(api: Api) -> None:
    held = api.created(insight=7)
    live = api.created(insight=10)
    assert patch_board(api, "/api/projects/1/insights/7/", deleted=True) == 200
    api.emulator.advance_time(days=14)
    assert {pk for pk, _ in scheduled(api)} == {live["id"]}
    assert next_date(api, held["id"]) == "2026-06-20T00:00:00Z"


def test_the_first_tick_only_starts_the_clock() -> None:
    """A store seeded with an overdue subscription delivers it at the next run, not at once."""
    emulator = make_emulator()
    emulator.load_seed(
        {"subscriptions": [{"project": 1, "insight": 7, "target_type": "email",
                            "target_value": "a@x.io", "frequency": "weekly",
                            "start_date": "2022-01-01T00:00:00Z",
                            "next_delivery_date": "2026-06-01T00:00:00Z"}]}
    )  # fmt: skip
    api = Api(emulator)
    api.get()
    assert scheduled(api) == []
    emulator.advance_time(minutes=55)
    assert scheduled(api) == [(1, "2026-06-01T00:00:00Z")]


def test_moving_the_clock_back_replays_nothing(api: Api) -> None:
    sub = api.created()
    api.emulator.set_time("2026-06-21T00:00:00Z")
    assert len(scheduled(api)) == 1
    api.emulator.set_time("2026-06-10T00:00:00Z")
    api.emulator.set_time("2026-06-21T00:00:00Z")
    assert len(scheduled(api)) == 1
    assert next_date(api, sub["id"]) == "2026-06-27T00:00:00Z"


def test_exhausted_schedules_stop(api: Api) -> None:
    sub = api.created(frequency="daily", start_date="2026-06-16T00:00:00Z", count=2)
    for _ in range(5):
        api.emulator.advance_time(days=1)
    assert scheduled(api) == [
        (sub["id"], "2026-06-16T00:00:00Z"),
        (sub["id"], "2026-06-17T00:00:00Z"),
    ]
    assert next_date(api, sub["id"]) is None


def test_ticks_run_on_freeze_and_explicit_calls_and_requests() -> None:
    from datetime import timedelta

    from phemu.resources.subscriptions.models import SubscriptionsState

    api = Api(make_emulator())
    sub = api.created()
    api.emulator.freeze_time("2026-06-19T23:55:00Z")  # a clock change ticks
    assert len(scheduled(api)) == 1
    state = api.emulator.store.state(SubscriptionsState)
    row = state.get(sub["id"])
    assert row is not None
    # Make it due again and pretend the last tick was an hour ago (before this run): a request
    # and an explicit call each run the scheduler.
    for trigger in (api.get, api.emulator.tick):
        now = api.emulator.clock.now()
        row.next_delivery_date = now
        state.schedule(row)
        state.scheduled_until = now - timedelta(hours=1)
        before = len(scheduled(api))
        trigger()
        assert len(scheduled(api)) == before + 1


def test_control_plane_clock_drives_the_scheduler(api: Api) -> None:
    api.created()
    response = api.client.post("/_phemu/clock", json={"advance": 5 * 86400})
    assert response.status_code == 200
    assert len(scheduled(api)) == 1
    data = api.client.get("/_phemu/outbox?kind=scheduled").get_json()
    assert data["count"] == 1


def test_a_tick_with_nothing_due_changes_nothing(api: Api) -> None:
    api.created()
    before = api.emulator.export_state()
    for _ in range(3):
        api.emulator.tick()
    assert api.emulator.export_state() == before
    assert scheduled(api) == []


def test_other_project_subscriptions_are_delivered_with_their_project(api: Api) -> None:
    _status, sub = api.call(
        "POST",
        "/api/projects/2/subscriptions/",
        {"insight": 8, "target_type": "email", "target_value": "p2@x.io", "frequency": "daily",
         "start_date": "2022-01-01"},
    )  # fmt: skip
    api.emulator.advance_time(days=1)
    entry = api.emulator.subscriptions.deliveries("scheduled")[0]
    assert (entry["project_id"], entry["subscription_id"]) == (2, sub["id"])


def test_a_delivery_hook_may_call_the_emulator_back() -> None:
    from phemu import hookimpl

    seen: list[int] = []

    class CallsBack:
        @hookimpl
        def phemu_subscription_delivery(self, emulator: Any, entry: dict[str, Any]) -> None:
            if entry["kind"] == "scheduled":
                response = emulator.client().get(BASE, headers=Api(emulator).headers)
                seen.append(response.status_code)

    emulator = make_emulator(plugins=[CallsBack()])
    Api(emulator).created()
    emulator.advance_time(days=5)  # the tick delivers; the hook's request runs a nested tick
    assert seen == [200]
    assert len(emulator.subscriptions.deliveries("scheduled")) == 1


def test_docs_example_three_weeks_at_once(api: Api) -> None:
    """docs/subscriptions.md: one jump of 21 days gives a weekly subscription 3 deliveries."""
    api.created()
    api.emulator.advance_time(days=21)
    assert len(api.emulator.subscriptions.deliveries("scheduled")) == 3


# -- the kept "first run that can deliver" ----------------------------------------------------

STEPS = st.one_of(
    st.tuples(
        st.just("advance"), st.sampled_from([1, 5, 14, 15, 16, 59, 60, 61, 600, 1440, 10080])
    ),
    st.tuples(st.just("back"), st.sampled_from([1, 60, 1440])),
    st.tuples(st.just("create"), st.sampled_from(["daily", "weekly", "monthly"])),
    st.tuples(st.just("interval"), st.integers(1, 3)),
    st.tuples(st.just("delete"), st.booleans()),
    st.tuples(st.just("insight_deleted"), st.booleans()),
    st.tuples(st.just("request"), st.just(0)),
)


def replay(steps: list[tuple[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Deliveries and subscriptions after ``steps`` (clock moves, writes, requests)."""
    from datetime import timedelta

    from phemu.emulator import Emulator

    emulator = Emulator(load_entrypoints=False, seeds=[{"insights": [{"id": 7, "name": "I"}]}])
    emulator.freeze_time("2026-06-15T10:00:00Z")
    api = Api(emulator)
    ids: list[int] = []
    for kind, value in steps:
        if kind == "advance":
            emulator.advance_time(timedelta(minutes=value))
        elif kind == "back":
            emulator.set_time(emulator.now() - timedelta(minutes=value))
        elif kind == "create":
            status, body = api.create(frequency=value, start_date=emulator.now().isoformat())
            if status == 201:  # not while the insight is soft-deleted
                ids.append(body["id"])
        elif ids and kind == "interval":
            api.patch(ids[-1], {"interval": value})
        elif ids and kind == "delete":
            api.patch(ids[0], {"deleted": value})
        elif kind == "insight_deleted":
            patch_board(api, "/api/projects/1/insights/7/", deleted=value)
        elif kind == "request":
            api.get()
    emulator.check()
    return emulator.subscriptions.deliveries(), emulator.subscriptions.list(1)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(STEPS, min_size=1, max_size=12))
@example([("advance", 60), ("create", "daily"), ("advance", 1440)])
@example([("create", "daily"), ("advance", 1440), ("back", 1440), ("advance", 1440)])
@example(
    [
        ("create", "daily"),
        ("insight_deleted", True),
        ("advance", 1440),
        ("insight_deleted", False),
        ("advance", 60),
    ]
)
@example(
    [
        ("create", "daily"),
        ("insight_deleted", True),
        ("advance", 1440),
        ("advance", 1),
        ("back", 1440),
        ("insight_deleted", False),
        ("advance", 1440),
    ]
)
@example([("create", "weekly"), ("advance", 60), ("interval", 2), ("advance", 20160)])
@example(
    [("create", "daily"), ("advance", 60), ("delete", True), ("delete", False), ("advance", 1440)]
)
def test_the_kept_next_run_changes_no_delivery(steps: list[tuple[str, Any]]) -> None:
    """Every tick working the next run out afresh delivers exactly the same."""
    from unittest import mock

    from phemu.resources.subscriptions import delivery

    kept = replay(steps)
    first_run = delivery._first_run

    def afresh(state: Any, last: Any) -> Any:
        state.next_run = None
        return first_run(state, last)

    with mock.patch.object(delivery, "_first_run", afresh):
        assert replay(steps) == kept
