"""``persons/{id}/properties_timeline/`` (``PropertiesTimeline`` in
``posthog/queries/properties_timeline/properties_timeline.py``, ``PropertiesTimelineEventQuery``
next to it, ``QueryDateRange`` in ``posthog/queries/query_date_range.py``) and
``persons/{id}/delete_recordings/`` (``PersonViewSet.delete_recordings`` in
``posthog/api/person.py``)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from phemu.emulator import Emulator
from phemu.errors import NotFound
from phemu.errors import ValidationError
from tests.conftest import NO_KEY_ACCESS
from tests.resources.actions_support import action

PLAN_FILTER = json.dumps([{"key": "plan", "type": "person", "value": "pro"}])


@pytest.fixture
def history(frozen: Emulator) -> Emulator:
    """``ada`` signs up on the free plan, browses, upgrades, browses; ``bob`` only browses."""
    capture = frozen.events.capture
    capture("$identify", "ada", {"$set": {"plan": "free", "email": "ada@x.io"}})
    for name, props in [
        ("pageview", {}),
        ("pageview", {"$set": {"seen": 1}}),
        ("upgrade", {"$set": {"plan": "pro"}}),
        ("pageview", {}),
    ]:
        frozen.advance_time(60)
        capture(name, "ada", props)
    capture("pageview", "bob", {})
    return frozen


def timeline(emulator: Emulator, **params: Any) -> dict[str, Any]:
    ada = emulator.persons.get("ada")
    assert ada is not None
    found: dict[str, Any] = emulator.persons.properties_timeline(ada.uuid, **params)
    return found


def test_a_point_where_a_crucial_property_changes(history: Emulator) -> None:
    answer = timeline(history, properties=PLAN_FILTER)
    assert answer == {
        "points": [
            {
                "timestamp": "2026-06-15T10:00:00Z",
                "properties": {"plan": "free", "email": "ada@x.io"},
                "relevant_event_count": 3,
            },
            {
                "timestamp": "2026-06-15T10:03:00Z",
                "properties": {"plan": "pro", "email": "ada@x.io", "seen": 1},
                "relevant_event_count": 2,
            },
        ],
        "crucial_property_keys": ["plan"],
        # QueryDateRange: -7d from the start of its day to the end of today, in the team's zone.
        "effective_date_from": "2026-06-08T00:00:00+00:00",
        "effective_date_to": "2026-06-15T23:59:59.999999+00:00",
    }


def test_without_crucial_keys_the_first_event_is_the_only_point(history: Emulator) -> None:
    answer = timeline(history)
    assert answer["crucial_property_keys"] == []
    assert [p["relevant_event_count"] for p in answer["points"]] == [5]


def test_crucial_keys_come_from_entities_and_a_person_breakdown(history: Emulator) -> None:
    events = json.dumps(
        [{"id": "pageview", "properties": [{"key": "seen", "type": "person", "value": 1}]}]
    )
    answer = timeline(history, events=events, breakdown="plan", breakdown_type="person")
    assert answer["crucial_property_keys"] == ["plan", "seen"]
    # Only pageviews count: the first, then the one after "seen" was set, then the one on "pro".
    assert [(p["timestamp"], p["relevant_event_count"]) for p in answer["points"]] == [
        ("2026-06-15T10:01:00Z", 1),
        ("2026-06-15T10:02:00Z", 1),
        ("2026-06-15T10:04:00Z", 1),
    ]


def test_a_clicked_day_covers_that_day(history: Emulator) -> None:
    answer = timeline(history, date_from="2026-06-15", date_to="2026-06-15")
    assert answer["effective_date_from"] == "2026-06-15T00:00:00+00:00"
    assert answer["effective_date_to"] == "2026-06-15T23:59:59.999999+00:00"
    assert timeline(history, date_from="2026-06-14", date_to="2026-06-14")["points"] == []


def test_the_window_is_in_the_team_time_zone(history: Emulator) -> None:
    history.store.projects[1].timezone = "Europe/Paris"
    answer = timeline(history, date_from="2026-06-15", explicit_date="true")
    assert answer["effective_date_from"] == "2026-06-15T00:00:00+02:00"
    assert answer["effective_date_to"] == "2026-06-15T12:04:00+02:00"  # now (10:04 UTC)


def test_lookups_as_the_viewset_does(history: Emulator) -> None:
    ada = history.persons.get("ada")
    assert ada is not None
    assert history.persons.properties_timeline(ada.id)["points"]
    with pytest.raises(ValidationError):
        history.persons.properties_timeline("ada")
    with pytest.raises(NotFound):
        history.persons.properties_timeline(99999)


@pytest.mark.parametrize("prefix", ["projects", "environments"])
def test_personal_api_keys_are_refused(history: Emulator, prefix: str) -> None:
    ada = history.persons.get("ada")
    assert ada is not None
    path = f"/api/{prefix}/1/persons/{ada.uuid}/properties_timeline/"
    operation = ("environments_" if prefix == "environments" else "") + (
        "persons_properties_timeline_retrieve"
    )
    assert action(history, "GET", path, operation, status=403) == NO_KEY_ACCESS


@pytest.mark.parametrize("prefix", ["projects", "environments"])
def test_delete_recordings_answers_202(history: Emulator, prefix: str) -> None:
    ada = history.persons.get("ada")
    assert ada is not None
    operation = ("environments_" if prefix == "environments" else "") + (
        "persons_delete_recordings_create"
    )
    for key in (ada.uuid, str(ada.id)):
        path = f"/api/{prefix}/1/persons/{key}/delete_recordings/"
        assert action(history, "POST", path, operation, status=202) is None
    # The person and their events stay: only recordings go, and phemu holds none.
    assert history.persons.get("ada") is not None
    assert history.events.captured("upgrade")


def test_delete_recordings_looks_the_person_up(history: Emulator) -> None:
    base = "/api/projects/1/persons/"
    operation = "persons_delete_recordings_create"
    assert action(history, "POST", f"{base}ada/delete_recordings/", operation, status=400) == {
        "type": "validation_error",
        "code": "invalid_input",
        "detail": "The ID provided does not look like a personID. If you are using a distinctId, "
        "please use /persons?distinct_id=ada instead.",
        "attr": None,
    }
    missing = action(history, "POST", f"{base}424242/delete_recordings/", operation, status=404)
    assert missing == {
        "type": "invalid_request",
        "code": "not_found",
        "detail": "Not found.",
        "attr": None,
    }
