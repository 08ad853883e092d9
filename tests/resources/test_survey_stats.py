"""``surveys/stats/`` and ``surveys/:id/stats/`` (``SurveyViewSet.global_stats`` and
``survey_stats``, ``_get_survey_stats`` in ``posthog/api/survey.py``), from captured
``survey shown`` / ``survey dismissed`` / ``survey sent`` events."""

from __future__ import annotations

from typing import Any

import pytest

from phemu.emulator import Emulator
from tests.resources.actions_support import action

SURVEYS = "/api/projects/1/surveys/"
EVENTS = ("survey shown", "survey dismissed", "survey sent")


@pytest.fixture
def answered(frozen: Emulator) -> Emulator:
    """Two surveys; persons p0..p5 see the first, some answer (p2 in two parts), some dismiss
    (p4 dismisses then answers, p5 dismisses part-way), one sees the second."""
    first = frozen.surveys.create(name="NPS", type="popover")["id"]
    second = frozen.surveys.create(name="CSAT", type="popover")["id"]
    script: list[tuple[str, str, dict[str, Any]]] = [
        *[("survey shown", f"p{n}", {}) for n in range(6)],
        ("survey shown", "p0", {}),
        ("survey sent", "p1", {"$survey_response": "9"}),
        ("survey sent", "p2", {"$survey_submission_id": "s2", "$survey_response": "8"}),
        ("survey sent", "p2", {"$survey_submission_id": "s2", "$survey_response_2": "ok"}),
        ("survey dismissed", "p3", {}),
        ("survey dismissed", "p4", {}),
        ("survey sent", "p4", {}),
        ("survey dismissed", "p5", {"$survey_partially_completed": True}),
    ]
    for event, distinct_id, props in script:
        frozen.advance_time(60)
        frozen.events.capture(event, distinct_id, {"$survey_id": first, **props})
    frozen.events.capture("survey shown", "p9", {"$survey_id": second})
    frozen.events.capture("pageview", "p9", {"$survey_id": first})
    return frozen


def expected(emulator: Emulator, survey_ids: set[str]) -> dict[str, Any]:
    """The statistics recomputed from ``emulator.events.all()`` with plain Python."""
    events = [e for e in emulator.events.all() if e["properties"].get("$survey_id") in survey_ids]
    last_part: dict[tuple[str, str], dict[str, Any]] = {}
    for e in events:
        if e["event"] == "survey sent":
            submission = e["properties"].get("$survey_submission_id") or e["uuid"]
            last_part[(e["properties"]["$survey_id"], submission)] = e
    kept = {e["uuid"] for e in last_part.values()}
    counted = [
        e
        for e in events
        if e["event"] in EVENTS
        and not (
            e["event"] == "survey dismissed" and e["properties"].get("$survey_partially_completed")
        )
        and (e["event"] != "survey sent" or e["uuid"] in kept)
    ]
    stats = {}
    for name in EVENTS:
        rows = [e for e in counted if e["event"] == name]
        times = sorted(e["timestamp"] for e in rows)
        stats[name] = {
            "total_count": len(rows),
            "unique_persons": len({e["person_id"] for e in rows}),
            "first_seen": times[0] if times else None,
            "last_seen": times[-1] if times else None,
            "unique_persons_only_seen": 0,
            "total_count_only_seen": 0,
        }
    dismissed = {e["person_id"] for e in counted if e["event"] == "survey dismissed"}
    sent = {e["person_id"] for e in events if e["event"] == "survey sent"}
    stats["survey dismissed"]["unique_persons"] -= len(dismissed & sent)
    shown, gone, done = (stats[name] for name in EVENTS)
    shown["unique_persons_only_seen"] = (
        shown["unique_persons"] - gone["unique_persons"] - done["unique_persons"]
    )
    shown["total_count_only_seen"] = (
        shown["total_count"] - gone["total_count"] - done["total_count"]
    )
    rates = {
        "response_rate": round(100 * done["total_count"] / shown["total_count"], 2),
        "dismissal_rate": round(100 * gone["total_count"] / shown["total_count"], 2),
        "unique_users_response_rate": round(
            100 * done["unique_persons"] / shown["unique_persons"], 2
        ),
        "unique_users_dismissal_rate": round(
            100 * gone["unique_persons"] / shown["unique_persons"], 2
        ),
    }
    return {"stats": stats, "rates": rates}


def survey_ids(emulator: Emulator) -> list[str]:
    return [s["id"] for s in sorted(emulator.surveys.all(), key=lambda s: s["name"], reverse=True)]


def test_one_surveys_stats(answered: Emulator) -> None:
    first = survey_ids(answered)[0]
    body = action(answered, "GET", f"{SURVEYS}{first}/stats/", "surveys_stats_retrieve_2")
    survey = answered.surveys.get(first)
    assert survey is not None
    assert body == {
        **expected(answered, {first}),
        "survey_id": first,
        "start_date": survey["start_date"],
        "end_date": survey["end_date"],
    }
    # The fixture's story, spelled out: 7 shown to 6 persons; 3 answers (p2's two parts are
    # one) by 3 persons; 2 dismissals by p3 and p4, but p4 also answered.
    stats = body["stats"]
    assert (
        stats["survey shown"]["total_count"] == 7 and stats["survey shown"]["unique_persons"] == 6
    )
    assert stats["survey sent"]["total_count"] == 3 and stats["survey sent"]["unique_persons"] == 3
    assert stats["survey dismissed"]["total_count"] == 2
    assert stats["survey dismissed"]["unique_persons"] == 1
    assert stats["survey shown"]["unique_persons_only_seen"] == 2
    assert body["rates"]["response_rate"] == round(300 / 7, 2)


def test_global_stats_cover_every_survey_not_archived(answered: Emulator) -> None:
    first, second = survey_ids(answered)
    body = action(answered, "GET", f"{SURVEYS}stats/", "surveys_stats_retrieve")
    assert body == expected(answered, {first, second})
    answered.surveys.update(second, archived=True)
    assert action(answered, "GET", f"{SURVEYS}stats/", "surveys_stats_retrieve") == expected(
        answered, {first}
    )


def test_date_range(answered: Emulator) -> None:
    first = survey_ids(answered)[0]
    body = action(
        answered,
        "GET",
        f"{SURVEYS}{first}/stats/?date_from=2026-06-15T10:08:00Z&date_to=2026-06-15T10:09:00%2B00:00",
        "surveys_stats_retrieve_2",
    )
    assert body["stats"]["survey sent"]["total_count"] == 1
    assert body["stats"]["survey shown"]["total_count"] == 0
    assert body["rates"] == {
        "response_rate": 0.0,
        "dismissal_rate": 0.0,
        "unique_users_response_rate": 0.0,
        "unique_users_dismissal_rate": 0.0,
    }


@pytest.mark.parametrize(
    ("query", "detail"),
    [
        ("date_from=yesterday", "Invalid date format. Please use ISO 8601 format with timezone info (e.g. 2024-01-01T00:00:00Z or 2024-01-01T00:00:00+00:00)"),
        ("date_from=2026-02-01T00:00:00Z&date_to=2026-01-01T00:00:00Z", "date_from must be before date_to"),
    ],
)  # fmt: skip
def test_bad_dates(answered: Emulator, query: str, detail: str) -> None:
    body = action(answered, "GET", f"{SURVEYS}stats/?{query}", "surveys_stats_retrieve", status=400)
    assert body == {
        "type": "validation_error",
        "code": "invalid_input",
        "detail": detail,
        "attr": None,
    }


def test_without_surveys_and_unknown_survey(frozen: Emulator) -> None:
    assert action(frozen, "GET", f"{SURVEYS}stats/", "surveys_stats_retrieve") == {
        "stats": {},
        "rates": {
            "response_rate": 0.0,
            "dismissal_rate": 0.0,
            "unique_users_response_rate": 0.0,
            "unique_users_dismissal_rate": 0.0,
        },
    }
    missing = "00000000-0000-4000-8000-000000000000"
    response = frozen.client().get(f"{SURVEYS}{missing}/stats/", headers=frozen.auth_headers)
    assert response.status_code == 404


def test_python_api(answered: Emulator) -> None:
    first = survey_ids(answered)[0]
    assert answered.surveys.stats(survey_id=first)["stats"] == expected(answered, {first})["stats"]
