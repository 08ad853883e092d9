"""One scenario through every front door: same statuses, bodies, headers and journal."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import requests

import phemu
from phemu.emulator import Emulator
from phemu.errors import DroppedConnection
from phemu.server import ThreadedServer
from tests.doors_plugin import DoorsPlugin

KEY = {"Authorization": "Bearer phx_phemuDefaultPersonalApiKey000000000000000000"}

#: (method, path with query, headers, body)
SCENARIO: list[tuple[str, str, dict[str, str], bytes | None]] = [
    ("GET", "/api/projects/", KEY, None),
    ("GET", "/api/projects/@current/", KEY, None),
    ("GET", "/api/environments/1/items/?limit=2&offset=2&n=5", KEY, None),
    ("PATCH", "/api/projects/1/echo/?x=1", {**KEY, "Content-Type": "application/json"}, b'{"a":1}'),
    ("PATCH", "/api/projects/", KEY, b""),
    ("GET", "/api/projects/", {}, None),
    ("GET", "/api/projets/", KEY, None),
    ("OPTIONS", "/api/users/@me/", KEY, None),
]

Outcome = tuple[int, str, str, str | None]
Door = Callable[[Emulator, str], list[Outcome]]


def normalise(base: str, status: int, headers: Any, body: bytes) -> Outcome:
    host = base.split("://", 1)[1]
    text = body.decode("utf-8").replace(base, "BASE").replace(host, "HOST")
    return status, text, headers.get("Allow", ""), headers.get("Content-Type")


def via_werkzeug(emu: Emulator, base: str) -> list[Outcome]:
    client = emu.client()
    out = []
    for method, path, headers, body in SCENARIO:
        response = client.open(path, base_url=base, method=method, headers=headers, data=body)
        out.append(normalise(base, response.status_code, response.headers, response.get_data()))
    return out


def via_requests(emu: Emulator, base: str) -> list[Outcome]:
    out = []
    with phemu.mock(emu, base_url=base):
        for method, path, headers, body in SCENARIO:
            response = requests.request(method, base + path, headers=headers, data=body)
            out.append(normalise(base, response.status_code, response.headers, response.content))
    return out


def via_httpx_transport(emu: Emulator, base: str) -> list[Outcome]:
    out = []
    with httpx.Client(transport=phemu.httpx_transport(emu)) as client:
        for method, path, headers, body in SCENARIO:
            response = client.request(method, base + path, headers=headers, content=body)
            out.append(normalise(base, response.status_code, response.headers, response.content))
    return out


def via_async_transport(emu: Emulator, base: str) -> list[Outcome]:
    async def run() -> list[Outcome]:
        out = []
        transport = phemu.async_httpx_transport(emu, in_thread=True)
        async with httpx.AsyncClient(transport=transport) as client:
            for method, path, headers, body in SCENARIO:
                response = await client.request(method, base + path, headers=headers, content=body)
                out.append(
                    normalise(base, response.status_code, response.headers, response.content)
                )
        return out

    return asyncio.run(run())


def via_httpx_patch(emu: Emulator, base: str) -> list[Outcome]:
    out = []
    with phemu.mock_httpx(emu, base_url=base), httpx.Client() as client:
        for method, path, headers, body in SCENARIO:
            response = client.request(method, base + path, headers=headers, content=body)
            out.append(normalise(base, response.status_code, response.headers, response.content))
    return out


def via_server(emu: Emulator, base: str) -> list[Outcome]:
    out = []
    with ThreadedServer(emu, host="127.0.0.1", port=0) as server, requests.Session() as session:
        for method, path, headers, body in SCENARIO:
            response = session.request(method, server.url + path, headers=headers, data=body)
            out.append(
                normalise(server.url, response.status_code, response.headers, response.content)
            )
    return out


DOORS: dict[str, Door] = {
    "requests": via_requests,
    "httpx_transport": via_httpx_transport,
    "async_transport": via_async_transport,
    "httpx_patch": via_httpx_patch,
    "server": via_server,
}


def fresh() -> Emulator:
    emu = Emulator(load_entrypoints=False, plugins=[DoorsPlugin()])
    emu.freeze_time("2026-06-15T10:00:00Z")
    return emu


def journal(emu: Emulator) -> list[tuple[Any, ...]]:
    return [
        (e.method, e.path, e.query, e.status, e.endpoint, e.unknown_route) for e in emu.requests()
    ]


@pytest.fixture(scope="module")
def reference() -> tuple[list[Outcome], list[tuple[Any, ...]]]:
    emu = fresh()
    outcomes = via_werkzeug(emu, "https://us.posthog.com")
    return outcomes, journal(emu)


@pytest.mark.parametrize("door", sorted(DOORS))
def test_every_door_answers_and_journals_identically(
    door: str, reference: tuple[list[Outcome], list[tuple[Any, ...]]]
) -> None:
    emu = fresh()
    outcomes = DOORS[door](emu, "http://posthog.internal:8000")
    expected_outcomes, expected_journal = reference
    for step, (got, expected) in enumerate(zip(outcomes, expected_outcomes, strict=True)):
        assert got == expected, f"step {step}: {SCENARIO[step][:2]}"
    assert journal(emu) == expected_journal
    assert len(expected_journal) == len(SCENARIO)
    emu.check()


def test_reference_scenario_is_not_trivial(
    reference: tuple[list[Outcome], list[tuple[Any, ...]]],
) -> None:
    statuses = [status for status, *_ in reference[0]]
    assert statuses == [200, 200, 200, 200, 405, 401, 404, 200]
    assert '"next":"BASE/api/environments/1/items/?limit=2&n=5&offset=4"' in reference[0][2][1]


# -- a dropped connection: each door fails the way its client library fails --------------------

DROP_PATH = "/api/projects/"


def drop_via_requests(emu: Emulator, base: str) -> None:
    with phemu.mock(emu, base_url=base):
        requests.get(base + DROP_PATH, headers=KEY)


def drop_via_httpx_transport(emu: Emulator, base: str) -> None:
    with httpx.Client(transport=phemu.httpx_transport(emu)) as client:
        client.get(base + DROP_PATH, headers=KEY)


def drop_via_async_transport(emu: Emulator, base: str) -> None:
    async def run() -> None:
        transport = phemu.async_httpx_transport(emu, in_thread=True)
        async with httpx.AsyncClient(transport=transport) as client:
            await client.get(base + DROP_PATH, headers=KEY)

    asyncio.run(run())


def drop_via_httpx_patch(emu: Emulator, base: str) -> None:
    with phemu.mock_httpx(emu, base_url=base), httpx.Client() as client:
        client.get(base + DROP_PATH, headers=KEY)


def drop_via_server(emu: Emulator, base: str) -> None:
    with ThreadedServer(emu, host="127.0.0.1", port=0) as server, requests.Session() as session:
        session.get(server.url + DROP_PATH, headers=KEY)


#: door -> (how it sends one GET, the exception its client library raises on a dropped socket)
DROPS: dict[str, tuple[Callable[[Emulator, str], None], type[BaseException]]] = {
    "requests": (drop_via_requests, requests.exceptions.ConnectionError),
    "httpx_transport": (drop_via_httpx_transport, httpx.RemoteProtocolError),
    "async_transport": (drop_via_async_transport, httpx.RemoteProtocolError),
    "httpx_patch": (drop_via_httpx_patch, httpx.RemoteProtocolError),
    "server": (drop_via_server, requests.exceptions.ConnectionError),
}


def test_every_door_has_a_drop_case() -> None:
    assert set(DROPS) == set(DOORS)


@pytest.mark.parametrize("door", sorted(DROPS))
def test_a_dropped_connection_raises_the_client_librarys_own_error(door: str) -> None:
    send, expected = DROPS[door]
    emu = Emulator(plugins=[DoorsPlugin()], faults=[{"drop": True, "path": DROP_PATH}])
    with pytest.raises(expected) as caught:
        send(emu, "http://posthog.internal:8000")
    assert not isinstance(caught.value, DroppedConnection), "phemu's own error leaked out"
    assert [(e.path, e.status, e.error) for e in emu.requests()] == [
        (DROP_PATH, 0, "dropped connection")
    ]
    emu.check()
