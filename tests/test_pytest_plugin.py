"""The pytest plugin, exercised the way users meet it: through ``pytester`` runs."""

from __future__ import annotations

import subprocess
import sys

import httpx  # noqa: F401  (imported here so pytester's in-process runs share these modules)
import pytest
import requests  # noqa: F401
import responses  # noqa: F401

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")

ISOLATION = """
import requests

ORG = "01928a6e-3c1d-7000-8000-0000000000aa"

def test_a_seeds_then_fails(posthog_mock):
    posthog_mock.emulator.load_seed(
        {"version": 1, "projects": [{"id": 2, "organization": ORG, "name": "Extra"}]}
    )
    count = requests.get(posthog_mock.url("/api/projects/"), headers=posthog_mock.auth_headers)
    assert count.json()["count"] == 2
    assert False, "deliberate failure"

def test_b_starts_clean(posthog_mock, posthog_api_key):
    assert posthog_api_key == "phx_phemuDefaultPersonalApiKey000000000000000000"
    response = requests.get(
        "https://eu.posthog.com/api/projects/",
        headers={"Authorization": f"Bearer {posthog_api_key}"},
    )
    assert response.json()["count"] == 1
    posthog_mock.assert_called("GET", "/api/projects/", times=1)
"""


def test_each_test_gets_a_clean_emulator_even_after_a_failure(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(ISOLATION)
    result = pytester.runpytest("-p", "no:cacheprovider", "--strict-markers")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*deliberate failure*"])


MARKER = """
import pytest

ORG = "01928a6e-3c1d-7000-8000-0000000000aa"
EXTRA = {"version": 1, "projects": [{"id": 9, "organization": ORG, "name": "Marked"}]}

@pytest.mark.phemu(
    profile="cloud", seeds=[EXTRA], clock="2026-06-15T10:00:00Z", rate_limits="posthog"
)
def test_marker_configures_the_emulator(posthog_emulator):
    assert posthog_emulator.profile == "cloud"
    assert posthog_emulator.now().isoformat() == "2026-06-15T10:00:00+00:00"
    assert posthog_emulator.clock.frozen
    assert posthog_emulator.throttler is not None
    assert sorted(posthog_emulator.store.projects) == [1, 9]

def test_unmarked_uses_the_defaults(posthog_emulator):
    assert posthog_emulator.profile == "docs"
    assert not posthog_emulator.clock.frozen
    assert posthog_emulator.throttler is None

@pytest.mark.phemu("cloud")
def test_positional_marker_arguments_are_refused(posthog_emulator):
    pass
"""


def test_marker_sets_profile_seeds_clock_and_emulator_options(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(MARKER)
    result = pytester.runpytest("-p", "no:cacheprovider", "--strict-markers")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*takes keyword arguments only*"])


CONFTEST_OVERRIDES = """
import pytest

@pytest.fixture
def posthog_profile():
    return "cloud"

@pytest.fixture
def posthog_base_urls():
    return ["http://posthog.internal:8000"]

@pytest.fixture
def posthog_clock():
    return "2026-01-02T03:04:05Z"

@pytest.fixture
def posthog_emulator_options():
    return {"random_seed": 7}
"""

OVERRIDDEN = """
import httpx
import pytest
import requests

def test_overrides_apply(posthog_mock):
    emulator = posthog_mock.emulator
    assert (emulator.profile, emulator.random_seed) == ("cloud", 7)
    assert emulator.now().isoformat() == "2026-01-02T03:04:05+00:00"
    assert posthog_mock.base_url == "http://posthog.internal:8000"
    response = requests.get(
        "http://posthog.internal:8000/api/environments/1/nothing/",
        headers=posthog_mock.auth_headers,
    )
    assert response.status_code == 404

@pytest.mark.phemu(profile="docs")
def test_marker_beats_the_config_fixture(posthog_httpx):
    assert posthog_httpx.emulator.profile == "docs"
    response = httpx.get(
        "http://posthog.internal:8000/api/users/@me/", headers=posthog_httpx.auth_headers
    )
    assert response.json()["email"] == "ada@example.com"
    with pytest.raises(httpx.ConnectError, match="not routed"):
        httpx.get("https://api.example.com/")
"""


def test_config_fixtures_can_be_overridden_in_conftest(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(CONFTEST_OVERRIDES)
    pytester.makepyfile(OVERRIDDEN)
    result = pytester.runpytest("-p", "no:cacheprovider", "--strict-markers")
    result.assert_outcomes(passed=2)


SERVER = """
import requests

ORG = "01928a6e-3c1d-7000-8000-0000000000aa"
URLS = []

def test_first(posthog_server):
    URLS.append(posthog_server.url)
    assert posthog_server.url.startswith("http://127.0.0.1:")
    seeded = requests.post(
        posthog_server.url_for("/_phemu/seed"),
        json={"version": 1, "projects": [{"id": 2, "organization": ORG, "name": "Extra"}]},
    )
    assert seeded.status_code == 200
    listed = requests.get(
        posthog_server.url_for("/api/projects/"), headers=posthog_server.auth_headers
    )
    assert listed.json()["count"] == 2
    posthog_server.emulator.assert_called("GET", "/api/projects/", times=1)

def test_second_same_server_fresh_state(posthog_server, posthog_emulator):
    assert URLS == [posthog_server.url]
    assert posthog_server.emulator is posthog_emulator
    listed = requests.get(
        posthog_server.url_for("/api/projects/"), headers=posthog_server.auth_headers
    )
    assert listed.json()["count"] == 1
    assert listed.json()["next"] is None
"""


def test_server_is_started_once_and_serves_each_tests_fresh_emulator(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(SERVER)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


BUG = """
import pytest
import requests
from phemu.plugin_manager import hookimpl
from phemu.extend import json_response
from phemu.routing import Route

def crash(ctx):
    raise RuntimeError("kaboom inside phemu")

class Crashing:
    @hookimpl
    def phemu_routes(self, profile):
        return [Route("/crash/", "t.crash", {"GET": crash}, "project")]

@pytest.mark.phemu(plugins=[Crashing()])
def test_hits_a_phemu_bug(posthog_mock):
    response = requests.get(
        posthog_mock.url("/api/projects/1/crash/"), headers=posthog_mock.auth_headers
    )
    assert response.status_code == 500
"""


def test_teardown_reraises_phemu_bugs(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(BUG)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*PhemuBug*", "*kaboom inside phemu*"])


def test_marker_is_registered() -> None:
    output = subprocess.run(
        [sys.executable, "-m", "pytest", "--markers", "-p", "no:cacheprovider"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    assert "@pytest.mark.phemu(profile=None, seeds=(), clock=None, **emulator_options)" in output


def test_importing_the_plugin_imports_nothing_heavy() -> None:
    code = (
        "import sys, phemu.pytest_plugin; "
        "print(sorted(m for m in ('phemu.emulator', 'werkzeug', 'responses', 'requests', "
        "'httpx', 'dateutil') if m in sys.modules))"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert output.stdout.strip() == "[]"
