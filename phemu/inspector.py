"""The read-only web inspector at ``GET /_phemu/``: one self-contained HTML page.

No build step, no external assets, no JavaScript needed: the page refreshes itself with a
``<meta http-equiv="refresh">`` (``?refresh=N`` seconds, ``0`` to stop). Resource data is read
generically so the page shows whatever resources the emulator has: a resource backend's
``inspect()`` summary when it gives one, then the records its seed sections export (the state
format).
Keys are only ever shown masked; the store never holds plaintext values anyway.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from collections.abc import Mapping
from typing import TYPE_CHECKING
from typing import Any

from werkzeug.wrappers import Response

from phemu import __version__
from phemu.serialization import dumps
from phemu.serialization import format_datetime

if TYPE_CHECKING:
    from werkzeug.wrappers import Request

    from phemu.emulator import Emulator

DEFAULT_REFRESH = 5
MAX_ROWS = 100
#: A section with more rows than this starts collapsed, so it cannot push the rest off screen.
COLLAPSE_AT = 20
ALWAYS_OPEN = ("requests", "outbox")  # first on the page, and what a test run changes
MAX_COLUMNS = 12
MAX_CELL = 120
#: Columns shown first when a record has them (the rest follow in record order).
PREFERRED = (
    "id",
    "short_id",
    "project",
    "name",
    "title",
    "label",
    "target_type",
    "target_value",
    "frequency",
    "next_delivery_date",
    "dashboard",
    "insight",
    "deleted",
    "created_at",
)

STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#1d1f27;background:#fafafa}
h1{font-size:1.3em;margin:0 0 .2em} h2{font-size:1.1em;margin:1.4em 0 .4em}
.meta{color:#666;margin-bottom:1em} .count{color:#666;font-weight:normal}
table{border-collapse:collapse;background:#fff;margin-bottom:.6em;max-width:100%}
th,td{border:1px solid #ddd;padding:.25em .5em;text-align:left;vertical-align:top;
font-size:13px;overflow-wrap:break-word} th{background:#f0f0f0;white-space:nowrap}
.s2{color:#137333}.s4{color:#b06000}.s5{color:#c5221f;font-weight:bold}
nav a{margin-right:.8em} .empty{color:#888;font-style:italic}
summary{cursor:pointer} summary h2{display:inline-block}
"""


def render(emulator: Emulator, request: Request) -> Response:
    refresh_raw = request.args.get("refresh", str(DEFAULT_REFRESH))
    sane = refresh_raw.isascii() and refresh_raw.isdigit() and len(refresh_raw) < 10
    refresh = int(refresh_raw) if sane else DEFAULT_REFRESH
    sections = collect(emulator)
    body = page(emulator, sections, refresh)
    response = Response(body, status=200, content_type="text/html; charset=utf-8")
    response.headers["Cache-Control"] = "no-store"
    return response


def collect(emulator: Emulator) -> list[tuple[str, str, Any]]:
    """``(anchor, title, data)`` for every section, read under the store lock.

    What changes while a test runs comes first (the last requests, the outbox), then the store.
    """
    store = emulator.store
    journal = emulator.journal.entries()
    shown = f"Last {MAX_ROWS} of {len(journal)} requests" if len(journal) > MAX_ROWS else ""
    sections: list[tuple[str, str, Any]] = [
        (
            "requests",
            shown or "Last requests",
            [
                {
                    "at": e.at,
                    "method": e.method,
                    "path": e.path + (f"?{e.query}" if e.query else ""),
                    "status": e.status,
                    "ms": e.duration_ms,
                    "endpoint": e.endpoint or ("unknown route" if e.unknown_route else ""),
                }
                for e in reversed(journal[-MAX_ROWS:])
            ],
        ),
        ("outbox", "Outbox", list(reversed(emulator.outbox.entries()))),
    ]
    with store.lock:
        users = {u.id: u for u in store.users.values()}
        sections.append(
            (
                "organizations",
                "Organizations",
                [
                    {
                        "id": o.id,
                        "name": o.name,
                        "slug": o.slug,
                        "projects": len(store.projects_of(o.id)),
                    }
                    for o in store.organizations.values()
                ],
            )
        )
        sections.append(
            (
                "projects",
                "Projects",
                [
                    {
                        "id": p.id,
                        "name": p.name,
                        "organization": p.organization,
                        "api_token": p.api_token,
                        "timezone": p.timezone,
                    }
                    for p in sorted(store.projects.values(), key=lambda p: p.id)
                ],
            )
        )
        sections.append(
            (
                "users",
                "Users",
                [
                    {"id": u.id, "email": u.email, "name": f"{u.first_name} {u.last_name}".strip()}
                    for u in sorted(users.values(), key=lambda u: u.id)
                ],
            )
        )
        sections.append(
            (
                "keys",
                "Personal API keys",
                [
                    {
                        "label": k.label,
                        "key": k.mask_value,
                        "user": users[k.user].email if k.user in users else k.user,
                        "scopes": " ".join(k.scopes),
                        "scoped_teams": k.scoped_teams,
                        "scoped_organizations": k.scoped_organizations,
                    }
                    for k in store.keys.values()
                ],
            )
        )
        for resource in emulator.resources:
            summary = (
                emulator.backend(resource.backend).inspect()
                if resource.backend is not None
                else None
            )
            if summary is not None:
                sections.append(
                    (f"{resource.name}-summary", f"{title(resource.name)}: summary", summary)
                )
            for section in resource.seed_sections:
                rows = (section.inspect or section.export)(emulator)
                sections.append((section.key, title(section.key), rows))
    return sections


def title(name: str) -> str:
    return name.replace("_", " ").capitalize()


def page(emulator: Emulator, sections: list[tuple[str, str, Any]], refresh: int) -> str:
    esc = html.escape
    now = format_datetime(emulator.clock.now()) or ""
    clock = "frozen" if emulator.clock.describe().get("frozen") else "real time"
    head = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="refresh" content="{refresh}">' if refresh > 0 else "",
        "<title>phemu inspector</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>phemu {esc(__version__)} inspector</h1>",
        f'<div class="meta">profile <b>{esc(emulator.profile)}</b> · clock {esc(now)} ({clock}) · '
        + (f"refreshes every {refresh}s" if refresh > 0 else "auto-refresh off")
        + "</div>",
        "<nav>" + "".join(f'<a href="#{esc(a)}">{esc(t)}</a>' for a, t, _ in sections) + "</nav>",
    ]
    parts = list(head)
    for anchor, heading, data in sections:
        count = f' <span class="count">({counts(data)})</span>' if isinstance(data, list) else ""
        long = isinstance(data, list) and len(data) > COLLAPSE_AT
        opened = "" if long and anchor not in ALWAYS_OPEN else " open"
        parts.append(
            f'<section id="{esc(anchor)}"><details{opened}>'
            f"<summary><h2>{esc(heading)}{count}</h2></summary>"
        )
        parts.append(render_value(data))
        parts.append("</details></section>")
    parts.append("</body></html>")
    return "\n".join(p for p in parts if p)


def counts(records: list[Any]) -> str:
    """``3`` or ``3 · project 1: 2, project 42: 1`` (session counts and the like per project)."""
    per_project: dict[Any, int] = {}
    for record in records:
        if isinstance(record, Mapping) and isinstance(record.get("project"), int):
            per_project[record["project"]] = per_project.get(record["project"], 0) + 1
    if not per_project:
        return str(len(records))
    detail = ", ".join(f"project {p}: {n}" for p, n in sorted(per_project.items()))
    return f"{len(records)} · {detail}"


def render_value(data: Any) -> str:
    """Lists of records become tables, mappings become key/value tables, the rest text."""
    if isinstance(data, list):
        if not data:
            return '<p class="empty">none</p>'
        if all(isinstance(item, Mapping) for item in data):
            return records_table(data)
        return "<p>" + html.escape(", ".join(cell(item) for item in data[:MAX_ROWS])) + "</p>"
    if isinstance(data, Mapping):
        rows = []
        for key, value in data.items():
            inner = (
                render_value(value)
                if isinstance(value, (list, Mapping))
                else html.escape(cell(value))
            )
            rows.append(f"<tr><th>{html.escape(str(key))}</th><td>{inner}</td></tr>")
        return "<table>" + "".join(rows) + "</table>"
    return f"<p>{html.escape(cell(data))}</p>"


def records_table(records: list[Any]) -> str:
    columns = choose_columns(records)
    esc = html.escape
    header = "".join(f"<th>{esc(c)}</th>" for c in columns)
    rows = []
    for record in records[:MAX_ROWS]:
        cells = []
        for column in columns:
            value = record.get(column)
            css = (
                f' class="s{value // 100}"' if column == "status" and isinstance(value, int) else ""
            )
            cells.append(f"<td{css}>{esc(cell(value))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    more = (
        f'<p class="empty">showing {MAX_ROWS} of {len(records)}</p>'
        if len(records) > MAX_ROWS
        else ""
    )
    return f"<table><tr>{header}</tr>{''.join(rows)}</table>{more}"


def choose_columns(records: Iterable[Mapping[str, Any]]) -> list[str]:
    seen: list[str] = []
    for record in records:
        for key in record:
            if key not in seen:
                seen.append(key)
    ordered = [c for c in PREFERRED if c in seen] + [c for c in seen if c not in PREFERRED]
    return ordered[:MAX_COLUMNS]


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        text = value
    elif isinstance(value, (bool, int, float)):
        text = str(value).lower() if isinstance(value, bool) else str(value)
    else:
        text = dumps(value).decode("utf-8")
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"
