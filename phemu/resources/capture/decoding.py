"""Turning a capture request into events, as PostHog's capture service reads it.

Steps of ``rust/capture/src/payload/decompression.rs`` and ``v0_request.rs``: a form body's ``data``
field is the payload; gzip when ``compression=gzip``/``gzip-js`` or when the bytes start with the
gzip magic number (which also covers ``Content-Encoding: gzip``); lz-string for ``lz64``; otherwise
UTF-8 text, base64-decoded once more when it still looks like base64. The JSON is one event, a list
of events, or ``{"batch": [...]}``; the token (``api_key``/``token``/``$token``, or
``properties.token``) must be one and well formed (``token.rs``).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import gzip
import json
import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from phemu.errors import CaptureError
from phemu.errors import Msg
from phemu.serialization import find_bad_text
from phemu.serialization import lone_surrogate

_GZIP_MAGIC = b"\x1f\x8b"
_BASE64 = re.compile(rb"[A-Za-z0-9+/\r\n]+={0,2}")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
#: Token problems of rust/capture/src/token.rs, in its order.
_TOKEN_LIMIT = 64


@dataclass(frozen=True, slots=True)
class CaptureBatch:
    token: str
    events: list[dict[str, Any]]
    historical_migration: bool = False


def decode(
    body: bytes, *, content_type: str, query: Mapping[str, str], content_encoding: str = ""
) -> CaptureBatch:
    """The events and token of one capture request, or :class:`CaptureError`."""
    compression = (query.get("compression") or "").lower()
    payload = body
    if content_type.split(";", 1)[0].strip().lower() == "application/x-www-form-urlencoded":
        form = parse_qs(body.decode("latin-1"), keep_blank_values=True)
        data = form.get("data", [""])[-1]
        compression = (form.get("compression", [compression])[-1] or compression).lower()
        payload = data.encode("latin-1")
        if not payload:
            raise CaptureError(400, Msg.CAPTURE_EMPTY_BATCH)
    elif not payload and "data" in query:
        payload = query["data"].encode("latin-1")
    text = decompress(payload, compression, content_encoding)
    try:
        parsed = json.loads(text)
    except ValueError as error:  # JSONDecodeError, and integers beyond Python's digit limit
        raise CaptureError(400, Msg.CAPTURE_PARSE.format(error=error)) from None
    except RecursionError:
        # serde_json stops at 128 levels of nesting with a parse error.
        raise CaptureError(
            400, Msg.CAPTURE_PARSE.format(error="recursion limit exceeded")
        ) from None
    if _may_hold_surrogate(text) and find_bad_text(parsed, nul=False) is not None:
        # serde_json refuses a "\ud800" escape that is not half of a pair when it reads a
        # string (Python's json.loads keeps it, and nothing could save it afterwards).
        raise CaptureError(400, Msg.CAPTURE_PARSE.format(error=Msg.CAPTURE_LONE_SURROGATE))
    return _events_of(parsed)


def _may_hold_surrogate(text: str) -> bool:
    """Whether the parsed text can hold a lone surrogate: only a ``\ud800``-``\udfff``
    escape or a surrogate in the text itself makes one, so one C-speed scan of the text spares
    the walk over every parsed value (most of a batch's decoding time) for ordinary bodies."""
    return _SURROGATE_ESCAPE.search(text) is not None or lone_surrogate(text) is not None


def decompress(payload: bytes, compression: str, content_encoding: str) -> str:
    if (
        compression in ("gzip", "gzip-js")
        or payload.startswith(_GZIP_MAGIC)
        or (content_encoding.lower() == "gzip")
    ):
        try:
            payload = gzip.decompress(payload)
        except (OSError, EOFError, zlib.error):
            raise CaptureError(400, Msg.CAPTURE_DECODE.format(error="invalid GZIP data")) from None
    elif compression == "lz64":
        raise CaptureError(400, Msg.CAPTURE_DECODE.format(error=Msg.CAPTURE_LZ64_UNSUPPORTED))
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError:
        raise CaptureError(
            400, Msg.CAPTURE_DECODE.format(error="invalid UTF8 in request payload")
        ) from None
    stripped = text.strip().encode("ascii", "ignore")
    if stripped and not text.lstrip().startswith(("{", "[")) and _BASE64.fullmatch(stripped):
        with contextlib.suppress(binascii.Error, UnicodeDecodeError):
            text = base64.b64decode(stripped, validate=False).decode("utf-8")
    return text


def _events_of(parsed: Any) -> CaptureBatch:
    batch_token: Any = None
    historical = False
    if isinstance(parsed, dict) and "batch" in parsed:
        raw_events = parsed.get("batch")
        batch_token = parsed.get("api_key") or parsed.get("token")
        historical = parsed.get("historical_migration") is True
        sent_at = parsed.get("sent_at")
        if not isinstance(raw_events, list):
            raise CaptureError(400, Msg.CAPTURE_PARSE.format(error="batch is not a list"))
        raw_events = [
            {**e, "sent_at": e.get("sent_at", sent_at)} if isinstance(e, dict) else e
            for e in raw_events
        ]
    elif isinstance(parsed, list):
        raw_events = parsed
    elif isinstance(parsed, dict):
        raw_events = [parsed]
    else:
        raise CaptureError(400, Msg.CAPTURE_PARSE.format(error="expected an event or a batch"))
    events = [e for e in raw_events if e is not None]
    if not events:
        raise CaptureError(400, Msg.CAPTURE_EMPTY_BATCH)
    if not all(isinstance(e, dict) for e in events):
        raise CaptureError(400, Msg.CAPTURE_PARSE.format(error="an event is not an object"))
    tokens = {t for t in (_token_of(e) for e in events) if t is not None}
    if batch_token is not None:
        tokens.add(batch_token)
    if not tokens:
        raise CaptureError(401, Msg.CAPTURE_NO_TOKEN)
    if len(tokens) > 1:
        raise CaptureError(401, Msg.CAPTURE_MULTIPLE_TOKENS)
    token = _valid_token(tokens.pop())
    return CaptureBatch(token, [_normalise(e) for e in events], historical)


def _token_of(event: Mapping[str, Any]) -> Any:
    for name in ("api_key", "token", "$token"):
        if event.get(name) is not None:
            return event[name]
    properties = event.get("properties")
    if isinstance(properties, Mapping) and properties.get("token") is not None:
        return properties["token"]
    return None


def _valid_token(token: Any) -> str:
    text = token.strip() if isinstance(token, str) else ""
    reason = None
    if not text:
        reason = "empty"
    elif len(text) > _TOKEN_LIMIT:
        reason = "too_long"
    elif not text.isascii():
        reason = "not_ascii"
    elif text.startswith("phx_"):
        reason = "personal_api_key"
    elif "\0" in text:
        reason = "null_byte"
    if reason is not None:
        raise CaptureError(401, Msg.CAPTURE_INVALID_TOKEN.format(reason=reason))
    return text


def _normalise(event: Mapping[str, Any]) -> dict[str, Any]:
    """One event with its name and distinct id checked and top-level ``$set`` folded in.

    PostHog's ingestion moves a top-level ``$set`` / ``$set_once`` (the Python SDK's ``set()``)
    into ``properties`` (``plugin-server/src/utils/event.ts``, ``normalizeEvent``).
    """
    name = event.get("event")
    if not isinstance(name, str) or not name:
        raise CaptureError(400, Msg.CAPTURE_MISSING_EVENT_NAME)
    properties = event.get("properties")
    properties = dict(properties) if isinstance(properties, Mapping) else {}
    distinct_id = event.get("distinct_id", properties.get("distinct_id"))
    if distinct_id is None:
        distinct_id = event.get("$distinct_id")
    if distinct_id is None:
        raise CaptureError(400, Msg.CAPTURE_MISSING_DISTINCT_ID)
    distinct_text = distinct_id if isinstance(distinct_id, str) else json.dumps(distinct_id)
    if not distinct_text.strip():
        raise CaptureError(400, Msg.CAPTURE_EMPTY_DISTINCT_ID)
    for key in ("$set", "$set_once"):
        top = event.get(key)
        if isinstance(top, Mapping):
            inner = properties.get(key)
            properties[key] = {**(inner if isinstance(inner, Mapping) else {}), **top}
    return {
        "event": name,
        "distinct_id": distinct_text,
        "properties": properties,
        "uuid": event.get("uuid"),
        "timestamp": event.get("timestamp"),
        "sent_at": event.get("sent_at"),
        "offset": event.get("offset"),
    }
