"""Type inference and what each event teaches (``rust/property-defs-rs/src/types.rs``)."""

from __future__ import annotations

from datetime import datetime
from datetime import timezone

import pytest

from phemu.resources.definitions.inference import EVENT
from phemu.resources.definitions.inference import GROUP
from phemu.resources.definitions.inference import PERSON
from phemu.resources.definitions.inference import fits
from phemu.resources.definitions.inference import properties_seen
from phemu.resources.definitions.inference import property_type

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


def test_what_one_event_teaches() -> None:
    """``Event::into_updates`` (rust/property-defs-rs/src/types.rs): event properties minus the
    special ones, ``$set``/``$set_once`` keys as person properties, and for ``$groupidentify``
    only the ``$group_set`` keys, as group properties of the named type."""
    seen = list(
        properties_seen(
            "signup",
            {"plan": "pro", "$set": {"email": "a@b.c"}, "$set_once": {"first": 1}, "$groups": {}},
        )
    )
    assert [(p.name, p.type, p.group_type, p.value) for p in seen] == [
        ("plan", EVENT, None, "pro"),
        ("email", PERSON, None, "a@b.c"),
        ("first", PERSON, None, 1),
    ]
    group = list(
        properties_seen(
            "$groupidentify",
            {"$group_type": "company", "$group_key": "x", "$group_set": {"tier": "gold"}},
        )
    )
    assert [(p.name, p.type, p.group_type) for p in group] == [("tier", GROUP, "company")]


def test_names_longer_than_200_bytes_are_dropped() -> None:
    """``will_fit_in_postgres_column``: ``DJANGO_MAX_CHARFIELD_LENGTH / 2`` bytes."""
    assert fits("a" * 200) and not fits("a" * 201)
    assert not fits("é" * 101)  # 202 bytes
    assert [p.name for p in properties_seen("e", {"a" * 201: 1, "ok": 1})] == ["ok"]


def test_property_names_postgres_cannot_store_are_dropped() -> None:
    """Postgres refuses NUL in text: such a property definition is never written (event names
    are sanitised instead, ``sanitize_event_name``)."""
    assert [p.name for p in properties_seen("e", {"a\x00b": 1, "ok": 1})] == ["ok"]
