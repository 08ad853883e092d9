"""Request rules of the session-recording AI endpoints (``docs/ai.md``): PostHog's
``messages`` serializer for ``ai/filters`` and the ``regex`` body check of ``ai/regex``."""

from __future__ import annotations

import re
from typing import Any

from phemu.context import FormBody
from phemu.errors import Msg
from phemu.errors import ServerError
from phemu.errors import ValidationError
from phemu.fields import MISSING
from phemu.fields import expect_object
from phemu.fields import parse_choice
from phemu.fields import parse_text
from phemu.fields import require

ROLES = ("user", "assistant")
ENGINE_RE2 = "re2"
ENGINE_JAVASCRIPT = "javascript"
_WHITESPACE = re.compile(r"\s+")


# -- ai/filters ------------------------------------------------------------------------------
def parse_messages(body: Any) -> list[dict[str, str]]:
    """The ``messages`` list as PostHog's serializer validates it (first error wins).

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
    return data.getlist("messages") or MISSING


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


# -- ai/regex --------------------------------------------------------------------------------
def parse_regex_request(body: Any) -> tuple[str, str]:
    """``(description, engine)`` .

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
