"""``POST surveys/{id}/summarize_responses/``: PostHog Cloud's LLM summary of one question's
open-ended answers (``SurveyViewSet.summarize_responses`` in ``posthog/api/survey.py``; the
answers come from ``fetch_responses`` in ``products/surveys/backend/summarization/fetch.py``).

phemu follows the view up to the model call, from its own state:

- a survey outside the project is the actions' bare 404;
- ``question_index`` (Python's ``int()``, anything else counts as absent) or ``question_id``
  (query parameters) is required: 400 ``question_index or question_id is required``;
- the question is found by id, else by index; none is 400 ``the text of the question is
  required``;
- the answers are the ``survey sent`` events of this survey (``$survey_id`` as the path spells
  it) from the start of the survey's start day (its creation day when it has none) to the end of
  its end day (today when it has none), read as ``getSurveyResponse`` reads them, blank ones left
  out, at most 100, then without the question's predefined choices and without the noise
  ``_is_low_quality_survey_response_for_summarization`` drops;
- with no answer left the view answers 200 ``No responses to analyze.`` (``response_count`` 0,
  ``generated_at`` now, ``cached`` false) without calling a model.

With answers, PostHog asks Gemini for the summary. phemu has no model: it answers what PostHog
answers when that call fails, 500 ``Failed to generate summary. Please try again.``
(``docs/deviations.md``). No summary is ever generated, so none is stored
(``question_summaries``) or cached, and ``force_refresh`` changes nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import datetime
from datetime import timedelta
from typing import TYPE_CHECKING
from typing import Any

from phemu.errors import Msg
from phemu.errors import ServerError
from phemu.errors import ValidationError
from phemu.resources._base import empty_response
from phemu.resources._base import json_response
from phemu.resources.surveys.models import SurveysBackend
from phemu.resources.surveys.stats import SENT
from phemu.resources.surveys.stats import SURVEY_ID
from phemu.resources.surveys.stats import json_string

if TYPE_CHECKING:
    from werkzeug.wrappers import Response

    from phemu.context import RequestContext
    from phemu.emulator import Emulator
    from phemu.resources.surveys.models import Survey

#: ``fetch_responses``'s ``limit``
RESPONSE_LIMIT = 100
RESPONSE = "$survey_response"
#: ``_SHORT_RESPONSE_ALLOWLIST`` (``products/surveys/backend/summarization/fetch.py``)
SHORT_RESPONSE_ALLOWLIST = frozenset(
    {
        "ui",
        "ux",
        "bug",
        "bugs",
        "slow",
        "speed",
        "crash",
        "lag",
        "docs",
        "pricing",
        "support",
        "mobile",
        "android",
        "ios",
        "api",
        "sdk",
        "sso",
        "rbac",
    }
)


def question_index(raw: str | None) -> int | None:
    """``int(param) if param else None``, with ``ValueError`` read as absent."""
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        return None


def survey_response(properties: Mapping[str, Any], index: int | None, question: str | None) -> str:
    """``getSurveyResponse(index, id)``: ``$survey_response_<id>`` (the id from the event's
    ``$survey_questions`` when none is given), else ``$survey_response`` for the first question
    and ``$survey_response_<index>`` for the others; ``""`` when neither holds text."""
    if question:
        by_id = f"{RESPONSE}_{question}"
    else:
        listed = properties.get("$survey_questions")
        item = listed[index] if isinstance(listed, list) and index is not None else None
        named = item.get("id") if isinstance(item, Mapping) else None
        by_id = f"{RESPONSE}_{named if isinstance(named, str) else ''}"
    by_index = RESPONSE if index == 0 else f"{RESPONSE}_{index}"
    return json_string(properties, by_id) or json_string(properties, by_index)


def low_quality(response: str) -> bool:
    """``_is_low_quality_survey_response_for_summarization``: blank, one short token that is not
    a known keyword, or six characters and more with one making up over 60 % of them."""
    normalized = response.strip()
    if not normalized:
        return True
    tokens = normalized.split()
    if (
        len(tokens) == 1
        and len(normalized) < 10
        and tokens[0].casefold() not in (SHORT_RESPONSE_ALLOWLIST)
    ):
        return True
    if len(normalized) >= 6:
        most_common = Counter(normalized).most_common(1)[0][1]
        if most_common / len(normalized) > 0.6:
            return True
    return False


def _midnight(moment: datetime) -> datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def fetch_responses(
    emulator: Emulator,
    survey: Survey,
    survey_id: str,
    index: int | None,
    question: str | None,
    exclude: Any,
) -> list[str]:
    start = _midnight(survey.start_date or survey.created_at)
    end = _midnight(survey.end_date or emulator.clock.now()) + timedelta(days=1)
    found: list[str] = []
    for record in emulator.events.records(survey.project):
        if record.event != SENT or json_string(record.properties, SURVEY_ID) != survey_id:
            continue
        if not start <= record.timestamp <= end:
            continue
        answer = survey_response(record.properties, index, question)
        if answer.strip():
            found.append(answer)
        if len(found) == RESPONSE_LIMIT:
            break
    if exclude:
        excluded = set(exclude)
        found = [r for r in found if r not in excluded]
    return [r for r in found if not low_quality(r)]


def summarize_responses(
    emulator: Emulator,
    survey: Survey,
    survey_id: str,
    index: int | None,
    question: str | None,
    body: Any,
) -> dict[str, Any]:
    """The view's answer from ``question_index or question_id is required`` on."""
    if index is None and question is None:
        raise ValidationError(Msg.SURVEY_SUMMARY_QUESTION_REQUIRED)
    if not isinstance(body, Mapping):
        raise ServerError()  # ``request.data.get("force_refresh")`` on a list or a scalar
    text = choices = None
    questions = survey.questions
    if questions and question:
        for item in questions:
            if isinstance(item, Mapping) and item.get("id") == question:
                text, choices = item.get("question"), item.get("choices")
                break
    elif questions and index is not None and 0 <= index < len(questions):
        text, choices = questions[index].get("question"), questions[index].get("choices")
    if text is None:
        raise ValidationError(Msg.SURVEY_SUMMARY_QUESTION_TEXT)
    if fetch_responses(emulator, survey, survey_id, index, question, choices):
        raise ServerError(Msg.SURVEY_SUMMARY_FAILED)
    return {
        "content": Msg.SURVEY_SUMMARY_NO_RESPONSES,
        "response_count": 0,
        "generated_at": emulator.clock.now().isoformat(),
        "cached": False,
    }


def summarize(ctx: RequestContext) -> Response:
    survey_id = ctx.path_values["pk"]
    backend = SurveysBackend.of(ctx.emulator)
    with ctx.store.lock:
        survey = backend.record(survey_id.lower())
        if survey is None or survey.project != ctx.project_id:
            return empty_response(404)
        answer = summarize_responses(
            ctx.emulator,
            survey,
            survey_id,
            question_index(ctx.arg("question_index")),
            ctx.arg("question_id"),
            ctx.body,
        )
    return json_response(answer)
