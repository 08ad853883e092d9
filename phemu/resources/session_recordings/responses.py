"""``POST {prefix}/session_recordings/ai/filters/`` and ``.../ai/regex/`` (``docs/ai.md``).

Both routes take ``session_recording:read`` even for POST in the ``docs`` profile. In ``cloud``
the platform does the rest (``Route.cloud``): ``ai/filters`` does not exist (404 before
authentication) and ``ai/regex`` refuses every personal API key (403). After the platform checks
the handler validates the body as PostHog does (``rules.py``), asks the responders
(:mod:`phemu.ai`) and sends their answer once it passes the strict schema.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from phemu.ai import ask
from phemu.ai import interpret
from phemu.resources._base import json_response
from phemu.resources.session_recordings.rules import parse_messages
from phemu.resources.session_recordings.rules import parse_regex_request

if TYPE_CHECKING:
    from werkzeug.wrappers import Response

    from phemu.context import RequestContext


def filters(ctx: RequestContext) -> Response:
    messages = parse_messages(ctx.body)
    answer = ask(ctx, "phemu_ai_filters", messages=messages)
    return json_response(interpret(ctx, "filters", answer))


def regex(ctx: RequestContext) -> Response:
    description, engine = parse_regex_request(ctx.body)
    answer = ask(ctx, "phemu_ai_regex", description=description, engine=engine)
    return json_response(interpret(ctx, "regex", answer))
