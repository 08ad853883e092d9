"""Cohorts over HTTP: ``CohortSerializer`` / ``CohortViewSet`` (``posthog/api/cohort.py``),
``CohortTypeValidationSerializer`` (``posthog/models/cohort/validation.py``), the model's
calculation fields (``posthog/models/cohort/cohort.py``). Bodies validate against the published
``Cohort`` components."""

from __future__ import annotations

from typing import Any

import pytest

from phemu.emulator import Emulator
from tests.openapi import assert_valid

COHORTS = "/api/projects/1/cohorts/"
PRO = {
    "properties": {
        "type": "OR",
        "values": [
            {
                "type": "AND",
                "values": [{"key": "plan", "type": "person", "value": "pro", "operator": "exact"}],
            }
        ],
    }
}


def post(emulator: Emulator, auth: dict[str, str], **body: Any) -> Any:
    return emulator.client().post(COHORTS, json=body, headers=auth)


def error(response: Any) -> tuple[int, str, str | None]:
    body = response.get_json()
    return response.status_code, body["detail"], body["attr"]


def test_dynamic_cohort_calculates_after_the_write_and_counts_matching_persons(
    frozen: Emulator, auth: dict[str, str]
) -> None:
    """posthog/api/cohort.py create(): ``is_calculating`` until the calculation task ran;
    posthog/models/cohort/cohort.py calculate_people_ch() sets ``count`` and
    ``last_calculation``."""
    for distinct_id, plan in (("u1", "pro"), ("u2", "free"), ("u3", "pro")):
        frozen.events.capture("signup", distinct_id, {"$set": {"plan": plan}})
    created = post(frozen, auth, name="Pro users", filters=PRO)
    assert created.status_code == 201
    body = created.get_json()
    assert_valid(body, "Cohort")
    assert (body["is_calculating"], body["count"], body["last_calculation"]) == (True, None, None)
    assert body["created_by"]["email"] == "ada@example.com" and body["cohort_type"] is None
    frozen.advance_time(minutes=5)
    read = frozen.client().get(f"{COHORTS}{body['id']}/", headers=auth).get_json()
    assert_valid(read, "Cohort")
    assert read["is_calculating"] is False and read["count"] == 2
    assert read["last_calculation"] == "2026-06-15T10:00:00Z"
    # The count follows the person store.
    frozen.events.capture("upgrade", "u2", {"$set": {"plan": "pro"}})
    assert frozen.cohorts.get(body["id"])["count"] == 3  # type: ignore[index]


def test_static_cohort_members_add_and_remove(frozen: Emulator, auth: dict[str, str]) -> None:
    """posthog/api/cohort.py add_persons_to_static_cohort / remove_person_from_static_cohort."""
    frozen.events.capture("x", "a")
    frozen.events.capture("x", "b")
    a, b = frozen.persons.get("a"), frozen.persons.get("b")
    assert a is not None and b is not None
    cohort = post(
        frozen, auth, name="VIP", is_static=True, _create_static_person_ids=[a.uuid]
    ).get_json()
    assert_valid(cohort, "Cohort")
    assert (cohort["count"], cohort["is_calculating"]) == (1, False)
    client = frozen.client()
    add = f"{COHORTS}{cohort['id']}/add_persons_to_static_cohort/"
    remove = f"{COHORTS}{cohort['id']}/remove_person_from_static_cohort/"
    assert client.patch(add, json={"person_ids": [b.uuid]}, headers=auth).get_json() == {
        "success": True
    }
    assert frozen.cohorts.get(cohort["id"])["count"] == 2  # type: ignore[index]
    assert frozen.feature_flags.create(
        key="vip",
        filters={
            "groups": [{"properties": [{"key": "id", "type": "cohort", "value": cohort["id"]}]}]
        },
    )
    assert frozen.feature_flags.value("vip", "b") is True
    assert client.patch(remove, json={"person_id": b.uuid}, headers=auth).status_code == 200
    assert frozen.feature_flags.value("vip", "b") is False
    cases = [
        (add, {"person_ids": "x"}, (400, "person_ids must be a list", None)),
        (add, {"person_ids": []}, (400, "person_ids cannot be empty", None)),
        (add, {"person_ids": ["nope"]}, (400, "No valid users to add to cohort", None)),
        (remove, {}, (400, "person_id is required", None)),
        (remove, {"person_id": 5}, (400, "person_id must be a string", None)),
        (remove, {"person_id": "abc"}, (400, "person_id must be a valid UUID", None)),
        (
            remove,
            {"person_id": "00000000-0000-4000-8000-000000000000"},
            (404, "Person with this UUID does not exist in the cohort's team", None),
        ),
        (remove, {"person_id": b.uuid}, (404, "Person is not part of the cohort", None)),
    ]
    for path, body, expected in cases:
        assert error(client.patch(path, json=body, headers=auth)) == expected, body
    dynamic = post(frozen, auth, name="D", filters=PRO).get_json()
    assert error(
        client.patch(
            f"{COHORTS}{dynamic['id']}/add_persons_to_static_cohort/",
            json={"person_ids": [a.uuid]},
            headers=auth,
        )
    ) == (400, "Can only add users to static cohorts", None)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"foo": 1}, ("Must contain a 'properties' key with type and values", "filters__detail")),
        (None, ("Must contain a 'properties' key with type and values", "filters__detail")),
        (
            {"properties": {"type": "AND", "values": [{"type": "person", "key": "plan"}]}},
            ("Missing required keys for person filter: value, operator", "filters"),
        ),
        (
            {"properties": {"type": "AND", "values": [{"type": "person", "value": 1}]}},
            ("Missing required keys for person filter: key", "filters"),
        ),
        (
            {"properties": {"type": "AND", "values": [{"type": "cohort", "key": "id"}]}},
            ("Missing required keys for cohort filter: value", "filters"),
        ),
        (
            {
                "properties": {
                    "type": "OR",
                    "values": [{"type": "AND", "values": [{"type": "behavioral", "key": "x"}]}],
                }
            },
            ("Missing required keys for behavioral filter: value", "filters"),
        ),
    ],
)
def test_filters_are_checked_like_cohort_filters(
    emulator: Emulator, auth: dict[str, str], filters: Any, expected: tuple[str, str]
) -> None:
    """posthog/api/cohort.py validate_filters and _cohort_error_message (pydantic
    CohortFilters)."""
    status, detail, attr = error(post(emulator, auth, name="c", filters=filters))
    assert (status, detail, attr) == (400, *expected)


def test_other_structural_errors_list_pydantics_errors(
    emulator: Emulator, auth: dict[str, str]
) -> None:
    """posthog/api/cohort.py _cohort_error_message: anything but missing keys is the error list."""
    filters = {"properties": {"type": "AND", "values": [{"type": "XOR"}]}}
    _status, detail, attr = error(post(emulator, auth, name="c", filters=filters))
    assert attr == "filters" and "'type': 'union_tag_invalid'" in detail
    assert "'loc': ('properties', 'values', 0)" in detail


def test_cohort_type_must_match_the_filters(emulator: Emulator, auth: dict[str, str]) -> None:
    """posthog/models/cohort/validation.py CohortTypeValidationSerializer."""
    ok = post(emulator, auth, name="p", filters=PRO, cohort_type="person_property")
    assert ok.status_code == 201 and ok.get_json()["cohort_type"] == "person_property"
    assert error(post(emulator, auth, name="p", filters=PRO, cohort_type="behavioral")) == (
        400,
        "Cohort type 'behavioral' does not match the filters. Expected type: 'person_property'",
        "cohort_type",
    )
    assert error(post(emulator, auth, name="s", is_static=True, cohort_type="person_property"))[
        1
    ].endswith("Expected type: 'static'")
    assert error(post(emulator, auth, name="x", cohort_type="nope")) == (
        400,
        '"nope" is not a valid choice.',
        "cohort_type",
    )


def test_query_rules(emulator: Emulator, auth: dict[str, str]) -> None:
    """posthog/api/cohort.py validate_query and create()."""
    query = {"kind": "HogQLQuery", "query": "select person_id from events"}
    assert error(post(emulator, auth, name="q", query={"kind": "EventsQuery"})) == (
        400,
        "Query must be an ActorsQuery or HogQLQuery. Got: EventsQuery",
        "query",
    )
    assert error(post(emulator, auth, name="q", query=query)) == (
        400,
        "Cannot create a dynamic cohort with a query. Set is_static to true.",
        None,
    )
    assert error(post(emulator, auth, name="q", is_static=True, query=query, filters=PRO)) == (
        400,
        "Cannot set both query and filters at the same time.",
        None,
    )


def test_soft_delete_list_filters_and_loops(emulator: Emulator, auth: dict[str, str]) -> None:
    """posthog/api/cohort.py: list hides deleted cohorts (detail does not), type/search filters,
    will_create_loops, the feature-flag guard on delete; DELETE is ForbidDestroyModel's 405."""
    client = emulator.client()
    first = post(emulator, auth, name="Alpha", filters=PRO).get_json()
    static = post(emulator, auth, name="Beta list", is_static=True).get_json()
    listed = client.get(COHORTS, headers=auth).get_json()
    assert_valid(listed, "PaginatedCohortList")
    assert [c["id"] for c in listed["results"]] == [static["id"], first["id"]]
    assert [
        c["id"] for c in client.get(f"{COHORTS}?type=static", headers=auth).json["results"]
    ] == [static["id"]]
    assert [c["id"] for c in client.get(f"{COHORTS}?search=alp", headers=auth).json["results"]] == [
        first["id"]
    ]
    loop = {
        "properties": {
            "type": "OR",
            "values": [{"type": "cohort", "key": "id", "value": first["id"]}],
        }
    }
    second = post(emulator, auth, name="Refers", filters=loop).get_json()
    back = {
        "properties": {
            "type": "OR",
            "values": [{"type": "cohort", "key": "id", "value": second["id"]}],
        }
    }
    patched = client.patch(f"{COHORTS}{first['id']}/", json={"filters": back}, headers=auth)
    assert error(patched) == (400, "Cohorts cannot reference other cohorts in a loop.", None)
    emulator.feature_flags.create(
        key="uses-alpha",
        name="Uses alpha",
        filters={
            "groups": [{"properties": [{"key": "id", "type": "cohort", "value": first["id"]}]}]
        },
    )
    refused = client.patch(f"{COHORTS}{first['id']}/", json={"deleted": True}, headers=auth)
    assert error(refused) == (
        400,
        "This cohort is used in 1 active feature flag(s): Uses alpha. Please remove the cohort "
        "from these feature flags before deleting it.",
        None,
    )
    deleted = client.patch(f"{COHORTS}{static['id']}/", json={"deleted": True}, headers=auth)
    assert deleted.status_code == 200 and deleted.get_json()["deleted"] is True
    assert static["id"] not in [c["id"] for c in client.get(COHORTS, headers=auth).json["results"]]
    assert client.get(f"{COHORTS}{static['id']}/", headers=auth).json["deleted"] is True
    gone = client.delete(f"{COHORTS}{first['id']}/", headers=auth)
    assert (gone.status_code, gone.get_data()) == (405, b"")


def test_projects_prefix_only_and_state_round_trip(
    emulator: Emulator, auth: dict[str, str]
) -> None:
    """posthog/api/__init__.py registers CohortViewSet on projects_router only."""
    missing = emulator.client().get("/api/environments/1/cohorts/", headers=auth)
    assert (missing.status_code, missing.get_json()["detail"]) == (404, "Endpoint not found.")
    emulator.cohorts.create(name="Seeded", filters=PRO)
    emulator.cohorts.create(name="Listed", distinct_ids=["later-user"])
    state = emulator.export_state()
    other = Emulator(load_entrypoints=False)
    other.import_state(state)
    assert other.export_state() == state
    emulator.events.capture("x", "later-user")
    assert [c["count"] for c in emulator.cohorts.all()] == [1, 0]


def test_the_docs_snippets_run() -> None:
    """Every Python snippet of docs/cohorts-experiments-surveys.md runs as written."""
    import re
    from pathlib import Path

    page = Path(__file__).resolve().parents[2] / "docs" / "cohorts-experiments-surveys.md"
    snippets = re.findall(r"```python\n(.*?)```", page.read_text(encoding="utf-8"), re.S)
    assert snippets
    for snippet in snippets:
        exec(compile(snippet, str(page), "exec"), {"__name__": "docs"})
