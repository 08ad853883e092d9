"""What the schemathesis suites share: the live server, the budget, the validate-and-explain step."""

from __future__ import annotations

import json
from collections.abc import Callable
from collections.abc import Iterator
from typing import Any

import requests
from hypothesis import HealthCheck
from hypothesis import settings
from schemathesis.core.failures import FailureGroup

from phemu.emulator import Emulator
from phemu.server import ThreadedServer
from tests.contract import _stats
from tests.contract.conftest import budget

EXAMPLES = budget("PHEMU_CONTRACT_EXAMPLES", 200)
PROJECT_ID = "1"
SEEDED_OBJECTS = 20


def fuzz_settings(examples: int) -> settings:
    """Hypothesis settings of the schemathesis suites: ``examples`` per operation, derandomized,
    no deadline, no example database."""
    return settings(
        max_examples=examples,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )


FUZZ_SETTINGS = fuzz_settings(EXAMPLES)
SERVER_ERROR = {
    "type": "server_error",
    "code": "error",
    "detail": "A server error occurred.",
    "attr": None,
}

Explain = Callable[[Exception, Any, Any, Emulator], "str | None"]


def is_emulated(emulator: Emulator, method: str, path: str) -> bool:
    """Whether ``method path`` (an OpenAPI path template) is served by ``emulator``."""
    adapter = emulator.routes.url_map.bind("testserver")
    concrete = path.replace("{project_id}", PROJECT_ID).replace("{id}", "1")
    try:
        (endpoint, _), _ = adapter.match(concrete, method="GET", return_rule=False)
    except Exception:
        return False
    route = emulator.routes.routes[endpoint]
    method = method.upper()
    return method in route.handlers or (method == "DELETE" and route.forbid_destroy)


def serve() -> Iterator[tuple[Emulator, ThreadedServer]]:
    """A frozen-clock emulator with objects behind small ids, over HTTP on 127.0.0.1."""
    emulator = Emulator()
    emulator.freeze_time("2026-06-15T10:00:00Z")
    # Small ids are what hypothesis draws first: give them objects so generated subscriptions
    # get past `does_not_exist` and reach the rest of validation (and 201 responses).
    client = emulator.client()
    for resource in ("insights", "dashboards"):
        if is_emulated(emulator, "post", f"/api/environments/{{project_id}}/{resource}/"):
            for n in range(SEEDED_OBJECTS):
                client.post(
                    f"/api/projects/1/{resource}/",
                    json={"name": f"contract {n}"},
                    headers=emulator.auth_headers,
                )
    if is_emulated(emulator, "post", "/api/environments/{project_id}/subscriptions/"):
        # ... and subscriptions behind small ids, so retrieve/PATCH/PUT reach their handlers.
        for n in range(SEEDED_OBJECTS // 4):
            client.post(
                "/api/projects/1/subscriptions/",
                json={
                    "insight": 1 + n,
                    "target_type": "email",
                    "target_value": f"seed{n}@example.com",
                    "frequency": "weekly",
                    "start_date": "2022-01-01T00:00:00Z",
                },
                headers=emulator.auth_headers,
            )
    with ThreadedServer(emulator, host="127.0.0.1", port=0) as server:
        yield emulator, server
    emulator.check()


def local_session() -> requests.Session:
    """A session that ignores proxy settings from the environment: the server is on 127.0.0.1."""
    session = requests.Session()
    session.trust_env = False
    return session


def request_body(case: Any) -> Any:
    body = case.body
    return body if isinstance(body, dict) else None


def is_server_error(raw: bytes) -> bool:
    try:
        return bool(json.loads(raw) == SERVER_ERROR)
    except ValueError:
        return False


def run_and_validate(
    case: Any, contract_server: tuple[Emulator, ThreadedServer], explain: Explain
) -> None:
    """Send ``case``, run every schemathesis check, accept only failures ``explain`` accounts for."""
    emulator, server = contract_server
    if not is_emulated(emulator, case.operation.method, case.path):
        import pytest

        pytest.skip(f"{case.operation.method.upper()} {case.path} is not emulated yet")
    response = case.call(
        base_url=server.url, session=local_session(), headers=emulator.auth_headers
    )
    label = case.operation.label
    if case.method.upper() != case.operation.method.upper():
        label += f" (probe: {case.method.upper()})"
    _stats.count("schemathesis", label, response.status_code)
    try:
        case.validate_response(response, headers=emulator.auth_headers)
    except FailureGroup as group:
        unexplained = []
        for failure in group.exceptions:
            deviation = explain(failure, case, response, emulator)
            if deviation is None:
                unexplained.append(failure)
            else:
                _stats.deviations[f"{deviation} ({type(failure).__name__})"] += 1
        if unexplained:
            raise FailureGroup(unexplained, group.message) from None
    _stats.properties["schemathesis"].add("all built-in checks; deviations only with evidence")
