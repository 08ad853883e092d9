"""The web inspector at ``GET /_phemu/``: content over HTTP, then in a real headless Chromium."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest

from phemu.emulator import Emulator
from phemu.resources import Backend
from phemu.resources import Resource
from phemu.seed import SeedSection
from phemu.server import ThreadedServer

ORG = "01928a6e-3c1d-7000-8000-0000000000aa"
CHROMIUM = "/usr/bin/chromium"


class Widgets:
    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []


def _load(emulator: Emulator, records: list[dict[str, Any]]) -> None:
    emulator.store.state(Widgets).records.extend(records)


def _export(emulator: Emulator) -> list[dict[str, Any]]:
    return list(emulator.store.state(Widgets).records)


WIDGETS = Resource("widgets", (), seed_sections=(SeedSection("widgets", _load, _export),))


class Gadgets(Backend):
    def inspect(self) -> dict[str, Any]:
        return {"total": 3, "next delivery": "tomorrow <9am>"}


GADGETS = Resource("gadgets", (), backend=Gadgets)


def populated() -> Emulator:
    emulator = Emulator()
    emulator.resources = (*emulator.resources, WIDGETS, GADGETS)
    emulator.load_seed(
        {
            "version": 1,
            "projects": [{"id": 42, "name": "Inspector project <b>", "organization": ORG}],
            "widgets": [
                {
                    "id": 5,
                    "project": 42,
                    "name": "Weekly widget",
                    "next_delivery_date": "2030-01-01",
                }
            ],
        }
    )
    emulator.outbox.append({"kind": "email", "target_type": "email", "target_value": "a@b.c"})
    client = emulator.client()
    client.get("/api/projects/42/", headers=emulator.auth_headers)
    client.get("/api/projects/999/", headers=emulator.auth_headers)
    return emulator


def test_inspector_shows_every_section() -> None:
    emulator = populated()
    response = emulator.client().get("/_phemu/")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    page = response.get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="5">' in page
    assert "Default project" in page
    assert "Inspector project &lt;b&gt;" in page  # escaped
    assert "phx_...0000" in page  # the key, masked
    assert "phx_phemuDefaultPersonalApiKey" not in page  # never in clear
    assert "Weekly widget" in page and "2030-01-01" in page  # a seed-section resource
    assert '<span class="count">(1 · project 42: 1)</span>' in page  # counts per project
    assert "next delivery" in page and "tomorrow &lt;9am&gt;" in page  # an inspect callback
    assert "a@b.c" in page  # the outbox
    assert "/api/projects/999/" in page and '<td class="s4">404</td>' in page  # last requests
    assert "src=" not in page and "<link" not in page  # no external assets


def test_inspector_shows_dashboards_and_insights_created_over_the_api() -> None:
    emulator = Emulator()
    client = emulator.client()
    created = client.post(
        "/api/projects/1/dashboards/", json={"name": "Board seen"}, headers=emulator.auth_headers
    )
    assert created.status_code == 201
    page = client.get("/_phemu/").text
    assert "Board seen" in page
    assert "Dashboards: summary" in page


def test_inspector_refresh_can_be_changed_or_disabled() -> None:
    client = Emulator().client()
    assert '<meta http-equiv="refresh" content="30">' in client.get("/_phemu/?refresh=30").text
    assert "http-equiv" not in client.get("/_phemu/?refresh=0").text
    assert "auto-refresh off" in client.get("/_phemu/?refresh=0").text


def test_inspector_without_trailing_slash_and_not_journaled() -> None:
    emulator = Emulator()
    assert emulator.client().get("/_phemu").status_code == 200
    assert emulator.requests() == []


def chromium_or_skip() -> str:
    found = shutil.which("chromium") or (CHROMIUM if os.path.exists(CHROMIUM) else None)
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail(
            "chromium is not installed but CI is set: .ci/run must apt-get install chromium"
        )
    pytest.skip("chromium is not installed (apt-get install chromium); CI installs it")


def dump_dom(url: str) -> str:
    binary = chromium_or_skip()
    with tempfile.TemporaryDirectory(prefix="phemu-chromium-") as profile:
        done = subprocess.run(
            [
                binary,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={profile}",
                "--dump-dom",
                url,
            ],
            capture_output=True,
            text=True,
            timeout=90,
            check=False,
        )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_inspector_in_headless_chromium() -> None:
    emulator = populated()
    with ThreadedServer(emulator) as server:
        client = emulator.client()
        client.get("/api/projects/1/", headers=emulator.auth_headers)
        dom = dump_dom(server.url + "/_phemu/")
    assert "<title>phemu inspector</title>" in dom
    for expected in (
        "Inspector project &lt;b&gt;",
        "Default project",
        "phx_...0000",
        "Weekly widget",
        "tomorrow &lt;9am&gt;",
        "a@b.c",
        "/api/projects/999/",
    ):
        assert expected in dom, expected
    assert "phx_phemuDefaultPersonalApiKey" not in dom


def test_inspector_over_a_real_server_shows_objects_created_over_http(tmp_path: Path) -> None:
    emulator = Emulator()
    with ThreadedServer(emulator) as server:
        import requests

        requests.post(
            server.url + "/_phemu/seed",
            json={
                "version": 1,
                "projects": [{"id": 9, "name": "Posted over HTTP", "organization": ORG}],
            },
            timeout=10,
        )
        requests.get(server.url + "/api/projects/9/", headers=emulator.auth_headers, timeout=10)
        dom = dump_dom(server.url + "/_phemu/?refresh=0")
    assert "Posted over HTTP" in dom
    assert "/api/projects/9/" in dom


@pytest.mark.skipif(
    importlib.util.find_spec("phemu.resources.subscriptions") is None,
    reason="subscriptions are not emulated on this branch yet",
)
def test_inspector_in_chromium_shows_a_subscription_and_its_next_delivery() -> None:
    emulator = Emulator(load_entrypoints=False)
    emulator.freeze_time("2026-06-15T10:00:00Z")
    with ThreadedServer(emulator) as server:
        import requests

        headers = emulator.auth_headers
        insight = requests.post(
            server.url + "/api/projects/1/insights/",
            json={"name": "KPIs"},
            headers=headers,
            timeout=10,
        ).json()
        created = requests.post(
            server.url + "/api/projects/1/subscriptions/",
            json={
                "insight": insight["id"],
                "target_type": "email",
                "target_value": "ops@example.com",
                "frequency": "weekly",
                "start_date": "2026-06-01T09:00:00Z",
                "title": "Weekly KPI mail",
            },
            headers=headers,
            timeout=10,
        ).json()
        dom = dump_dom(server.url + "/_phemu/?refresh=0")
    assert "Weekly KPI mail" in dom
    assert created["next_delivery_date"] in dom
    assert "ops@example.com" in dom


def seeded_sessions_and_events() -> Emulator:
    """3 sessions seeded in computed form and 250 events making 40 more sessions."""
    emulator = Emulator(load_entrypoints=False)
    emulator.sessions.add(
        [{"session_id": f"c{i}", "distinct_id": "u1", "properties": {}} for i in range(3)]
    )
    emulator.sessions.ingest(
        {
            "event": "$pageview",
            "distinct_id": f"u{i % 40}",
            "timestamp": f"2026-06-15T10:{i // 60:02d}:{i % 60:02d}Z",
            "properties": {"$session_id": f"s{i % 40}", "$current_url": "https://example.com/"},
        }
        for i in range(250)
    )
    emulator.client().get("/api/projects/", headers=emulator.auth_headers)
    return emulator


def test_inspector_session_counts_agree_and_long_tables_start_collapsed() -> None:
    """Issue 12, item 9: the summary said "sessions 43" while the table said "Sessions (0)"
    (only sessions seeded in computed form), and 250 event rows pushed the outbox and the
    requests off screen."""
    page = seeded_sessions_and_events().client().get("/_phemu/?refresh=0").text
    assert "<th>sessions</th><td>43</td>" in page and "<th>events</th><td>250</td>" in page
    assert '<h2>Sessions <span class="count">(43 · project 1: 43)</span></h2>' in page
    assert "s39" in page and "c2" in page  # derived and seeded sessions alike
    # the requests and the outbox come first, and a long table starts collapsed
    assert page.index('id="requests"') < page.index('id="events"')
    assert page.index('id="outbox"') < page.index('id="events"')
    events = page[page.index('id="events"') :]
    assert events.startswith('id="events"><details>'), events[:80]  # closed: no "open"
    assert "showing 100 of 250" in events
    requests_section = page[page.index('id="requests"') :]
    assert requests_section.startswith('id="requests"><details open>')


def test_inspector_keeps_requests_open_and_counts_the_whole_journal() -> None:
    emulator = Emulator(load_entrypoints=False)
    client = emulator.client()
    for _ in range(120):
        client.get("/api/projects/", headers=emulator.auth_headers)
    page = client.get("/_phemu/?refresh=" + "9" * 4301).text  # an absurd refresh: the default
    assert '<meta http-equiv="refresh" content="5">' in page
    assert '<section id="requests"><details open><summary><h2>Last 100 of 120 requests' in page
