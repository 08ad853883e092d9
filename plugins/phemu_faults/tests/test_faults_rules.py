"""phemu-faults in process: matching, actions, counters, probability, and the three ways to
manage rules (Python, constructor/marker keywords, ``/_phemu/faults``)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from phemu_faults import FaultRule
from phemu_faults import FaultSet

from phemu import Emulator
from phemu.errors import ConfigurationError
from phemu.errors import DroppedConnection

KEY = "phx_phemuDefaultPersonalApiKey000000000000000000"
MASK = "phx_...0000"
PROJECT = "/api/projects/1/"
SERVER_ERROR = {
    "type": "server_error",
    "code": "error",
    "detail": "A server error occurred.",
    "attr": None,
}


def make(**kwargs: Any) -> Emulator:
    return Emulator(**kwargs)


def get(emulator: Emulator, path: str = PROJECT, **kwargs: Any) -> Any:
    headers = kwargs.pop("headers", emulator.auth_headers)
    return emulator.client().get(path, headers=headers, **kwargs)


# -- actions ----------------------------------------------------------------------------------
def test_429_has_posthogs_throttled_body_and_retry_after() -> None:
    emulator = make()
    emulator.faults.add(status=429)
    response = get(emulator)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "1"
    assert response.data == (
        b'{"type":"throttled_error","code":"throttled",'
        b'"detail":"Request was throttled. Expected available in 1 second.","attr":null}'
    )
    emulator.faults.clear()
    emulator.faults.add(status=429, retry_after=30)
    response = get(emulator)
    assert response.headers["Retry-After"] == "30"
    assert json.loads(response.data)["detail"] == (
        "Request was throttled. Expected available in 30 seconds."
    )


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_posthog_shaped(status: int) -> None:
    emulator = make(faults=[{"status": status}])
    response = get(emulator)
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/json"
    assert json.loads(response.data) == SERVER_ERROR
    assert "Retry-After" not in response.headers


def test_5xx_raw_is_a_load_balancer_page_and_may_carry_retry_after() -> None:
    emulator = make(faults=[{"status": 503, "body": "raw", "retry_after": 5}])
    response = get(emulator)
    assert response.status_code == 503
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.headers["Retry-After"] == "5"
    assert b"<title>503 Service Unavailable</title>" in response.data


def test_custom_json_body() -> None:
    emulator = make(faults=[{"status": 500, "body": {"detail": "boom"}}])
    assert json.loads(get(emulator).data) == {"detail": "boom"}


def test_delay_alone_then_proceeds_and_combines_with_a_status() -> None:
    emulator = make()
    slept: list[float] = []
    emulator.faults.sleep = slept.append
    emulator.faults.add(delay=2.5, method="GET", path=PROJECT, times=1)
    emulator.faults.add(delay=0.5, status=504, path="/api/users/@me/")
    assert get(emulator).status_code == 200
    assert get(emulator, "/api/users/@me/").status_code == 504
    assert slept == [2.5, 0.5]


def test_drop_raises_dropped_connection_in_process_and_is_journaled() -> None:
    emulator = make(faults=[{"drop": True, "times": "once"}])
    with pytest.raises(DroppedConnection):
        get(emulator)
    assert isinstance(DroppedConnection("x"), ConnectionError)
    assert get(emulator).status_code == 200
    assert [(e.status, e.error) for e in emulator.requests(path=PROJECT)] == [
        (0, "dropped connection"),
        (200, None),
    ]


def test_faulted_answers_are_journaled_and_skip_the_emulator() -> None:
    emulator = make(faults=[{"status": 503, "method": "POST"}])
    response = emulator.client().post("/api/projects/1/nonsense/")  # no key, no route
    assert response.status_code == 503
    assert [e.status for e in emulator.requests(method="POST")] == [503]


# -- matching ---------------------------------------------------------------------------------
def statuses(emulator: Emulator, *requests: tuple[str, str, dict[str, Any]]) -> list[int]:
    client = emulator.client()
    return [client.open(path, method=method, **kw).status_code for method, path, kw in requests]


def test_method_matching_is_case_insensitive_and_takes_lists() -> None:
    emulator = make(faults=[{"status": 503, "method": ["post", "PATCH"]}])
    auth = {"headers": {"Authorization": f"Bearer {KEY}"}}
    assert statuses(
        emulator, ("GET", PROJECT, auth), ("POST", PROJECT, auth), ("PATCH", PROJECT, auth)
    ) == [200, 503, 503]


@pytest.mark.parametrize(
    ("pattern", "path", "hit"),
    [
        ("/api/projects/*/", "/api/projects/1/", True),
        ("/api/projects/*/", "/api/projects/1", True),  # trailing slash ignored
        ("/api/projects/1", "/api/projects/1/", True),
        ("/api/projects/1/", "/api/projects/12/", False),
        ("/api/*/subscriptions/*", "/api/environments/3/subscriptions/9/", True),
        ("/api/users/@me/", "/api/projects/1/", False),
    ],
)
def test_path_glob(pattern: str, path: str, hit: bool) -> None:
    emulator = make(faults=[{"status": 502, "path": pattern}])
    assert (get(emulator, path).status_code == 502) is hit


def test_path_regex_is_searched() -> None:
    emulator = make(faults=[{"status": 502, "path_regex": r"^/api/(projects|environments)/\d+/$"}])
    assert get(emulator, "/api/projects/1/").status_code == 502
    assert get(emulator, "/api/projects/").status_code == 200
    with pytest.raises(ConfigurationError, match="path_regex '\\(' is invalid"):
        make(faults=[{"status": 502, "path_regex": "("}])


def test_path_regex_runs_in_linear_time() -> None:
    """``^/(a+)+$`` backtracks exponentially in Python's ``re`` (each two more characters
    quadruple the time; 30 took 25 s); the rule engine must answer at once."""
    import threading

    emulator = make(faults=[{"status": 502, "path_regex": r"^/(a+)+$"}])
    answers: list[int] = []
    worker = threading.Thread(
        target=lambda: answers.append(get(emulator, "/" + "a" * 30 + "!").status_code),
        daemon=True,
    )
    worker.start()
    worker.join(5)
    assert answers == [404]  # no fault: the pattern does not match, found out in time
    assert get(emulator, "/aaaa").status_code == 502


def test_path_regex_without_the_re2_extra_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "re2", None)  # import re2 now fails
    with pytest.raises(ValueError) as raised:
        FaultRule(status=502, path_regex=r"/insights/\d+/$")
    assert str(raised.value) == (
        "path_regex needs the linear-time google-re2 engine: pip install 'phemu[re2]' "
        "(or match with the path glob)"
    )
    assert FaultRule(status=502, path="/api/projects/*/insights/*").path is not None


def test_project_matching_resolves_both_prefixes_and_current() -> None:
    emulator = make(faults=[{"status": 503, "project": 1}])
    assert get(emulator, "/api/projects/1/").status_code == 503
    assert get(emulator, "/api/environments/1/subscriptions/").status_code == 503
    assert get(emulator, "/api/projects/@current/").status_code == 503  # Ada's current project
    assert get(emulator, "/api/projects/2/").status_code == 404
    assert get(emulator, "/api/users/@me/").status_code == 200
    other = make(faults=[{"status": 503, "project": 2}])
    assert get(other, "/api/projects/@current/").status_code == 200
    assert get(other, "/api/projects/@current/", headers={}).status_code == 401


SECOND_KEY = {
    "personal_api_keys": [
        {
            "user": "ada@example.com",
            "label": "ci",
            "value": "phx_secondKey000000000009999",
            "scopes": ["*"],
        }
    ]
}


@pytest.mark.parametrize("key", [KEY, MASK])
def test_key_matching_by_plaintext_or_mask_wherever_the_key_is(key: str) -> None:
    emulator = make(seeds=[SECOND_KEY], faults=[{"status": 429, "key": key}])
    client = emulator.client()
    assert client.get(PROJECT, headers={"Authorization": f"Bearer {KEY}"}).status_code == 429
    assert client.get(PROJECT, query_string={"personal_api_key": KEY}).status_code == 429
    assert (
        client.post("/api/projects/1/nothing/", json={"personal_api_key": KEY}).status_code == 429
    )
    assert (
        client.post("/api/projects/1/nothing/", data={"personal_api_key": KEY}).status_code == 429
    )
    other = {"Authorization": "Bearer phx_secondKey000000000009999"}
    assert client.get(PROJECT, headers=other).status_code == 200
    assert client.get(PROJECT).status_code == 401


def test_a_form_body_read_for_the_key_is_still_read_by_the_emulator() -> None:
    emulator = make(faults=[{"status": 429, "key": "phx_other"}])
    response = emulator.client().get(PROJECT, data={"personal_api_key": KEY})
    assert response.status_code == 200


def test_all_matchers_must_match() -> None:
    emulator = make(
        faults=[{"status": 503, "method": "GET", "path": "/api/projects/*", "key": MASK}]
    )
    client = emulator.client()
    assert client.get(PROJECT, headers=emulator.auth_headers).status_code == 503
    assert client.get(PROJECT).status_code == 401  # no key
    assert client.head(PROJECT, headers=emulator.auth_headers).status_code == 200


# -- times, probability, order ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("times", "faulted"), [("once", 1), (1, 1), (3, 3), ("always", 6), (None, 6)]
)
def test_times(times: Any, faulted: int) -> None:
    emulator = make(faults=[{"status": 503, "times": times}])
    codes = [get(emulator).status_code for _ in range(6)]
    assert codes == [503] * faulted + [200] * (6 - faulted)
    assert emulator.faults.rules[0].hits == faulted


def test_first_matching_rule_wins_and_exhausted_rules_step_aside() -> None:
    emulator = make(faults=[{"status": 429, "times": 2}, {"status": 503, "times": 1}])
    assert [get(emulator).status_code for _ in range(4)] == [429, 429, 503, 200]


def test_probability_uses_the_emulators_seeded_generator() -> None:
    def run(seed: int) -> list[int]:
        emulator = make(random_seed=seed, faults=[{"status": 503, "probability": 0.5}])
        return [get(emulator).status_code for _ in range(40)]

    first, again, other = run(7), run(7), run(8)
    assert first == again
    assert first != other
    assert 10 <= first.count(503) <= 30


def test_probability_misses_do_not_use_up_times() -> None:
    emulator = make(random_seed=3, faults=[{"status": 503, "probability": 0.3, "times": 2}])
    codes = [get(emulator).status_code for _ in range(60)]
    assert codes.count(503) == 2
    assert emulator.faults.rules[0].remaining == 0


def test_probability_zero_and_one() -> None:
    never = make(faults=[{"status": 503, "probability": 0}])
    assert {get(never).status_code for _ in range(20)} == {200}
    always = make(faults=[{"status": 503, "probability": 1}])
    assert {get(always).status_code for _ in range(20)} == {503}


def test_reset_rearms_the_configured_rules_reseeds_and_drops_runtime_rules() -> None:
    emulator = make(random_seed=1, faults=[{"status": 503, "probability": 0.5, "times": 3}])
    emulator.faults.add(status=429, path="/api/users/*")
    before = [get(emulator).status_code for _ in range(12)]
    emulator.reset()
    assert [a.rule.status for a in emulator.faults] == [503]
    assert [get(emulator).status_code for _ in range(12)] == before
    assert get(emulator, "/api/users/@me/").status_code == 200


def test_emulators_do_not_share_rules() -> None:
    one, two = make(), make()
    one.faults.add(status=503)
    assert (get(one).status_code, get(two).status_code) == (503, 200)


# -- the Python API ---------------------------------------------------------------------------
def test_add_remove_get_clear() -> None:
    faults = make().faults
    first = faults.add(FaultRule(status=503))
    second = faults.add({"status": 429, "times": 2})
    third = faults.add(drop=True, path="/api/x")
    assert [a.id for a in faults] == [1, 2, 3]
    assert faults.get(2) is second and faults.get(99) is None
    assert faults.remove(first.id) and not faults.remove(first.id)
    assert [a.id for a in faults.rules] == [2, 3]
    assert third.to_dict()["drop"] is True
    faults.clear()
    assert len(faults) == 0
    with pytest.raises(TypeError):
        faults.add({"status": 503}, times=1)


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({}, "a fault rule needs an action: status, drop or delay"),
        ({"status": 404}, "status must be 429 or a 5xx code, not 404"),
        ({"status": 503, "drop": True}, "cannot both answer a status and drop"),
        ({"status": 503, "times": 0}, "times must be 'once', 'always' or a positive integer"),
        ({"status": 503, "times": "twice"}, "times must be"),
        ({"status": 503, "probability": 1.5}, "probability must be between 0 and 1"),
        ({"delay": -1}, "delay must be a number of seconds from 0 to 60, not -1"),
        ({"delay": 61}, "delay must be a number of seconds from 0 to 60, not 61"),
        ({"delay": float("nan")}, "delay must be a number of seconds from 0 to 60, not nan"),
        ({"delay": float("inf")}, "delay must be a number of seconds from 0 to 60, not inf"),
        ({"delay": "1"}, "delay must be a number of seconds from 0 to 60, not '1'"),
        ({"status": 503, "probability": float("nan")}, "probability must be between 0 and 1"),
        ({"status": 429, "retry_after": "soon"}, "retry_after must be a non-negative integer"),
        ({"status": 500, "body": "html"}, "body must be 'posthog', 'raw' or a JSON value"),
        (
            {"status": 500, "statuss": 1},
            "unknown fault rule field(s) 'statuss'; known: status, drop",
        ),
    ],
)
def test_bad_rules_are_refused_with_a_reason(rule: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        FaultRule.from_dict(rule)
    with pytest.raises(ConfigurationError, match="bad fault rule"):
        make(faults=[rule])


def test_extend_is_all_or_nothing() -> None:
    faults = FaultSet()
    with pytest.raises(ValueError):
        faults.extend([{"status": 503}, {"status": 200}])
    assert len(faults) == 0


# -- /_phemu/faults ---------------------------------------------------------------------------
def test_control_plane_lists_adds_and_deletes_rules() -> None:
    emulator = make(faults=[{"status": 503, "times": 1}])
    client = emulator.client()
    listed = client.get("/_phemu/faults").json
    assert listed["count"] == 1
    assert listed["results"][0] == {
        "id": 1,
        "status": 503,
        "drop": False,
        "delay": 0.0,
        "method": None,
        "path": None,
        "path_regex": None,
        "project": None,
        "key": None,
        "times": 1,
        "probability": 1.0,
        "retry_after": None,
        "body": "posthog",
        "hits": 0,
        "remaining": 1,
    }
    added = client.post(
        "/_phemu/faults",
        json=[{"status": 429, "path": "/api/users/*"}, {"drop": True, "method": "DELETE"}],
    )
    assert added.status_code == 201
    assert [r["id"] for r in added.json["results"]] == [2, 3]
    assert client.post("/_phemu/faults", json={"status": 504}).json["results"][0]["id"] == 4
    assert get(emulator).status_code == 503
    assert client.get("/_phemu/faults/1").json["remaining"] == 0
    assert client.delete("/_phemu/faults/2").json == {"status": "deleted", "id": 2}
    missing = client.get("/_phemu/faults/2")
    assert (missing.status_code, missing.json) == (404, {"error": "no fault rule with id 2"})
    assert client.delete("/_phemu/faults").json == {"status": "cleared"}
    assert client.get("/_phemu/faults").json == {"count": 0, "results": []}


def test_control_plane_refuses_bad_rules_whole() -> None:
    client = make().client()
    bad = client.post("/_phemu/faults", json=[{"status": 503}, {"status": 503, "bogus": 1}])
    assert bad.status_code == 400
    assert bad.json["error"].startswith("unknown fault rule field(s) 'bogus'")
    assert client.post("/_phemu/faults", json=3).json == {
        "error": "a fault rule must be an object, not int"
    }
    assert (
        client.post("/_phemu/faults", data="{", content_type="application/json").status_code == 400
    )
    assert client.get("/_phemu/faults").json["count"] == 0


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ('{"delay": NaN}', "body is not valid JSON: NaN is not JSON"),
        ('{"delay": Infinity}', "body is not valid JSON: Infinity is not JSON"),
        ('{"delay": 1e999}', "body is not valid JSON: 1e999 is out of range for a JSON number"),
        ('{"delay": 1e9}', "delay must be a number of seconds from 0 to 60, not 1000000000.0"),
    ],
)
def test_control_plane_refuses_unbounded_and_non_finite_delays(body: str, error: str) -> None:
    emulator = make()
    client = emulator.client()
    response = client.post("/_phemu/faults", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.json["error"].startswith(error)
    assert len(emulator.faults) == 0
    assert get(emulator).status_code == 200


def test_control_plane_faults_do_not_touch_the_control_plane() -> None:
    emulator = make(faults=[{"status": 503}])
    assert emulator.client().get("/_phemu/health").status_code == 200
