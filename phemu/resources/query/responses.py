"""``{prefix}/query/`` handlers: thin wrappers over the query backend (``models.py``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from werkzeug.wrappers import Response

from phemu.resources._base import json_response
from phemu.resources.query.models import QueryBackend

if TYPE_CHECKING:
    from phemu.context import RequestContext


def create(ctx: RequestContext) -> Response:
    answer = QueryBackend.of(ctx.emulator).run(ctx.body, project=ctx.project_id)
    pending = answer.get("query_status") if len(answer) == 1 else None
    return json_response(answer, 202 if pending and not pending["complete"] else 200)


def retrieve(ctx: RequestContext) -> Response:
    """``QueryViewSet.retrieve``: 200 when complete, 400 for an error it may show, else 500."""
    query = QueryBackend.of(ctx.emulator)
    status = query.status(ctx.path_values["id"], project=ctx.project_id)
    code = 202
    if status["error"] and status["complete"]:
        code = 400 if status["error_message"] else 500
    elif status["complete"]:
        code = 200
    return json_response({"query_status": status}, code)


def destroy(ctx: RequestContext) -> Response:
    query = QueryBackend.of(ctx.emulator)
    dequeue_only = ctx.query.get("dequeue_only") == "true"
    message = query.cancel(ctx.path_values["id"], project=ctx.project_id, dequeue_only=dequeue_only)
    return json_response({"message": message})
