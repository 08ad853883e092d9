"""``phemu.mock()``: the requests door (routing, passthrough, lifecycle, coexisting mocks)."""

from __future__ import annotations

import asyncio
import json

import pytest
import requests
import requests.adapters
import responses

import phemu
from phemu.emulator import Emulator
from phemu.errors import ConfigurationError
from phemu.server import ThreadedServer
from tests.doors_plugin import DoorsPlugin

INTERNAL = "http://posthog.internal:8000"


@pytest.fixture
def emu() -> Emulator:
    emulator = Emulator(load_entrypoints=False, plugins=[DoorsPlugin()])
    yield emulator
    emulator.check()


def test_default_hosts_and_named_base_url_are_routed(emu: Emulator) -> None:
    with phemu.mock(emu, base_url=INTERNAL) as ph:
        assert ph.base_url == INTERNAL
        assert ph.base_urls[1:] == (
            "https://us.posthog.com",
            "https://eu.posthog.com",
            "https://app.posthog.com",
            "https://us.i.posthog.com",
            "https://eu.i.posthog.com",
        )
        for base in ph.base_urls:
            response = requests.get(f"{base}/api/users/@me/", headers=ph.auth_headers)
            assert response.status_code == 200
            assert response.json()["email"] == "ada@example.com"
    assert len(emu.requests("GET", "/api/users/@me/", status=200)) == 6


def test_method_path_query_headers_and_body_reach_the_app_unchanged(emu: Emulator) -> None:
    with phemu.mock(emu, base_url=INTERNAL) as ph:
        response = requests.patch(
            f"{INTERNAL}/api/environments/1/echo/?b=2&a=1&a=%20x",
            headers={**ph.auth_headers, "X-Custom": "hé"},
            json={"name": "ü"},
        )
    assert response.status_code == 200
    assert response.headers["X-Echo"] == "1"
    assert response.headers["Content-Type"] == "application/json"
    echoed = response.json()
    assert echoed["method"] == "PATCH"
    assert echoed["path"] == "/api/environments/1/echo/"
    assert echoed["query"] == "b=2&a=1&a=%20x"
    assert echoed["host"] == "posthog.internal:8000"
    assert echoed["content_type"] == "application/json"
    assert echoed["x_custom"] == "hé"  # sent latin-1 on the wire, read back as latin-1
    assert json.loads(echoed["body"]) == {"name": "ü"}


def test_form_body_and_percent_encoded_path(emu: Emulator) -> None:
    with phemu.mock(emu) as ph:
        response = requests.post(
            ph.url("/api/projects/1/echo/"), headers=ph.auth_headers, data={"k": "v w"}
        )
        assert response.json()["body"] == "k=v+w"
        assert response.json()["content_type"] == "application/x-www-form-urlencoded"
        encoded = requests.get(ph.url("/api/projects/%31/echo/"), headers=ph.auth_headers)
    assert encoded.json()["path"] == "/api/projects/1/echo/"


def test_pagination_links_point_back_at_the_called_host(emu: Emulator) -> None:
    with phemu.mock(emu, base_url=INTERNAL) as ph:
        for base in (INTERNAL, "https://eu.posthog.com"):
            page = requests.get(
                f"{base}/api/projects/1/items/?limit=2&n=5", headers=ph.auth_headers
            ).json()
            assert page["next"] == f"{base}/api/projects/1/items/?limit=2&n=5&offset=2"
            following = requests.get(page["next"], headers=ph.auth_headers).json()
            assert [item["id"] for item in following["results"]] == [3, 4]
            assert following["previous"] == f"{base}/api/projects/1/items/?limit=2&n=5"


def test_error_bodies_are_posthogs(emu: Emulator) -> None:
    with phemu.mock(emu) as ph:
        unknown = requests.get(ph.url("/api/nothing/"))
        no_auth = requests.get(ph.url("/api/projects/"))
    assert unknown.status_code == 404
    assert unknown.content == (
        b'{"type":"invalid_request","code":"not_found","detail":"Endpoint not found.","attr":null}'
    )
    assert no_auth.status_code == 401
    assert no_auth.json()["type"] == "authentication_error"


def test_unknown_host_fails_naming_the_url_and_routed_base_urls(emu: Emulator) -> None:
    with phemu.mock(emu, base_url=INTERNAL), pytest.raises(requests.ConnectionError) as caught:
        requests.get("https://api.example.com/v1/things?x=1")
    message = str(caught.value)
    assert "GET https://api.example.com/v1/things?x=1 is not routed to the emulator" in message
    routed = f"Routed base URLs: {INTERNAL}, https://us.posthog.com, https://eu.posthog.com"
    assert routed in message
    assert "passthrough=True" in message


def test_same_host_other_port_or_scheme_is_not_routed(emu: Emulator) -> None:
    with phemu.mock(emu, base_url=INTERNAL):
        for url in ("http://posthog.internal:9000/api/projects/", "http://us.posthog.com/api/"):
            with pytest.raises(requests.ConnectionError, match="is not routed"):
                requests.get(url)


@pytest.fixture
def live() -> ThreadedServer:
    """A real server on 127.0.0.1 standing in for "the network" in passthrough tests."""
    with ThreadedServer(Emulator(load_entrypoints=False), host="127.0.0.1", port=0) as server:
        yield server


def test_passthrough_true_lets_other_hosts_reach_the_network(
    emu: Emulator, live: ThreadedServer
) -> None:
    with phemu.mock(emu, passthrough=True) as ph:
        outside = requests.get(f"{live.url}/_phemu/health")
        inside = requests.get(ph.url("/_phemu/health"))
    assert outside.status_code == 200
    assert outside.json()["status"] == "ok"
    assert inside.status_code == 200
    assert live.emulator.requests() == []  # the control plane is not journaled on either side


def test_passthrough_list_allows_only_those_prefixes(emu: Emulator, live: ThreadedServer) -> None:
    with phemu.mock(emu, passthrough=[live.url + "/_phemu/"]):
        assert requests.get(f"{live.url}/_phemu/health").status_code == 200
        with pytest.raises(requests.ConnectionError) as caught:
            requests.get(f"{live.url}/api/projects/")
    assert f"Passthrough is limited to: {live.url}/_phemu/" in str(caught.value)


def test_context_manager_decorator_and_start_stop_restore_requests(emu: Emulator) -> None:
    original = requests.adapters.HTTPAdapter.send
    ph = phemu.mock(emu)

    @ph
    def call() -> int:
        return requests.get(ph.url("/api/projects/"), headers=ph.auth_headers).status_code

    assert call() == 200
    assert requests.adapters.HTTPAdapter.send is original
    ph.start()
    with ph:  # nested: the inner exit must not uninstall
        pass
    assert ph.active
    assert requests.get(ph.url("/api/projects/"), headers=ph.auth_headers).status_code == 200
    ph.stop()
    assert not ph.active
    assert requests.adapters.HTTPAdapter.send is original
    ph.stop()  # stopping a stopped mock is harmless
    emu.assert_called("GET", "/api/projects/", times=2)


def test_async_functions_can_be_decorated(emu: Emulator) -> None:
    ph = phemu.mock(emu)

    @ph
    async def call() -> int:
        return requests.get(ph.url("/api/projects/"), headers=ph.auth_headers).status_code

    assert asyncio.run(call()) == 200


def test_mock_builds_an_emulator_from_options_or_takes_one() -> None:
    ph = phemu.mock(profile="cloud", load_entrypoints=False)
    assert ph.emulator.profile == "cloud"
    assert ph.api_key == "phx_phemuDefaultPersonalApiKey000000000000000000"
    with pytest.raises(ConfigurationError, match="either an Emulator or Emulator options"):
        phemu.mock(Emulator(load_entrypoints=False), profile="cloud")
    with pytest.raises(ConfigurationError, match=r"not a base URL: 'posthog\.internal'"):
        phemu.mock(base_url="posthog.internal")


def test_inside_a_user_responses_mock_other_hosts_go_to_the_users_mock(emu: Emulator) -> None:
    with responses.RequestsMock() as user:
        user.get("https://api.stripe.com/v1/charges", json={"data": []})
        with phemu.mock(emu) as ph:
            assert requests.get("https://api.stripe.com/v1/charges").json() == {"data": []}
            assert requests.get(ph.url("/api/projects/"), headers=ph.auth_headers).ok
            with pytest.raises(requests.ConnectionError) as caught:
                requests.get("https://api.example.com/")
        assert len(user.calls) == 2
    assert "doesn't match any registered mock" in str(caught.value)
    assert "phemu routes only: https://us.posthog.com" in str(caught.value)


def test_outside_a_user_responses_mock_posthog_hosts_still_reach_phemu(emu: Emulator) -> None:
    with phemu.mock(emu) as ph, responses.RequestsMock() as user:
        user.get("https://api.stripe.com/v1/charges", json={"data": []})
        user.get(ph.url("/api/users/@me/"), json={"canned": True})
        assert requests.get("https://api.stripe.com/v1/charges").json() == {"data": []}
        # the user's own registration for a PostHog URL wins over phemu
        assert requests.get(ph.url("/api/users/@me/")).json() == {"canned": True}
        projects = requests.get(ph.url("/api/projects/"), headers=ph.auth_headers)
        assert projects.json()["count"] == 1
        with pytest.raises(requests.ConnectionError, match="doesn't match any registered"):
            requests.get("https://api.example.com/")
    emu.assert_called("GET", "/api/projects/", times=1)
    emu.assert_called("GET", "/api/users/@me/", times=0)


@responses.activate
def test_with_the_responses_decorator_and_the_default_mock(emu: Emulator) -> None:
    responses.get("https://api.stripe.com/v1/charges", json={"data": []})
    with phemu.mock(emu) as ph:
        assert requests.get(ph.url("/api/projects/"), headers=ph.auth_headers).ok
        assert requests.get("https://api.stripe.com/v1/charges").ok


def test_a_phemu_bug_answers_500_and_is_reraised_by_check(emu: Emulator) -> None:
    with phemu.mock(emu) as ph:
        response = requests.get(ph.url("/api/projects/1/crash/"), headers=ph.auth_headers)
    assert response.status_code == 500
    with pytest.raises(AssertionError, match="door test crash"):
        emu.check()


def test_a_long_lived_mock_keeps_no_request_or_response_alive(emu: Emulator) -> None:
    import gc

    def alive() -> int:
        gc.collect()
        return sum(isinstance(o, requests.Response) for o in gc.get_objects())

    with phemu.mock(emu) as ph:
        session = requests.Session()
        requests_made = [
            session.get(ph.url("/api/projects/"), headers=ph.auth_headers).status_code
            for _ in range(20)
        ]
        assert requests_made == [200] * 20
        assert alive() <= 1  # at most the latest call, until the next one
        assert len(emu.requests()) == 20  # the journal is what records requests
