"""arcade-posthog-api (async httpx, ``/api/environments/`` paths) driven against phemu.

Its tools share one module-level ``httpx.AsyncClient`` built on ``httpx.AsyncHTTPTransport``.
In-process, the ``posthog_httpx`` fixture routes that very client (the patch is on the
transport class); against the live server, the tools get a fresh client per test (a pooled
connection must not outlive the event loop that opened it).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from phemu.emulator import Emulator
from tests.interop.conftest import SUBSCRIPTION
from tests.interop.conftest import has_route
from tests.interop.conftest import make_insight

tools = pytest.importorskip(
    "arcade_posthog_api.tools", reason="needs the interop extra: pip install -e '.[interop]'"
)
ToolContext = pytest.importorskip("arcade_tdk").ToolContext
UpstreamError = pytest.importorskip("arcade_tdk.errors").UpstreamError

ORG = "01928a6e-3c1d-7000-8000-0000000000aa"

#: Operations this third-party client drives here (evidence for COVERAGE.md's "real client"
#: column; regenerate with ``python tools/coverage_report.py`` after changing it).
REAL_CLIENT_OPERATIONS = (
    "organizations_retrieve",
    "environments_subscriptions_create",
    "environments_subscriptions_list",
    "environments_subscriptions_retrieve",
    "environments_subscriptions_partial_update",
)


Run = Callable[[Any], Any]


@pytest.fixture
def run() -> Iterator[Run]:
    """One event loop per test, as an agent runs its tools (pooled connections stay valid)."""
    loop = asyncio.new_event_loop()
    yield loop.run_until_complete
    loop.close()


@pytest.fixture(params=["in_process", "live_server"])
def context(
    request: pytest.FixtureRequest,
    posthog_emulator: Emulator,
    monkeypatch: pytest.MonkeyPatch,
    run: Run,
) -> Iterator[ToolContext]:
    client: httpx.AsyncClient | None = None
    if request.param == "in_process":
        url = request.getfixturevalue("posthog_httpx").base_url
    else:
        url = request.getfixturevalue("posthog_server").url
        client = httpx.AsyncClient(timeout=30)
        monkeypatch.setattr(tools, "HTTP_CLIENT", client)
    secrets = {
        "POSTHOG_SERVER_URL": url,
        "POSTHOG_PERSONAL_API_KEY": posthog_emulator.default_api_key,
    }
    yield ToolContext(secrets=[{"key": k, "value": v} for k, v in secrets.items()])
    if client is not None:
        run(client.aclose())


def test_organization_details(context: ToolContext, posthog_emulator: Emulator, run: Run) -> None:
    result = run(tools.get_organization_details(context, organization_id=ORG))
    assert result["response_json"]["name"] == "Default organization"
    result = run(tools.get_organization_details(context, organization_id="@current"))
    assert result["response_json"]["id"] == ORG
    posthog_emulator.assert_called("GET", f"/api/organizations/{ORG}/", times=1)


def test_undescribed_environment_route_gets_a_shaped_answer(
    context: ToolContext, posthog_emulator: Emulator, run: Run
) -> None:
    # web_vitals/ is a schema operation without a documented response: the generic layer
    # answers it with a schema-minimal body, not a 404.
    result = run(tools.retrieve_web_vitals(context, filter_by_pathname="/", project_id="1"))
    assert result["response_json"] == {}
    (entry,) = posthog_emulator.requests("GET", "/api/environments/1/web_vitals/")
    assert (entry.unknown_route, entry.tier, entry.status) == (False, "shaped", 200)
    assert entry.query == "pathname=%2F"


def test_subscriptions_create_list_retrieve_soft_delete(
    context: ToolContext, posthog_emulator: Emulator, run: Run
) -> None:
    if not has_route(posthog_emulator, "/api/environments/1/subscriptions/"):
        pytest.skip("the subscriptions resource is not merged into this branch yet")
    insight = make_insight(posthog_emulator)
    body = json.dumps({**SUBSCRIPTION, "insight": insight})
    created = run(
        tools.create_environment_subscription(
            context, mode=tools.ToolMode.EXECUTE, project_id="1", request_body=body
        )
    )["response_json"]
    assert (created["insight"], created["deleted"]) == (insight, False)
    listed = run(tools.list_environment_subscriptions(context, project_id="1"))["response_json"]
    assert [s["id"] for s in listed["results"]] == [created["id"]]
    fetched = run(
        tools.retrieve_subscription_details(
            context, project_identifier="1", subscription_id=created["id"]
        )
    )["response_json"]
    assert fetched["title"] == "Weekly numbers"
    patched = run(
        tools.modify_environment_subscription(
            context,
            mode=tools.ToolMode.EXECUTE,
            subscription_id=created["id"],
            project_id="1",
            request_body='{"deleted": true}',
        )
    )["response_json"]
    assert patched["deleted"] is True
    listed = run(tools.list_environment_subscriptions(context, project_id="1"))["response_json"]
    assert listed["count"] == 0
    posthog_emulator.assert_called("GET", "/api/environments/1/subscriptions/", times=2)
