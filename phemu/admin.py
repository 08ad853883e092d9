"""The control plane under ``/_phemu/``: phemu's own API, never PostHog's.

No authentication and no profile differences. Every endpoint has a Python twin on
:class:`~phemu.emulator.Emulator`. Errors are ``{"error": "<message>"}`` with status 400.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map
from werkzeug.routing import Rule
from werkzeug.wrappers import Request
from werkzeug.wrappers import Response

from phemu import __version__
from phemu.errors import ConfigurationError
from phemu.errors import ControlError
from phemu.errors import SeedError
from phemu.errors import StateFileError
from phemu.fields import lookup_int
from phemu.hookspecs import ControlHandler
from phemu.hookspecs import ControlRoute
from phemu.serialization import describe_character
from phemu.serialization import dumps
from phemu.serialization import find_bad_text

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse
    from _typeshed.wsgi import WSGIEnvironment

    from phemu.emulator import Emulator

CONTROL_PREFIX = "/_phemu"


def reply(data: Any, status: int = 200) -> Response:
    return Response(dumps(data), status=status, content_type="application/json")


def _not_json(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"{text} is out of range for a JSON number")
    return value


def read_json(request: Request) -> Any:
    """The JSON body (``{}`` when empty). Strict: ``NaN``, ``Infinity`` and numbers that overflow
    to them are refused, so no control setting (a fault's ``delay``) can hold a non-finite value.
    """
    raw = request.get_data(cache=True)
    if not raw:
        return {}
    try:
        body = json.loads(raw, parse_constant=_not_json, parse_float=_finite)
    except (ValueError, UnicodeDecodeError) as error:
        raise ControlError(f"body is not valid JSON: {error}") from None
    except RecursionError:
        raise ControlError("body is not valid JSON: it is nested too deeply") from None
    found = find_bad_text(body, nul=False)  # nothing could render or save it afterwards
    if found is not None:
        where, char = found
        raise ControlError(f"{where} holds {describe_character(char)}, which is not valid Unicode")
    return body


def health(emulator: Emulator, request: Request) -> Response:
    return reply({"status": "ok", "version": __version__, "profile": emulator.profile})


def reset(emulator: Emulator, request: Request) -> Response:
    emulator.reset()
    return reply({"status": "reset"})


def seed(emulator: Emulator, request: Request) -> Response:
    body = read_json(request)
    documents = body if isinstance(body, list) else [body]
    emulator.load_seed(*documents)
    return reply({"status": "seeded", "documents": len(documents)})


def state(emulator: Emulator, request: Request) -> Response:
    if request.method == "PUT":
        body = read_json(request)
        if not isinstance(body, dict):
            raise ControlError("the state document must be a JSON object")
        emulator.import_state(body)
        return reply({"status": "imported"})
    return reply(emulator.export_state())


def save_state(emulator: Emulator, request: Request) -> Response:
    """Write the state file now (``phemu serve --state-file``), atomically."""
    state_file = emulator.state_file
    if state_file is None:
        raise ControlError("no state file: start phemu serve with --state-file PATH")
    try:
        path = state_file.save()
    except StateFileError as error:
        return reply({"error": str(error)}, status=500)
    return reply({"status": "saved", "path": str(path)})


def inspector(emulator: Emulator, request: Request) -> Response:
    from phemu.inspector import render

    return render(emulator, request)


def requests_(emulator: Emulator, request: Request) -> Response:
    if request.method == "DELETE":
        emulator.journal.clear()
        return reply({"status": "cleared"})
    status = request.args.get("status")
    entries = emulator.requests(
        method=request.args.get("method"),
        path=request.args.get("path"),
        status=lookup_int(status) if status and status.isdigit() else None,
    )
    return reply({"count": len(entries), "results": [e.to_dict() for e in entries]})


def clock(emulator: Emulator, request: Request) -> Response:
    """Read the clock, or change it with a JSON body.

    ``{"freeze": true, "at": ...}``, ``{"set": ...}``, ``{"advance": seconds}``,
    ``{"unfreeze": true}``; several keys apply in that order.
    """
    if request.method == "POST":
        body = read_json(request)
        if not isinstance(body, dict):
            raise ControlError("expected a JSON object")
        try:
            if body.get("unfreeze"):
                emulator.unfreeze_time()
            if body.get("freeze"):
                emulator.freeze_time(body.get("at"))
            elif "set" in body or "at" in body:
                target = body.get("set", body.get("at"))
                if not isinstance(target, str):
                    raise ControlError("'set' must be an ISO 8601 datetime string")
                emulator.set_time(target)
            if "advance" in body:
                seconds = body["advance"]
                if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
                    raise ControlError("'advance' must be a number of seconds")
                emulator.advance_time(seconds)
        except (TypeError, ValueError, OverflowError) as error:
            raise ControlError(f"bad clock value: {error}") from None
    return reply(emulator.clock.describe())


def outbox(emulator: Emulator, request: Request) -> Response:
    if request.method == "DELETE":
        emulator.outbox.clear()
        return reply({"status": "cleared"})
    filters = {k: v for k, v in request.args.items() if k in ("kind", "target_type")}
    entries = emulator.outbox.entries(**filters)
    return reply({"count": len(entries), "results": entries})


def config(emulator: Emulator, request: Request) -> Response:
    return reply(
        {
            "profile": emulator.profile,
            "seeds": [
                str(s) if not isinstance(s, dict) else "<document>" for s in emulator.seed_sources
            ],
            "plugins": sorted(name for name, _ in emulator.hooks.list_name_plugin() if name),
            "throttling": emulator.throttler is not None,
            "version": __version__,
        }
    )


def coverage(emulator: Emulator, request: Request) -> Response:
    """The endpoint coverage report (phemu/coverage.py) for this emulator's routes and profile."""
    from phemu.coverage import load_evidence
    from phemu.coverage import report

    return reply(report(emulator, load_evidence()))


def events(emulator: Emulator, request: Request) -> Response:
    """Captured events of one project (``?project=1``, ``&event=...``), oldest first."""
    raw = request.args.get("project", "1")
    if not raw.isdigit():
        raise ControlError("'project' must be a project id")
    project = int(raw)
    if request.method == "DELETE":
        emulator.events.clear(project)
        return reply({"status": "cleared"})
    found = emulator.events.find(request.args.get("event"), project=project)
    if request.args.get("distinct_id"):
        found = [e for e in found if e["distinct_id"] == request.args["distinct_id"]]
    return reply({"count": len(found), "results": found})


def ai_queue(emulator: Emulator, request: Request) -> Response:
    """Canned AI answers (``docs/ai.md``); see :meth:`phemu.ai.CannedAnswers.control`."""
    body = read_json(request) if request.method == "POST" else None
    try:
        return reply(emulator.ai.control(request.method, body, request.args.get("endpoint")))
    except ValueError as error:
        raise ControlError(str(error)) from None


def generic_answers(emulator: Emulator, request: Request) -> Response:
    """Scripted answers of schema operations; see :meth:`GenericBackend.control`."""
    body = read_json(request) if request.method == "POST" else None
    try:
        return reply(emulator.generic.control(request.method, body, request.args.get("operation")))
    except ValueError as error:
        raise ControlError(str(error)) from None


#: ``(path, methods, handler)``; features extend it here, plugins through the
#: ``phemu_control_routes`` hook (merged per emulator by :func:`build_control_table`).
CONTROL_ROUTES: list[tuple[str, tuple[str, ...], ControlHandler]] = [
    ("/_phemu/health", ("GET",), health),
    ("/_phemu/reset", ("POST",), reset),
    ("/_phemu/seed", ("POST",), seed),
    ("/_phemu/state", ("GET", "PUT"), state),
    ("/_phemu/state/save", ("POST",), save_state),
    ("/_phemu/", ("GET",), inspector),
    ("/_phemu/requests", ("GET", "DELETE"), requests_),
    ("/_phemu/clock", ("GET", "POST"), clock),
    ("/_phemu/outbox", ("GET", "DELETE"), outbox),
    ("/_phemu/config", ("GET",), config),
    ("/_phemu/ai/queue", ("GET", "POST", "DELETE"), ai_queue),
    ("/_phemu/coverage", ("GET",), coverage),
    ("/_phemu/events", ("GET", "DELETE"), events),
    ("/_phemu/generic/answers", ("GET", "POST", "DELETE"), generic_answers),
]


@dataclass(frozen=True)
class ControlTable:
    """The control plane's URL map: :data:`CONTROL_ROUTES` plus plugin rows."""

    url_map: Map
    handlers: Mapping[str, ControlHandler]


def build_control_table(extra: Iterable[ControlRoute] = ()) -> ControlTable:
    """The table for the built-in rows and ``extra`` (``phemu_control_routes`` results)."""
    return _build_control_table(tuple((path, tuple(methods), h) for path, methods, h in extra))


@lru_cache(maxsize=32)
def _build_control_table(
    extra: tuple[tuple[str, tuple[str, ...], ControlHandler], ...],
) -> ControlTable:
    rows = [*CONTROL_ROUTES, *extra]
    handlers: dict[str, ControlHandler] = {}
    for path, _, handler in rows:
        if not path.startswith(CONTROL_PREFIX + "/"):
            raise ConfigurationError(f"control route {path!r} must start with {CONTROL_PREFIX}/")
        if path in handlers:
            raise ConfigurationError(f"duplicate control route {path!r}")
        handlers[path] = handler
    url_map = Map(
        [Rule(path, methods=list(methods), endpoint=path) for path, methods, _ in rows],
        strict_slashes=False,
    )
    return ControlTable(url_map=url_map, handlers=handlers)


def control_plane_app(
    emulator: Emulator, environ: WSGIEnvironment, start_response: StartResponse
) -> Any:
    request = Request(environ)
    try:
        table = emulator.control_table
        endpoint, values = table.url_map.bind_to_environ(environ).match()
        response = table.handlers[endpoint](emulator, request, **values)
    except HTTPException as error:
        response = reply({"error": error.description or error.name}, status=error.code or 404)
    except (ControlError, SeedError, ConfigurationError) as error:
        response = reply({"error": str(error)}, status=400)
    except RecursionError:
        # phemu's own API: a document too deep to process is the client's error, not a 500.
        response = reply({"error": "the document is nested too deeply to process"}, status=400)
    return response(environ, start_response)
