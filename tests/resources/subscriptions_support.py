"""Shared set-up for the subscription tests: a frozen clock, insights and dashboards to point at.

Insights and dashboards are seeded (no HTTP), with the ids the tests point at.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from werkzeug.test import Client

from phemu.emulator import Emulator
from tests.conftest import DEFAULT_KEY
from tests.conftest import DEFAULT_ORG
from tests.openapi import assert_valid_response

NOW = "2026-06-15T10:00:00Z"
BASE = "/api/projects/1/subscriptions/"
AUTH = {"Authorization": f"Bearer {DEFAULT_KEY}"}

#: Objects the tests point at: (id, project, deleted).
INSIGHTS = [(7, 1, False), (8, 2, False), (9, 1, True), (10, 1, False)]
DASHBOARDS = [(3, 1, False), (4, 2, False), (5, 1, True), (6, 1, False)]


def add_insight(emulator: Emulator, pk: int, project: int, *, deleted: bool = False) -> None:
    record = {"project": project, "id": pk, "name": f"Insight {pk}", "deleted": deleted}
    emulator.load_seed({"insights": [record]})


def add_dashboard(emulator: Emulator, pk: int, project: int, *, deleted: bool = False) -> None:
    record = {"project": project, "id": pk, "name": f"Dashboard {pk}", "deleted": deleted}
    emulator.load_seed({"dashboards": [record]})


def make_emulator(**kwargs: Any) -> Emulator:
    """The default seed plus project 2 (same organization), targets, and the frozen clock."""
    emulator = Emulator(load_entrypoints=False, **kwargs)
    emulator.freeze_time(NOW)
    emulator.load_seed(
        {"version": 1, "projects": [{"id": 2, "organization": DEFAULT_ORG, "name": "Second"}]}
    )
    for pk, project, deleted in INSIGHTS:
        add_insight(emulator, pk, project, deleted=deleted)
    for pk, project, deleted in DASHBOARDS:
        add_dashboard(emulator, pk, project, deleted=deleted)
    return emulator


@pytest.fixture
def emu() -> Emulator:
    emulator = make_emulator()
    yield emulator
    emulator.check()


@pytest.fixture
def api(emu: Emulator) -> Api:
    return Api(emu)


def valid(**overrides: Any) -> dict[str, Any]:
    """A valid create body (insight 7, weekly email from 2022-01-01) with ``overrides``."""
    body: dict[str, Any] = {
        "insight": 7,
        "target_type": "email",
        "target_value": "test@posthog.com",
        "frequency": "weekly",
        "start_date": "2022-01-01T00:00:00Z",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not OMIT}


OMIT: Any = object()


def error(
    code: str, detail: str, attr: str | None, type_: str = "validation_error"
) -> dict[str, Any]:
    return {"type": type_, "code": code, "detail": detail, "attr": attr}


SERVER_ERROR = error("error", "A server error occurred.", None, "server_error")
NOT_FOUND = error("not_found", "Not found.", None, "invalid_request")


class Api:
    """Thin HTTP helpers returning ``(status, parsed body)``; success bodies are schema-checked."""

    def __init__(self, emulator: Emulator, headers: dict[str, str] | None = None) -> None:
        self.emulator = emulator
        self.client = Client(emulator.app)
        self.headers = AUTH if headers is None else headers

    def call(
        self, method: str, path: str, json_body: Any = None, *, check_schema: bool = True, **kw: Any
    ) -> tuple[int, Any]:
        kwargs: dict[str, Any] = {"headers": self.headers, **kw}
        if json_body is not None:
            kwargs["data"] = json.dumps(json_body)
            kwargs["content_type"] = "application/json"
        response = self.client.open(path, method=method, **kwargs)
        raw = response.get_data(as_text=True)
        parsed = json.loads(raw) if raw else None
        if (
            check_schema
            and response.status_code in (200, 201)
            and method
            in (
                "GET",
                "POST",
                "PUT",
                "PATCH",
            )
        ):
            assert_valid_response(response)
        return response.status_code, parsed

    def create(self, body: Any = None, **overrides: Any) -> tuple[int, Any]:
        return self.call("POST", BASE, valid(**overrides) if body is None else body)

    def created(self, **overrides: Any) -> dict[str, Any]:
        status, data = self.create(**overrides)
        assert status == 201, data
        return dict(data)

    def get(self, path: str = BASE, **kw: Any) -> tuple[int, Any]:
        return self.call("GET", path, **kw)

    def patch(self, pk: int, body: Any) -> tuple[int, Any]:
        return self.call("PATCH", f"{BASE}{pk}/", body)

    def put(self, pk: int, body: Any) -> tuple[int, Any]:
        return self.call("PUT", f"{BASE}{pk}/", body)
