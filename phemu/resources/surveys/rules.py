"""``SurveySerializerCreateUpdateOnly``'s validation, in its field order (``posthog/api/survey.py``,
the November 2025 serializer), and the values the model derives on save
(``posthog/models/surveys/survey.py``: iterations, response sampling limits, question ids).

That serializer checks question text, choices, links and HTML content types; it does not check
question ``type`` or ``branching``, which PostHog stores as given, and neither does phemu.
HTML in question text, descriptions and thank-you messages is cleaned with ``nh3`` and
PostHog's allow list, as PostHog does.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from datetime import datetime
from datetime import timedelta
from typing import Any
from urllib.parse import urlparse

import nh3
from dateutil.rrule import DAILY
from dateutil.rrule import rrule

from phemu import fields
from phemu.context import has_list
from phemu.context import list_value
from phemu.errors import Msg
from phemu.errors import ServerError
from phemu.errors import ValidationError

TYPES = ("popover", "widget", "external_survey", "api")
SCHEDULES = ("once", "recurring", "always")
SAMPLING_INTERVALS = ("day", "week", "month", "")
MAX_ITERATION_COUNT = 500
INT_MAX = 2147483647
_EMAIL = re.compile(r"^mailto:[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\.[a-zA-Z]{2,}$")
_NOT_FOR_EXTERNAL = ("linked_flag_id", "targeting_flag_filters")
_CONDITIONS_NOT_FOR_EXTERNAL = (
    "url",
    "urlMatchType",
    "selector",
    "seenSurveyWaitPeriodInDays",
    "linkedFlagVariant",
    "deviceTypes",
    "deviceTypesMatchType",
)
_ALLOWED_TAGS = {
    "a", "abbr", "acronym", "area", "article", "aside", "b", "bdi", "bdo", "blockquote", "br",
    "caption", "center", "cite", "code", "col", "colgroup", "data", "dd", "del", "details",
    "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "footer", "h1", "h2", "h3", "h4",
    "h5", "h6", "header", "hgroup", "hr", "i", "img", "ins", "kbd", "li", "map", "mark", "nav",
    "ol", "p", "pre", "q", "rp", "rt", "rtc", "ruby", "s", "samp", "small", "span", "strike",
    "strong", "sub", "summary", "sup", "table", "tbody", "td", "th", "thead", "time", "tr",
    "tt", "u", "ul", "var", "wbr",
}  # fmt: skip
_CELL = {"align", "char", "charoff", "valign"}
_ALLOWED_ATTRIBUTES = {
    "*": {"style", "lang", "title", "width", "height"},
    "a": {"href", "hreflang", "target"},
    "bdo": {"dir"},
    "blockquote": {"cite"},
    "col": {"align", "char", "charoff", "span"},
    "colgroup": {"align", "char", "charoff", "span"},
    "del": {"cite", "datetime"},
    "hr": {"align", "size", "width"},
    "img": {"align", "alt", "height", "src", "width"},
    "ins": {"cite", "datetime"},
    "ol": {"start", "type"},
    "q": {"cite"},
    "table": {
        "align", "bgcolor", "border", "cellpadding", "cellspacing", "frame", "rules", "summary",
        "width",
    },
    "tbody": _CELL,
    "td": {
        "abbr", "align", "axis", "bgcolor", "char", "charoff", "colspan", "headers", "height",
        "nowrap", "rowspan", "scope", "valign", "width",
    },
    "tfoot": _CELL,
    "th": {
        "abbr", "align", "axis", "bgcolor", "char", "charoff", "colspan", "headers", "height",
        "nowrap", "rowspan", "scope", "valign", "width",
    },
    "thead": _CELL,
    "tr": {"align", "bgcolor", "char", "charoff", "valign"},
}  # fmt: skip


def clean_html(text: str) -> str:
    """``nh3_clean_with_allow_list``."""
    return nh3.clean(text, tags=_ALLOWED_TAGS, attributes=_ALLOWED_ATTRIBUTES, link_rel="noopener")


def _cleaned(value: Any) -> Any:
    return clean_html(value) if isinstance(value, str) and value and nh3.is_html(value) else value


def _fail(detail: str, attr: str | None, code: str = "invalid_input") -> ValidationError:
    return ValidationError(detail, code=code, attr=attr)


def validate_appearance(value: Any) -> Any:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise _fail(Msg.SURVEY_APPEARANCE_OBJECT, "appearance")
    value = copy.deepcopy(value)
    for name in ("thankYouMessageHeader", "thankYouMessageDescription"):
        if value.get(name):
            value[name] = _cleaned(value[name])
    content_type = value.get("thankYouMessageDescriptionContentType")
    if content_type and content_type not in ("text", "html"):
        raise _fail(Msg.SURVEY_THANK_YOU_CONTENT_TYPE, "appearance")
    delay = value.get("surveyPopupDelaySeconds")
    if delay and _number(delay) < 0:
        raise _fail(Msg.SURVEY_POPUP_DELAY, "appearance")
    white_label = value.get("whiteLabel")
    if white_label is not None and not isinstance(white_label, bool):
        raise _fail(Msg.SURVEY_WHITE_LABEL_BOOLEAN, "appearance")
    if white_label:
        # No emulated organization has the WHITE_LABELLING feature.
        raise _fail(Msg.SURVEY_WHITE_LABEL_PLAN, "appearance")
    return value


def _number(value: Any) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    raise ServerError()  # ``value < 0`` on a non-number: a TypeError in PostHog


def validate_conditions(value: Any) -> Any:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise _fail(Msg.SURVEY_CONDITIONS_OBJECT, "conditions")
    # Actions with property filters are refused; no actions are emulated, so none can have any.
    return copy.deepcopy(value)


def validate_questions(value: Any) -> Any:
    if value is None:
        return None
    if not isinstance(value, list):
        raise _fail(Msg.SURVEY_QUESTIONS_LIST, "questions")
    cleaned = []
    for raw in value:
        if not isinstance(raw, dict):
            raise _fail(Msg.SURVEY_QUESTIONS_LIST, "questions")
        question = copy.deepcopy(raw)
        text = raw.get("question")
        if not text:
            raise _fail(Msg.SURVEY_QUESTION_TEXT, "questions")
        if not isinstance(text, str):
            raise ServerError()  # nh3.is_html on a non-string
        question["question"] = _cleaned(text)
        if raw.get("description"):
            question["description"] = _cleaned(raw["description"])
        content_type = raw.get("descriptionContentType")
        if content_type and content_type not in ("text", "html"):
            raise _fail(Msg.SURVEY_QUESTION_CONTENT_TYPE, "questions")
        choices = raw.get("choices")
        if choices:
            if not isinstance(choices, list):
                raise _fail(Msg.SURVEY_CHOICES_LIST, "questions")
            if not all(isinstance(c, str) for c in choices):
                raise ServerError()  # ``choice.strip()`` on a non-string
            if any(not c.strip() for c in choices):
                raise _fail(Msg.SURVEY_CHOICES_EMPTY, "questions")
        link = raw.get("link")
        if link:
            _check_link(link)
        cleaned.append(question)
    return cleaned


def _check_link(link: Any) -> None:
    if not isinstance(link, str):
        raise ServerError()
    parsed = urlparse(link)
    if parsed.scheme not in ("https", "mailto"):
        raise _fail(Msg.SURVEY_LINK_SCHEME, "questions")
    if parsed.scheme == "mailto" and not _EMAIL.match(link):
        raise _fail(Msg.SURVEY_LINK_MAILTO, "questions")
    if parsed.scheme == "https" and not parsed.netloc:
        raise _fail(Msg.SURVEY_LINK_HTTPS, "questions")


def _count(value: Any, name: str, max_value: int = INT_MAX) -> int:
    return fields.parse_int(value, name, min_value=0, max_value=max_value)


def validate_fields(data: Mapping[str, Any], *, creating: bool, partial: bool) -> dict[str, Any]:
    """Each field in ``Meta.fields`` order (DRF keeps only the first error)."""
    values: dict[str, Any] = {}
    required = creating or not partial
    if "name" in data or required:
        values["name"] = fields.parse_text(
            fields.require(data, "name"), "name", allow_blank=False, max_length=400
        )
    if "description" in data:
        fields.not_null(data["description"], "description")
        values["description"] = fields.parse_text(data["description"], "description")
    if "type" in data or required:
        values["type"] = fields.parse_choice(fields.require(data, "type"), "type", TYPES)
    if "schedule" in data:
        schedule = fields.nullable(data, "schedule", fields.parse_text)
        if schedule is not None and schedule not in SCHEDULES:
            raise _fail(Msg.SURVEY_SCHEDULE, "schedule")
        values["schedule"] = schedule
    if "linked_flag_id" in data:
        values["linked_flag_id"] = fields.nullable(data, "linked_flag_id", fields.parse_int)
    if "targeting_flag_id" in data:
        fields.not_null(data["targeting_flag_id"], "targeting_flag_id")
        values["targeting_flag_id"] = fields.parse_int(
            data["targeting_flag_id"], "targeting_flag_id"
        )
    if "targeting_flag_filters" in data:
        values["targeting_flag_filters"] = copy.deepcopy(data["targeting_flag_filters"])
    if "remove_targeting_flag" in data:
        values["remove_targeting_flag"] = fields.nullable(
            data, "remove_targeting_flag", fields.parse_bool
        )
    if "questions" in data:
        values["questions"] = validate_questions(data["questions"])
    if "conditions" in data:
        values["conditions"] = validate_conditions(data["conditions"])
    if "appearance" in data:
        values["appearance"] = validate_appearance(data["appearance"])
    for name in ("start_date", "end_date"):
        if name in data:
            values[name] = fields.nullable(data, name, fields.parse_datetime)
    if "archived" in data:
        fields.not_null(data["archived"], "archived")
        values["archived"] = fields.parse_bool(data["archived"], "archived")
    if "responses_limit" in data:
        values["responses_limit"] = fields.nullable(data, "responses_limit", _count)
    if "iteration_count" in data:
        values["iteration_count"] = fields.nullable(
            data, "iteration_count", lambda v, n: _count(v, n, MAX_ITERATION_COUNT)
        )
    if "iteration_frequency_days" in data:
        values["iteration_frequency_days"] = fields.nullable(
            data, "iteration_frequency_days", _count
        )
    if has_list(data, "iteration_start_dates", partial=partial):
        dates = list_value(data, "iteration_start_dates")
        values["iteration_start_dates"] = (
            None
            if dates is None
            else fields.parse_list(
                dates,
                "iteration_start_dates",
                lambda item, name: None if item is None else fields.parse_datetime(item, name),
            )
        )
    if "current_iteration" in data:
        values["current_iteration"] = fields.nullable(data, "current_iteration", _count)
    for name in ("current_iteration_start_date", "response_sampling_start_date"):
        if name in data:
            values[name] = fields.nullable(data, name, fields.parse_datetime)
    if "response_sampling_interval_type" in data:
        values["response_sampling_interval_type"] = fields.nullable(
            data,
            "response_sampling_interval_type",
            lambda v, n: fields.parse_choice(v, n, SAMPLING_INTERVALS),
        )
    for name in ("response_sampling_interval", "response_sampling_limit"):
        if name in data:
            values[name] = fields.nullable(data, name, _count)
    if "response_sampling_daily_limits" in data:
        values["response_sampling_daily_limits"] = copy.deepcopy(
            data["response_sampling_daily_limits"]
        )
    if "enable_partial_responses" in data:
        values["enable_partial_responses"] = fields.nullable(
            data, "enable_partial_responses", fields.parse_bool
        )
    return values


def check_sampling(values: Mapping[str, Any], today: datetime) -> None:
    """The response-sampling part of ``validate``."""
    start = values.get("response_sampling_start_date")
    if start is not None and start < today:
        raise _fail(
            Msg.SURVEY_SAMPLING_START_PAST.format(got=_py(start), today=_py(today)),
            "response_sampling_start_date",
        )
    interval = values.get("response_sampling_interval")
    if interval is not None and interval <= 0:
        raise _fail(Msg.SURVEY_SAMPLING_INTERVAL, "response_sampling_interval")
    limit = values.get("response_sampling_limit", 0)
    if limit is not None and limit > 0:
        if interval is None:
            raise ServerError()  # ``None > 0``: a TypeError in PostHog
        if interval > 0 and start is None:
            raise _fail(Msg.SURVEY_SAMPLING_START_NEEDED, "response_sampling_start_date")


def _py(value: datetime) -> str:
    """How Python prints an aware datetime in an f-string (``2026-01-01 00:00:00+00:00``)."""
    return str(value)


def check_external(values: Mapping[str, Any]) -> None:
    """External surveys refuse the fields that only make sense in an app (first error wins)."""
    if values.get("type") != "external_survey":
        return
    for name in _NOT_FOR_EXTERNAL:
        if values.get(name) is not None:
            raise _fail(Msg.SURVEY_EXTERNAL_FIELD.format(field=name), name)
    conditions = values.get("conditions")
    if conditions:
        refused = [n for n in _CONDITIONS_NOT_FOR_EXTERNAL if conditions.get(n) is not None]
        for name in ("actions", "events"):
            part = conditions.get(name)
            if isinstance(part, dict) and part.get("values"):
                refused.append(name)
        if refused:
            raise _fail(
                Msg.SURVEY_EXTERNAL_CONDITIONS.format(fields=", ".join(refused)), "conditions"
            )
    appearance = values.get("appearance")
    if appearance and appearance.get("surveyPopupDelaySeconds") is not None:
        raise _fail(Msg.SURVEY_EXTERNAL_POPUP_DELAY, "appearance")


def targeting_rolls_out_to_everyone(filters: Any) -> bool:
    groups = (filters or {}).get("groups") or [] if isinstance(filters, Mapping) else []
    return any(
        isinstance(g, Mapping)
        and g.get("rollout_percentage") in (100, None)
        and len(g.get("properties", [])) == 0
        for g in groups
    )


# -- values the model derives on save ---------------------------------------------------------


def iterations(
    count: int | None, frequency: int | None, start: datetime | None, current: int | None
) -> tuple[list[datetime | None] | None, int | None, bool]:
    """``update_survey_iterations``: ``(iteration_start_dates, current_iteration, reset)``;
    ``reset`` clears ``current_iteration_start_date`` (a new first iteration sets it to the
    start date)."""
    if not count or not frequency:
        return [], None, True
    if start is None:
        return None, current, False
    dates: list[datetime | None] = list(
        rrule(DAILY, count=min(count, MAX_ITERATION_COUNT), interval=frequency, dtstart=start)
    )
    if current is None or current == 0:
        return dates, 1, False
    return dates, current, False


def daily_limits(
    interval_type: str | None, interval: int | None, limit: int | None, start: datetime | None
) -> str | None:
    """``update_response_sampling_limits``: the cumulative schedule as JSON text."""
    import json

    if interval_type is None or limit == 0 or start is None:
        return None
    if interval is None or limit is None or interval_type not in ("day", "week", "month"):
        raise ServerError()
    days = {"day": interval, "week": interval * 7, "month": interval * 30}[interval_type]
    if days <= 0:
        raise ServerError()
    per_day, remaining = divmod(limit, days)
    increment = 100 / days
    schedule = []
    current = start
    rollout = increment
    cumulative = 0
    for day in range(days):
        cumulative += per_day + (1 if day < remaining else 0)
        schedule.append(
            {
                "date": current.isoformat(),
                "daily_response_limit": cumulative,
                "rollout_percentage": round(rollout, 2),
            }
        )
        current += timedelta(days=1)
        rollout += increment
    schedule[-1]["rollout_percentage"] = 100.0
    return json.dumps(schedule)
