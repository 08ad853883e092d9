"""``{prefix}/events/values/`` as ``EventViewSet.values`` answers it (``posthog/api/event.py``;
the query is ``get_property_values_for_key`` in ``posthog/queries/property_values.py`` over
``SELECT_PROP_VALUES_SQL_WITH_FILTER`` in ``posthog/models/event/sql.py``; names go through
``flatten`` and ``convert_property_value`` of ``posthog/utils.py``)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from phemu.emulator import Emulator
from tests.resources.actions_support import action

VALUES = "/api/{prefix}/1/events/values/"
OP = {"projects": "events_values_retrieve", "environments": "environments_events_values_retrieve"}


def values(emulator: Emulator, query: str, prefix: str = "projects") -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = action(
        emulator, "GET", VALUES.format(prefix=prefix) + "?" + query, OP[prefix]
    )
    return result


@pytest.fixture
def shop(frozen: Emulator) -> Emulator:
    frozen.events.capture("signup", "u1", {"plan": "pro", "seats": 3, "tags": ["a", ["b"]]})
    frozen.events.capture("signup", "u2", {"plan": "free", "ok": True, "meta": {"b": 1, "a": 2}})
    frozen.events.capture("upgrade", "u2", {"plan": "enterprise", "gone": None})
    frozen.events.capture("$pageview", "u3", {"plan": "pro"})
    return frozen


def expected(emulator: Emulator, key: str, events: set[str] | None = None) -> list[str]:
    """The distinct values, computed independently from the stored events: strings as they are,
    JSON values as Python's ``str``/``json.dumps`` of what the JSON text parses to."""
    names: list[str] = []
    for event in emulator.events.all():
        if key not in event["properties"] or (events and event["event"] not in events):
            continue
        raw = event["properties"][key]
        parsed = [raw] if isinstance(raw, str) else [json.loads(json.dumps(raw))]
        while any(isinstance(p, list) for p in parsed):
            parsed = [x for p in parsed for x in (p if isinstance(p, list) else [p])]
        for item in parsed:
            if isinstance(item, bool):
                name = "true" if item else "false"
            elif isinstance(item, dict):
                name = json.dumps(item, sort_keys=True)
            else:
                name = str(item)
            if name not in names:
                names.append(name)
    return names


@pytest.mark.parametrize("prefix", ["projects", "environments"])
@pytest.mark.parametrize("key", ["plan", "seats", "tags", "ok", "meta", "gone"])
def test_distinct_values_of_a_property(shop: Emulator, key: str, prefix: str) -> None:
    assert [v["name"] for v in values(shop, f"key={key}", prefix)] == expected(shop, key)


def test_shapes_of_json_values(shop: Emulator) -> None:
    """Arrays are flattened, booleans read ``true``, objects are sorted JSON, JSON null is
    ``str(None)`` (``JSONHas`` is true for it)."""
    assert values(shop, "key=tags") == [{"name": "a"}, {"name": "b"}]
    assert values(shop, "key=ok") == [{"name": "true"}]
    assert values(shop, "key=meta") == [{"name": '{"a": 2, "b": 1}'}]
    assert values(shop, "key=gone") == [{"name": "None"}]


def test_event_name_filters_and_repeats(shop: Emulator) -> None:
    assert [v["name"] for v in values(shop, "key=plan&event_name=signup")] == expected(
        shop, "plan", {"signup"}
    )
    both = values(shop, "key=plan&event_name=signup&event_name=upgrade")
    assert [v["name"] for v in both] == expected(shop, "plan", {"signup", "upgrade"})


def test_value_searches_case_insensitively_shortest_first(shop: Emulator) -> None:
    shop.events.capture("signup", "u4", {"plan": "PRO-annual"})
    found = [v["name"] for v in values(shop, "key=plan&value=pr")]
    assert found == sorted((n for n in expected(shop, "plan") if "pr" in n.lower()), key=len)
    assert found == ["pro", "enterprise", "PRO-annual"]
    assert values(shop, "key=plan&value=zzz") == []


def test_at_most_ten_values(frozen: Emulator) -> None:
    for n in range(15):
        frozen.events.capture("e", "u", {"n": f"v{n}"})
    assert [v["name"] for v in values(frozen, "key=n")] == [f"v{n}" for n in range(10)]


def test_only_the_last_seven_days(frozen: Emulator) -> None:
    """From 00:00 seven days ago (project time zone) to 23:59:59 today (UTC)."""
    frozen.events.capture("e", "u", {"k": "old"}, timestamp="2026-06-07T23:59:59Z")
    frozen.events.capture("e", "u", {"k": "edge"}, timestamp="2026-06-08T00:00:00Z")
    frozen.events.capture("e", "u", {"k": "late"}, timestamp="2026-06-15T23:59:59Z")
    frozen.events.capture("e", "u", {"k": "tomorrow"}, timestamp="2026-06-16T00:00:00Z")
    assert [v["name"] for v in values(frozen, "key=k")] == ["edge", "late"]
    frozen.advance_time(days=8)
    assert values(frozen, "key=k") == [{"name": "tomorrow"}]


def test_custom_events_and_missing_key(shop: Emulator) -> None:
    """``key=custom_event`` lists event names except PostHog's own (``GET_CUSTOM_EVENTS``)."""
    assert values(shop, "key=custom_event") == [{"name": "signup"}, {"name": "upgrade"}]
    assert values(shop, "") == []
    assert values(shop, "key=missing") == []


def test_python_api_is_the_same_answer(shop: Emulator) -> None:
    assert shop.events.property_values("plan", event_names=["upgrade"]) == values(
        shop, "key=plan&event_name=upgrade"
    )


def test_other_projects_events_are_not_read(shop: Emulator) -> None:
    shop.events.ingest(2, [{"event": "x", "distinct_id": "z", "properties": {"plan": "other"}}])
    assert "other" not in [v["name"] for v in values(shop, "key=plan")]
