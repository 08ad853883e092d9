"""Surveys over HTTP: ``SurveySerializerCreateUpdateOnly`` / ``SurveyViewSet``
(``posthog/api/survey.py``) and the model's derived values (``posthog/models/surveys/survey.py``).
Bodies validate against the published ``Survey`` components (``conditions`` checked as any value,
``tests/openapi.py``), the flag fields (``linked_flag``, ``targeting_flag``...) accepting null:
the schema says non-null ``MinimalFeatureFlag``, PostHog answers null without a flag."""

from __future__ import annotations

from typing import Any

from phemu.emulator import Emulator
from tests.openapi import assert_valid

SURVEYS = "/api/projects/1/surveys/"
RATING = {"type": "rating", "question": "How likely are you to recommend us?", "scale": 10}


def post(emulator: Emulator, auth: dict[str, str], **body: Any) -> Any:
    return emulator.client().post(SURVEYS, json=body, headers=auth)


def error(response: Any) -> tuple[int, str, str | None]:
    body = response.get_json()
    return response.status_code, body["detail"], body["attr"]


#: Where PostHog answers null and its schema does not say so.
NULLABLE = tuple(
    (component, name)
    for component in ("Survey", "SurveySerializerCreateUpdateOnly")
    for name in ("linked_flag", "targeting_flag", "internal_targeting_flag")
)


def test_create_makes_the_targeting_and_internal_flags(
    frozen: Emulator, auth: dict[str, str]
) -> None:
    """create(): ``targeting_flag_filters`` become a targeting flag; every survey gets an
    internal flag excluding people who dismissed or answered it; question ids are added."""
    targeting = {"groups": [{"properties": [{"key": "plan", "type": "person", "value": "pro", "operator": "exact"}], "rollout_percentage": 50}]}  # fmt: skip
    created = post(
        frozen,
        auth,
        name="NPS",
        type="popover",
        questions=[RATING],
        targeting_flag_filters=targeting,
    )
    assert created.status_code == 201
    body = created.get_json()
    assert_valid(body, "SurveySerializerCreateUpdateOnly", nullable=NULLABLE)
    assert body["targeting_flag"]["filters"] == targeting
    assert body["targeting_flag"]["key"].startswith("survey-targeting-")
    internal = body["internal_targeting_flag"]
    assert internal["key"].endswith("-custom") and internal["active"] is False
    assert [p["key"] for p in internal["filters"]["groups"][0]["properties"]] == [
        f"$survey_dismissed/{body['id']}",
        f"$survey_responded/{body['id']}",
    ]
    assert body["questions"][0]["id"]
    read = frozen.client().get(f"{SURVEYS}{body['id']}/", headers=auth).json
    assert_valid(read, "Survey", nullable=NULLABLE)
    assert read["feature_flag_keys"][1] == {
        "key": "targeting_flag_key",
        "value": body["targeting_flag"]["key"],
    }
    launched = (
        frozen.client()
        .patch(f"{SURVEYS}{body['id']}/", json={"start_date": "2026-06-15T10:00:00Z"}, headers=auth)
        .json
    )
    assert launched["internal_targeting_flag"]["active"] is True
    # The internal flag hides the survey from someone who answered it.
    frozen.events.capture("x", "answered", {"$set": {f"$survey_responded/{body['id']}": True}})
    assert frozen.feature_flags.value(internal["key"], "answered") is False
    assert frozen.feature_flags.value(internal["key"], "fresh") is True


def test_question_link_and_other_rules(emulator: Emulator, auth: dict[str, str]) -> None:
    """validate_questions, validate_schedule, validate_appearance, validate()."""
    base = {"name": "S", "type": "popover"}
    cases = [
        ({"type": "popover"}, (400, "This field is required.", "name")),
        ({"name": "S", "type": "banner"}, (400, '"banner" is not a valid choice.', "type")),
        ({"questions": "q"}, (400, "Questions must be a list of objects", "questions")),
        ({"questions": [{"type": "open"}]}, (400, "Question text is required", "questions")),
        ({"questions": [{"type": "single_choice", "question": "q", "choices": ["a", " "]}]},
         (400, "Question choices cannot be empty", "questions")),
        ({"questions": [{"type": "link", "question": "q", "link": "http://example.com"}]},
         (400, "Link must be a URL with one of these schemes: [https, mailto]", "questions")),
        ({"questions": [{"type": "link", "question": "q", "link": "mailto:nobody"}]},
         (400, "Invalid mailto link. Please enter a valid mailto link (e.g., mailto:example@domain.com).", "questions")),
        ({"questions": [{"type": "open", "question": "q", "descriptionContentType": "md"}]},
         (400, "Question descriptionContentType must be one of ['text', 'html']", "questions")),
        ({"schedule": "weekly"}, (400, "Schedule must be one of: once, recurring, always", "schedule")),
        ({"appearance": {"whiteLabel": True}},
         (400, "You need to upgrade to PostHog Enterprise to use white labelling", "appearance")),
        ({"linked_flag_id": 999}, (400, "Feature Flag with this ID does not exist", None)),
        ({"conditions": {"linkedFlagVariant": "a"}},
         (400, "linkedFlagVariant can only be used when a linked_flag_id is specified", None)),
        ({"targeting_flag_filters": {"groups": [{"properties": [], "rollout_percentage": 100}]}},
         (400, "Invalid operation: User targeting rolls out to everyone. If you want to roll out to everyone, delete this targeting", None)),
        ({"type": "external_survey", "linked_flag_id": None, "appearance": {"surveyPopupDelaySeconds": 3}},
         (400, "surveyPopupDelaySeconds is not allowed for external surveys", "appearance")),
    ]  # fmt: skip
    for extra, expected in cases:
        body = (
            extra
            if "name" not in extra and "type" in extra and len(extra) == 1
            else {**base, **extra}
        )
        assert error(post(emulator, auth, **body)) == expected, extra
    assert post(emulator, auth, **base).status_code == 201
    assert error(post(emulator, auth, **base)) == (
        400,
        "There is already a survey with this name.",
        None,
    )


def test_html_is_cleaned_as_posthog_cleans_it(emulator: Emulator, auth: dict[str, str]) -> None:
    """nh3_clean_with_allow_list: scripts go, allowed tags and attributes stay."""
    question = {"type": "open", "question": "<b>Why?</b><script>alert(1)</script>", "description": "<a href='https://x.io' onclick='x'>more</a>"}  # fmt: skip
    body = post(emulator, auth, name="H", type="popover", questions=[question]).json
    assert body["questions"][0]["question"] == "<b>Why?</b>"
    assert body["questions"][0]["description"] == '<a href="https://x.io" rel="noopener">more</a>'


def test_linked_flag_variant_responses_count_and_delete(
    emulator: Emulator, auth: dict[str, str]
) -> None:
    """validate() checks linkedFlagVariant against the linked flag; responses_count counts
    ``survey sent`` once per submission; DELETE removes the survey and its flags (204)."""
    flag = emulator.feature_flags.create(
        key="exp", filters={"groups": [{"rollout_percentage": 100}], "multivariate": {"variants": [{"key": "control", "rollout_percentage": 50}, {"key": "test", "rollout_percentage": 50}]}},
    )  # fmt: skip
    client = emulator.client()
    assert error(post(emulator, auth, name="V", type="popover", linked_flag_id=flag["id"], conditions={"linkedFlagVariant": "blue"})) == (
        400, "Feature flag variant 'blue' does not exist. Available variants: control, test", None,
    )  # fmt: skip
    survey = post(
        emulator,
        auth,
        name="V",
        type="api",
        linked_flag_id=flag["id"],
        start_date="2026-01-01T00:00:00Z",
    ).json
    listed = client.get(SURVEYS, headers=auth).json
    assert [s["id"] for s in listed["results"]] == [survey["id"]]
    assert (
        client.get(f"/api/projects/1/feature_flags/{flag['id']}/", headers=auth).json["surveys"][0][
            "linked_flag_key"
        ]
        == "exp"
    )
    for n, submission in enumerate(["s1", "s1", "s2", None]):
        props = {"$survey_id": survey["id"], "$survey_response": str(n)}
        if submission:
            props["$survey_submission_id"] = submission
        emulator.events.capture("survey sent", f"u{n}", props)
    assert client.get(f"{SURVEYS}responses_count/", headers=auth).json == {survey["id"]: 3}
    flags_before = len(emulator.feature_flags.live(1))
    deleted = client.delete(f"{SURVEYS}{survey['id']}/", headers=auth)
    assert (deleted.status_code, deleted.data) == (204, b"")
    assert client.get(f"{SURVEYS}{survey['id']}/", headers=auth).status_code == 404
    assert len(emulator.feature_flags.live(1)) == flags_before - 1  # the internal flag went too
    state = emulator.export_state()
    other = Emulator(load_entrypoints=False)
    other.import_state(state)
    assert other.export_state() == state
