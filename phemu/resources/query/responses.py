"""``POST {prefix}/query/``: a thin handler over the query backend (``models.py``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from werkzeug.wrappers import Response

from phemu.resources._base import json_response
from phemu.resources.query.models import QueryBackend

if TYPE_CHECKING:
    from phemu.context import RequestContext


def create(ctx: RequestContext) -> Response:
    query = QueryBackend.of(ctx.emulator)
    return json_response(query.run(ctx.body, project=ctx.project_id))
