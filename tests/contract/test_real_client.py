"""A client's day against the live server, with real HTTP client libraries (requests, httpx).

``HTTP_CLIENT_OPERATIONS`` is the evidence table of the coverage report's "HTTP walk" column:
each entry is one call a PostHog API user makes, in order, with the status it must get. The
table is walked over a socket on 127.0.0.1 by ``requests`` and by ``httpx``; placeholders such
as ``{insight}`` take ids returned by earlier calls.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import requests

from phemu.emulator import Emulator
from phemu.server import ThreadedServer
from tests.contract import _stats

E = "/api/environments/1"

#: operation id -> (method, path, JSON body or query, expected status, key to remember from the answer)
HTTP_CLIENT_OPERATIONS = {
    "projects_list": ("GET", "/api/projects/", {}, 200, None),
    "projects_retrieve": ("GET", "/api/projects/@current/", {}, 200, None),
    "users_retrieve": ("GET", "/api/users/@me/", {}, 200, None),
    "organizations_retrieve": ("GET", "/api/organizations/@current/", {}, 200, None),
    "environments_insights_create": (
        "POST",
        "/api/environments/1/insights/",
        {"name": "Weekly signups"},
        201,
        "insight",
    ),
    "environments_insights_list": (
        "GET",
        "/api/environments/1/insights/",
        {"limit": 10},
        200,
        None,
    ),
    "environments_insights_retrieve": (
        "GET",
        "/api/environments/1/insights/{insight}/",
        {},
        200,
        None,
    ),
    "environments_insights_partial_update": (
        "PATCH",
        "/api/environments/1/insights/{insight}/",
        {"name": "Signups"},
        200,
        None,
    ),
    "environments_insights_destroy": (
        "DELETE",
        "/api/environments/1/insights/{insight}/",
        {},
        405,
        None,
    ),
    "environments_dashboards_create": (
        "POST",
        "/api/environments/1/dashboards/",
        {"name": "Growth"},
        201,
        "dashboard",
    ),
    "environments_dashboards_list": ("GET", "/api/environments/1/dashboards/", {}, 200, None),
    "environments_dashboards_retrieve": (
        "GET",
        "/api/environments/1/dashboards/{dashboard}/",
        {},
        200,
        None,
    ),
    "environments_dashboards_partial_update": (
        "PATCH",
        "/api/environments/1/dashboards/{dashboard}/",
        {"pinned": True},
        200,
        None,
    ),
    "environments_dashboards_destroy": (
        "DELETE",
        "/api/environments/1/dashboards/{dashboard}/",
        {},
        405,
        None,
    ),
    "environments_subscriptions_create": (
        "POST",
        "/api/environments/1/subscriptions/",
        {
            "insight": "{insight}",
            "target_type": "email",
            "target_value": "test@posthog.com",
            "frequency": "weekly",
            "start_date": "2022-01-01T00:00:00",
            "title": "My Subscription",
        },
        201,
        "subscription",
    ),
    "environments_subscriptions_list": (
        "GET",
        "/api/environments/1/subscriptions/",
        {"limit": 1},
        200,
        None,
    ),
    "environments_subscriptions_retrieve": (
        "GET",
        "/api/environments/1/subscriptions/{subscription}/",
        {},
        200,
        None,
    ),
    "environments_subscriptions_partial_update": (
        "PATCH",
        "/api/environments/1/subscriptions/{subscription}/",
        {"frequency": "daily"},
        200,
        None,
    ),
    "environments_subscriptions_update": (
        "PUT",
        "/api/environments/1/subscriptions/{subscription}/",
        {
            "dashboard": "{dashboard}",
            "insight": None,
            "target_type": "slack",
            "target_value": "C1234|#general",
            "frequency": "monthly",
            "start_date": "2022-01-31T00:00:00Z",
        },
        200,
        None,
    ),
    "environments_subscriptions_destroy": (
        "DELETE",
        "/api/environments/1/subscriptions/{subscription}/",
        {},
        405,
        None,
    ),
    "environments_sessions_property_definitions_retrieve": (
        "GET",
        "/api/environments/1/sessions/property_definitions/",
        {"search": "utm"},
        200,
        None,
    ),
    "environments_sessions_values_retrieve": (
        "GET",
        "/api/environments/1/sessions/values/",
        {"key": "$channel_type"},
        200,
        None,
    ),
    "environments_session_recordings_ai_filters_create": (
        "POST",
        "/api/environments/1/session_recordings/ai/filters/",
        {"messages": [{"role": "user", "content": "users who visited /login in the last 7 days"}]},
        200,
        None,
    ),
    "environments_session_recordings_ai_regex_create": (
        "POST",
        "/api/environments/1/session_recordings/ai/regex/",
        {"regex": "urls that contain /pricing", "engine": "re2"},
        200,
        None,
    ),
}


@pytest.fixture
def server() -> Iterator[tuple[Emulator, ThreadedServer]]:
    emulator = Emulator()
    with ThreadedServer(emulator, host="127.0.0.1", port=0) as running:
        yield emulator, running
    emulator.check()


def _fill(value: Any, ids: dict[str, Any]) -> Any:
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    if (
        isinstance(value, str)
        and value.startswith("{")
        and value.endswith("}")
        and value[1:-1] in ids
    ):
        return ids[value[1:-1]]
    if isinstance(value, str):
        return value.format(**ids) if "{" in value else value
    return value


def walk(emulator: Emulator, send: Any, label: str) -> None:
    routes = {r.path for r in emulator.routes.routes.values()}
    ids: dict[str, Any] = {}
    for op_id, (method, path, data, status, remember) in HTTP_CLIENT_OPERATIONS.items():
        segment = "/" + path.split("/")[4] + "/" if path.startswith(E) else None
        if segment and not any(r.startswith(segment) for r in routes):
            continue  # not emulated yet: the coverage report says so
        target = _fill(path, ids)
        payload = _fill(data, ids)
        code, body, headers = send(method, target, payload)
        _stats.count(f"real-client ({label})", op_id, code)
        assert code == status, (op_id, code, body)
        if code == 405:
            assert body == b"" and "content-type" not in {k.lower() for k in headers}
            continue
        assert headers.get("content-type") == "application/json", op_id
        parsed = json.loads(body)
        assert isinstance(parsed, dict), op_id
        if remember:
            ids[remember] = parsed["id"]


def test_requests_session(server: tuple[Emulator, ThreadedServer]) -> None:
    emulator, running = server
    session = requests.Session()
    session.trust_env = False  # the server is on 127.0.0.1: no proxy from the environment
    session.headers.update(emulator.auth_headers)

    def send(method: str, path: str, data: dict[str, Any]) -> tuple[int, bytes, Any]:
        kwargs: dict[str, Any] = (
            {"params": data} if method == "GET" else {"json": data} if data else {}
        )
        response = session.request(method, running.url + path, timeout=10, **kwargs)
        return (
            response.status_code,
            response.content,
            {k.lower(): v for k, v in response.headers.items()},
        )

    walk(emulator, send, "requests")


def test_httpx_client(server: tuple[Emulator, ThreadedServer]) -> None:
    emulator, running = server
    with httpx.Client(
        base_url=running.url, headers=emulator.auth_headers, timeout=10, trust_env=False
    ) as client:

        def send(method: str, path: str, data: dict[str, Any]) -> tuple[int, bytes, Any]:
            kwargs: dict[str, Any] = (
                {"params": data} if method == "GET" else {"json": data} if data else {}
            )
            response = client.request(method, path, **kwargs)
            return (
                response.status_code,
                response.content,
                {k.lower(): v for k, v in response.headers.items()},
            )

        walk(emulator, send, "httpx")
