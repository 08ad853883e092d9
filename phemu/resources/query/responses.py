"""``{prefix}/query/`` handlers: thin wrappers over :mod:`phemu.resources.query.models`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from werkzeug.wrappers import Response

from phemu.resources._base import json_response
from phemu.resources.query.models import cancel_query
from phemu.resources.query.models import query_status
from phemu.resources.query.models import run_query

if TYPE_CHECKING:
    from phemu.context import RequestContext


def create(ctx: RequestContext) -> Response:
    answer = run_query(ctx.emulator, ctx.project_id, ctx.body)
    pending = answer.get("query_status") if len(answer) == 1 else None
    return json_response(answer, 202 if pending and not pending["complete"] else 200)


def retrieve(ctx: RequestContext) -> Response:
    """``QueryViewSet.retrieve``: 200 when complete, 400 for an error it may show, else 500."""
    status = query_status(ctx.emulator, ctx.project_id, ctx.path_values["id"])
    code = 202
    if status["error"] and status["complete"]:
        code = 400 if status["error_message"] else 500
    elif status["complete"]:
        code = 200
    return json_response({"query_status": status}, code)


def destroy(ctx: RequestContext) -> Response:
    dequeue_only = ctx.query.get("dequeue_only") == "true"
    message = cancel_query(
        ctx.emulator, ctx.project_id, ctx.path_values["id"], dequeue_only=dequeue_only
    )
    return json_response({"message": message})
