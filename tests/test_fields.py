"""DRF-style coercion rules shared by every resource (DRF's fields, as ``ee/api/subscription.py``
uses them)."""

from __future__ import annotations

from datetime import datetime
from datetime import timezone

import pytest

from phemu import fields
from phemu.errors import ValidationError


def error_of(call, *args, **kwargs) -> tuple[str, str, str | None]:
    with pytest.raises(ValidationError) as raised:
        call(*args, **kwargs)
    return raised.value.code, raised.value.detail, raised.value.attr


@pytest.mark.parametrize(("raw", "expected"), [(2, 2), (2.0, 2), ("2", 2), (" 7 ", 7), ("-3", -3)])
def test_integers_accepted(raw, expected):
    assert fields.parse_int(raw, "interval", min_value=None) == expected


@pytest.mark.parametrize("raw", [2.5, "2.5", "two", True, [], {}, None, ""])
def test_integers_rejected(raw):
    assert error_of(fields.parse_int, raw, "count") == (
        "invalid_input",
        "A valid integer is required.",
        "count",
    )


def test_integer_bounds():
    assert error_of(fields.parse_int, 0, "interval", min_value=1) == (
        "min_value", "Ensure this value is greater than or equal to 1.", "interval",
    )  # fmt: skip
    assert error_of(fields.parse_int, 2**31, "count")[1] == (
        "Ensure this value is less than or equal to 2147483647."
    )
    assert error_of(fields.parse_int, -(2**31) - 1, "count")[1] == (
        "Ensure this value is greater than or equal to -2147483648."
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2022-01-01T00:00:00", datetime(2022, 1, 1, tzinfo=timezone.utc)),
        ("2022-01-01T00:00", datetime(2022, 1, 1, tzinfo=timezone.utc)),
        ("2022-01-01", datetime(2022, 1, 1, tzinfo=timezone.utc)),
        ("2022-01-01T00:00:00Z", datetime(2022, 1, 1, tzinfo=timezone.utc)),
        ("2022-01-01T02:00:00+02:00", datetime(2022, 1, 1, tzinfo=timezone.utc)),
        ("2022-01-01T00:00:00.123456", datetime(2022, 1, 1, 0, 0, 0, 123456, tzinfo=timezone.utc)),
    ],
)
def test_datetimes(raw, expected):
    assert fields.parse_datetime(raw, "start_date") == expected


@pytest.mark.parametrize(
    "raw", ["yesterday", "2022-13-01", "2022-02-30T00:00:00", 20220101, None, ""]
)
def test_bad_datetimes(raw):
    code, detail, attr = error_of(fields.parse_datetime, raw, "start_date")
    assert (code, attr) == ("invalid_input", "start_date")
    assert detail == (
        "Datetime has wrong format. Use one of these formats instead: "
        "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
    )


@pytest.mark.parametrize("raw", [True, 1, "1", "t", "TRUE", "True", "yes", "on", "Y"])
def test_true_values(raw):
    assert fields.parse_bool(raw, "deleted") is True


@pytest.mark.parametrize("raw", [False, 0, "0", "f", "false", "False", "no", "off", "N"])
def test_false_values(raw):
    assert fields.parse_bool(raw, "deleted") is False


@pytest.mark.parametrize("raw", ["maybe", 2, [], None])
def test_bad_booleans(raw):
    assert error_of(fields.parse_bool, raw, "deleted")[1] == "Must be a valid boolean."


def test_text_rules():
    assert fields.parse_text("  hi  ", "title") == "hi"
    assert fields.parse_text(12, "title") == "12"
    assert error_of(fields.parse_text, True, "title") == (
        "invalid_input",
        "Not a valid string.",
        "title",
    )
    assert error_of(fields.parse_text, "   ", "target_value", allow_blank=False)[0] == "blank"
    assert error_of(fields.parse_text, "x" * 101, "title", max_length=100)[1] == (
        "Ensure this field has no more than 100 characters."
    )


def test_choice_rules():
    assert error_of(fields.parse_choice, "sms", "target_type", ["email"]) == (
        "invalid_choice", '"sms" is not a valid choice.', "target_type",
    )  # fmt: skip
    assert error_of(fields.parse_choice, "Email", "target_type", ["email"])[0] == "invalid_choice"


def test_primary_keys():
    def exists(pk: int) -> bool:
        return pk == 7

    assert fields.parse_pk("7", "insight", exists) == 7
    assert (
        error_of(fields.parse_pk, 999, "insight", exists)[1]
        == 'Invalid pk "999" - object does not exist.'
    )
    assert error_of(fields.parse_pk, "abc", "insight", exists) == (
        "incorrect_type", "Incorrect type. Expected pk value, received str.", "insight",
    )  # fmt: skip
    assert error_of(fields.parse_pk, True, "insight", exists)[1].endswith("received bool.")
    assert error_of(fields.parse_pk, [7], "insight", exists)[1].endswith("received list.")


def test_lists_report_the_index():
    def day(value, name):
        return fields.parse_choice(value, name, ["monday"])

    assert fields.parse_list(["monday"], "byweekday", day) == ["monday"]
    assert error_of(fields.parse_list, ["monday", "funday"], "byweekday", day) == (
        "invalid_choice", '"funday" is not a valid choice.', "byweekday__1",
    )  # fmt: skip
    assert error_of(fields.parse_list, "monday", "byweekday", day) == (
        "not_a_list", 'Expected a list of items but got type "str".', "byweekday",
    )  # fmt: skip


def test_required_and_null():
    assert error_of(fields.require, {}, "target_type") == (
        "required",
        "This field is required.",
        "target_type",
    )
    assert error_of(fields.require, {"start_date": None}, "start_date")[:2] == (
        "null",
        "This field may not be null.",
    )
    assert fields.require({"until_date": None}, "until_date", nullable=True) is None
