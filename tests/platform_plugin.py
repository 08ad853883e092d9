"""A test-only plugin adding neutral "widget" routes, so platform rules are tested on their own.

The routes exercise every platform mechanism (nested prefixes, scopes, bodies, forbid-destroy,
pagination, a handler that crashes) without depending on any real resource.
"""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from phemu.context import RequestContext
from phemu.errors import NotFound
from phemu.extend import json_response
from phemu.fields import expect_object
from phemu.pagination import paginate_list
from phemu.plugin_manager import hookimpl
from phemu.routing import Route


def _collection(ctx: RequestContext) -> Response:
    items = [{"id": i} for i in range(1, int(ctx.query.get("n", "7")) + 1)]
    return json_response(paginate_list(ctx.request, items, lambda item: item))


def _create(ctx: RequestContext) -> Response:
    data: Any = expect_object(ctx.body)
    return json_response({"project": ctx.project_id, "received": data}, status=201)


def _detail(ctx: RequestContext) -> Response:
    pk = ctx.path_values["pk"]
    if not pk.isdigit() or int(pk) > 7:
        raise NotFound()
    return json_response({"id": int(pk), "project": ctx.project_id, "prefix": ctx.prefix})


def _boom(ctx: RequestContext) -> Response:
    raise RuntimeError("widget exploded")


ROUTES = [
    Route("/widgets/", "widgets.collection", {"GET": _collection, "POST": _create}, "widget"),
    Route(
        "/widgets/<pk>/",
        "widgets.detail",
        {"GET": _detail, "PATCH": _detail},
        "widget",
        forbid_destroy=True,
    ),
    Route("/jsononly/", "widgets.jsononly", {"POST": _create}, "widget", json_only=True),
    Route("/boom/", "widgets.boom", {"GET": _boom}, "widget"),
]


class WidgetPlugin:
    @hookimpl
    def phemu_routes(self, profile: str) -> list[Route]:
        return ROUTES
