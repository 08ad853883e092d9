"""A tiny plugin resource (``/api/projects/<id>/test_notes/``) for server tests.

It gives the load tests a create/patch/list endpoint through the public plugin API
(``phemu_routes``), independent of which PostHog resources exist yet.
"""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from phemu.context import RequestContext
from phemu.errors import NotFound
from phemu.extend import json_response
from phemu.plugin_manager import hookimpl
from phemu.routing import Route


class NotesState:
    def __init__(self) -> None:
        self.notes: dict[int, dict[str, Any]] = {}


def _state(ctx: RequestContext) -> NotesState:
    return ctx.emulator.store.state(NotesState)


def create(ctx: RequestContext) -> Response:
    body = ctx.body
    store = ctx.emulator.store
    with store.lock:
        note = {
            "id": store.next_id("test_note"),
            "project": ctx.project.id,
            "text": body.get("text", ""),
        }
        _state(ctx).notes[note["id"]] = note
        return json_response(dict(note), 201)


def list_(ctx: RequestContext) -> Response:
    with ctx.emulator.store.lock:
        notes = [dict(n) for n in _state(ctx).notes.values() if n["project"] == ctx.project.id]
    return json_response({"count": len(notes), "results": notes})


def _find(ctx: RequestContext) -> dict[str, Any]:
    raw = ctx.path_values["pk"]
    note = _state(ctx).notes.get(int(raw)) if raw.isdigit() else None
    if note is None or note["project"] != ctx.project.id:
        raise NotFound()
    return note


def retrieve(ctx: RequestContext) -> Response:
    with ctx.emulator.store.lock:
        return json_response(dict(_find(ctx)))


def update(ctx: RequestContext) -> Response:
    body = ctx.body
    with ctx.emulator.store.lock:
        note = _find(ctx)
        note["text"] = body.get("text", note["text"])
        return json_response(dict(note))


@hookimpl
def phemu_routes(profile: str) -> list[Route]:
    return [
        Route("/test_notes/", "test_notes.list", {"GET": list_, "POST": create}, "notebook"),
        Route(
            "/test_notes/<pk>/", "test_notes.detail", {"GET": retrieve, "PATCH": update}, "notebook"
        ),
    ]
