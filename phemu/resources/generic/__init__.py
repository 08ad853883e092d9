"""The generic resource: every operation of PostHog's schema no hand-written resource serves.

- ``models.py``: records per collection and place, and :class:`GenericBackend`
  (``emulator.generic``), their only writer and the Python API;
- ``responses.py``: the one HTTP handler (list, create, retrieve, update, destroy, actions);
- ``actions.py``: actions answered from stored state (``activity``, ``bulk_keys``);
- ``urls.py``: :func:`complete_routes`, the hand-written routes plus generic ones;
- ``seed.py``: the ``generic`` seed section.

See ``docs/generic.md`` for the tiers (``exact`` / ``stateful`` / ``shaped``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

from phemu.resources._base import Resource
from phemu.resources.generic import seed
from phemu.resources.generic.models import Answer
from phemu.resources.generic.models import GenericBackend
from phemu.resources.generic.urls import OperationRoute
from phemu.resources.generic.urls import complete_routes

if TYPE_CHECKING:
    from phemu.emulator import Emulator


def _inspect(emulator: Emulator) -> dict[str, Any]:
    from phemu.resources.generic.models import GenericState

    state = emulator.store.state(GenericState)
    counts = {
        name: sum(len(table) for table in places.values())
        for name, places in sorted(state.tables.items())
    }
    return {
        "records": {name: n for name, n in counts.items() if n},
        "scripted": emulator.generic.pending(),
    }


RESOURCE = Resource(name="generic", routes=(), seed_sections=(seed.SECTION,), inspect=_inspect)

__all__ = ["RESOURCE", "Answer", "GenericBackend", "OperationRoute", "complete_routes"]
