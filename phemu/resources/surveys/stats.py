"""Survey statistics from the captured ``survey shown`` / ``survey dismissed`` / ``survey sent``
events, as ``SurveyViewSet._get_survey_stats`` computes them (``posthog/api/survey.py``;
``get_unique_survey_event_uuids_sql_subquery`` in ``posthog/api/survey.py``'s helpers).

The two ClickHouse queries become two passes over the project's events: per event name the
count, the distinct ``person_id``s, the first and last timestamp; then the persons who both
dismissed and sent, taken off the dismissed persons. A dismissal with
``$survey_partially_completed: true`` is not counted, and a response sent in parts (one
``$survey_submission_id``) counts once, as its latest event. phemu keeps no archived responses,
so ``exclude_archived`` changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping
from datetime import datetime
from datetime import timezone
from typing import TYPE_CHECKING
from typing import Any

from phemu.errors import Msg
from phemu.errors import ValidationError
from phemu.serialization import format_datetime

if TYPE_CHECKING:
    from phemu.resources.events.models import EventRecord

#: ``SurveyEventName`` and ``SurveyEventProperties`` (``posthog/constants.py``)
SHOWN, DISMISSED, SENT = "survey shown", "survey dismissed", "survey sent"
SURVEY_ID, PARTIALLY_COMPLETED = "$survey_id", "$survey_partially_completed"
SUBMISSION_ID = "$survey_submission_id"
ZERO_RATES = {
    "response_rate": 0.0,
    "dismissal_rate": 0.0,
    "unique_users_response_rate": 0.0,
    "unique_users_dismissal_rate": 0.0,
}


def json_string(properties: Mapping[str, Any], key: str) -> str:
    """``JSONExtractString(properties, key)``: the string, or ``""`` for anything else."""
    value = properties.get(key)
    return value if isinstance(value, str) else ""


def unique_sent(records: Iterable[EventRecord]) -> set[str]:
    """The ``survey sent`` events that count (``get_unique_survey_event_uuids_sql_subquery``):
    per survey and submission (the event itself when it names none), the latest one."""
    latest: dict[tuple[str, str], EventRecord] = {}
    for record in records:
        if record.event != SENT:
            continue
        submission = json_string(record.properties, SUBMISSION_ID) or record.uuid
        key = (json_string(record.properties, SURVEY_ID), submission)
        kept = latest.get(key)
        if kept is None or record.timestamp >= kept.timestamp:
            latest[key] = record
    return {record.uuid for record in latest.values()}


def parse_dates(
    date_from: str | None, date_to: str | None
) -> tuple[datetime | None, datetime | None]:
    """``_validate_and_parse_dates``: ISO 8601 (naive is the server's UTC)."""
    try:
        parsed_from = _instant(date_from) if date_from else None
        parsed_to = _instant(date_to) if date_to else None
    except ValueError:
        raise ValidationError(Msg.SURVEY_STATS_DATE_FORMAT) from None
    if parsed_from and parsed_to and parsed_from > parsed_to:
        raise ValidationError(Msg.SURVEY_STATS_DATE_ORDER)
    return parsed_from, parsed_to


def _instant(text: str) -> datetime:
    parsed = datetime.fromisoformat(text)
    return parsed.replace(tzinfo=timezone.utc) if parsed.tzinfo is None else parsed


def compute(
    records: list[EventRecord],
    survey_ids: set[str],
    since: datetime | None,
    until: datetime | None,
) -> dict[str, Any]:
    """``{"stats": ..., "rates": ...}`` over the events of ``survey_ids``."""
    counted_sent = unique_sent(records)
    chosen: list[EventRecord] = []
    for record in records:
        if record.event not in (SHOWN, DISMISSED, SENT):
            continue
        if json_string(record.properties, SURVEY_ID) not in survey_ids:
            continue
        if (since is not None and record.timestamp < since) or (
            until is not None and record.timestamp > until
        ):
            continue
        if record.event == DISMISSED and record.properties.get(PARTIALLY_COMPLETED) is True:
            continue
        chosen.append(record)
    stats = {name: _event_stats(chosen, name, counted_sent) for name in (SHOWN, DISMISSED, SENT)}
    dismissed = {r.person_id for r in chosen if r.event == DISMISSED}
    both = dismissed & {r.person_id for r in chosen if r.event == SENT}
    stats[DISMISSED]["unique_persons"] = max(0, stats[DISMISSED]["unique_persons"] - len(both))
    shown = stats[SHOWN]
    shown["unique_persons_only_seen"] = max(
        0,
        shown["unique_persons"]
        - stats[DISMISSED]["unique_persons"]
        - stats[SENT]["unique_persons"],
    )
    shown["total_count_only_seen"] = max(
        0, shown["total_count"] - stats[DISMISSED]["total_count"] - stats[SENT]["total_count"]
    )
    return {"stats": stats, "rates": _rates(stats)}


def _event_stats(chosen: list[EventRecord], name: str, counted_sent: set[str]) -> dict[str, Any]:
    found = [r for r in chosen if r.event == name and (name != SENT or r.uuid in counted_sent)]
    return {
        "total_count": len(found),
        "unique_persons": len({r.person_id for r in found}),
        "first_seen": format_datetime(min(r.timestamp for r in found)) if found else None,
        "last_seen": format_datetime(max(r.timestamp for r in found)) if found else None,
        "unique_persons_only_seen": 0,
        "total_count_only_seen": 0,
    }


def _rates(stats: Mapping[str, Mapping[str, Any]]) -> dict[str, float]:
    shown, sent, dismissed = stats[SHOWN], stats[SENT], stats[DISMISSED]
    if not shown["total_count"]:
        return dict(ZERO_RATES)
    return {
        "response_rate": round(sent["total_count"] / shown["total_count"] * 100, 2),
        "dismissal_rate": round(dismissed["total_count"] / shown["total_count"] * 100, 2),
        "unique_users_response_rate": round(
            sent["unique_persons"] / shown["unique_persons"] * 100, 2
        ),
        "unique_users_dismissal_rate": round(
            dismissed["unique_persons"] / shown["unique_persons"] * 100, 2
        ),
    }
