"""The cohort actions beyond CRUD: the activity log (``CohortViewSet.perform_create`` /
``perform_update`` / ``activity`` / ``all_activity`` and the static members' actions in
``posthog/api/cohort.py``; the compared fields are ``Cohort.to_dict()`` of
``posthog/models/cohort/cohort.py`` less ``field_exclusions["Cohort"]`` of
``posthog/models/activity_logging/activity_log.py``), ``calculation_history``,
``duplicate_as_static_cohort``, the flag's ``create_static_cohort_for_flag``
(``posthog/api/feature_flag.py``, members from ``get_cohort_actors_for_feature_flag``) and the
experiment's ``create_exposure_cohort_for_experiment`` (``ee/clickhouse/views/experiments.py``).
Every answer is checked against the operation's published schema."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from phemu.emulator import Emulator
from tests.conftest import NO_KEY_ACCESS
from tests.conftest import invalid_input
from tests.resources.actions_support import action

COHORTS = "/api/projects/1/cohorts/"
PRO = {
    "properties": {
        "type": "AND",
        "values": [{"type": "person", "key": "plan", "value": ["pro"], "operator": "exact"}],
    }
}
BEHAVIOURAL = {
    "properties": {
        "type": "OR",
        "values": [
            {
                "type": "behavioral",
                "key": "$pageview",
                "value": "performed_event",
                "event_type": "events",
                "time_value": 30,
                "time_interval": "day",
            }
        ],
    }
}


@pytest.fixture
def people(frozen: Emulator) -> Emulator:
    """Six persons, every other one on the pro plan, created a second apart (ids in order)."""
    for n in range(6):
        plan = "pro" if n % 2 else "free"
        props = {"plan": plan, "email": f"user-{n}@example.com"} if n != 5 else {"plan": plan}
        frozen.events.capture("$identify", f"user-{n}", {"$set": props})
        frozen.advance_time(1)
    return frozen


def person(emulator: Emulator, distinct_id: str) -> Any:
    found = emulator.persons.get(distinct_id)
    assert found is not None
    return found


def create(emulator: Emulator, **body: Any) -> dict[str, Any]:
    answer = action(emulator, "POST", COHORTS, "cohorts_create", status=201, json=body)
    assert isinstance(answer, dict)
    return answer


def activity(emulator: Emulator, pk: int | str, query: str = "") -> dict[str, Any]:
    answer = action(
        emulator, "GET", f"{COHORTS}{pk}/activity/{query}", "cohorts_activity_retrieve_2"
    )
    assert isinstance(answer, dict)
    return answer


# -- activity --------------------------------------------------------------------------------


def test_create_logs_the_members_as_its_only_change(people: Emulator) -> None:
    """``perform_create``: ``dict_changes_between({"people": []}, {"people": people})``; each
    person is ``{id, email or "(no email)", first distinct id}``, in the order the insert wrote
    them (person id); a cohort without members logs an empty change list."""
    three, five = person(people, "user-3"), person(people, "user-5")
    static = create(
        people, name="VIP", is_static=True, _create_static_person_ids=[five.uuid, three.uuid]
    )
    dynamic = create(people, name="Pros", filters=PRO)
    entry = activity(people, static["id"])["results"][0]
    assert entry["activity"] == "created" and entry["scope"] == "Cohort"
    assert entry["item_id"] == str(static["id"])
    assert entry["user"] == {"first_name": "Ada", "email": "ada@example.com"}
    assert entry["detail"]["name"] == "VIP"
    assert entry["detail"]["changes"] == [
        {
            "type": "Cohort",
            "action": "changed",
            "field": "people",
            "before": [],
            "after": [
                {"id": three.id, "email": "user-3@example.com", "distinct_id": "user-3"},
                {"id": five.id, "email": "(no email)", "distinct_id": "user-5"},
            ],
        }
    ]
    assert activity(people, dynamic["id"])["results"][0]["detail"]["changes"] == []


def test_updates_log_the_compared_fields_and_skip_no_changes(people: Emulator) -> None:
    """``perform_update``: ``to_dict()`` before and after; ``count``, ``is_calculating`` and
    the other calculation fields are excluded; an update without changes is not logged; a
    soft delete is a ``deleted`` change."""
    cohort = create(people, name="Pros", filters=PRO)
    detail = f"{COHORTS}{cohort['id']}/"
    action(people, "PATCH", detail, "cohorts_partial_update", json={"name": "Pros"})
    action(
        people,
        "PATCH",
        detail,
        "cohorts_partial_update",
        json={"name": "Pro users", "description": "paying"},
    )
    action(people, "PATCH", detail, "cohorts_partial_update", json={"deleted": True})
    page = activity(people, cohort["id"])
    assert [e["activity"] for e in page["results"]] == ["updated", "updated", "created"]
    deleted, renamed = page["results"][0]["detail"], page["results"][1]["detail"]
    assert deleted["changes"] == [
        {"type": "Cohort", "action": "changed", "field": "deleted", "before": False, "after": True}
    ]
    # ``dict_changes_between`` tests for None only: "" -> "paying" is a change, not a creation.
    assert renamed["name"] == "Pro users"
    assert renamed["changes"] == [
        {"type": "Cohort", "action": "changed", "field": "name", "before": "Pros", "after": "Pro users"},
        {"type": "Cohort", "action": "changed", "field": "description", "before": "", "after": "paying"},
    ]  # fmt: skip
    # A soft-deleted cohort keeps its log (``Cohort.objects.filter(id=...)`` sees it).
    assert page["total_count"] == 3


def test_static_member_actions_log_a_bare_change(people: Emulator) -> None:
    """``add_persons_to_static_cohort`` / ``remove_person_from_static_cohort``: activities
    ``persons_added_manually`` / ``person_removed_manually``, one field-less change, no name."""
    cohort = create(people, name="VIP", is_static=True)
    one = person(people, "user-1")
    base = f"{COHORTS}{cohort['id']}/"
    action(
        people,
        "PATCH",
        f"{base}add_persons_to_static_cohort/",
        "cohorts_add_persons_to_static_cohort_partial_update",
        json={"person_ids": [one.uuid]},
    )
    action(
        people,
        "PATCH",
        f"{base}remove_person_from_static_cohort/",
        "cohorts_remove_person_from_static_cohort_partial_update",
        json={"person_id": one.uuid},
    )
    results = activity(people, cohort["id"])["results"]
    assert [e["activity"] for e in results] == [
        "person_removed_manually",
        "persons_added_manually",
        "created",
    ]
    bare = {"type": "Cohort", "action": "changed", "field": None, "before": None, "after": None}
    for entry in results[:2]:
        assert entry["detail"]["changes"] == [bare] and entry["detail"]["name"] is None


def test_activity_pages_and_lookups(people: Emulator) -> None:
    """``all_activity`` pages every cohort's entries (10 a page, newest first); ``activity``
    answers a bare 404 for a cohort of no project's and PostHog's 500 for a non-numeric id;
    the item ids are the path's spelling."""
    ids = [create(people, name=f"c{n}", is_static=True)["id"] for n in range(12)]
    page = action(people, "GET", f"{COHORTS}activity/", "cohorts_activity_retrieve")
    assert page["total_count"] == 12 and len(page["results"]) == 10
    assert page["results"][0]["item_id"] == str(ids[-1])
    assert page["next"] == "http://localhost/api/projects/1/cohorts/activity/?page=2&limit=10"
    second = action(people, "GET", f"{COHORTS}activity/?page=2", "cohorts_activity_retrieve")
    assert [e["item_id"] for e in second["results"]] == [str(ids[1]), str(ids[0])]
    client = people.client()
    missing = client.get(f"{COHORTS}999/activity/", headers=people.auth_headers)
    assert (missing.status_code, missing.get_data()) == (404, b"")
    assert client.get(f"{COHORTS}abc/activity/", headers=people.auth_headers).status_code == 500
    assert activity(people, f"0{ids[0]}")["total_count"] == 0


def test_seeded_cohorts_are_not_logged(frozen: Emulator) -> None:
    frozen.load_seed({"cohorts": [{"name": "Seeded", "filters": PRO}]})
    assert frozen.activity_log.all("Cohort") == []


# -- calculation history ---------------------------------------------------------------------


def test_calculation_history_is_the_empty_page(people: Emulator) -> None:
    """PostHog's rows come from its Celery task's ClickHouse runs, which phemu does not have:
    the page of a cohort without rows, with the view's ``limit``/``offset`` links."""
    cohort = create(people, name="Pros", filters=PRO)
    path = f"{COHORTS}{cohort['id']}/calculation_history/"
    op = "cohorts_calculation_history_retrieve"
    assert action(people, "GET", path, op) == {
        "results": [],
        "count": 0,
        "next": None,
        "previous": None,
    }
    assert action(people, "GET", f"{path}?limit=5&offset=7", op)["previous"] == "?limit=5&offset=2"
    client = people.client()
    for query in ("?limit=x", "?offset=-1", "?limit=-3"):
        assert client.get(path + query, headers=people.auth_headers).status_code == 500
    assert (
        client.get(f"{COHORTS}999/calculation_history/", headers=people.auth_headers).status_code
        == 404
    )


# -- duplicate as static ---------------------------------------------------------------------


def test_duplicate_as_static_copies_the_last_calculation(people: Emulator) -> None:
    """``duplicate_as_static_cohort``: ``"<name> (static copy)"``, static, filled by a task
    (uncounted in the answer, counted once it ran), not logged; a static source is refused."""
    source = create(people, name="Pros", filters=PRO)
    path = f"{COHORTS}{source['id']}/duplicate_as_static_cohort/"
    op = "cohorts_duplicate_as_static_cohort_retrieve"
    copy = action(people, "GET", path, op)
    assert copy["name"] == "Pros (static copy)" and copy["is_static"] is True
    assert (copy["count"], copy["last_calculation"], copy["is_calculating"]) == (None, None, False)
    assert (
        copy["filters"] == {"properties": {}} and copy["created_by"]["email"] == "ada@example.com"
    )
    people.advance_time(60)
    read = people.cohorts.get(copy["id"])
    assert read is not None
    assert (read["count"], read["last_calculation"]) == (3, "2026-06-15T10:00:06Z")
    pros = {person(people, f"user-{n}").uuid for n in (1, 3, 5)}
    record = people.cohorts.record(copy["id"])
    assert record is not None and people.cohorts.persons_in(record) == pros
    # The copy is static: persons who become pro later are not added.
    people.events.capture("upgrade", "user-0", {"$set": {"plan": "pro"}})
    assert people.cohorts.get(copy["id"])["count"] == 3  # type: ignore[index]
    assert activity(people, copy["id"])["total_count"] == 0
    assert action(
        people, "GET", f"{COHORTS}{copy['id']}/duplicate_as_static_cohort/", op, status=400
    ) == invalid_input("Cannot duplicate a static cohort as a static cohort.")


def test_duplicate_of_an_unnamed_or_behavioural_cohort(people: Emulator) -> None:
    """``f"{cohort.name} (static copy)"`` of no name; a behavioural source no one matches (no
    events) is copied empty, and the copy is calculated."""
    source = create(people, filters=BEHAVIOURAL)
    copy = people.cohorts.duplicate_as_static(source["id"])
    assert copy["name"] == "None (static copy)"
    assert people.cohorts.get(copy["id"])["count"] == 0  # type: ignore[index]


# -- the flag's static cohort ----------------------------------------------------------------


def in_rollout(key: str, distinct_id: str, percentage: float) -> bool:
    digest = hashlib.sha1(f"{key}.{distinct_id}".encode()).hexdigest()
    return int(digest[:15], 16) / 0xFFFFFFFFFFFFFFF <= percentage / 100


def test_flag_cohort_holds_the_persons_the_flag_matches(people: Emulator) -> None:
    """``create_static_cohort_for_flag``: ``Users with feature flag <key> enabled at <now>``,
    ``{"cohort": ...}`` with status 201; the persons are matched with the flag's own rules
    (conditions, then the rollout hashed on the first distinct id)."""
    flag = people.feature_flags.create(
        key="beta",
        filters={"groups": [{"properties": PRO["properties"]["values"], "rollout_percentage": 50}]},
    )
    answer = people.cohorts.for_flag(flag["id"])
    cohort = answer["cohort"]
    assert cohort["name"] == "Users with feature flag beta enabled at 2026-06-15 10:00:06"
    assert (cohort["is_static"], cohort["count"], cohort["last_calculation"]) == (True, None, None)
    expected = {
        person(people, f"user-{n}").uuid for n in (1, 3, 5) if in_rollout("beta", f"user-{n}", 50)
    }
    record = people.cohorts.record(cohort["id"])
    assert record is not None and people.cohorts.persons_in(record) == expected
    assert people.cohorts.get(cohort["id"])["count"] == len(expected)  # type: ignore[index]


def test_flag_cohort_of_an_inactive_flag_is_never_calculated(people: Emulator) -> None:
    """``get_cohort_actors_for_feature_flag`` returns early for an inactive flag: nothing is
    inserted and the cohort's state is never saved (count and last calculation stay null)."""
    flag = people.feature_flags.create(
        key="off", active=False, filters={"groups": [{"properties": [], "rollout_percentage": 100}]}
    )
    cohort = people.cohorts.for_flag(flag["id"])["cohort"]
    people.advance_time(60)
    read = people.cohorts.get(cohort["id"])
    assert read is not None and (read["count"], read["last_calculation"]) == (None, None)


def test_flag_cohort_refuses_personal_api_keys(people: Emulator) -> None:
    """The action names no scope: a personal API key gets PostHog's 403."""
    flag = people.feature_flags.create(key="beta", filters={"groups": [{"properties": []}]})
    answer = action(
        people,
        "POST",
        f"/api/projects/1/feature_flags/{flag['id']}/create_static_cohort_for_flag/",
        "feature_flags_create_static_cohort_for_flag_create",
        status=403,
    )
    assert answer == NO_KEY_ACCESS


# -- the experiment's exposure cohort -------------------------------------------------------


def experiment(emulator: Emulator, **body: Any) -> dict[str, Any]:
    return emulator.experiments.create(
        **{"name": "Checkout", "feature_flag_key": "checkout", **body}
    )


def exposure(emulator: Emulator, pk: int, status: int = 201) -> Any:
    return action(
        emulator,
        "POST",
        f"/api/projects/1/experiments/{pk}/create_exposure_cohort_for_experiment/",
        "experiments_create_exposure_cohort_for_experiment_create",
        status=status,
    )


def test_exposure_cohort_of_a_started_experiment(people: Emulator) -> None:
    """A dynamic cohort of the persons who called the flag since the start, named after the
    experiment, linked both ways; a second one is refused."""
    started = experiment(people, start_date="2026-06-01T08:30:00Z")
    answer = exposure(people, started["id"])
    cohort = answer["cohort"]
    assert cohort["name"] == 'Users exposed to experiment "Checkout"'
    assert (cohort["is_static"], cohort["is_calculating"]) == (False, True)
    assert cohort["experiment_set"] == [started["id"]]
    assert cohort["filters"] == {
        "properties": {
            "type": "OR",
            "values": [
                {
                    "type": "OR",
                    "values": [
                        {
                            "type": "behavioral",
                            "value": "performed_event",
                            "key": "$feature_flag_called",
                            "negation": False,
                            "event_type": "events",
                            "event_filters": [
                                {
                                    "key": "$feature_flag",
                                    "value": ["checkout"],
                                    "operator": "exact",
                                    "type": "event",
                                }
                            ],
                            "explicit_datetime": "2026-06-01T08:30:00+00:00",
                        }
                    ],
                }
            ],
        }
    }
    assert people.experiments.get(started["id"])["exposure_cohort"] == cohort["id"]  # type: ignore[index]
    assert exposure(people, started["id"], status=400) == invalid_input(
        "Experiment already has an exposure cohort"
    )
    # Not logged: PostHog saves the serializer itself, outside perform_create.
    assert activity(people, cohort["id"])["total_count"] == 0


def test_exposure_cohort_needs_a_start_date(people: Emulator) -> None:
    draft = experiment(people)
    assert exposure(people, draft["id"], status=400) == invalid_input(
        "Experiment does not have a start date"
    )


def test_exposure_cohort_of_a_custom_exposure_filter(people: Emulator) -> None:
    """``custom_exposure_filter``: its first entity (actions before events) and that entity's
    event-level properties as ``Property.to_dict()`` writes them (set attributes, value last;
    an ``is_set`` property's value is its operator); a non-numeric action id is refused."""
    custom = {
        "events": [
            {
                "id": "checkout viewed",
                "type": "events",
                "properties": [
                    {"key": "$browser", "value": ["Chrome"], "operator": "exact", "type": "event"},
                    {"key": "plan", "value": ["pro"], "operator": "exact", "type": "person"},
                    {"key": "coupon", "operator": "is_set", "type": "event"},
                ],
            }
        ]
    }
    started = experiment(
        people,
        start_date="2026-06-01T00:00:00Z",
        parameters={"custom_exposure_filter": custom},
    )
    behavior = exposure(people, started["id"])["cohort"]["filters"]["properties"]["values"][0][
        "values"
    ][0]
    assert (behavior["key"], behavior["event_type"]) == ("checkout viewed", "events")
    assert behavior["event_filters"] == [
        {"key": "$browser", "operator": "exact", "type": "event", "value": ["Chrome"]},
        {"key": "coupon", "operator": "is_set", "type": "event", "value": "is_set"},
    ]
    actions = experiment(
        people,
        name="Other",
        feature_flag_key="other",
        start_date="2026-06-01T00:00:00Z",
        parameters={"custom_exposure_filter": {"actions": [{"id": "nope", "type": "actions"}]}},
    )
    assert exposure(people, actions["id"], status=400) == invalid_input("Invalid action ID")


# -- form bodies -----------------------------------------------------------------------------


def test_form_is_static_false_is_false_for_the_type_check(people: Emulator) -> None:
    """``validate_cohort_type`` reads ``is_static`` through ``CohortTypeValidationSerializer``'s
    ``BooleanField`` (``posthog/models/cohort/validation.py``): a form body's "false" is false,
    so ``cohort_type=static`` no longer matches and ``person_property`` does."""
    client = people.client()
    refused = client.post(
        COHORTS,
        data={"name": "x", "is_static": "false", "cohort_type": "static"},
        headers=people.auth_headers,
    )
    assert refused.status_code == 400
    assert refused.get_json()["detail"] == "Invalid cohort type for the given filters"
    made = client.post(
        COHORTS,
        json={"name": "y", "is_static": "false", "cohort_type": "person_property", "filters": PRO},
        headers=people.auth_headers,
    )
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert (body["is_static"], body["cohort_type"]) == (False, "person_property")
    static = client.post(
        COHORTS,
        data={"name": "z", "is_static": "true", "cohort_type": "static"},
        headers=people.auth_headers,
    )
    assert static.status_code == 201 and static.get_json()["is_static"] is True
