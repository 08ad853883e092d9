"""Shared fixtures: a fresh emulator per test, a werkzeug client, and seed helpers."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from werkzeug.test import Client

from phemu.emulator import Emulator
from tests import hypothesis_profiles

# duckdb's extension module cannot be initialised twice in one process (duckdb 2 aborts);
# pytester's in-process runs (README snippets) drop every module first imported inside them, so
# the query extra is loaded once, before any of them, when it is installed.
with contextlib.suppress(ImportError):
    import duckdb  # noqa: F401

pytest_plugins = ["pytester"]

hypothesis_profiles.load()

DEFAULT_KEY = "phx_phemuDefaultPersonalApiKey000000000000000000"
DEFAULT_ORG = "01928a6e-3c1d-7000-8000-0000000000aa"
OTHER_ORG = "01928a6e-3c1d-7000-8000-0000000000bb"

#: PostHog's generic 500 body (deliberate 500s: where PostHog itself fails).
SERVER_ERROR = {
    "type": "server_error",
    "code": "error",
    "detail": "A server error occurred.",
    "attr": None,
}
#: PostHog's 403 for an action without a personal-API-key scope (``posthog/permissions.py``).
NO_KEY_ACCESS = {
    "type": "authentication_error",
    "code": "permission_denied",
    "detail": "This action does not support personal API key access",
    "attr": None,
}


def invalid_input(detail: str) -> dict[str, Any]:
    """A 400 ``invalid_input`` body with no ``attr``, as a dict."""
    return {"type": "validation_error", "code": "invalid_input", "detail": detail, "attr": None}


#: The default seed's user as PostHog's ``UserBasic`` (``created_by`` everywhere).
ADA = {
    "id": 1,
    "uuid": "01928a6e-3c1d-7000-8000-000000000101",
    "distinct_id": "u1",
    "first_name": "Ada",
    "last_name": "",
    "email": "ada@example.com",
    "is_email_verified": None,
    "hedgehog_config": None,
    "role_at_organization": None,
}


@pytest.fixture
def emulator() -> Emulator:
    """A fresh emulator on the default seed; fails the test if phemu hit an internal error."""
    emu = Emulator(load_entrypoints=False)
    yield emu
    emu.check()


@pytest.fixture
def widgets() -> Emulator:
    """An emulator with the neutral test routes of ``tests/platform_plugin.py``."""
    from tests.platform_plugin import WidgetPlugin

    return Emulator(load_entrypoints=False, plugins=[WidgetPlugin()])


@pytest.fixture
def client(emulator: Emulator) -> Client:
    return emulator.client()


@pytest.fixture
def auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {DEFAULT_KEY}"}


@contextmanager
def disk_full(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every fsync and fdatasync fails with ENOSPC inside the block (a full disk)."""

    def refuse(fd: int) -> None:
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as broken:
        broken.setattr(os, "fsync", refuse)
        broken.setattr(os, "fdatasync", refuse)
        yield


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def add_key(emulator: Emulator, value: str, **fields: Any) -> dict[str, str]:
    """Seed a key for the default user and return its auth headers."""
    record = {"user": "ada@example.com", "value": value, "scopes": ["*"], **fields}
    emulator.load_seed({"version": 1, "personal_api_keys": [record]})
    return bearer(value)


def add_other_org(emulator: Emulator, project_id: int = 7) -> dict[str, str]:
    """A second organization with project ``project_id``, its own user and ``*`` key."""
    emulator.load_seed(
        {
            "version": 1,
            "organizations": [{"id": OTHER_ORG, "name": "Other org"}],
            "projects": [{"id": project_id, "organization": OTHER_ORG, "name": "Theirs"}],
            "users": [{"email": "eve@example.com", "organizations": [OTHER_ORG]}],
            "personal_api_keys": [{"user": "eve@example.com", "value": "phx_eve", "scopes": ["*"]}],
        }
    )
    return bearer("phx_eve")


def invalid(code: str, detail: str, attr: str | None) -> str:
    """A 400 validation error body exactly as PostHog serialises it."""
    return json.dumps(
        {"type": "validation_error", "code": code, "detail": detail, "attr": attr},
        separators=(",", ":"),
    )


def body(response: Any) -> Any:
    return json.loads(response.get_data(as_text=True))
