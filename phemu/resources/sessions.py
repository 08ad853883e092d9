"""``sessions/property_definitions`` and ``sessions/values`` (sessions.md), and session seeding.

Sessions live per project in :class:`SessionsState`, seeded two ways (sessions.md §4.1): the
``sessions`` section takes computed property dicts as given, the ``events`` section takes raw
events and derives every property (``session_derivation``). The ``channel_lookups`` section
extends the channel lookup table (``channel_lookups``) and loads first, so events of the same
document already use it. The value index that makes
``values`` cheap lives in ``session_values``.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import operator
import re
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timezone
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

from werkzeug.wrappers import Response

from phemu.clock import parse_instant
from phemu.errors import Msg
from phemu.errors import SeedError
from phemu.errors import ValidationError
from phemu.resources import channel_lookups
from phemu.resources._base import Resource
from phemu.resources._base import json_response
from phemu.resources.channel_type import BUILTIN_CHANNEL_TYPES
from phemu.resources.session_catalogue import BY_NAME
from phemu.resources.session_catalogue import DATETIME_KEYS
from phemu.resources.session_catalogue import STORED_STRING_KEYS
from phemu.resources.session_catalogue import search_catalogue
from phemu.resources.session_derivation import CHANNEL_INPUT_KEYS
from phemu.resources.session_derivation import Event
from phemu.resources.session_derivation import channel_of
from phemu.resources.session_derivation import derive
from phemu.resources.session_values import ProjectSessions
from phemu.resources.session_values import Session
from phemu.resources.session_values import sort_key
from phemu.routing import Route
from phemu.seed import SeedSection
from phemu.serialization import format_datetime

if TYPE_CHECKING:
    from phemu.context import RequestContext
    from phemu.emulator import Emulator

#: The sample data set ``phemu serve`` loads after the default seed (``fixtures/README.md``).
SAMPLE_SEED_PATH = Path(__file__).resolve().parent.parent / "data" / "sessions_sample.json"

_STORED = frozenset(STORED_STRING_KEYS)
_FLATTEN_DEPTH = 10  # posthog.utils.flatten's max_depth


@dataclass
class SessionsState:
    projects: dict[int, ProjectSessions] = field(default_factory=dict)
    next_seq: int = 0  # global seed order of events (the tie-breaker for equal timestamps)

    def project(self, project_id: int) -> ProjectSessions:
        found = self.projects.get(project_id)
        if found is None:
            found = self.projects[project_id] = ProjectSessions()
        return found


def _state(emulator: Emulator) -> SessionsState:
    return emulator.store.state(SessionsState)


def _last(ctx: RequestContext, name: str) -> str | None:
    """Django's ``QueryDict.get``: the *last* value of a repeated parameter."""
    values = ctx.query.getlist(name)
    return values[-1] if values else None


# -- handlers ----------------------------------------------------------------------------------


def property_definitions(ctx: RequestContext) -> Response:
    results = search_catalogue(_last(ctx, "search"), _last(ctx, "is_numerical"))
    return json_response({"count": len(results), "results": results})


def values(ctx: RequestContext) -> Response:
    key = _last(ctx, "key")
    if not key:
        raise ValidationError(Msg.KEY_NOT_PROVIDED)
    search = _last(ctx, "value") or None  # PostHog tests truthiness: empty means no filter
    raw: list[str]
    if key == "$channel_type":
        project = ctx.project
        custom = list(project.custom_channel_types) if project is not None else []
        builtin = [c for c in BUILTIN_CHANNEL_TYPES if not search or search.lower() in c.lower()]
        raw = list(dict.fromkeys(custom + builtin))
    elif key in _STORED:
        with ctx.store.lock:
            raw = _state(ctx.emulator).project(ctx.project_id).top_values(key, search)
    elif BY_NAME.get(key) is not None and BY_NAME[key].property_type == "Boolean":
        raw = ["1", "0"]
    else:
        raw = []
    return json_response({"results": [{"name": n} for n in post_process(raw)], "refreshing": False})


def post_process(raw: Iterable[str]) -> list[str]:
    """sessions.md §3.3 step 4: parse JSON, spread arrays, render like PostHog's ``str()``."""
    parsed: list[Any] = []
    for value in raw:
        try:
            parsed.append(json.loads(value))
        except json.JSONDecodeError:
            parsed.append(value)
    return [_render(v) for v in _flatten(parsed, _FLATTEN_DEPTH)]


def _flatten(items: list[Any], depth: int) -> Iterable[Any]:
    for item in items:
        if isinstance(item, list) and depth > 0:
            yield from _flatten(item, depth - 1)
        else:
            yield item


def _render(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    return str(value)


# -- seeding -------------------------------------------------------------------------------------


def _project_of(emulator: Emulator, record: Mapping[str, Any], label: str) -> int:
    project = record.get("project")
    if (
        isinstance(project, bool)
        or not isinstance(project, int)
        or project not in emulator.store.projects
    ):
        raise SeedError(
            f"{label}: 'project' must be the id of an existing project, not {project!r}"
        )
    return project


_PLAIN_ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{3}|\.\d{6})?(?:Z|[+-]\d\d:\d\d)?")


def _instant(value: Any, label: str, name: str) -> datetime:
    if isinstance(value, str) and _PLAIN_ISO.fullmatch(value):
        # The common shape, parsed by the standard library (dateutil's isoparse costs ~60 µs,
        # most of the time of loading raw events); anything else goes through parse_instant.
        moment = datetime.fromisoformat(value[:-1] + "+00:00" if value[-1] == "Z" else value)
        return (
            moment.replace(tzinfo=timezone.utc)
            if moment.tzinfo is None
            else moment.astimezone(timezone.utc)
        )
    try:
        if not isinstance(value, (str, datetime)):
            raise TypeError(value)
        return parse_instant(value)
    except (TypeError, ValueError, OverflowError):
        raise SeedError(f"{label}: {name} is not an ISO 8601 datetime: {value!r}") from None


def _optional_text(record: Mapping[str, Any], name: str, label: str) -> str | None:
    value = record.get(name)
    if value is not None and not isinstance(value, str):
        raise SeedError(f"{label}: {name!r} must be a string")
    return value


def load_sessions(emulator: Emulator, records: list[dict[str, Any]]) -> None:
    """The computed form: catalogue keys as given; missing keys are null."""
    state = _state(emulator)
    batches: dict[int, list[Session]] = {}
    for position, record in enumerate(records):
        sid = record.get("session_id")
        label = f"sessions[{position}]" + (f" (session {sid!r})" if sid is not None else "")
        project = _project_of(emulator, record, label)
        if not isinstance(sid, str) or not sid:
            raise SeedError(f"{label}: 'session_id' must be a non-empty string")
        distinct_id = _optional_text(record, "distinct_id", label)
        given = record.get("properties", {})
        if not isinstance(given, dict):
            raise SeedError(f"{label}: 'properties' must be an object")
        unknown = [k for k in given if k not in BY_NAME]
        if unknown:
            raise SeedError(
                f"{label}: unknown session properties {', '.join(map(repr, unknown))} "
                "(keys must be names from the v2 catalogue, e.g. '$entry_utm_source')"
            )
        # Copied so later changes to the caller's objects cannot reach the stored session.
        props: dict[str, Any] = {
            k: copy.deepcopy(v) if isinstance(v, (dict, list)) else v for k, v in given.items()
        }
        for name in DATETIME_KEYS:
            if props.get(name) is not None:
                props[name] = _instant(props[name], label, repr(name))
        if sid in state.project(project).events:
            raise SeedError(
                f"{label}: session {sid!r} is already seeded from raw events; a session id may "
                "appear in only one form"
            )
        key = sort_key(sid, props.get("$start_timestamp"))
        batches.setdefault(project, []).append(Session(sid, distinct_id, props, key, True))
    for project, sessions in batches.items():
        state.project(project).upsert(sessions)


def _event(state: SessionsState, record: Mapping[str, Any], label: str) -> tuple[Event, str | None]:
    name = record.get("event")
    if not isinstance(name, str) or not name:
        raise SeedError(f"{label}: 'event' must be a non-empty string")
    if record.get("timestamp") is None:
        raise SeedError(f"{label}: 'timestamp' is required")
    moment = _instant(record["timestamp"], label, "'timestamp'")
    props = record.get("properties", {})
    if not isinstance(props, dict):
        raise SeedError(f"{label}: 'properties' must be an object")
    sid = props.get("$session_id")
    if sid is not None and not isinstance(sid, str):
        raise SeedError(f"{label}: properties.$session_id must be a string, not {sid!r}")
    distinct_id = record.get("distinct_id")
    if distinct_id is not None and not isinstance(distinct_id, (str, int)):
        raise SeedError(f"{label}: 'distinct_id' must be a string")
    uuid = _optional_text(record, "uuid", label)
    state.next_seq += 1
    event = Event(
        seq=state.next_seq,
        timestamp=moment,
        event=name,
        distinct_id=None if distinct_id is None else str(distinct_id),
        uuid=uuid,
        properties=dict(props),
        record={**record, "properties": dict(props)},
    )
    return event, sid or None


def load_events(emulator: Emulator, records: list[dict[str, Any]]) -> None:
    """Raw events, grouped by ``$session_id``; touched sessions are derived again.

    Events without a ``$session_id`` (absent, null or empty) are kept but build no session, as
    in PostHog; any other malformed event rejects the document, naming the record.
    """
    state = _state(emulator)
    touched: dict[int, dict[str, list[Event]]] = {}
    for position, record in enumerate(records):
        label = f"events[{position}]" + (f" (uuid {record['uuid']!r})" if "uuid" in record else "")
        project = _project_of(emulator, record, label)
        event, sid = _event(state, record, label)
        sessions = state.project(project)
        if sid is None:
            sessions.orphans.append(event)
            continue
        existing = sessions.sessions.get(sid)
        if existing is not None and existing.computed:
            raise SeedError(
                f"{label}: session {sid!r} is already seeded in computed form; a session id may "
                "appear in only one form"
            )
        touched.setdefault(project, {}).setdefault(sid, []).append(event)
    lookups = channel_lookups.effective(emulator)
    for project, by_session in touched.items():
        sessions = state.project(project)
        derived: list[Session] = []
        for sid, new_events in by_session.items():
            events = sessions.events.get(sid, ()) + tuple(new_events)
            sessions.events[sid] = events
            props = derive(events, lookups)
            distinct_id = props.pop("distinct_id")
            derived.append(
                Session(sid, distinct_id, props, sort_key(sid, props["$start_timestamp"]), False)
            )
        sessions.upsert(derived)


def load_channel_lookups(emulator: Emulator, records: list[dict[str, Any]]) -> None:
    """Extend the lookup table, then re-derive ``$channel_type`` of event-built sessions.

    Only the channel is recomputed (from the stored entry properties, no pass over events,
    once per distinct combination of inputs); computed-form sessions keep the channel they were
    seeded with.
    """
    if not channel_lookups.add_seeded(emulator, records):
        return
    lookups = channel_lookups.effective(emulator)
    memo: dict[tuple[Any, ...], str] = {}
    inputs_of = operator.itemgetter(*CHANNEL_INPUT_KEYS)
    for sessions in _state(emulator).projects.values():
        changed = []
        for session in sessions.sessions.values():
            if session.computed:
                continue
            inputs = inputs_of(session.properties)
            channel = memo.get(inputs)
            if channel is None:
                channel = memo[inputs] = channel_of(session.properties, lookups)
            if channel != session.properties["$channel_type"]:
                props = {**session.properties, "$channel_type": channel}
                changed.append(dataclasses.replace(session, properties=props))
        sessions.upsert(changed)


def _json_value(value: Any) -> Any:
    return format_datetime(value) if isinstance(value, datetime) else value


def export_sessions(emulator: Emulator) -> list[dict[str, Any]]:
    return [
        {
            "project": project,
            "session_id": s.session_id,
            "distinct_id": s.distinct_id,
            "properties": {k: _json_value(v) for k, v in s.properties.items()},
        }
        for project, sessions in sorted(_state(emulator).projects.items())
        for s in sessions.sessions.values()
        if s.computed
    ]


def export_events(emulator: Emulator) -> list[dict[str, Any]]:
    events = [
        (event, project)
        for project, sessions in _state(emulator).projects.items()
        for event in [*(e for es in sessions.events.values() for e in es), *sessions.orphans]
    ]
    events.sort(key=lambda pair: pair[0].seq)
    return [
        {
            **{k: v for k, v in event.record.items() if k != "timestamp"},
            "project": project,
            "timestamp": format_datetime(event.timestamp),
        }
        for event, project in events
    ]


def session_properties(emulator: Emulator, project: int, session_id: str) -> dict[str, Any] | None:
    """A session's properties as JSON values (``None`` if unknown), for tests and inspection."""
    with emulator.store.lock:
        found = _state(emulator).project(project).sessions.get(session_id)
    if found is None:
        return None
    return {
        **{name: _json_value(found.properties.get(name)) for name in BY_NAME},
        "distinct_id": found.distinct_id,
    }


def inspect_sessions(emulator: Emulator) -> list[dict[str, Any]]:
    """Every session of the store for the web inspector: the seeded and the derived alike, so
    the table agrees with the summary's count (the ``sessions`` export holds only the seeded)."""
    return [
        {
            "project": project,
            "session_id": s.session_id,
            "distinct_id": s.distinct_id,
            "from": "seed" if s.computed else "events",
            "start": _json_value(s.properties.get("$start_timestamp")),
            "entry_url": s.properties.get("$entry_current_url"),
        }
        for project, sessions in sorted(_state(emulator).projects.items())
        for s in sessions.sessions.values()
    ]


def _inspect(emulator: Emulator) -> dict[str, Any]:
    return {
        str(project): {"sessions": len(s.sessions), "events": sum(map(len, s.events.values()))}
        for project, s in _state(emulator).projects.items()
    }


RESOURCE = Resource(
    name="sessions",
    routes=(
        Route(
            "/sessions/property_definitions/",
            "sessions.property_definitions",
            {"GET": property_definitions},
            "query",
            throttle="clickhouse",
        ),
        Route(
            "/sessions/values/", "sessions.values", {"GET": values}, "query", throttle="clickhouse"
        ),
    ),
    seed_sections=(
        SeedSection("channel_lookups", load_channel_lookups, channel_lookups.export_seeded),
        SeedSection("sessions", load_sessions, export_sessions, inspect=inspect_sessions),
        SeedSection("events", load_events, export_events),
    ),
    inspect=_inspect,
)
