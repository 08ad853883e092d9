"""httpx doors: sync/async transports and the patcher for clients created anywhere."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

import phemu
from phemu.emulator import Emulator
from phemu.server import ThreadedServer
from tests.doors_plugin import DoorsPlugin

INTERNAL = "http://posthog.internal:8000"


@pytest.fixture
def emu() -> Emulator:
    emulator = Emulator(load_entrypoints=False, plugins=[DoorsPlugin()])
    yield emulator
    emulator.check()


def test_sync_transport_answers_any_host_and_keeps_it_for_links(emu: Emulator) -> None:
    transport = phemu.httpx_transport(emu)
    with httpx.Client(transport=transport, base_url="http://my-posthog:1234") as client:
        page = client.get("/api/projects/1/items/?limit=2", headers=emu.auth_headers).json()
        echoed = client.post(
            "/api/projects/1/echo/?q=1",
            headers={**emu.auth_headers, "X-Custom": "v"},
            content=b'{"a": 1}',
        )
    assert page["next"] == "http://my-posthog:1234/api/projects/1/items/?limit=2&offset=2"
    body = echoed.json()
    assert (body["method"], body["path"], body["query"]) == ("POST", "/api/projects/1/echo/", "q=1")
    assert (body["x_custom"], body["body"]) == ("v", '{"a": 1}')
    assert echoed.headers["X-Echo"] == "1"
    emu.assert_called("POST", "/api/projects/1/echo/", times=1)


def test_sync_transport_builds_its_own_emulator() -> None:
    transport = phemu.httpx_transport(profile="cloud", load_entrypoints=False)
    with httpx.Client(transport=transport) as client:
        response = client.get(
            "https://us.posthog.com/api/environments/1/nothing/",
            headers=transport.emulator.auth_headers,
        )
    assert response.status_code == 404
    assert transport.emulator.profile == "cloud"


@pytest.mark.parametrize("in_thread", [False, True])
def test_async_transport(emu: Emulator, in_thread: bool) -> None:
    async def scenario() -> list[httpx.Response]:
        transport = phemu.async_httpx_transport(emu, in_thread=in_thread)
        async with httpx.AsyncClient(transport=transport, base_url=INTERNAL) as client:
            return list(
                await asyncio.gather(
                    client.get("/api/projects/", headers=emu.auth_headers),
                    client.put("/api/environments/1/echo/", headers=emu.auth_headers, json=[1]),
                )
            )

    projects, echoed = asyncio.run(scenario())
    assert projects.json()["results"][0]["name"] == "Default project"
    assert echoed.json()["method"] == "PUT"
    assert json.loads(echoed.json()["body"]) == [1]
    assert len(emu.requests()) == 2


def test_patcher_routes_clients_created_anywhere_sync_and_async(emu: Emulator) -> None:
    created_before = httpx.AsyncClient(transport=httpx.AsyncHTTPTransport(retries=3))

    async def scenario() -> int:
        response = await created_before.get(
            "https://eu.posthog.com/api/users/@me/", headers=emu.auth_headers
        )
        await created_before.aclose()
        return response.status_code

    with phemu.mock_httpx(emu, base_urls=[INTERNAL]) as ph:
        assert httpx.get(ph.url("/api/projects/"), headers=ph.auth_headers).status_code == 200
        with httpx.Client() as client:
            page = client.get(f"{INTERNAL}/api/projects/1/items/?limit=4", headers=ph.auth_headers)
        assert page.json()["next"] == f"{INTERNAL}/api/projects/1/items/?limit=4&offset=4"
        assert asyncio.run(scenario()) == 200
    emu.assert_called("GET", "/api/users/@me/", times=1)
    assert [e.path for e in emu.requests()] == [
        "/api/projects/",
        "/api/projects/1/items/",
        "/api/users/@me/",
    ]


def test_patcher_leaves_requests_alone_and_restores_httpx(emu: Emulator) -> None:
    sync_original = httpx.HTTPTransport.handle_request
    async_original = httpx.AsyncHTTPTransport.handle_async_request
    import requests.adapters

    requests_original = requests.adapters.HTTPAdapter.send
    with phemu.mock_httpx(emu):
        assert requests.adapters.HTTPAdapter.send is requests_original
        assert httpx.HTTPTransport.handle_request is not sync_original
    assert httpx.HTTPTransport.handle_request is sync_original
    assert httpx.AsyncHTTPTransport.handle_async_request is async_original


def test_mock_with_httpx_flag_routes_both_libraries(emu: Emulator) -> None:
    import requests

    with phemu.mock(emu, httpx=True) as ph:
        assert requests.get(ph.url("/api/projects/"), headers=ph.auth_headers).ok
        assert httpx.get(ph.url("/api/projects/"), headers=ph.auth_headers).is_success
    emu.assert_called("GET", "/api/projects/", times=2)


def test_unknown_host_fails_sync_and_async(emu: Emulator) -> None:
    async def scenario() -> None:
        async with httpx.AsyncClient() as client:
            await client.get("https://api.example.com/async")

    with phemu.mock_httpx(emu):
        with pytest.raises(httpx.ConnectError) as sync_error:
            httpx.get("https://api.example.com/sync")
        with pytest.raises(httpx.ConnectError) as async_error:
            asyncio.run(scenario())
    assert "GET https://api.example.com/sync is not routed to the emulator" in str(sync_error.value)
    assert "Routed base URLs: https://us.posthog.com" in str(async_error.value)


def test_passthrough_sync_and_async(emu: Emulator) -> None:
    with ThreadedServer(Emulator(load_entrypoints=False), host="127.0.0.1", port=0) as live:

        async def scenario() -> int:
            async with httpx.AsyncClient() as client:
                return (await client.get(f"{live.url}/_phemu/health")).status_code

        with phemu.mock_httpx(emu, passthrough=[live.url]):
            assert httpx.get(f"{live.url}/_phemu/health").status_code == 200
            assert asyncio.run(scenario()) == 200
            with pytest.raises(httpx.ConnectError, match="Passthrough is limited to"):
                httpx.get("http://127.0.0.2:9/")
