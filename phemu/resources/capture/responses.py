"""The capture doors (``/batch/``, ``/e/``, ``/i/v0/e/``, ``/capture/``, ``/track/``).

Capture authenticates nothing beyond the token's shape (``rust/capture/src/token.rs``): a
well-formed token that names no project is answered 200 and its events are dropped, as PostHog
drops them later in its pipeline.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from werkzeug.wrappers import Response

from phemu.resources._base import json_response

if TYPE_CHECKING:
    from phemu.context import RequestContext
    from phemu.store import Project
    from phemu.store import Store

#: ``CaptureResponse { status: CaptureResponseCode::Ok }`` as serde writes it.
OK_BODY = {"status": "Ok"}


def project_for_token(store: Store, token: str) -> Project | None:
    for project in store.projects.values():
        if project.api_token == token:
            return project
    return None


def capture(ctx: RequestContext) -> Response:
    # The decoders (gzip, lz64, base64 forms) are imported by the first capture, not with the
    # engine.
    from phemu.resources.capture.decoding import decode

    request = ctx.request
    batch = decode(
        request.get_data(cache=True),
        content_type=request.headers.get("Content-Type", ""),
        query=request.args,
        content_encoding=request.headers.get("Content-Encoding", ""),
    )
    project = project_for_token(ctx.store, batch.token)
    if project is not None:
        ctx.emulator.events.ingest(project.id, batch.events)
    return json_response(OK_BODY)


def options(ctx: RequestContext) -> Response:
    """CORS preflight: capture's ``options`` handler answers OK."""
    return json_response(OK_BODY)
