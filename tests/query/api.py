"""Posting a query body to an emulator, for the ``query/`` API tests."""

from __future__ import annotations

from typing import Any

from phemu.emulator import Emulator


def answer(emulator: Emulator, query: dict[str, Any]) -> Any:
    """The 200 body of ``POST /api/projects/1/query/`` for ``query`` (fails on any other status)."""
    response = emulator.client().post(
        "/api/projects/1/query/", json={"query": query}, headers=emulator.auth_headers
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json
