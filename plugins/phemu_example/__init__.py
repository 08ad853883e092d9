"""phemu-example: the complete plugin that ``plugins/README.md`` walks through.

It adds a PostHog-style endpoint with its own scope (``{prefix}/example_notes/``, scope object
``notebook``), a seed-document key for that endpoint's data, seed data of its own (a note and a
read-only key), and an observer of subscription deliveries with a control endpoint to read them
(``/_phemu/example/deliveries``). Not registered as an entry point: enable it with
``Emulator(plugins=["phemu_example"])`` or ``phemu serve --plugin phemu_example``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

from werkzeug.wrappers import Request
from werkzeug.wrappers import Response

from phemu.extend import ControlRoute
from phemu.extend import NotFound
from phemu.extend import RequestContext
from phemu.extend import Route
from phemu.extend import SeedSection
from phemu.extend import fields
from phemu.extend import format_datetime
from phemu.extend import hookimpl
from phemu.extend import iter_records
from phemu.extend import json_response
from phemu.extend import paginate_list
from phemu.extend import reply

if TYPE_CHECKING:
    from phemu import Emulator

#: The name to disable it by, and the key of its state in ``emulator.extensions``.
PHEMU_PLUGIN_NAME = "example"
READONLY_KEY = "phx_exampleReadOnlyNotebookKey0000000000000"


# -- data: per-store, so a reset or a state import replaces it --------------------------------
class NotesState:
    def __init__(self) -> None:
        self.notes: dict[int, dict[str, Any]] = {}


def render(note: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": note["id"],
        "text": note["text"],
        "created_at": format_datetime(note["created_at"]),
    }


# -- the endpoint ----------------------------------------------------------------------------
def list_notes(ctx: RequestContext) -> Response:
    assert ctx.project is not None
    state = ctx.store.state(NotesState)
    mine = sorted(
        (n for n in state.notes.values() if n["project"] == ctx.project.id), key=lambda n: n["id"]
    )
    return json_response(paginate_list(ctx.request, mine, render))


def create_note(ctx: RequestContext) -> Response:
    assert ctx.project is not None
    data = fields.expect_object(ctx.body)
    text = fields.parse_text(
        fields.require(data, "text"), "text", allow_blank=False, max_length=200
    )
    with ctx.store.lock:
        note_id = ctx.store.next_id("example_note")
        note = {"id": note_id, "project": ctx.project.id, "text": text, "created_at": ctx.now}
        ctx.store.state(NotesState).notes[note_id] = note
    return json_response(render(note), status=201)


def retrieve_note(ctx: RequestContext) -> Response:
    assert ctx.project is not None
    pk = ctx.path_values["pk"]
    note = ctx.store.state(NotesState).notes.get(int(pk)) if pk.isdigit() else None
    if note is None or note["project"] != ctx.project.id:
        raise NotFound()
    return json_response(render(note))


ROUTES = [
    Route("/example_notes/", "example.notes", {"GET": list_notes, "POST": create_note}, "notebook"),
    Route("/example_notes/<pk>/", "example.note", {"GET": retrieve_note}, "notebook"),
]


@hookimpl
def phemu_routes() -> list[Route]:
    return ROUTES


# -- seed documents: an ``example_notes`` key, and data of our own -----------------------------
def load_notes(emulator: Emulator, records: list[dict[str, Any]]) -> None:
    state = emulator.store.state(NotesState)
    for r in iter_records(emulator, "example_notes", records):
        note_id = r.id("example_note")
        state.notes[note_id] = {
            "id": note_id,
            "project": r.project(),
            "text": r.text("text", blank=False),
            "created_at": r.instant("created_at"),
        }


def export_notes(emulator: Emulator) -> list[dict[str, Any]]:
    notes = emulator.store.state(NotesState).notes.values()
    return [{**render(n), "project": n["project"]} for n in sorted(notes, key=lambda n: n["id"])]


@hookimpl
def phemu_seed_sections() -> list[SeedSection]:
    return [SeedSection("example_notes", load_notes, export_notes)]


@hookimpl
def phemu_seed(emulator: Emulator) -> dict[str, Any]:
    """A welcome note in every project, and a key for the first user that may only read notes.

    Runs after the emulator's own seeds, so it can look at what they created.
    """
    store = emulator.store
    first_user = min(store.users) if store.users else None
    keys = [
        {
            "user": first_user,
            "label": "example read-only",
            "value": READONLY_KEY,
            "scopes": ["notebook:read"],
        }
    ]
    return {
        "personal_api_keys": keys if first_user is not None else [],
        "example_notes": [
            {"project": project_id, "text": "Welcome to the example plugin"}
            for project_id in sorted(store.projects)
        ],
    }


# -- observing deliveries ----------------------------------------------------------------------
class Deliveries:
    """What this plugin saw, per emulator."""

    def __init__(self) -> None:
        self.seen: list[dict[str, Any]] = []


@hookimpl
def phemu_configure(emulator: Emulator) -> None:
    emulator.extensions[PHEMU_PLUGIN_NAME] = Deliveries()


@hookimpl
def phemu_reset(emulator: Emulator) -> None:
    emulator.extensions[PHEMU_PLUGIN_NAME] = Deliveries()


@hookimpl
def phemu_subscription_delivery(emulator: Emulator, entry: dict[str, Any]) -> None:
    # A demo would forward the entry to a real SMTP server or webhook here.
    seen = {"outbox_id": entry["id"], "kind": entry.get("kind"), "to": entry.get("target_type")}
    emulator.extensions[PHEMU_PLUGIN_NAME].seen.append(seen)


def deliveries(emulator: Emulator, request: Request) -> Response:
    seen = emulator.extensions[PHEMU_PLUGIN_NAME].seen
    return reply({"count": len(seen), "results": seen})


@hookimpl
def phemu_control_routes() -> list[ControlRoute]:
    return [("/_phemu/example/deliveries", ("GET",), deliveries)]
