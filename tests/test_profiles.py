"""Profiles: docs (default) and cloud (README.md, "Platform behaviour")."""

from __future__ import annotations

import pytest

from phemu.emulator import Emulator
from phemu.errors import ConfigurationError
from tests.platform_plugin import WidgetPlugin


def test_default_profile_is_docs(monkeypatch):
    monkeypatch.delenv("PHEMU_PROFILE", raising=False)
    assert Emulator(load_entrypoints=False).profile == "docs"


def test_env_var_chooses_profile_and_argument_wins(monkeypatch):
    monkeypatch.setenv("PHEMU_PROFILE", "cloud")
    assert Emulator(load_entrypoints=False).profile == "cloud"
    assert Emulator(load_entrypoints=False, profile="docs").profile == "docs"


def test_unknown_profile_is_a_configuration_error():
    with pytest.raises(ConfigurationError, match="unknown profile 'prod'"):
        Emulator(profile="prod")


def test_cloud_marks_environment_paths_deprecated_even_on_errors():
    emu = Emulator(load_entrypoints=False, profile="cloud", plugins=[WidgetPlugin()])
    client = emu.client()
    ok = client.get("/api/environments/1/widgets?limit=2&offset=2", headers=emu.auth_headers)
    assert ok.headers["Deprecation"] == "true"
    assert (
        ok.headers["Link"] == '</api/projects/1/widgets?limit=2&offset=2>; rel="successor-version"'
    )
    unauthenticated = client.get("/api/environments/1/widgets/")
    assert unauthenticated.status_code == 401
    assert unauthenticated.headers["Link"] == '</api/projects/1/widgets/>; rel="successor-version"'
    assert "Deprecation" not in client.get("/api/projects/1/widgets/").headers
    assert "Deprecation" not in client.get("/api/environments/1/nothing/").headers


def test_docs_profile_sends_no_deprecation_headers():
    emu = Emulator(load_entrypoints=False, plugins=[WidgetPlugin()])
    response = emu.client().get("/api/environments/1/widgets/", headers=emu.auth_headers)
    assert "Deprecation" not in response.headers and "Link" not in response.headers
