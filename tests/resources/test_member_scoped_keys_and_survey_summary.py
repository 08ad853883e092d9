"""Two actions answered from stored state:

- ``members/{user__uuid}/scoped_api_keys/`` (``OrganizationMemberViewSet.scoped_api_keys`` in
  ``posthog/api/organization_member.py`` over ``OrganizationMembership.get_scoped_api_keys`` in
  ``posthog/models/organization.py``): the member's personal API keys that reach the
  organization. The action names no scope, so personal API keys get PostHog's 403.
- ``surveys/{id}/summarize_responses/`` (``SurveyViewSet.summarize_responses`` in
  ``posthog/api/survey.py``, ``fetch_responses`` in
  ``products/surveys/backend/summarization/fetch.py``) up to the model call.
"""

from __future__ import annotations

from typing import Any

import pytest

from phemu.emulator import Emulator
from phemu.errors import NotFound
from tests.conftest import NO_KEY_ACCESS
from tests.conftest import invalid_input
from tests.resources.actions_support import action

ORG_A = "01928a6e-3c1d-7000-8000-0000000000aa"
ORG_B = "01928a6e-3c1d-7000-8000-0000000000bb"


def _key(label: str, **fields: Any) -> dict[str, Any]:
    return {"user": "bob@example.com", "value": f"phx_{label}", "label": label, **fields}


KEYS_SEED = {
    "version": 1,
    "organizations": [{"id": ORG_B, "name": "B", "slug": "b"}],
    "projects": [{"id": 2, "organization": ORG_A, "name": "A2"}, {"id": 7, "organization": ORG_B}],
    "users": [
        {
            "email": "bob@example.com",
            "organizations": [{"id": ORG_A, "level": 1}, {"id": ORG_B, "level": 1}],
        }
    ],
    "personal_api_keys": [
        _key("everywhere", created_at="2026-01-01T00:00:00Z", last_used_at="2026-06-01T00:00:00Z"),
        _key("org-a", scoped_organizations=[ORG_A], created_at="2026-01-02T00:00:00Z"),
        _key(
            "project-2",
            scoped_teams=[2],
            created_at="2026-01-03T00:00:00Z",
            last_used_at="2026-06-10T08:30:00Z",
        ),
        _key("org-b", scoped_organizations=[ORG_B], created_at="2026-01-04T00:00:00Z"),
        _key("project-7", scoped_teams=[7], created_at="2026-01-05T00:00:00Z"),
    ],
}


@pytest.fixture
def org(frozen: Emulator) -> Emulator:
    frozen.load_seed(KEYS_SEED)
    return frozen


def _uuid(emulator: Emulator, email: str) -> str:
    return next(u.uuid for u in emulator.store.users.values() if u.email == email)


def test_the_keys_that_reach_each_organization(org: Emulator) -> None:
    bob = _uuid(org, "bob@example.com")
    members = org.organization_members
    assert members.scoped_api_keys(ORG_A, bob) == {
        "has_keys": True,
        "has_keys_active_last_week": True,  # project-2, used five days ago
        "keys": [
            {"name": "everywhere", "last_used_at": "2026-06-01T00:00:00Z"},
            {"name": "org-a", "last_used_at": None},
            {"name": "project-2", "last_used_at": "2026-06-10T08:30:00Z"},
        ],
    }
    in_b = members.scoped_api_keys(ORG_B, bob)
    assert [k["name"] for k in in_b["keys"]] == ["everywhere", "org-b", "project-7"]
    # "everywhere" was last used two weeks ago: nothing in B was used in the last seven days.
    assert in_b["has_keys_active_last_week"] is False


def test_the_requesting_member_and_a_member_without_keys(org: Emulator) -> None:
    bob = next(u for u in org.store.users.values() if u.email == "bob@example.com")
    members = org.organization_members
    assert members.scoped_api_keys(ORG_B, "@me", by=bob.id) == members.scoped_api_keys(
        ORG_B, bob.uuid
    )
    # ada's seeded key names no organization or project: it reaches A.
    ada = _uuid(org, "ada@example.com")
    assert [k["name"] for k in members.scoped_api_keys(ORG_A, ada)["keys"]] == ["phemu default key"]
    org.store.keys.clear()
    assert members.scoped_api_keys(ORG_A, ada) == {
        "has_keys": False,
        "has_keys_active_last_week": False,
        "keys": [],
    }


def test_only_members_are_found(org: Emulator) -> None:
    with pytest.raises(NotFound):
        org.organization_members.scoped_api_keys(ORG_B, _uuid(org, "ada@example.com"))


def test_personal_api_keys_are_refused(org: Emulator) -> None:
    path = f"/api/organizations/{ORG_A}/members/{_uuid(org, 'bob@example.com')}/scoped_api_keys/"
    assert action(org, "GET", path, "members_scoped_api_keys_retrieve", status=403) == (
        NO_KEY_ACCESS
    )


# -- surveys/{id}/summarize_responses/ ---------------------------------------------------------
SURVEYS = "/api/projects/1/surveys/"
OPERATION = "surveys_summarize_responses_create"
QUESTIONS = [
    {"type": "open", "question": "What should we improve?", "id": "q-open"},
    {"type": "single_choice", "question": "Plan?", "choices": ["Free", "Pro"], "id": "q-plan"},
]


@pytest.fixture
def survey(frozen: Emulator) -> str:
    body = {"name": "Feedback", "type": "popover", "questions": QUESTIONS}
    created = frozen.client().post(SURVEYS, json=body, headers=frozen.auth_headers)
    assert created.status_code == 201
    return str(created.get_json()["id"])


def summarize(emulator: Emulator, survey_id: str, query: str, status: int = 200) -> Any:
    path = f"{SURVEYS}{survey_id}/summarize_responses/{query}"
    return action(emulator, "POST", path, OPERATION, status=status)


NO_RESPONSES = {
    "content": "No responses to analyze.",
    "response_count": 0,
    "generated_at": "2026-06-15T10:00:00+00:00",
    "cached": False,
}


@pytest.mark.parametrize("query", ["?question_index=0", "?question_id=q-open", "?question_index=1"])
def test_without_responses_no_model_is_asked(frozen: Emulator, survey: str, query: str) -> None:
    assert summarize(frozen, survey, query) == NO_RESPONSES


@pytest.mark.parametrize(
    ("query", "detail"),
    [
        ("", "question_index or question_id is required"),
        ("?question_index=first", "question_index or question_id is required"),
        ("?question_index=2", "the text of the question is required"),
        ("?question_index=-1", "the text of the question is required"),
        ("?question_id=nope", "the text of the question is required"),
    ],
)
def test_which_question(frozen: Emulator, survey: str, query: str, detail: str) -> None:
    assert summarize(frozen, survey, query, status=400) == invalid_input(detail)


def test_an_unknown_survey_is_a_bare_404(frozen: Emulator) -> None:
    missing = "0190b6f0-0000-7000-8000-000000000000"
    assert summarize(frozen, missing, "?question_index=0", status=404) is None


def test_only_answers_worth_summarizing_count(frozen: Emulator, survey: str) -> None:
    capture = frozen.events.capture
    # Noise (fetch.py's heuristics), predefined choices and other surveys' answers.
    capture("survey sent", "u1", {"$survey_id": survey, "$survey_response": "ok"})
    capture("survey sent", "u2", {"$survey_id": survey, "$survey_response": "aaaaaaa"})
    capture("survey sent", "u3", {"$survey_id": survey, "$survey_response_q-plan": "Pro"})
    capture("survey sent", "u4", {"$survey_id": "other", "$survey_response": "Make it faster"})
    capture("survey shown", "u5", {"$survey_id": survey, "$survey_response": "Make it faster"})
    assert summarize(frozen, survey, "?question_index=0") == NO_RESPONSES
    assert summarize(frozen, survey, "?question_id=q-plan") == NO_RESPONSES


@pytest.mark.parametrize(
    ("properties", "query"),
    [
        ({"$survey_response": "The onboarding is confusing"}, "?question_index=0"),
        # a short answer on the allow list, keyed by the question's id
        ({"$survey_response_q-open": "pricing"}, "?question_id=q-open"),
        # by index, the id comes from the event's own $survey_questions
        (
            {"$survey_questions": [{"id": "q-open"}], "$survey_response_q-open": "Too slow"},
            "?question_index=0",
        ),
    ],
)
def test_with_responses_phemu_answers_the_failed_model_call(
    frozen: Emulator, survey: str, properties: dict[str, Any], query: str
) -> None:
    frozen.events.capture("survey sent", "u1", {"$survey_id": survey, **properties})
    assert summarize(frozen, survey, query, status=500) == {
        "type": "server_error",
        "code": "error",
        "detail": "Failed to generate summary. Please try again.",
        "attr": None,
    }


def test_responses_before_the_survey_started_do_not_count(frozen: Emulator, survey: str) -> None:
    frozen.events.capture(
        "survey sent",
        "u1",
        {"$survey_id": survey, "$survey_response": "An old answer about speed"},
    )
    frozen.surveys.update(survey, start_date="2026-06-20T00:00:00Z")
    assert summarize(frozen, survey, "?question_index=0") == NO_RESPONSES
