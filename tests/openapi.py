"""Validate phemu responses against PostHog's published OpenAPI schema (the copy phemu vendors).

PostHog publishes OpenAPI 3.0, whose ``nullable`` and ``$ref``-with-siblings are not JSON
Schema; :func:`to_json_schema` rewrites a schema into plain JSON Schema (2020-12) so
``jsonschema`` can check it. Use :func:`assert_valid_response` on a werkzeug test response (the
operation is found from the request's method and path, either prefix) or
:func:`assert_valid` with a component name.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema import FormatChecker

from phemu.openapi.document import components
from phemu.openapi.document import document

_DROP = {"example", "nullable", "description", "title"}
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$")


#: Properties whose published type is drf-spectacular's fallback for a ``SerializerMethodField``
#: without a type annotation (``{"readOnly": true, "type": "string"}``) although PostHog fills
#: them with other JSON: the insight's result fields are ``null``/``false``/``[]`` for an insight
#: with nothing cached (``posthog/api/insight.py``). They are checked as "any value".
UNTYPED_METHOD_FIELDS: dict[str, frozenset[str]] = {
    "Insight": frozenset(
        [
            "last_refresh",
            "cache_target_age",
            "next_allowed_client_refresh",
            "result",
            "hasMore",
            "columns",
            "timezone",
            "is_cached",
            "query_status",
            "hogql",
            "types",
            "alerts",
            "last_viewed_at",
        ]
    ),
    # ``ClickhouseEventSerializer`` (posthog/models/event/util.py): objects and lists.
    "ClickhouseEvent": frozenset(["properties", "person", "elements"]),
    # A model property the query fills with ``NULL`` or a boolean (``QueryContext.as_sql`` in
    # posthog/api/property_definition.py).
    "PropertyDefinition": frozenset(["is_seen_on_filtered_events"]),
    # ``SurveySerializer.get_conditions`` answers the stored object or null (posthog/api/survey.py).
    "Survey": frozenset(["conditions"]),
}


def spec() -> dict[str, Any]:
    """PostHog's published document as ``phemu/data/`` vendors it (read-only)."""
    return document()


def schemas() -> dict[str, Any]:
    """Every component schema of the published document, by name."""
    return components()


@cache
def _templates() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """Path templates, literal ones first: ``persons/cohorts/`` is not ``persons/{id}/``."""
    ordered = sorted(spec()["paths"], key=lambda t: (t.count("{"), t))
    return tuple((template, _template_regex(template)) for template in ordered)


Nullable = tuple[tuple[str, str], ...]


def to_json_schema(node: Any, depth: int = 0, nullable: Nullable = ()) -> Any:
    """An OpenAPI 3.0 schema as JSON Schema: ``$ref`` inlined, ``nullable`` turned into null.

    ``nullable`` names ``(component, property)`` pairs to accept null for besides, where
    PostHog's published schema misses a null PostHog answers (the tests that use it say which).
    """
    if depth > 50:
        raise ValueError("schema nesting too deep (a $ref cycle?)")
    if isinstance(node, list):
        return [to_json_schema(item, depth + 1, nullable) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        component = schemas()[name]
        relaxed = {prop for owner, prop in nullable if owner == name}
        if relaxed:
            component = {
                **component,
                "properties": {
                    k: ({"anyOf": [v, {"type": "null"}]} if k in relaxed else v)
                    for k, v in component["properties"].items()
                },
            }
        resolved = to_json_schema(component, depth + 1, nullable)
        for prop in UNTYPED_METHOD_FIELDS.get(name, ()):
            resolved["properties"][prop] = {}
        siblings = {k: v for k, v in node.items() if k != "$ref"}
        if siblings:
            return to_json_schema({"allOf": [resolved], **siblings}, depth + 1, nullable)
        return resolved
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DROP:
            continue
        if key in ("properties", "patternProperties"):
            out[key] = {k: to_json_schema(v, depth + 1, nullable) for k, v in value.items()}
        elif key in ("items", "additionalProperties", "not") and isinstance(value, dict):
            out[key] = to_json_schema(value, depth + 1, nullable)
        elif key in ("allOf", "anyOf", "oneOf"):
            out[key] = to_json_schema(value, depth + 1, nullable)
        else:
            out[key] = value
    if node.get("nullable"):
        if "type" in out:
            types = out["type"] if isinstance(out["type"], list) else [out["type"]]
            out["type"] = [*types, "null"] if "null" not in types else types
            if "enum" in out and None not in out["enum"]:
                out["enum"] = [*out["enum"], None]
        else:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


FORMATS = FormatChecker(formats=())


@FORMATS.checks("date-time")
def _is_datetime(value: object) -> bool:
    if not isinstance(value, str):
        return True  # formats only constrain strings (null is the type's business)
    if not _DATETIME.match(value):
        return False
    datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


@FORMATS.checks("uuid", raises=ValueError)
def _is_uuid(value: object) -> bool:
    return not isinstance(value, str) or bool(uuid.UUID(value))


@FORMATS.checks("uri")
def _is_uri(value: object) -> bool:
    return not isinstance(value, str) or value.startswith(("http://", "https://"))


@FORMATS.checks("email")
def _is_email(value: object) -> bool:
    return not isinstance(value, str) or "@" in value


@cache
def component_validator(name: str, nullable: Nullable = ()) -> Draft202012Validator:
    schema = to_json_schema({"$ref": f"#/components/schemas/{name}"}, nullable=nullable)
    return Draft202012Validator(schema, format_checker=FORMATS)


def _template_regex(template: str) -> re.Pattern[str]:
    pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template.rstrip("/")))
    return re.compile(f"^{pattern}/?$")


def operation(path: str, method: str) -> dict[str, Any] | None:
    """The OpenAPI operation for a concrete path (``/api/projects/...`` is the same API)."""
    concrete = re.sub(r"^/api/projects/", "/api/environments/", path)
    for template, regex in _templates():
        if regex.match(concrete):
            found = spec()["paths"][template].get(method.lower())
            return found if isinstance(found, dict) else None
    return None


@cache
def _response_validator(path_template: str, method: str, status: str) -> Draft202012Validator:
    op = spec()["paths"][path_template][method]
    schema = op["responses"][status]["content"]["application/json"]["schema"]
    return Draft202012Validator(to_json_schema(schema), format_checker=FORMATS)


def response_validator(path: str, method: str, status: int) -> Draft202012Validator | None:
    concrete = re.sub(r"^/api/projects/", "/api/environments/", path)
    for template, regex in _templates():
        if not regex.match(concrete):
            continue
        op = spec()["paths"][template].get(method.lower())
        response = (op or {}).get("responses", {}).get(str(status))
        if response and "application/json" in (response.get("content") or {}):
            return _response_validator(template, method.lower(), str(status))
    return None


def _fail(errors: list[Any], what: str, instance: Any) -> None:
    if errors:
        lines = [
            f"- {'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in errors
        ]
        raise AssertionError(
            f"{what} does not match PostHog's OpenAPI schema:\n"
            + "\n".join(lines)
            + f"\nbody: {json.dumps(instance)[:2000]}"
        )


def assert_valid(
    instance: Any, component: str, *, nullable: Nullable = (), code_wins: tuple[str, ...] = ()
) -> None:
    """``instance`` validates against ``#/components/schemas/<component>`` (see
    :func:`to_json_schema` for ``nullable``).

    ``code_wins`` names fields where the answer is knowingly not the documented serializer's
    (the persons list answers actors, whose ``id`` is the uuid); errors on those fields are
    ignored, every other error fails. The caller says why in a comment.
    """
    validator = component_validator(component, nullable)
    errors = [
        e
        for e in validator.iter_errors(instance)
        if not (e.absolute_path and e.absolute_path[-1] in code_wins)
    ]
    _fail(errors, component, instance)


def assert_valid_body(instance: Any, *, path: str, method: str, status: int) -> None:
    """``instance`` validates as the documented response of ``method path`` with ``status``."""
    validator = response_validator(path, method, status)
    if validator is None:
        raise AssertionError(f"no JSON response documented for {method.upper()} {path} {status}")
    _fail(list(validator.iter_errors(instance)), f"{method.upper()} {path} {status}", instance)


def assert_valid_response(response: Any) -> Any:
    """Validate a werkzeug test response by its request; returns the parsed JSON body."""
    request = response.request
    body = response.get_json()
    assert_valid_body(body, path=request.path, method=request.method, status=response.status_code)
    return body
