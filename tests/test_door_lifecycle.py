"""Front doors started and stopped in any order, and dropped connections through each door.

Several mocks may be active at once (a fixture plus a test's own ``phemu.mock()``): the patch of
``requests`` (through ``responses``) and of httpx's transports is shared and reference-counted,
so it is restored exactly when the last active door stops, whatever the order.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import requests
import requests.adapters
import responses

import phemu
from phemu.emulator import Emulator
from phemu.server import ThreadedServer
from tests.doors_plugin import DoorsPlugin

A_HOST = "http://a.posthog.internal"
B_HOST = "http://b.posthog.internal"


def patched_attributes() -> dict[str, Any]:
    """Everything the doors patch, as the process sees it now."""
    return {
        "requests.send": requests.adapters.HTTPAdapter.send,
        "responses._on_request": responses.RequestsMock.__dict__["_on_request"],
        "httpx.sync": httpx.HTTPTransport.handle_request,
        "httpx.async": httpx.AsyncHTTPTransport.handle_async_request,
    }


@pytest.fixture
def pristine() -> Iterator[dict[str, Any]]:
    before = patched_attributes()
    yield before
    assert patched_attributes() == before


def fresh() -> Emulator:
    return Emulator(load_entrypoints=False, plugins=[DoorsPlugin()])


def mocks(a: Emulator, b: Emulator) -> tuple[phemu.PostHogMock, phemu.PostHogMock]:
    mock_a = phemu.mock(a, base_url=A_HOST, default_hosts=False, httpx=True)
    mock_b = phemu.mock(b, base_url=B_HOST, httpx=True)
    return mock_a, mock_b


@pytest.mark.parametrize("order", list(itertools.permutations("AB")), ids="-".join)
def test_two_mocks_restore_every_patch_in_any_stop_order(
    pristine: dict[str, Any], order: tuple[str, str]
) -> None:
    a, b = fresh(), fresh()
    mock_a, mock_b = mocks(a, b)
    mock_a.start()
    mock_b.start()
    assert patched_attributes() != pristine
    by_name = {"A": mock_a, "B": mock_b}
    first, second = (by_name[name] for name in order)
    first.stop()
    # the other mock still answers through both libraries
    still = second
    host = A_HOST if still is mock_a else B_HOST
    assert requests.get(f"{host}/api/users/@me/", headers=still.auth_headers).status_code == 200
    assert httpx.get(f"{host}/api/users/@me/", headers=still.auth_headers).status_code == 200
    # and the stopped one's host is no longer routed anywhere
    gone = A_HOST if first is mock_a else B_HOST
    with pytest.raises(requests.ConnectionError, match="not routed to the emulator"):
        requests.get(f"{gone}/api/users/@me/")
    with pytest.raises(httpx.ConnectError, match="not routed to the emulator"):
        httpx.get(f"{gone}/api/users/@me/")
    second.stop()
    assert patched_attributes() == pristine
    assert len(a.requests()) + len(b.requests()) == 2


def test_after_the_last_stop_requests_reach_the_network_again(
    pristine: dict[str, Any],
) -> None:
    """What the issue saw: a later real call reached a stopped emulator."""
    a, b = fresh(), fresh()
    live_emulator = fresh()
    mock_a, mock_b = mocks(a, b)
    with ThreadedServer(live_emulator, host="127.0.0.1", port=0) as live:
        mock_a.start()
        mock_b.start()
        mock_a.stop()
        mock_b.stop()
        assert requests.get(f"{live.url}/api/projects/").status_code == 401
        assert httpx.get(f"{live.url}/api/projects/").status_code == 401
    assert len(live_emulator.requests()) == 2
    assert a.requests() == [] and b.requests() == []


def test_interleaved_starts_and_a_restart(pristine: dict[str, Any]) -> None:
    a, b = fresh(), fresh()
    mock_a, mock_b = mocks(a, b)
    with mock_a:
        with mock_b:
            pass
        assert requests.get(f"{A_HOST}/api/projects/", headers=mock_a.auth_headers).ok
        mock_b.start()
    assert patched_attributes() != pristine  # B still runs
    assert requests.get(f"{B_HOST}/api/projects/", headers=mock_b.auth_headers).ok
    mock_b.stop()


def test_the_newest_mock_answers_a_host_both_route(pristine: dict[str, Any]) -> None:
    outer, inner = fresh(), fresh()
    with phemu.mock(outer, httpx=True) as ph, phemu.mock(inner, httpx=True):
        assert requests.get(ph.url("/api/projects/"), headers=ph.auth_headers).ok
        assert httpx.get(ph.url("/api/projects/"), headers=ph.auth_headers).is_success
        assert len(inner.requests()) == 2 and outer.requests() == []


def test_a_user_mock_started_later_keeps_its_patch_when_phemu_stops_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Stopping out of order with a user's own ``responses`` mock neither breaks theirs nor
    leaves phemu answering once both are done.

    ``unittest.mock`` patches nest last-in, first-out, so phemu leaves its (now inert) function
    under the user's patch instead of undoing it; the user's stop puts that function back.
    """
    original_send = requests.adapters.HTTPAdapter.send
    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", original_send)  # undo at the end
    before = patched_attributes()
    emu = fresh()
    ph = phemu.mock(emu)
    ph.start()
    user = responses.RequestsMock()
    user.start()
    user.get("https://api.stripe.com/v1/charges", json={"data": []})
    ph.stop()
    assert requests.get("https://api.stripe.com/v1/charges").json() == {"data": []}
    with pytest.raises(requests.ConnectionError, match="doesn't match any registered mock"):
        requests.get("https://us.posthog.com/api/projects/")  # no phemu mock is active
    user.stop()
    after = patched_attributes()
    assert {k: v for k, v in after.items() if k != "requests.send"} == {
        k: v for k, v in before.items() if k != "requests.send"
    }
    with pytest.raises(requests.ConnectionError, match=r"Connection refused|Max retries"):
        requests.get("http://127.0.0.1:9/api/projects/", timeout=2)  # the network
    assert emu.requests() == []


# -- dropped connections ------------------------------------------------------------------------


def dropping() -> Emulator:
    return Emulator(faults=[{"drop": True}])


def test_mock_raises_requests_connection_error_on_a_drop(pristine: dict[str, Any]) -> None:
    emu = dropping()
    with phemu.mock(emu) as ph, pytest.raises(requests.ConnectionError) as caught:
        requests.get(ph.url("/api/projects/"), headers=ph.auth_headers)
    assert type(caught.value) is requests.exceptions.ConnectionError
    assert caught.value.request is not None
    assert [(e.status, e.error) for e in emu.requests()] == [(0, "dropped connection")]


@pytest.mark.parametrize("door", ["transport", "patcher"])
def test_httpx_doors_raise_remote_protocol_error_on_a_drop(
    pristine: dict[str, Any], door: str
) -> None:
    emu = dropping()
    url = "https://us.posthog.com/api/projects/"
    if door == "transport":
        client = httpx.Client(transport=phemu.httpx_transport(emu))
        aclient = httpx.AsyncClient(transport=phemu.async_httpx_transport(emu))
        patch: Any = None
    else:
        patch = phemu.mock_httpx(emu).start()
        client, aclient = httpx.Client(), httpx.AsyncClient()
    try:
        with pytest.raises(httpx.RemoteProtocolError, match="Server disconnected"):
            client.get(url, headers=emu.auth_headers)

        async def call() -> None:
            async with aclient:
                await aclient.get(url, headers=emu.auth_headers)

        with pytest.raises(httpx.RemoteProtocolError, match="Server disconnected"):
            asyncio.run(call())
    finally:
        client.close()
        if patch is not None:
            patch.stop()
    assert [e.status for e in emu.requests()] == [0, 0]
