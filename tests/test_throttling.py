"""PostHog's rate limits (``posthog/rate_limit.py``), opt-in with ``Emulator(rate_limits=...)``."""

from __future__ import annotations

import json
from typing import Any

import pytest
from werkzeug.wrappers import Response

from phemu import Emulator
from phemu.errors import ConfigurationError
from phemu.routing import Route
from phemu.throttling import Rate
from phemu.throttling import Throttler

PROJECT = "/api/projects/1/"
START = "2026-06-15T10:00:00Z"


def throttled(wait: int) -> dict[str, Any]:
    unit = "second" if wait == 1 else "seconds"
    return {
        "type": "throttled_error",
        "code": "throttled",
        "detail": f"Request was throttled. Expected available in {wait} {unit}.",
        "attr": None,
    }


def ok_handler(ctx: Any) -> Response:
    return Response(b"{}", content_type="application/json")


#: A query-family route standing in for the sessions endpoints (``throttle="clickhouse"``).
QUERY_ROUTE = Route(
    "/throttle_probe/", "throttle_probe.list", {"GET": ok_handler}, "query", throttle="clickhouse"
)


class QueryRoutes:
    def phemu_routes(self) -> list[Route]:
        return [QUERY_ROUTE]


def make(rate_limits: Any = "posthog", **kwargs: Any) -> Emulator:
    emulator = Emulator(rate_limits=rate_limits, load_entrypoints=False, **kwargs)
    emulator.freeze_time(START)
    return emulator


def get(emulator: Emulator, path: str = PROJECT, key: str | None = None) -> Any:
    key = key or emulator.default_api_key
    return emulator.client().get(path, headers={"Authorization": f"Bearer {key}"})


def test_off_by_default_never_throttles() -> None:
    emulator = Emulator(load_entrypoints=False)
    emulator.freeze_time(START)
    client, headers = emulator.client(), emulator.auth_headers
    assert all(client.get(PROJECT, headers=headers).status_code == 200 for _ in range(600))


def test_crud_burst_429_at_exactly_the_481st_request_and_recovery() -> None:
    emulator = make()
    client, headers = emulator.client(), emulator.auth_headers
    statuses = [client.get(PROJECT, headers=headers).status_code for _ in range(480)]
    assert statuses == [200] * 480
    response = client.get(PROJECT, headers=headers)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "60"
    assert response.headers["Content-Type"] == "application/json"
    assert json.loads(response.data) == throttled(60)

    emulator.advance_time(59)
    response = client.get(PROJECT, headers=headers)
    assert (response.status_code, response.headers["Retry-After"]) == (429, "1")
    assert json.loads(response.data)["detail"] == (
        "Request was throttled. Expected available in 1 second."
    )
    emulator.advance_time(1)
    assert client.get(PROJECT, headers=headers).status_code == 200


def test_crud_sustained_budget_is_4800_per_hour() -> None:
    emulator = make()
    client, headers = emulator.client(), emulator.auth_headers
    for minute in range(10):
        statuses = {client.get(PROJECT, headers=headers).status_code for _ in range(480)}
        assert statuses == {200}, minute
        emulator.advance_time(60)
    # 4,800 admitted in the last ten minutes: the hour budget rejects, the minute one admits.
    response = client.get(PROJECT, headers=headers)
    assert response.status_code == 429
    assert json.loads(response.data) == throttled(3000)
    assert response.headers["Retry-After"] == "3000"
    emulator.advance_time(3000)
    assert client.get(PROJECT, headers=headers).status_code == 200


def test_query_family_budget_is_240_per_minute_and_separate_from_crud() -> None:
    emulator = make(plugins=[QueryRoutes()])
    client, headers = emulator.client(), emulator.auth_headers
    probe = "/api/projects/1/throttle_probe/"
    assert {client.get(probe, headers=headers).status_code for _ in range(240)} == {200}
    response = client.get(probe, headers=headers)
    assert response.status_code == 429
    assert json.loads(response.data) == throttled(60)
    # The CRUD buckets are untouched by the query family.
    assert client.get(PROJECT, headers=headers).status_code == 200


def test_query_family_hourly_budget_is_1200() -> None:
    throttler = Throttler.from_setting("posthog")
    emulator = make()
    now = emulator.now()
    for _ in range(5):
        for _ in range(240):
            throttler.check("clickhouse", "key", now)
        emulator.advance_time(60)
        now = emulator.now()
    with pytest.raises(Exception) as raised:
        throttler.check("clickhouse", "key", now)
    assert raised.value.headers == {"Retry-After": str(3600 - 300)}  # type: ignore[attr-defined]


def test_platform_example_with_burst_3_per_minute() -> None:
    emulator = make({"burst": "3/minute"})
    for at in ("10:00:00", "10:00:20", "10:00:40"):
        emulator.set_time(f"2026-06-15T{at}Z")
        assert get(emulator).status_code == 200
    emulator.set_time("2026-06-15T10:00:48Z")
    response = get(emulator)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "12"
    assert response.data == (
        b'{"type":"throttled_error","code":"throttled",'
        b'"detail":"Request was throttled. Expected available in 12 seconds.","attr":null}'
    )
    # The window slides: at 10:01:00 the 10:00:00 request has left it.
    emulator.set_time("2026-06-15T10:01:00Z")
    assert get(emulator).status_code == 200
    assert get(emulator).status_code == 429


def test_401_and_403_win_over_429() -> None:
    seed = {
        "personal_api_keys": [
            {
                "user": "ada@example.com",
                "label": "narrow",
                "value": "phx_narrow",
                "scopes": ["project:read"],
            }
        ]
    }
    emulator = make({"burst": "1/minute"}, seeds=[seed])
    assert get(emulator, key="phx_narrow").status_code == 200
    assert get(emulator, key="phx_narrow").status_code == 429
    # Same key, budget exhausted, but an endpoint it has no scope for: 403, not 429.
    missing_scope = get(emulator, "/api/users/@me/", key="phx_narrow")
    assert missing_scope.status_code == 403
    assert json.loads(missing_scope.data)["detail"] == "API key missing required scope 'user:read'"
    # No key and an unknown key are 401 whatever the budgets say.
    assert emulator.client().get(PROJECT).status_code == 401
    assert get(emulator, key="phx_not_a_key").status_code == 401


def test_different_keys_do_not_share_a_budget() -> None:
    seed = {
        "personal_api_keys": [
            {"user": "ada@example.com", "label": "second", "value": "phx_second", "scopes": ["*"]}
        ]
    }
    emulator = make({"burst": "2/minute"}, seeds=[seed])
    assert [get(emulator).status_code for _ in range(3)] == [200, 200, 429]
    assert [get(emulator, key="phx_second").status_code for _ in range(3)] == [200, 200, 429]


def test_budget_is_shared_by_every_endpoint_of_the_family() -> None:
    emulator = make({"burst": "3/minute"})
    assert get(emulator, "/api/projects/1/").status_code == 200
    assert get(emulator, "/api/users/@me/").status_code == 200
    assert get(emulator, "/api/organizations/@current/").status_code == 200
    assert get(emulator, "/api/projects/").status_code == 429


def test_reset_empties_the_windows() -> None:
    emulator = make({"burst": "1/minute"})
    assert [get(emulator).status_code for _ in range(2)] == [200, 429]
    emulator.reset()
    emulator.freeze_time(START)
    assert get(emulator).status_code == 200


def test_setting_the_clock_back_forgets_future_requests() -> None:
    emulator = make({"burst": "1/minute"})
    emulator.set_time("2026-06-15T11:00:00Z")
    assert get(emulator).status_code == 200
    emulator.set_time(START)
    assert get(emulator).status_code == 200


@pytest.mark.parametrize(
    ("text", "budget", "period"),
    [
        ("480/minute", 480, 60.0),
        ("3/m", 3, 60.0),
        ("10/hour", 10, 3600.0),
        ("1/day", 1, 86400.0),
        ("5/sec", 5, 1.0),
    ],
)
def test_rate_parsing_follows_drf(text: str, budget: int, period: float) -> None:
    assert Rate.parse(text) == Rate(budget, period)


@pytest.mark.parametrize("bad", ["480", "480/", "x/minute", "-1/minute", "3/fortnight", "1/2/3"])
def test_bad_rates_are_configuration_errors(bad: str) -> None:
    with pytest.raises(ConfigurationError, match="invalid throttle rate"):
        Emulator(rate_limits={"burst": bad}, load_entrypoints=False)


def test_unknown_scope_or_set_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="unknown throttle scope 'bursty'"):
        Emulator(rate_limits={"bursty": "1/minute"}, load_entrypoints=False)
    with pytest.raises(ConfigurationError, match="unknown rate limit set 'aws'"):
        Emulator(rate_limits="aws", load_entrypoints=False)


def test_zero_budget_always_waits_a_whole_period() -> None:
    emulator = make({"burst": "0/minute"})
    response = get(emulator)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "60"


def test_both_prefixes_share_one_budget() -> None:
    emulator = make({"clickhouse_burst": "2/minute"}, plugins=[QueryRoutes()])
    assert get(emulator, "/api/projects/1/throttle_probe/").status_code == 200
    assert get(emulator, "/api/environments/1/throttle_probe").status_code == 200
    assert get(emulator, "/api/environments/1/throttle_probe/").status_code == 429
