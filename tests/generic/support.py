"""Helpers of the schema-operation tests: a world with one object behind every path, the
request each operation's docs show, and validation against the operation's response schema."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator
from werkzeug.test import TestResponse

from phemu.emulator import Emulator
from phemu.openapi.index import Operation
from phemu.openapi.index import operation_index
from phemu.openapi.instances import instance
from phemu.openapi.json_schema import to_json_schema
from phemu.resources.generic.models import Where
from tests.conftest import DEFAULT_ORG
from tests.openapi import FORMATS

NOW = "2026-06-15T10:00:00Z"
PARENT_VALUES = {"integer": "1", "uuid": "00000000-0000-4000-8000-0000000000a1", "string": "p1"}
#: Collections whose records are hand-written ones: the object behind their paths.
PLATFORM_KEYS = {
    "users": "@me",
    "organizations": DEFAULT_ORG,
    "organizations/projects": "1",
    "organizations/members": "01928a6e-3c1d-7000-8000-000000000101",  # Ada
}
HAND_WRITTEN_OBJECTS = (
    "dashboards",
    "insights",
    "subscriptions",
    "feature_flags",
    "cohorts",
    "experiments",
    "annotations",
    "persons",
)
SUBSCRIPTION = {
    "insight": 1,
    "target_type": "email",
    "target_value": "a@example.com",
    "frequency": "daily",
    "start_date": "2026-01-01T00:00:00Z",
}


def world() -> Emulator:
    """A frozen emulator with object 1 of every hand-written collection in project 1 (and a
    survey), made through their Python APIs."""
    emulator = Emulator(load_entrypoints=False)
    emulator.freeze_time(NOW)
    for kind in ("dashboards", "insights"):
        getattr(emulator, kind).create(name="x", created_by=1)
    emulator.subscriptions.create(**SUBSCRIPTION, created_by=1)
    emulator.feature_flags.create(
        key="f1", filters={"groups": [{"properties": [], "rollout_percentage": 100}]}, created_by=1
    )
    emulator.cohorts.create(name="c", is_static=True, created_by=1)
    emulator.experiments.create(name="x", feature_flag_key="x-flag", created_by=1)
    emulator.annotations.create(content="a", created_by=1)
    emulator.persons.create(["u1"])
    emulator.surveys.create(name="s", type="popover", created_by=1)
    return emulator


def place(op: Operation) -> Where:
    parents = tuple(PARENT_VALUES[_type(op, name)] for name in op.parents)
    if op.scope == "project":
        return Where("project", "1", parents)
    if op.scope == "organization":
        return Where("organization", DEFAULT_ORG, parents)
    return Where("root", "", parents)


def _type(op: Operation, name: str) -> str:
    param = op.param(name)
    return param.type if param is not None else "string"


def object_key(emulator: Emulator, op: Operation) -> str:
    """The lookup value of an object the operation's path can name (created when generic)."""
    if op.resource in PLATFORM_KEYS:
        return PLATFORM_KEYS[op.resource]
    if op.resource in HAND_WRITTEN_OBJECTS:
        return "1"
    if op.resource == "surveys":
        listed = emulator.client().get("/api/projects/1/surveys/", headers=emulator.auth_headers)
        return str(json.loads(listed.get_data())["results"][0]["id"])
    model = operation_index().resources[op.resource]
    record = emulator.generic.insert(model, place(op), {}, emulator.store.users[1])
    return record.key


def path_of(emulator: Emulator, op: Operation) -> str:
    """The operation's path with project 1, the default organization and a live object."""
    path = op.path.replace("{project_id}", "1").replace("{organization_id}", DEFAULT_ORG)
    key = object_key(emulator, op) if op.lookup is not None else None
    for param in op.params:
        if param.name == op.lookup:
            value = key
        elif param.name in op.parents:
            value = PARENT_VALUES[param.type]
        else:
            value = "1" if param.pattern else PARENT_VALUES[param.type]
        path = path.replace("{" + param.name + "}", str(value))
    return path


def docs_body(op: Operation) -> Any:
    """The request body as PostHog's API docs show it: every writable field, placeholders."""
    if op.request is None:
        return None
    return instance(op.request, NOW, full=True, request=True)


def call(emulator: Emulator, op: Operation, body: Any = None, query: str = "") -> TestResponse:
    client = emulator.client()
    path = path_of(emulator, op) + (f"?{query}" if query else "")
    payload = docs_body(op) if body is None else body
    kwargs: dict[str, Any] = {"headers": emulator.auth_headers}
    if payload is not None and op.method != "GET":
        kwargs["json"] = payload
    return client.open(path, method=op.method, **kwargs)


@cache
def validator(schema_id: int) -> Draft202012Validator:
    schema = _SCHEMAS[schema_id]
    return Draft202012Validator(to_json_schema(schema), format_checker=FORMATS)


_SCHEMAS: dict[int, Any] = {}


def schema_errors(schema: Any, data: Any) -> list[str]:
    """Every way ``data`` breaks ``schema`` (OpenAPI 3.0, checked as JSON Schema)."""
    _SCHEMAS[id(schema)] = schema
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message[:300]}"
        for e in validator(id(schema)).iter_errors(data)
    ]
