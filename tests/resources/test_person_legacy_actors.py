"""The legacy actor endpoints of ``PersonViewSet`` (``posthog/api/person.py``): ``trends``
(``TrendsActors``, ``posthog/queries/trends/trends_actors.py``; ``get_target_entity`` in
``posthog/api/utils.py``), ``funnel`` (``ClickhouseFunnelActors``, ``posthog/queries/funnels/``),
``funnel/correlation`` (``FunnelCorrelationActors``, ``products/enterprise/backend/clickhouse/
queries/funnels/funnel_correlation_persons.py``), ``lifecycle`` (``LifecycleActors`` over
``LIFECYCLE_EVENTS_QUERY``, ``posthog/queries/trends/lifecycle.py`` and ``sql.py``) and ``stickiness``
(``StickinessActors``, ``posthog/queries/stickiness/``). None names a scope, so personal API
keys get PostHog's 403; the answers are checked through ``emulator.persons.actors``."""

from __future__ import annotations

import json
from typing import Any

import pytest

from phemu.emulator import Emulator
from phemu.errors import MissingParameter
from phemu.errors import QueryNotComputed
from phemu.errors import ValidationError
from tests.conftest import NO_KEY_ACCESS
from tests.resources.actions_support import action

PAGEVIEWS = json.dumps([{"id": "pageview", "type": "events", "order": 0}])
FUNNEL = json.dumps(
    [
        {"id": "pageview", "type": "events", "order": 0},
        {"id": "signup", "type": "events", "order": 1},
    ]
)
DAY = 86400


@pytest.fixture
def site(emulator: Emulator) -> Emulator:
    """June 10: u0..u3 sign in, then u<n> views n+1 pages (u0, u1 on Chrome, u2, u3 on Safari)
    and an anonymous visitor one; June 11: u0 and u1 sign up; June 13: u3 comes back."""
    emulator.freeze_time("2026-06-10T10:00:00Z")
    capture = emulator.events.capture
    for n in range(4):
        plan = "pro" if n % 2 else "free"
        capture("$identify", f"u{n}", {"$set": {"email": f"u{n}@x.io", "plan": plan}})
    emulator.advance_time(3600)
    for n in range(4):
        for _ in range(n + 1):
            capture("pageview", f"u{n}", {"$browser": "Chrome" if n < 2 else "Safari"})
    capture("pageview", "visitor", {"$process_person_profile": False})
    emulator.advance_time(DAY)
    for n in range(2):
        capture("signup", f"u{n}", {})
    emulator.advance_time(2 * DAY)
    capture("pageview", "u3", {})
    return emulator


def actors(emulator: Emulator, action_name: str, **params: Any) -> dict[str, Any]:
    found: dict[str, Any] = emulator.persons.actors(action_name, **params)
    return found


def people(answer: dict[str, Any]) -> list[str]:
    return [p["distinct_ids"][0] for p in answer["results"][0]["people"]]


def values(answer: dict[str, Any]) -> list[tuple[str, Any]]:
    return [
        (p["distinct_ids"][0], p["value_at_data_point"]) for p in answer["results"][0]["people"]
    ]


# -- trends ------------------------------------------------------------------------------------
def test_trends_actors_by_event_count(site: Emulator) -> None:
    answer = actors(site, "trends", entity_id="pageview", entity_type="events", events=PAGEVIEWS)
    assert values(answer) == [("u3", 5), ("u2", 3), ("u1", 2), ("u0", 1)]
    assert answer["results"][0]["count"] == 4
    # The anonymous visitor's person id names no person.
    assert answer["missing_persons"] == 1
    assert answer["next"] is None
    assert answer["initial"].startswith("http://localhost/api/projects/1/persons/trends/?")
    assert (answer["is_cached"], answer["last_refresh"]) == (False, "2026-06-13T11:00:00Z")
    person = answer["results"][0]["people"][0]
    # serialize_people's rows: the persons list's actor shape, with the value filled in.
    listed = site.client().get("/api/projects/1/persons/", headers=site.auth_headers).get_json()
    assert list(person) == list(listed["results"][0])
    assert (person["type"], person["name"], person["matched_recordings"]) == (
        "person",
        "u3@x.io",
        [],
    )


def test_trends_actors_of_a_clicked_day_and_breakdown_value(site: Emulator) -> None:
    answer = actors(
        site,
        "trends",
        entity_id="pageview",
        entity_type="events",
        date_from="2026-06-10",
        date_to="2026-06-10",
        breakdown="$browser",
        breakdown_type="event",
        breakdown_value="Safari",
    )
    # June 13's pageview of u3 is outside the clicked day.
    assert values(answer) == [("u3", 4), ("u2", 3)]


def test_trends_actors_properties_search_and_pages(site: Emulator) -> None:
    pro = json.dumps([{"key": "plan", "type": "person", "value": "pro"}])
    assert people(
        actors(site, "trends", entity_id="pageview", entity_type="events", properties=pro)
    ) == [
        "u3",
        "u1",
    ]
    found = actors(site, "trends", entity_id="pageview", entity_type="events", search="u2@")
    assert people(found) == ["u2"]
    page = actors(site, "trends", entity_id="pageview", entity_type="events", limit=2)
    assert values(page) == [("u3", 5), ("u2", 3)]
    # format_paginated_url: the absolute URL with offset appended...
    assert page["next"] == (
        "http://localhost/api/projects/1/persons/trends/"
        "?entity_id=pageview&entity_type=events&limit=2&offset=2"
    )
    second = actors(site, "trends", entity_id="pageview", entity_type="events", limit=2, offset=2)
    assert values(second) == [("u1", 2), ("u0", 1)]
    # ... or, when the URL names an offset, the path without its leading slash.
    assert second["next"] == (
        "api/projects/1/persons/trends/?entity_id=pageview&entity_type=events&limit=2&offset=4"
    )


def test_trends_actors_property_math(site: Emulator) -> None:
    site.events.capture("purchase", "u1", {"amount": 30})
    site.events.capture("purchase", "u1", {"amount": 12})
    site.events.capture("purchase", "u2", {"amount": 50})
    events = json.dumps([{"id": "purchase", "math": "sum", "math_property": "amount"}])
    answer = actors(
        site, "trends", entity_id="purchase", entity_type="events", entity_math="sum", events=events
    )
    assert values(answer) == [("u2", 50.0), ("u1", 42.0)]


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        ({}, "An entity id and the entity type must be provided to determine an entity"),
        (
            {"entity_id": "pageview"},
            "An entity must be provided for target entity to be determined",
        ),
    ],
)
def test_trends_actors_need_an_entity(site: Emulator, params: dict[str, Any], detail: str) -> None:
    with pytest.raises(ValidationError) as raised:
        actors(site, "trends", **params)
    assert raised.value.detail == detail


def test_what_the_engine_does_not_compute_is_said(site: Emulator) -> None:
    with pytest.raises(QueryNotComputed, match="action entities"):
        actors(site, "trends", entity_id="1", entity_type="actions")


# -- funnel ------------------------------------------------------------------------------------
def test_funnel_actors_who_converted_and_who_dropped_off(site: Emulator) -> None:
    converted = actors(site, "funnel", events=FUNNEL, funnel_step=2)
    assert sorted(people(converted)) == ["u0", "u1"]
    assert converted["missing_persons"] == 0 and converted["is_cached"] is False
    started = actors(site, "funnel", events=FUNNEL, funnel_step=1)
    # The anonymous visitor started too: counted, but no person to show.
    assert sorted(people(started)) == ["u0", "u1", "u2", "u3"]
    assert started["missing_persons"] == 1
    dropped = actors(site, "funnel", events=FUNNEL, funnel_step=-2)
    assert sorted(people(dropped)) == ["u2", "u3"]
    custom = actors(site, "funnel", events=FUNNEL, funnel_custom_steps=json.dumps([1]))
    assert sorted(people(custom)) == ["u2", "u3"]


def test_funnel_window_is_respected(site: Emulator) -> None:
    tight = actors(
        site,
        "funnel",
        events=FUNNEL,
        funnel_step=2,
        funnel_window_interval=1,
        funnel_window_interval_unit="hour",
    )
    assert people(tight) == []


def test_unordered_funnels_are_not_computed(site: Emulator) -> None:
    with pytest.raises(QueryNotComputed, match="unordered funnels"):
        actors(site, "funnel", events=FUNNEL, funnel_step=1, funnel_order_type="unordered")


# -- funnel correlation ------------------------------------------------------------------------
@pytest.fixture
def watched(site: Emulator) -> Emulator:
    """u0 (converted) and u2 (dropped off) watch a video inside their time in the funnel; u1
    only after signing up, so outside it."""
    for who, at in (("u0", "2026-06-10T12:00:00Z"), ("u2", "2026-06-10T12:00:00Z")):
        site.events.capture("watched_video", who, {}, timestamp=at)
    site.events.capture("watched_video", "u1", {}, timestamp="2026-06-11T12:00:00Z")
    return site


VIDEO = json.dumps({"id": "watched_video", "type": "events"})


@pytest.mark.parametrize(
    ("converted", "expected"),
    [("true", ["u0"]), ("false", ["u2"]), (None, ["u0", "u2"])],
)
def test_event_correlation_actors(
    watched: Emulator, converted: str | None, expected: list[str]
) -> None:
    params = {"events": FUNNEL, "funnel_correlation_person_entity": VIDEO}
    if converted is not None:
        params["funnel_correlation_person_converted"] = converted
    answer = actors(watched, "funnel/correlation", **params)
    assert sorted(people(answer)) == expected
    assert answer["missing_persons"] == 0 and answer["next"] is None
    # persons/funnel/ hands a correlation entity to the same actors (get_funnel_actor_class).
    assert sorted(people(actors(watched, "funnel", **params))) == expected


def test_event_correlation_pages_with_its_own_offset(watched: Emulator) -> None:
    answer = actors(
        watched,
        "funnel/correlation",
        events=FUNNEL,
        funnel_correlation_person_entity=VIDEO,
        funnel_correlation_person_limit=1,
    )
    assert len(people(answer)) == 1
    assert answer["next"] == answer["initial"] + "&funnel_correlation_person_offset=1"


@pytest.mark.parametrize(("converted", "expected"), [("true", ["u1"]), ("false", ["u3"])])
def test_property_correlation_actors(site: Emulator, converted: str, expected: list[str]) -> None:
    pro = json.dumps([{"key": "plan", "type": "person", "value": "pro"}])
    answer = actors(
        site,
        "funnel/correlation",
        events=FUNNEL,
        funnel_correlation_type="properties",
        funnel_correlation_property_values=pro,
        funnel_correlation_person_converted=converted,
    )
    assert people(answer) == expected


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        ({}, "No entity for persons specified"),
        (
            {"funnel_correlation_type": "properties"},
            "Property Correlation expects atleast one Property to get persons for",
        ),
    ],
)
def test_correlation_needs_what_to_correlate(
    site: Emulator, params: dict[str, Any], detail: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        actors(site, "funnel/correlation", events=FUNNEL, **params)
    assert raised.value.detail == detail


# -- lifecycle ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("target_date", "status", "expected"),
    [
        ("2026-06-10", "new", ["u0", "u1", "u2", "u3"]),
        ("2026-06-11", "dormant", ["u0", "u1", "u2", "u3"]),
        ("2026-06-11", "returning", []),
        ("2026-06-13", "resurrecting", ["u3"]),
        ("2026-06-14", "dormant", ["u3"]),
    ],
)
def test_lifecycle_actors(
    site: Emulator, target_date: str, status: str, expected: list[str]
) -> None:
    answer = actors(
        site, "lifecycle", events=PAGEVIEWS, target_date=target_date, lifecycle_type=status
    )
    assert sorted(people(answer)) == expected
    assert set(answer) == {"results", "next"}


def test_lifecycle_returning_the_next_day(site: Emulator) -> None:
    site.events.capture("pageview", "u3", {})
    site.advance_time(DAY)
    site.events.capture("pageview", "u3", {})
    answer = actors(
        site, "lifecycle", events=PAGEVIEWS, target_date="2026-06-14", lifecycle_type="returning"
    )
    assert people(answer) == ["u3"]


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        ({"lifecycle_type": "new"}, "Must include specified date"),
        ({"target_date": "2026-06-10"}, "Must include lifecycle type"),
    ],
)
def test_lifecycle_needs_its_parameters(
    site: Emulator, params: dict[str, Any], detail: str
) -> None:
    with pytest.raises(MissingParameter) as raised:
        actors(site, "lifecycle", events=PAGEVIEWS, **params)
    assert raised.value.status == 400
    assert raised.value.body() == {"message": "Missing parameter", "detail": detail}


# -- stickiness --------------------------------------------------------------------------------
def test_stickiness_actors_by_active_days(site: Emulator) -> None:
    one = actors(site, "stickiness", entity_id="pageview", entity_type="events", stickiness_days=1)
    two = actors(site, "stickiness", entity_id="pageview", entity_type="events", stickiness_days=2)
    assert sorted(people(one)) == ["u0", "u1", "u2"]
    assert people(two) == ["u3"]
    assert two["next"] is None


# -- the HTTP doors ----------------------------------------------------------------------------
@pytest.mark.parametrize("prefix", ["projects", "environments"])
@pytest.mark.parametrize(
    ("method", "name", "operation"),
    [
        ("GET", "trends", "persons_trends_retrieve"),
        ("GET", "funnel", "persons_funnel_retrieve"),
        ("POST", "funnel", "persons_funnel_create"),
        ("GET", "funnel/correlation", "persons_funnel_correlation_retrieve"),
        ("POST", "funnel/correlation", "persons_funnel_correlation_create"),
        ("GET", "lifecycle", "persons_lifecycle_retrieve"),
        ("GET", "stickiness", "persons_stickiness_retrieve"),
    ],
)
def test_personal_api_keys_are_refused(
    site: Emulator, prefix: str, method: str, name: str, operation: str
) -> None:
    if prefix == "environments":
        operation = f"environments_{operation}"
    path = f"/api/{prefix}/1/persons/{name}/"
    assert action(site, method, path, operation, status=403) == NO_KEY_ACCESS
