"""Survey actions from stored state: ``duplicate_to_projects`` and the activity log
(``SurveyViewSet.duplicate_to_projects``, ``all_activity``, ``activity`` and the serializer's
``log_activity`` calls in ``posthog/api/survey.py``; ``changes_between`` in
``posthog/models/activity_logging/activity_log.py``)."""

from __future__ import annotations

from typing import Any

from phemu.emulator import Emulator
from tests.resources.actions_support import action

SURVEYS = "/api/projects/1/surveys/"
OWNER = 1  # the default seed's user, owner of its personal API key
QUESTIONS = [{"type": "open", "question": "Why?"}, {"type": "rating", "question": "Score?"}]


def _survey(emulator: Emulator, **fields: Any) -> dict[str, Any]:
    body = {"name": "NPS", "type": "popover", "questions": QUESTIONS, **fields}
    response = emulator.client().post(SURVEYS, json=body, headers=emulator.auth_headers)
    assert response.status_code == 201, response.get_json()
    return dict(response.get_json())


def _same_org_project(emulator: Emulator, name: str = "Second") -> int:
    return int(emulator.organization_projects.create(name=name)["id"])


def test_duplicate_copies_the_survey_without_flags_into_each_target(frozen: Emulator) -> None:
    flag = frozen.feature_flags.create(key="beta", filters={"groups": [{"rollout_percentage": 50}]})
    source = _survey(
        frozen,
        linked_flag_id=flag["id"],
        targeting_flag_filters={"groups": [{"properties": [], "rollout_percentage": 20}]},
        conditions={"url": "/pricing", "linkedFlagVariant": "any", "events": {"values": []}},
        appearance={"backgroundColor": "#fff"},
    )
    frozen.surveys.update(source["id"], start_date="2026-01-01T00:00:00Z")
    second, third = _same_org_project(frozen), _same_org_project(frozen, "Third")
    flags_before = {f["id"] for p in (1, second, third) for f in frozen.feature_flags.all(p)}

    answer = action(
        frozen,
        "POST",
        f"{SURVEYS}{source['id']}/duplicate_to_projects/",
        "surveys_duplicate_to_projects_create",
        status=201,
        json={"target_team_ids": [third, second]},
    )

    stamp = frozen.clock.now().strftime("%Y-%m-%d %H:%M:%S")
    name = f"NPS (duplicated at {stamp})"
    assert answer["count"] == 2
    assert [(c["team_id"], c["name"]) for c in answer["created_surveys"]] == [
        (second, name),
        (third, name),
    ]
    for created in answer["created_surveys"]:
        copy = frozen.surveys.get(created["survey_id"])
        assert copy is not None
        assert copy["name"] == name and copy["start_date"] is None and not copy["archived"]
        # the conditions lose the source project's flag variant, actions and events
        assert copy["conditions"] == {"url": "/pricing"}
        assert copy["appearance"] == {"backgroundColor": "#fff"}
        assert copy["linked_flag"] is copy["targeting_flag"] is None
        assert copy["internal_targeting_flag"] is None  # bulk_create: no serializer flags
        assert [q["question"] for q in copy["questions"]] == ["Why?", "Score?"]
        source_ids = {q["id"] for q in frozen.surveys.get(source["id"])["questions"]}
        assert all(q["id"] and q["id"] not in source_ids for q in copy["questions"])
        assert created["survey_id"] in {s["id"] for s in frozen.surveys.all(created["team_id"])}
    flags_after = {f["id"] for p in (1, second, third) for f in frozen.feature_flags.all(p)}
    assert flags_after == flags_before


def test_duplicate_refuses_bad_targets_and_changes_nothing(frozen: Emulator) -> None:
    source = _survey(frozen)
    path = f"{SURVEYS}{source['id']}/duplicate_to_projects/"
    second = _same_org_project(frozen)
    other_org = frozen.organization_projects.create_organization(name="Elsewhere")
    foreign = frozen.organization_projects.create(other_org["id"], name="Foreign")["id"]
    assert frozen.store.users[OWNER].current_project == 1
    before = {p: len(frozen.surveys.all(p)) for p in (1, second, foreign)}
    for body, detail in (
        ({}, "target_team_ids must be a non-empty list of team IDs"),
        ({"target_team_ids": []}, "target_team_ids must be a non-empty list of team IDs"),
        ({"target_team_ids": second}, "target_team_ids must be a non-empty list of team IDs"),
        (
            {"target_team_ids": [second, foreign]},
            "One or more target teams not found or you don't have access to them",
        ),
        (
            {"target_team_ids": [second, second]},
            "One or more target teams not found or you don't have access to them",
        ),
        (
            {"target_team_ids": [second, 999]},
            "One or more target teams not found or you don't have access to them",
        ),
    ):
        error = action(
            frozen, "POST", path, "surveys_duplicate_to_projects_create", status=400, json=body
        )
        assert error == {
            "type": "validation_error",
            "code": "invalid_input",
            "detail": detail,
            "attr": None,
        }
    assert {p: len(frozen.surveys.all(p)) for p in (1, second, foreign)} == before
    missing = f"{SURVEYS}00000000-0000-4000-8000-000000000000/duplicate_to_projects/"
    assert (
        action(frozen, "POST", missing, "surveys_duplicate_to_projects_create", status=404, json={})
        is None
    )


def test_duplicate_into_the_same_project_twice_hits_the_unique_name(frozen: Emulator) -> None:
    source = _survey(frozen)
    path = f"{SURVEYS}{source['id']}/duplicate_to_projects/"
    body = {"target_team_ids": [1]}
    action(frozen, "POST", path, "surveys_duplicate_to_projects_create", status=201, json=body)
    error = action(
        frozen, "POST", path, "surveys_duplicate_to_projects_create", status=400, json=body
    )
    assert error["detail"] == "There is already a survey with this name."
    assert len(frozen.surveys.all(1)) == 2


def _expected_log(emulator: Emulator, item: str | None) -> list[tuple[str, str, Any]]:
    """Independent reading of the journal: (activity, item_id, fields changed) newest first."""
    rows = [
        e for e in emulator.activity_log.all("Survey", 1) if item is None or e["item_id"] == item
    ]
    return [
        (e["activity"], e["item_id"], [c["field"] for c in e["detail"]["changes"] or []])
        for e in rows
    ]


def test_survey_writes_are_logged_and_paged(frozen: Emulator) -> None:
    first = _survey(frozen)
    frozen.advance_time(60)
    second = _survey(frozen, name="CSAT")
    frozen.advance_time(60)
    client, headers = frozen.client(), frozen.auth_headers
    patch = {"description": "Tell us", "start_date": "2026-01-01T00:00:00Z"}
    assert client.patch(f"{SURVEYS}{first['id']}/", json=patch, headers=headers).status_code == 200
    frozen.advance_time(60)
    # a write that changes nothing is not logged
    assert client.patch(f"{SURVEYS}{first['id']}/", json={}, headers=headers).status_code == 200
    targeting = {
        "targeting_flag_filters": {"groups": [{"properties": [], "rollout_percentage": 5}]}
    }
    assert (
        client.patch(f"{SURVEYS}{second['id']}/", json=targeting, headers=headers).status_code
        == 200
    )
    frozen.advance_time(60)
    assert client.delete(f"{SURVEYS}{second['id']}/", headers=headers).status_code == 204

    page = action(frozen, "GET", f"{SURVEYS}activity/", "surveys_activity_retrieve")
    rows = [(r["activity"], r["item_id"]) for r in page["results"]]
    assert rows == [
        ("deleted", second["id"]),
        ("updated", second["id"]),
        ("updated", first["id"]),
        ("created", second["id"]),
        ("created", first["id"]),
    ]
    assert page["total_count"] == 5 and page["next"] is None
    assert [(a, i) for a, i, _ in _expected_log(frozen, None)] == rows
    updated = page["results"][2]["detail"]
    assert {c["field"]: (c["action"], c["before"], c["after"]) for c in updated["changes"]} == {
        "description": ("created", None, "Tell us"),
        "start_date": ("created", None, "2026-01-01T00:00:00+00:00"),
    }
    assert updated["name"] == "NPS"
    assert page["results"][2]["user"]["email"] == frozen.store.users[OWNER].email
    targeted = page["results"][1]["detail"]["changes"]
    assert targeted[0] == {
        "type": "Survey",
        "action": "created",
        "field": "targeting_flag_filters",
        "before": None,
        "after": targeting["targeting_flag_filters"],
    }

    one = action(
        frozen, "GET", f"{SURVEYS}{first['id']}/activity/?limit=1", "surveys_activity_retrieve_2"
    )
    assert [r["activity"] for r in one["results"]] == ["updated"]
    assert one["total_count"] == 2 and one["next"].endswith("limit=1&page=2")
    assert _expected_log(frozen, first["id"])[0][0] == "updated"
    missing = f"{SURVEYS}{second['id']}/activity/"  # deleted: no longer in the project
    assert action(frozen, "GET", missing, "surveys_activity_retrieve_2", status=404) is None


def test_duplicates_log_their_source(frozen: Emulator) -> None:
    source = _survey(frozen)
    second = _same_org_project(frozen)
    answer = frozen.surveys.duplicate_to_projects(source["id"], [second], user_id=OWNER)
    copy_id = answer["created_surveys"][0]["survey_id"]
    logged = frozen.activity_log.all("Survey", second)
    assert [(e["activity"], e["item_id"]) for e in logged] == [("created", copy_id)]
    assert logged[0]["detail"]["changes"] == [
        {
            "type": "Survey",
            "action": "created",
            "field": "source_survey_id",
            "before": None,
            "after": source["id"],
        }
    ]


def test_python_api_and_seed_loads(frozen: Emulator) -> None:
    created = frozen.surveys.create(name="Py", type="api")
    frozen.surveys.update(created["id"], archived=True)
    frozen.surveys.delete(created["id"])
    assert [e["activity"] for e in frozen.activity_log.all("Survey")] == [
        "deleted",
        "updated",
        "created",
    ]
    frozen.load_seed({"surveys": [{"name": "Seeded", "type": "api"}]})
    assert "Seeded" in {s["name"] for s in frozen.surveys.all()}
    assert len(frozen.activity_log.all("Survey")) == 3


def test_removing_the_targeting_flag_logs_the_flag(frozen: Emulator) -> None:
    filters = {"groups": [{"properties": [], "rollout_percentage": 5}]}
    survey = _survey(frozen, targeting_flag_filters=filters)
    flag = frozen.feature_flags.get(survey["targeting_flag"]["id"])
    assert flag is not None
    path = f"{SURVEYS}{survey['id']}/"
    body = {"remove_targeting_flag": True}
    assert frozen.client().patch(path, json=body, headers=frozen.auth_headers).status_code == 200
    entry = action(frozen, "GET", f"{path}activity/", "surveys_activity_retrieve_2")["results"][0]
    assert entry["activity"] == "updated"
    assert entry["detail"]["changes"][0] == {
        "type": "Survey",
        "action": "deleted",
        "field": "targeting_flag",
        "before": {
            "id": flag["id"],
            "key": flag["key"],
            "name": flag["name"],
            "filters": flag["filters"],
            "team_id": 1,
            "deleted": flag["deleted"],
            "active": flag["active"],
        },
        "after": None,
    }
    assert frozen.feature_flags.get(flag["id"]) is None
