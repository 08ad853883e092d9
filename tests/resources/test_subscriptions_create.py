"""POST subscriptions: the documented example, field rules, object rules, webhook URLs
(``ee/api/subscription.py``)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import ADA
from tests.resources.subscriptions_support import BASE
from tests.resources.subscriptions_support import OMIT
from tests.resources.subscriptions_support import Api
from tests.resources.subscriptions_support import error
from tests.resources.subscriptions_support import valid


def test_reference_example_returns_the_full_object_in_order(api: Api) -> None:
    status, data = api.create(
        {
            "insight": 7,
            "target_type": "email",
            "target_value": "test@posthog.com",
            "frequency": "weekly",
            "interval": 1,
            "start_date": "2022-01-01T00:00:00",
            "title": "My Subscription",
            "invite_message": "hey there!",
        }
    )
    assert status == 201
    assert list(data) == [
        "id", "dashboard", "insight", "target_type", "target_value", "frequency", "interval",
        "byweekday", "bysetpos", "count", "start_date", "until_date", "created_at", "created_by",
        "deleted", "title", "summary", "next_delivery_date", "invite_message",
    ]  # fmt: skip
    assert data == {
        "id": 1,
        "dashboard": None,
        "insight": 7,
        "target_type": "email",
        "target_value": "test@posthog.com",
        "frequency": "weekly",
        "interval": 1,
        "byweekday": None,
        "bysetpos": None,
        "count": None,
        "start_date": "2022-01-01T00:00:00Z",
        "until_date": None,
        "created_at": "2026-06-15T10:00:00Z",
        "created_by": ADA,
        "deleted": False,
        "title": "My Subscription",
        "summary": "sent every week",
        "next_delivery_date": "2026-06-20T00:00:00Z",
        "invite_message": None,
    }
    entries = api.emulator.outbox.entries()
    assert [(e["kind"], e["previous_value"], e["invite_message"]) for e in entries] == [
        ("value_change", "", "hey there!")
    ]


def test_no_location_header_and_json_content_type(api: Api) -> None:
    response = api.client.post(BASE, json=valid(), headers=api.headers)
    assert response.status_code == 201
    assert "Location" not in response.headers
    assert response.headers["Content-Type"] == "application/json"


def test_defaults_and_created_at_keeps_microseconds(api: Api) -> None:
    api.emulator.set_time("2026-06-15T10:00:00.123456Z")
    data = api.created()
    assert data["created_at"] == "2026-06-15T10:00:00.123456Z"
    assert (data["interval"], data["deleted"], data["title"], data["byweekday"]) == (
        1, False, None, None,
    )  # fmt: skip


def test_ids_come_from_one_counter_shared_by_projects(api: Api) -> None:
    first = api.created()
    status, second = api.call("POST", "/api/projects/2/subscriptions/", valid(insight=8))
    third = api.created()
    assert status == 201
    assert [first["id"], second["id"], third["id"]] == [1, 2, 3]


def test_strings_are_trimmed_and_numbers_become_text(api: Api) -> None:
    data = api.created(target_value="  a@b.c  ", title="  Weekly  ")
    assert (data["target_value"], data["title"]) == ("a@b.c", "Weekly")
    data = api.created(target_type="slack", target_value=12345, title=7)
    assert (data["target_value"], data["title"]) == ("12345", "7")


def test_invite_message_is_never_returned_nor_stored(api: Api) -> None:
    data = api.created(invite_message="  hello  ")
    assert data["invite_message"] is None
    _status, fetched = api.get(f"{BASE}{data['id']}/")
    assert fetched["invite_message"] is None
    assert api.emulator.outbox.entries()[-1]["invite_message"] == "hello"


def test_unknown_and_read_only_keys_are_ignored(api: Api) -> None:
    data = api.created(
        id=999,
        created_at="2000-01-01T00:00:00Z",
        created_by=42,
        summary="x",
        next_delivery_date="2000-01-01T00:00:00Z",
        banana=True,
    )
    assert data["id"] == 1
    assert data["created_at"] == "2026-06-15T10:00:00Z"
    assert data["created_by"]["id"] == 1
    assert data["summary"] == "sent every week"
    assert data["next_delivery_date"] == "2026-06-20T00:00:00Z"


def test_byweekday_order_kept_and_empty_list_returned_as_list(api: Api) -> None:
    assert api.created(byweekday=["friday", "monday"])["byweekday"] == ["friday", "monday"]
    assert api.created(byweekday=[])["byweekday"] == []


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2022-01-01T00:00:00", "2022-01-01T00:00:00Z"),
        ("2022-01-01T00:00", "2022-01-01T00:00:00Z"),
        ("2022-01-01T00:00:00Z", "2022-01-01T00:00:00Z"),
        ("2022-01-01T02:00:00+02:00", "2022-01-01T00:00:00Z"),
        ("2022-01-01T00:00:00.123456", "2022-01-01T00:00:00.123456Z"),
        ("2022-01-01", "2022-01-01T00:00:00Z"),
    ],
)
def test_datetime_formats(api: Api, raw: str, expected: str) -> None:
    assert api.created(start_date=raw)["start_date"] == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(2, 2), (2.0, 2), ("2", 2), ("3", 3), (2147483647, 2147483647)],
)
def test_integer_forms(api: Api, raw: Any, expected: int) -> None:
    assert api.created(interval=raw)["interval"] == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(True, True), (False, False), (1, True), (0, False), ("t", True), ("off", False),
     ("YES", True), ("True", True), ("n", False)],
)  # fmt: skip
def test_boolean_forms(api: Api, raw: Any, expected: bool) -> None:
    assert api.created(deleted=raw)["deleted"] is expected


DATETIME_FORMAT = (
    "Datetime has wrong format. Use one of these formats instead: "
    "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
)

FIELD_ERRORS: list[tuple[dict[str, Any], dict[str, Any]]] = [
    ({"target_type": OMIT}, error("required", "This field is required.", "target_type")),
    ({"target_value": OMIT}, error("required", "This field is required.", "target_value")),
    ({"frequency": OMIT}, error("required", "This field is required.", "frequency")),
    ({"start_date": OMIT}, error("required", "This field is required.", "start_date")),
    ({"target_type": None}, error("null", "This field may not be null.", "target_type")),
    ({"target_value": None}, error("null", "This field may not be null.", "target_value")),
    ({"frequency": None}, error("null", "This field may not be null.", "frequency")),
    ({"interval": None}, error("null", "This field may not be null.", "interval")),
    ({"start_date": None}, error("null", "This field may not be null.", "start_date")),
    ({"deleted": None}, error("null", "This field may not be null.", "deleted")),
    ({"target_type": "sms"}, error("invalid_choice", '"sms" is not a valid choice.', "target_type")),
    ({"target_type": ""}, error("invalid_choice", '"" is not a valid choice.', "target_type")),
    ({"target_type": "Email"}, error("invalid_choice", '"Email" is not a valid choice.', "target_type")),
    ({"frequency": "hourly"}, error("invalid_choice", '"hourly" is not a valid choice.', "frequency")),
    ({"target_value": "   "}, error("blank", "This field may not be blank.", "target_value")),
    ({"target_value": ""}, error("blank", "This field may not be blank.", "target_value")),
    ({"target_value": True}, error("invalid_input", "Not a valid string.", "target_value")),
    ({"target_value": ["a"]}, error("invalid_input", "Not a valid string.", "target_value")),
    ({"title": {"a": 1}}, error("invalid_input", "Not a valid string.", "title")),
    ({"invite_message": False}, error("invalid_input", "Not a valid string.", "invite_message")),
    ({"title": "x" * 101}, error("max_length", "Ensure this field has no more than 100 characters.", "title")),
    ({"interval": 0}, error("min_value", "Ensure this value is greater than or equal to 1.", "interval")),
    ({"interval": -5}, error("min_value", "Ensure this value is greater than or equal to 1.", "interval")),
    ({"interval": 2147483648}, error("max_value", "Ensure this value is less than or equal to 2147483647.", "interval")),
    ({"interval": "two"}, error("invalid_input", "A valid integer is required.", "interval")),
    ({"interval": 1.5}, error("invalid_input", "A valid integer is required.", "interval")),
    ({"interval": True}, error("invalid_input", "A valid integer is required.", "interval")),
    ({"bysetpos": -2147483649}, error("min_value", "Ensure this value is greater than or equal to -2147483648.", "bysetpos")),
    ({"count": 2147483648}, error("max_value", "Ensure this value is less than or equal to 2147483647.", "count")),
    ({"count": "x"}, error("invalid_input", "A valid integer is required.", "count")),
    ({"insight": 999}, error("does_not_exist", 'Invalid pk "999" - object does not exist.', "insight")),
    ({"insight": "999"}, error("does_not_exist", 'Invalid pk "999" - object does not exist.', "insight")),
    ({"insight": 9}, error("does_not_exist", 'Invalid pk "9" - object does not exist.', "insight")),
    ({"insight": True}, error("incorrect_type", "Incorrect type. Expected pk value, received bool.", "insight")),
    ({"insight": "abc"}, error("incorrect_type", "Incorrect type. Expected pk value, received str.", "insight")),
    ({"insight": [7]}, error("incorrect_type", "Incorrect type. Expected pk value, received list.", "insight")),
    ({"insight": {"id": 7}}, error("incorrect_type", "Incorrect type. Expected pk value, received dict.", "insight")),
    ({"dashboard": 5, "insight": None}, error("does_not_exist", 'Invalid pk "5" - object does not exist.', "dashboard")),
    ({"dashboard": 999}, error("does_not_exist", 'Invalid pk "999" - object does not exist.', "dashboard")),
    ({"byweekday": "monday"}, error("not_a_list", 'Expected a list of items but got type "str".', "byweekday")),
    ({"byweekday": {"a": 1}}, error("not_a_list", 'Expected a list of items but got type "dict".', "byweekday")),
    ({"byweekday": ["monday", "funday"]}, error("invalid_choice", '"funday" is not a valid choice.', "byweekday__1")),
    ({"byweekday": ["Monday"]}, error("invalid_choice", '"Monday" is not a valid choice.', "byweekday__0")),
    ({"start_date": "yesterday"}, error("invalid_input", DATETIME_FORMAT, "start_date")),
    ({"start_date": "2022-13-01"}, error("invalid_input", DATETIME_FORMAT, "start_date")),
    ({"start_date": 1700000000}, error("invalid_input", DATETIME_FORMAT, "start_date")),
    ({"until_date": "soon"}, error("invalid_input", DATETIME_FORMAT, "until_date")),
    ({"deleted": "maybe"}, error("invalid_input", "Must be a valid boolean.", "deleted")),
    ({"deleted": 2}, error("invalid_input", "Must be a valid boolean.", "deleted")),
]  # fmt: skip


@pytest.mark.parametrize(("overrides", "expected"), FIELD_ERRORS)
def test_field_rules(api: Api, overrides: dict[str, Any], expected: dict[str, Any]) -> None:
    status, data = api.create(valid(**overrides))
    assert (status, data) == (400, expected)
    assert api.emulator.outbox.entries() == []


def test_empty_body_reports_target_type_first(api: Api) -> None:
    for body in ({}, None):
        response = (
            api.client.post(BASE, headers=api.headers, json=body)
            if body == {}
            else (api.client.post(BASE, headers=api.headers))
        )
        assert response.status_code == 400
        assert response.get_json() == error("required", "This field is required.", "target_type")


def test_first_error_in_field_order(api: Api) -> None:
    # dashboard comes before target_type, start_date after frequency.
    _status, data = api.create(
        {"dashboard": "x", "target_type": "sms", "frequency": "never", "start_date": "bad"}
    )
    assert data == error(
        "incorrect_type", "Incorrect type. Expected pk value, received str.", "dashboard"
    )
    _status, data = api.create({"target_value": " ", "frequency": "never", "title": "x" * 200})
    assert data["attr"] == "target_type"
    _status, data = api.create(valid(interval=0, byweekday=["x"], title="x" * 200))
    assert data["attr"] == "interval"


def test_object_rules_run_only_after_fields_are_clean(api: Api) -> None:
    _status, data = api.create(valid(insight=None, title="x" * 101))
    assert data["code"] == "max_length"


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"insight": 8}, error("invalid_input", "This insight does not belong to your team.", "insight")),
        ({"insight": OMIT, "dashboard": 4}, error("invalid_input", "This dashboard does not belong to your team.", "dashboard")),
        ({"dashboard": 4, "insight": 8}, error("invalid_input", "This dashboard does not belong to your team.", "dashboard")),
        ({"dashboard": 3, "insight": 8}, error("invalid_input", "This insight does not belong to your team.", "insight")),
        ({"target_type": "webhook", "target_value": "http://localhost/x"},
         error("invalid_input", "Invalid webhook URL: Local/Loopback host not allowed", "target_value")),
        ({"insight": OMIT, "target_type": "webhook", "target_value": "http://localhost/x"},
         error("invalid_input", "Invalid webhook URL: Local/Loopback host not allowed", "target_value")),
    ],
)  # fmt: skip
def test_object_rules(api: Api, overrides: dict[str, Any], expected: dict[str, Any]) -> None:
    """The docs profile's ``validate()`` (``ee/api/subscription.py``, November 2025): team
    checks, webhook URL; the "neither" rule never fires for a non-empty body (see
    ``test_subscriptions_profiles.py``)."""
    status, data = api.create(valid(**overrides))
    assert (status, data) == (400, expected)


def test_dashboard_subscription_is_accepted(api: Api) -> None:
    data = api.created(insight=OMIT, dashboard=3)
    assert (data["dashboard"], data["insight"]) == (3, None)


def test_insight_of_another_project_in_another_organization(api: Api) -> None:
    from tests.conftest import add_other_org
    from tests.resources.subscriptions_support import add_insight

    add_other_org(api.emulator, project_id=70)
    add_insight(api.emulator, 71, 70)
    _status, data = api.create(valid(insight=71))
    assert data == error("invalid_input", "This insight does not belong to your team.", "insight")


WEBHOOKS = [
    ("https://example.com/hook", None),
    ("ftp://example.com/hook", "URL must start with http:// or https://"),
    ("example.com/hook", "URL must start with http:// or https://"),
    ("https://", "Missing host"),
    ("https:///x", "Missing host"),
    ("http://localhost:8000/hook", "Local/Loopback host not allowed"),
    ("http://[::1]/hook", "Local/Loopback host not allowed"),
    ("http://127.0.0.1/hook", "Local/Loopback host not allowed"),
    ("http://127.0.0.2/hook", "Private IP address not allowed"),
    ("http://10.0.0.5/hook", "Private IP address not allowed"),
    ("http://169.254.10.1/", "Private IP address not allowed"),
    ("http://100.64.0.1/", "Private IP address not allowed"),
    ("http://[::ffff:192.168.0.1]/", "Private IP address not allowed"),
    ("http://224.0.0.1/", "Private IP address not allowed"),
    ("http://0.0.0.0/", "Private IP address not allowed"),
    ("http://169.254.169.254/latest", "Local/metadata host"),
    ("http://metadata.google.internal/x", "Local/metadata host"),
    ("http://printer.local/x", "Internal domain pattern blocked: .local"),
    ("http://api.svc.cluster.local/", "Internal domain pattern blocked: .local"),
    ("http://db.corp.internal/", "Internal domain pattern blocked: .internal"),
    ("http://vault.consul/", "Internal domain pattern blocked: .consul"),
    ("http://nas.home.arpa/", "Internal domain pattern blocked: .home.arpa"),
    ("http://x.priv./", "Internal domain pattern blocked: .priv"),
    ("http://LOCALHOST/", "Local/Loopback host not allowed"),
    ("http://example.com\\@evil/", "Invalid URL: ambiguous authority"),
    ("http://example.com%5C@evil/", "Invalid URL: ambiguous authority"),
    ("http://[::1/", "Invalid URL"),
    ("  https://example.com/ok  ", None),
]


@pytest.mark.parametrize(("url", "reason"), WEBHOOKS)
def test_webhook_url_check(api: Api, url: str, reason: str | None) -> None:
    status, data = api.create(valid(target_type="webhook", target_value=url))
    if reason is None:
        assert status == 201
        assert data["target_value"] == url.strip()
    else:
        assert (status, data) == (
            400,
            error("invalid_input", f"Invalid webhook URL: {reason}", "target_value"),
        )


def test_webhook_check_only_for_webhooks(api: Api) -> None:
    assert (
        api.created(target_type="slack", target_value="http://localhost/")["target_type"] == "slack"
    )


def test_exhausted_schedule_is_accepted_with_null_next_delivery(api: Api) -> None:
    data = api.created(count=3, start_date="2022-01-01")
    assert data["next_delivery_date"] is None


def test_form_urlencoded_body_with_repeated_weekdays(api: Api) -> None:
    response = api.client.post(
        BASE,
        headers=api.headers,
        data={
            "insight": "7",
            "target_type": "email",
            "target_value": "a@b.c",
            "frequency": "monthly",
            "interval": "2",
            "byweekday": ["wednesday", "friday"],
            "bysetpos": "-1",
            "start_date": "2022-01-01T00:00:00",
            "dashboard": "",
            "title": "",
        },
    )
    data = response.get_json()
    assert response.status_code == 201, data
    assert (data["interval"], data["byweekday"], data["bysetpos"]) == (
        2,
        ["wednesday", "friday"],
        -1,
    )
    assert (data["dashboard"], data["title"], data["deleted"]) == (None, "", False)
    assert data["summary"] == "sent every 2 months on the last day"


def test_multipart_body_and_form_errors(api: Api) -> None:
    response = api.client.post(
        BASE,
        headers=api.headers,
        data={"insight": "7", "target_type": "", "target_value": "a@b.c"},
        content_type="multipart/form-data",
    )
    assert response.get_json() == error(
        "invalid_choice", '"" is not a valid choice.', "target_type"
    )


def test_body_must_be_an_object(api: Api) -> None:
    assert api.create([1, 2]) == (
        400,
        error("invalid_input", "Invalid data. Expected a dictionary, but got list.", None),
    )
    response = api.client.post(
        BASE, headers=api.headers, data="null", content_type="application/json"
    )
    assert response.get_json() == error("null", "No data provided", None)
