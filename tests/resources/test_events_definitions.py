"""Definitions derived from captured events (``rust/property-defs-rs/src/types.rs``)."""

from __future__ import annotations

from datetime import datetime
from datetime import timezone

import pytest

from phemu.resources.events.definitions import derive
from phemu.resources.events.definitions import property_type

NOW = datetime(2026, 6, 15, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("plan", "pro", "String"),
        ("amount", 12.5, "Numeric"),
        ("count", 3, "Numeric"),
        ("beta", True, "Boolean"),
        ("beta", "TRUE", "Boolean"),
        ("beta", "True", "String"),  # only the exact spellings PostHog lists
        ("signup", "2026-01-01T10:00:00Z", "DateTime"),
        ("day", "2026-01-01", "DateTime"),
        (
            "created_at",
            int(NOW.timestamp()),
            "DateTime",
        ),  # a recent unix time under a date-like key
        ("created_at", 5, "Numeric"),
        ("count", int(NOW.timestamp()), "Numeric"),  # no date-like keyword
        ("utm_source", 42, "String"),
        ("$feature/beta", True, "String"),
        ("$feature_flag_response", False, "String"),
        ("nested", {"a": 1}, None),
    ],
)
def test_property_type(key: str, value: object, expected: str | None) -> None:
    assert property_type(key, value, NOW) == expected


def test_derive_event_person_and_group_definitions() -> None:
    found = derive(
        [
            {
                "event": "signup",
                "properties": {
                    "plan": "pro",
                    "$set": {"email": "a@b.c"},
                    "$groups": {"company": "x"},
                },
            },
            {"event": "signup", "properties": {"plan": 5}},  # the first type seen sticks
            {
                "event": "$groupidentify",
                "properties": {"$group_type": "company", "$group_set": {"tier": "gold"}},
            },
        ],
        NOW,
    )
    assert set(found.events) == {"signup", "$groupidentify"}
    assert found.properties[("plan", 1, None)].property_type == "String"
    assert found.properties[("email", 2, None)].property_type == "String"
    assert found.properties[("tier", 3, "company")].property_type == "String"
    assert ("$set", 1, None) not in found.properties and (
        "$groups",
        1,
        None,
    ) not in found.properties
    assert not found.properties[("plan", 1, None)].is_numerical
