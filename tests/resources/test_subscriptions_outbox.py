"""Outbox ``value_change`` entries (docs/subscriptions.md, "Outbox"), from Python and the control
plane."""

from __future__ import annotations

from tests.resources.subscriptions_support import BASE
from tests.resources.subscriptions_support import Api
from tests.resources.subscriptions_support import valid


def test_create_writes_a_value_change_entry(api: Api) -> None:
    sub = api.created(target_value="a@x.com, b@x.com,,a@x.com", invite_message="  welcome ")
    assert api.emulator.outbox.entries() == [
        {
            "id": 1,
            "kind": "value_change",
            "at": "2026-06-15T10:00:00Z",
            "project_id": 1,
            "subscription_id": sub["id"],
            "target_type": "email",
            "target_value": "a@x.com, b@x.com,,a@x.com",
            "previous_value": "",
            "invite_message": "welcome",
            "scheduled_for": None,
            "recipients": ["a@x.com", "b@x.com"],
        }
    ]


def test_absent_or_null_invite_message_is_empty(api: Api) -> None:
    api.created()
    api.created(invite_message=None)
    assert [e["invite_message"] for e in api.emulator.outbox.entries()] == ["", ""]


def test_other_target_types_and_deleted_creates(api: Api) -> None:
    api.created(target_type="slack", target_value="C1234|#general", deleted=True)
    api.created(target_type="webhook", target_value="https://example.com/hook")
    entries = api.emulator.outbox.entries()
    assert [(e["target_type"], e["recipients"]) for e in entries] == [
        ("slack", ["C1234|#general"]),
        ("webhook", ["https://example.com/hook"]),
    ]


def test_reference_update_example(api: Api) -> None:
    sub = api.created(invite_message="hey there!")
    api.emulator.set_time("2026-06-15T11:00:00Z")
    status, _ = api.patch(
        sub["id"],
        {
            "target_value": "test@posthog.com,new_user@posthog.com",
            "invite_message": "hi new user",
        },
    )
    assert status == 200
    entry = api.emulator.outbox.entries()[-1]
    assert entry == {
        "id": 2,
        "kind": "value_change",
        "at": "2026-06-15T11:00:00Z",
        "project_id": 1,
        "subscription_id": sub["id"],
        "target_type": "email",
        "target_value": "test@posthog.com,new_user@posthog.com",
        "previous_value": "test@posthog.com",
        "invite_message": "hi new user",
        "scheduled_for": None,
        "recipients": ["new_user@posthog.com"],
    }


def test_target_type_change_alone_records_an_entry_with_no_recipients(api: Api) -> None:
    sub = api.created(target_value="C1", target_type="slack")
    api.patch(sub["id"], {"target_type": "email"})
    entry = api.emulator.outbox.entries()[-1]
    assert (entry["target_type"], entry["previous_value"], entry["recipients"]) == (
        "email",
        "C1",
        [],
    )


def test_put_changing_the_target_records_an_entry(api: Api) -> None:
    sub = api.created()
    api.put(sub["id"], valid(target_type="slack", target_value="C9"))
    entry = api.emulator.outbox.entries()[-1]
    assert (entry["previous_value"], entry["recipients"]) == ("test@posthog.com", ["C9"])


def test_edits_without_target_change_record_nothing(api: Api) -> None:
    sub = api.created()
    pk = sub["id"]
    for change in (
        {"title": "x"},
        {"frequency": "daily"},
        {"deleted": True},
        {"deleted": False},
        {"insight": None, "dashboard": 3},
        {"target_value": "  test@posthog.com  ", "invite_message": "same value"},
        {"target_type": "email"},
    ):
        assert api.patch(pk, change)[0] == 200, change
    assert len(api.emulator.outbox.entries()) == 1


def test_failed_requests_record_nothing(api: Api) -> None:
    assert api.create({"target_type": "email"})[0] == 400
    assert api.create(valid(insight=8))[0] == 400  # another project's insight
    assert api.emulator.outbox.entries() == []
    pk = api.created()["id"]
    before = api.emulator.outbox.entries()
    assert api.patch(pk, {"target_value": "new@x.io", "insight": 8})[0] == 400
    assert api.emulator.outbox.entries() == before


def test_control_plane_outbox_reads_filters_and_clears(api: Api) -> None:
    api.created()
    api.created(target_type="slack", target_value="C1")
    response = api.client.get("/_phemu/outbox")
    data = response.get_json()
    assert data["count"] == 2
    assert [e["id"] for e in data["results"]] == [1, 2]
    response = api.client.get("/_phemu/outbox?target_type=slack")
    assert [e["target_value"] for e in response.get_json()["results"]] == ["C1"]
    assert (
        api.emulator.subscriptions.deliveries("value_change", target_type="slack")[0][
            "target_value"
        ]
        == "C1"
    )
    api.client.delete("/_phemu/outbox")
    assert api.emulator.outbox.entries() == []


def test_reset_clears_the_outbox_and_the_subscriptions(api: Api) -> None:
    api.created()
    api.emulator.reset()
    assert api.emulator.outbox.entries() == []
    assert api.emulator.subscriptions.list() == []


def test_delivery_hook_sees_every_entry() -> None:
    from phemu import hookimpl
    from tests.resources.subscriptions_support import make_emulator

    seen: list[str] = []

    class Recorder:
        @hookimpl
        def phemu_subscription_delivery(self, emulator: object, entry: dict[str, str]) -> None:
            seen.append(entry["kind"])

    emulator = make_emulator(plugins=[Recorder()])
    Api(emulator).created()
    emulator.advance_time(days=5)
    assert seen == ["value_change", "scheduled"]


def test_create_via_environments_prefix_is_the_same(api: Api) -> None:
    status, _ = api.call(
        "POST",
        "/api/environments/1/subscriptions",
        {"insight": 7, "target_type": "email", "target_value": "e@x.io", "frequency": "daily",
         "start_date": "2022-01-01"},
    )  # fmt: skip
    assert status == 201
    assert api.get(BASE)[1]["count"] == 1
    assert len(api.emulator.outbox.entries()) == 1
