"""``POST {prefix}/query/``: a thin handler over :func:`phemu.resources.query.models.run_query`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from werkzeug.wrappers import Response

from phemu.resources._base import json_response
from phemu.resources.query.models import run_query

if TYPE_CHECKING:
    from phemu.context import RequestContext


def create(ctx: RequestContext) -> Response:
    return json_response(run_query(ctx.emulator, ctx.project_id, ctx.body))
