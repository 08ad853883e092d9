"""``POST {prefix}/session_recordings/ai/filters/`` and ``.../ai/regex/`` (ai.md).

Both routes take ``session_recording:read`` even for POST in the ``docs`` profile. In ``cloud``
the platform does the rest (``Route.cloud``): ``ai/filters`` does not exist (404 before
authentication) and ``ai/regex`` refuses every personal API key (403). After the platform checks
the handler validates the body as PostHog does, asks the responders (:mod:`phemu.ai`) and sends
their answer once it passes the strict schema.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from typing import Any

from phemu.ai import ask
from phemu.ai import interpret
from phemu.context import FormBody
from phemu.errors import Msg
from phemu.errors import ServerError
from phemu.errors import ValidationError
from phemu.fields import MISSING
from phemu.fields import expect_object
from phemu.fields import parse_choice
from phemu.fields import parse_text
from phemu.fields import require
from phemu.resources._base import Resource
from phemu.resources._base import json_response
from phemu.routing import Route

if TYPE_CHECKING:
    from werkzeug.wrappers import Response

    from phemu.context import RequestContext

ROLES = ("user", "assistant")
ENGINE_RE2 = "re2"
ENGINE_JAVASCRIPT = "javascript"
_WHITESPACE = re.compile(r"\s+")
_HTML_LIST_KEY = re.compile(r"^messages\[([0-9]+)\](.*)$")


# -- ai/filters ------------------------------------------------------------------------------
def parse_messages(body: Any) -> list[dict[str, str]]:
    """The ``messages`` list as PostHog's serializer validates it (ai.md §2.1, first error wins).

    Each item keeps only ``role`` and ``content`` (content trimmed, as DRF's ``CharField``
    does); other keys are ignored.
    """
    data = expect_object(body)
    raw = _messages_value(data)
    if raw is MISSING:
        raise ValidationError(Msg.REQUIRED, code="required", attr="messages")
    if raw is None:
        raise ValidationError(Msg.NULL, code="null", attr="messages")
    if not isinstance(raw, list):
        kind = type(raw).__name__
        raise ValidationError(Msg.NOT_A_LIST.format(type=kind), code="not_a_list", attr="messages")
    return [_parse_message(item, index) for index, item in enumerate(raw)]


def _messages_value(data: dict[str, Any]) -> Any:
    """JSON: the value. Forms: repeated ``messages`` keys, else DRF's ``messages[0]role`` keys."""
    if not isinstance(data, FormBody):
        return data.get("messages", MISSING)
    repeated = data.getlist("messages")
    if repeated:
        return repeated
    items: dict[int, Any] = {}
    for key, value in data.multi.items(multi=True):
        match = _HTML_LIST_KEY.match(key)
        if match is None:
            continue
        index, field_name = int(match.group(1)), match.group(2)
        if not field_name:
            items[index] = value
        elif isinstance(items.get(index), dict):
            items[index][field_name] = value
        else:
            items[index] = {field_name: value}
    return [items[i] for i in sorted(items)] if items else MISSING


def _parse_message(item: Any, index: int) -> dict[str, str]:
    where = f"messages__{index}"
    if item is None:  # DRF's run_validation refuses null before looking at the type
        raise ValidationError(Msg.NULL, code="null", attr=where)
    if not isinstance(item, dict):
        detail = Msg.EXPECTED_DICT.format(type=type(item).__name__)
        raise ValidationError(detail, code="invalid", attr=where)
    try:
        role = parse_choice(require(item, "role"), "role", ROLES)
        content = parse_text(require(item, "content"), "content")
    except ValidationError as error:
        raise error.nested(where) from None
    return {"role": role, "content": content}


def filters(ctx: RequestContext) -> Response:
    messages = parse_messages(ctx.body)
    answer = ask(ctx, "phemu_ai_filters", messages=messages)
    return json_response(interpret(ctx, "filters", answer))


# -- ai/regex --------------------------------------------------------------------------------
def parse_regex_request(body: Any) -> tuple[str, str]:
    """``(description, engine)`` (ai.md §3.1).

    PostHog's view (``posthog/session_recordings/session_recording_api.py``, ``ai_regex``) tests
    ``"regex" not in request.data`` and then indexes ``request.data["regex"]``, with Python's
    semantics on whatever JSON value the body is: a string or list without ``"regex"`` is a
    400, ``null``/numbers/booleans (no ``in``) and strings or lists *containing* ``"regex"`` (no
    ``["regex"]``) raise TypeError, PostHog's 500. A non-string value then fails the whitespace
    clean-up, also a 500. These 500s are deliberate, not phemu bugs.
    """
    if isinstance(body, (str, list)):
        if "regex" in body:
            raise ServerError()
        raise ValidationError(Msg.MISSING_REGEX)
    if not isinstance(body, dict):
        raise ServerError()
    if "regex" not in body:
        raise ValidationError(Msg.MISSING_REGEX)
    raw = body["regex"]
    if not isinstance(raw, str):
        raise ServerError()
    description = _WHITESPACE.sub(" ", raw).strip()
    engine = ENGINE_RE2 if body.get("engine") == ENGINE_RE2 else ENGINE_JAVASCRIPT
    return description, engine


def regex(ctx: RequestContext) -> Response:
    description, engine = parse_regex_request(ctx.body)
    answer = ask(ctx, "phemu_ai_regex", description=description, engine=engine)
    return json_response(interpret(ctx, "regex", answer))


# -- routes ----------------------------------------------------------------------------------
def _route(action: str, handler: Any, cloud: Any, description: str) -> Route:
    return Route(
        f"/session_recordings/ai/{action}/",
        f"session_recordings.ai_{action}",
        {"POST": handler},
        "session_recording",
        read_methods=frozenset({"POST"}),
        throttle="clickhouse",
        cloud=cloud,
        name="Session Recording",
        description=description,
    )


RESOURCE = Resource(
    name="session_recordings",
    routes=(
        _route(
            "filters",
            filters,
            "absent",
            "Generate session recording filters using AI. This is in development and likely to "
            "change, you should not depend on this API.",
        ),
        _route(
            "regex",
            regex,
            "refuse_keys",
            "Generate regex patterns using AI. This is in development and likely to change, you "
            "should not depend on this API.",
        ),
    ),
)
