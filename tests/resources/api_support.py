"""What the API tests of definitions, persons and events share."""

from __future__ import annotations

from typing import Any

from phemu.emulator import Emulator


def get_ok(emulator: Emulator, auth: dict[str, str], path: str) -> Any:
    """The JSON body of a GET that must answer 200."""
    response = emulator.client().get(path, headers=auth)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()
