"""A test-only plugin whose routes show what a front door delivered to the app.

``/echo/`` answers with the method, path, query, selected headers and body it received;
``/items/`` is a paginated list of ``n`` items (for link-host checks); ``/crash/`` raises.
"""

from __future__ import annotations

from werkzeug.wrappers import Response

from phemu.context import RequestContext
from phemu.extend import json_response
from phemu.pagination import paginate_list
from phemu.plugin_manager import hookimpl
from phemu.routing import Route


def _echo(ctx: RequestContext) -> Response:
    request = ctx.request
    return json_response(
        {
            "method": request.method,
            "path": request.path,
            "query": request.query_string.decode("latin-1"),
            "host": request.host,
            "content_type": request.headers.get("Content-Type"),
            "x_custom": request.headers.get("X-Custom"),
            "body": request.get_data(as_text=True),
            "created_at": ctx.now.isoformat(),
        },
        headers={"X-Echo": "1"},
    )


def _items(ctx: RequestContext) -> Response:
    items = [{"id": i} for i in range(1, int(ctx.query.get("n", "5")) + 1)]
    return json_response(paginate_list(ctx.request, items, lambda item: item))


def _crash(ctx: RequestContext) -> Response:
    raise RuntimeError("door test crash")


HANDLERS = {m: _echo for m in ("GET", "POST", "PUT", "PATCH", "DELETE")}

ROUTES = [
    Route("/echo/", "doors.echo", HANDLERS, "project"),
    Route("/items/", "doors.items", {"GET": _items}, "project"),
    Route("/crash/", "doors.crash", {"GET": _crash}, "project"),
]


class DoorsPlugin:
    @hookimpl
    def phemu_routes(self, profile: str) -> list[Route]:
        return ROUTES
