"""Where phemu (like PostHog) answers outside PostHog's published schema, with the evidence.

PostHog's OpenAPI document is drf-spectacular output: it lists each operation's success status
only, so every error PostHog returns is "undocumented" for schemathesis, and the serializer's
rules are stricter (or more lenient) than the JSON schema can say. Each entry below quotes the
rule from phemu's own docs, which name the PostHog code it comes from; :func:`explain_rejection`
accepts a schemathesis failure only when the response matches one of them exactly. Anything
else fails the contract test.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from phemu.serialization import bad_character
from phemu.serialization import lone_surrogate
from tests.contract.routes import is_posthog_error


@dataclass(frozen=True)
class Deviation:
    """Why a schemathesis failure is PostHog's behaviour: ``quote`` is a sentence of ``doc`` (one
    of phemu's own docs) and ``source`` the code it comes from, which ``doc`` also names: a path
    in PostHog's code or in a library PostHog runs (DRF, drf-exceptions-hog), never read."""

    title: str
    doc: str
    quote: str
    source: str


CONTRACT = "docs/contract.md"
SUBSCRIPTION_API = "ee/api/subscription.py"

DEVIATIONS: dict[str, Deviation] = {
    "error-statuses-undocumented": Deviation(
        "PostHog's schema documents success statuses only; errors are PostHog's error JSON",
        CONTRACT,
        "Every error except the empty-body DELETE 405 has exactly this body",
        "exceptions_hog/handler.py",
    ),
    "interval-below-1": Deviation(
        "`interval` below 1 is schema-valid but rejected",
        CONTRACT,
        "`min_value`: `Ensure this value is greater than or equal to 1.`",
        SUBSCRIPTION_API,
    ),
    "webhook-url": Deviation(
        "webhook URLs are checked (no local or private hosts)",
        CONTRACT,
        "a webhook URL pointing at `localhost`); contract tests must expect those 400s.",
        "posthog/security/url_validation.py",
    ),
    "related-object-missing": Deviation(
        "`insight`/`dashboard` must name a live object of the project",
        CONTRACT,
        '`does_not_exist`: `Invalid pk "999" - object does not exist.`',
        SUBSCRIPTION_API,
    ),
    "resource-required": Deviation(
        "a PATCH with an empty body fails PostHog's `if not self.initial_data` check",
        "docs/subscriptions.md",
        "only a `PATCH` with an empty body reaches it",
        SUBSCRIPTION_API,
    ),
    "blank-text": Deviation(
        "`target_value` is trimmed and may not be blank",
        CONTRACT,
        "`blank`: `This field may not be blank.` (`target_value` empty after trimming)",
        SUBSCRIPTION_API,
    ),
    "datetime-format": Deviation(
        "DRF's datetime parser accepts ISO 8601 only in its own forms",
        CONTRACT,
        "`invalid_input`: `Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].`",
        SUBSCRIPTION_API,
    ),
    "bysetpos-500": Deviation(
        "`bysetpos` 0 or beyond ±366 with weekdays fails inside PostHog",
        "docs/subscriptions.md",
        "With a non-empty `byweekday`, `bysetpos` 0 or beyond ±366 answers PostHog's 500",
        "posthog/models/subscription.py",
    ),
    "delete-405": Deviation(
        "DELETE is documented with 405 only; schemathesis still expects a 2xx for valid input",
        "docs/subscriptions.md",
        "405, empty body, no `Content-Type`, after the `subscription:write` check",
        "posthog/api/forbid_destroy_model.py",
    ),
    "sessions-values-key": Deviation(
        "`sessions/values` needs `key`, which the schema does not document",
        "docs/sessions.md",
        "| missing or empty `key` | 400 `Key not provided` |",
        "posthog/api/session.py",
    ),
    "pk-text-beyond-bigint": Deviation(
        "a form-encoded id of 19+ digits is not an id PostHog's bigint keys can hold; phemu's shared "
        "`parse_pk` reports it as text (incorrect_type), as for any non-id string",
        CONTRACT,
        "`incorrect_type`: `Incorrect type. Expected pk value, received str.` (`bool`, `str`, `list`, `dict`)",
        SUBSCRIPTION_API,
    ),
    "ai-regex-500": Deviation(
        "a non-string `regex` makes PostHog fail while normalising whitespace",
        "docs/ai.md",
        "a non-string `regex` value fails the whitespace clean-up",
        "posthog/session_recordings/session_recording_api.py",
    ),
    "ai-regex-body-type-error": Deviation(
        "a JSON body that is not an object makes PostHog's `in` test or its indexing raise TypeError",
        "docs/ai.md",
        "strings or lists that do contain `regex`",
        "posthog/session_recordings/session_recording_api.py",
    ),
    "ai-engine-unvalidated": Deviation(
        "`engine` is never validated; only the presence of `regex` is checked",
        "docs/ai.md",
        "anything else, or none, is `javascript`: `engine` is never validated.",
        "posthog/session_recordings/session_recording_api.py",
    ),
    "form-null": Deviation(
        "a form body cannot carry JSON null: the text sent for it is read per field and fails",
        CONTRACT,
        "values are strings and are coerced per field",
        "rest_framework/parsers.py",
    ),
    "drf-lenient-input": Deviation(
        "DRF coerces values the JSON schema calls invalid, and ignores unknown and read-only keys",
        CONTRACT,
        'integers, integral floats (`2.0`), digit strings (`"2"`)',
        SUBSCRIPTION_API,
    ),
    "pagination-lenient": Deviation(
        "invalid `limit`/`offset` fall back to defaults instead of failing",
        CONTRACT,
        "`limit`: a positive integer; missing, `0`, negative or not an integer → 100.",
        "rest_framework/pagination.py",
    ),
    "text-postgres-refuses": Deviation(
        "text fields refuse NUL and lone surrogates with DRF's CharField validators (PostHog's "
        "database could not store them); the schema cannot say so",
        "docs/architecture.md",
        '`400 null_characters_not_allowed` "Null characters are not allowed."',
        "rest_framework/validators.py",
    ),
    "error-echoes-surrogate": Deviation(
        "an error detail echoing a lone surrogate (an invalid choice) cannot be rendered",
        "docs/architecture.md",
        "DRF's `JSONRenderer` encodes its output as UTF-8, fails on the surrogate, and PostHog "
        "answers 500 instead of the 400",
        "rest_framework/renderers.py",
    ),
    "sessions-no-response-body": Deviation(
        'sessions endpoints are documented as "No response body" but answer JSON',
        "docs/sessions.md",
        'documents both as "200 No response body"',
        "posthog/api/session.py",
    ),
}

#: 400 bodies explained by a deviation: (code, attr, detail regex) -> deviation id
REJECTIONS: list[tuple[str, str | None, str, str]] = [
    (
        "min_value",
        "interval",
        r"Ensure this value is greater than or equal to 1\.",
        "interval-below-1",
    ),
    ("invalid_input", "target_value", r"Invalid webhook URL: .+", "webhook-url"),
    (
        "does_not_exist",
        "insight",
        r'Invalid pk ".*" - object does not exist\.',
        "related-object-missing",
    ),
    (
        "does_not_exist",
        "dashboard",
        r'Invalid pk ".*" - object does not exist\.',
        "related-object-missing",
    ),
    (
        "invalid_input",
        None,
        r"Either dashboard or insight is required for an export\.",
        "resource-required",
    ),
    ("blank", "target_value", r"This field may not be blank\.", "blank-text"),
    ("invalid_input", "start_date", r"Datetime has wrong format\..*", "datetime-format"),
    ("invalid_input", "until_date", r"Datetime has wrong format\..*", "datetime-format"),
]

SERVER_ERROR = {
    "type": "server_error",
    "code": "error",
    "detail": "A server error occurred.",
    "attr": None,
}


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return None


#: DRF's CharField validators (docs/architecture.md, "Text PostHog cannot store").
TEXT_REFUSALS = {
    "null_characters_not_allowed": r"Null characters are not allowed\.",
    "surrogate_characters_not_allowed": r"Surrogate characters are not allowed: U\+D[89A-F][0-9A-F]{2}\.",
}
#: Choice fields, whose invalid_choice message echoes the value sent.
CHOICE_FIELDS = frozenset({"target_type", "frequency", "byweekday", "role"})


def value_at(sent: Any, attr: str | None) -> Any:
    """The value an error's ``attr`` (``messages__9__content``) names in the request body."""
    value = sent
    for step in (attr or "").split("__"):
        if isinstance(value, dict) and step in value:
            value = value[step]
        elif isinstance(value, list) and step.isdigit() and int(step) < len(value):
            value = value[int(step)]
        else:
            return None
    return value


def echoes_lone_surrogate(sent: Any) -> bool:
    """A choice field of the body holds a lone surrogate, which its error message echoes."""
    if isinstance(sent, list):
        return any(echoes_lone_surrogate(item) for item in sent)
    if not isinstance(sent, dict):
        return False
    for key, value in sent.items():
        values = value if isinstance(value, list) else [value]
        if key in CHOICE_FIELDS and any(
            isinstance(v, str) and lone_surrogate(v) is not None for v in values
        ):
            return True
        if isinstance(value, (dict, list)) and echoes_lone_surrogate(value):
            return True
    return False


def explain_rejection(raw: bytes, sent: Any = None, method: str = "POST") -> str | None:
    """The deviation behind a 400 for schema-valid input, checked against what was sent: the
    error must match a documented rule *and* that rule must apply to the request body (on
    PUT/PATCH the stored object takes part, so only the field's presence is required there)."""
    body = _json(raw)
    if not is_posthog_error(raw):
        return None
    pattern = TEXT_REFUSALS.get(body["code"])
    if pattern is not None and re.fullmatch(pattern, body["detail"]):
        value = value_at(sent, body["attr"])
        text = str(value) if isinstance(value, (str, int, float)) else ""
        return "text-postgres-refuses" if bad_character(text, nul=True) else None
    for code, attr, pattern, deviation in REJECTIONS:
        if (
            body["code"] == code
            and body["attr"] == attr
            and re.fullmatch(pattern, body["detail"], re.S)
            and rule_applies(deviation, attr, sent if isinstance(sent, dict) else {}, method)
        ):
            return deviation
    return None


def rule_applies(deviation: str, attr: str | None, sent: dict[str, Any], method: str) -> bool:
    creating = method.upper() == "POST"
    if deviation == "interval-below-1":
        value = _coerce(sent.get("interval"), {"type": "integer"}, {})
        return isinstance(value, int) and value < 1
    if deviation == "blank-text":
        value = sent.get("target_value")
        return isinstance(value, (str, int, float)) and str(value).strip() == ""
    if deviation == "resource-required":
        return method.upper() == "PATCH" and not sent
    if deviation == "webhook-url":
        return sent.get("target_type") == "webhook" or (not creating and "target_value" in sent)
    return attr is not None and attr in sent


def regex_body_crashes(body: Any) -> bool:
    """Whether PostHog's ``ai_regex`` view (``posthog/session_recordings/session_recording_api.py``)
    raises on this parsed JSON body: ``"regex" not in body`` then ``body["regex"]`` with Python's
    semantics, then the whitespace clean-up of a non-string value (docs/ai.md)."""
    if isinstance(body, dict):
        return "regex" in body and not isinstance(body["regex"], str)
    if isinstance(body, (str, list)):
        return "regex" in body
    return True  # null, numbers, booleans: ``in`` itself raises


def bysetpos_breaks_rule(body: Any) -> bool:
    """The body carries weekdays and a ``bysetpos`` rrule rejects (docs/subscriptions.md, "Quirks
    kept on purpose")."""
    if not isinstance(body, dict):
        return False
    days, pos = body.get("byweekday"), body.get("bysetpos")
    if not days or isinstance(pos, bool):
        return False
    try:
        value = int(pos)
    except (TypeError, ValueError):
        return False
    return value == 0 or abs(value) > 366


# -- DRF's leniency: what the serializer turns into schema-valid data ---------------------------

_TRUE = {"t", "true", "y", "yes", "on", "1"}
_FALSE = {"f", "false", "n", "no", "off", "0"}
_MISSING = object()


def _resolve(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema or ("allOf" in schema and len(schema["allOf"]) == 1):
        if "$ref" in schema:
            schema = {
                **components[schema["$ref"].rsplit("/", 1)[1]],
                **{k: v for k, v in schema.items() if k != "$ref"},
            }
        else:
            schema = {
                **_resolve(schema["allOf"][0], components),
                **{k: v for k, v in schema.items() if k != "allOf"},
            }
    return schema


def _coerce(value: Any, schema: dict[str, Any], components: dict[str, Any]) -> Any:
    """``value`` as DRF's field would read it, or ``_MISSING`` when DRF rejects it."""
    schema = _resolve(schema, components)
    if value is None:
        return None if schema.get("nullable") else _MISSING
    kind = schema.get("type")
    if "enum" in schema:
        text = value if isinstance(value, str) else None
        return text if text in schema["enum"] else _MISSING
    if kind == "integer":
        if isinstance(value, bool):
            return _MISSING
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, str) and re.fullmatch(r"\s*-?[0-9]+(\.0*)?\s*", value):
            value = int(float(value)) if "." in value else int(value)
        if not isinstance(value, int):
            return _MISSING
        low, high = schema.get("minimum"), schema.get("maximum")
        if (low is not None and value < low) or (high is not None and value > high):
            return _MISSING
        return value
    if kind == "string":
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            return _MISSING
        text = str(value).strip()
        limit = schema.get("maxLength")
        return _MISSING if limit is not None and len(text) > limit else text
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, (int, str)) and str(value).lower() in _TRUE | _FALSE:
            return str(value).lower() in _TRUE
        return _MISSING
    if kind == "array":
        items = value if isinstance(value, list) else _MISSING
        if items is _MISSING:
            return _MISSING
        coerced = [_coerce(item, schema.get("items", {}), components) for item in items]
        return _MISSING if any(c is _MISSING for c in coerced) else coerced
    return value


def drf_reads_as_valid(
    body: Any, schema_name: str, components: dict[str, Any], *, partial: bool
) -> bool:
    """True when DRF's reading of ``body`` is valid for ``schema_name``: unknown and read-only
    keys dropped, values coerced (docs/contract.md, "Evidence"), required fields present (unless
    ``partial``)."""
    if not isinstance(body, dict):
        return False
    schema = components[schema_name]
    props = schema.get("properties", {})
    writable = {k: v for k, v in props.items() if not _resolve(v, components).get("readOnly")}
    for key, value in body.items():
        if key in writable and _coerce(value, writable[key], components) is _MISSING:
            return False
    if partial:
        return True
    required = [k for k in schema.get("required", []) if k in writable]
    return all(k in body for k in required)
