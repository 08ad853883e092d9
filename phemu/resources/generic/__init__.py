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

from phemu.resources._base import Resource
from phemu.resources.generic import seed
from phemu.resources.generic.models import Answer
from phemu.resources.generic.models import GenericBackend
from phemu.resources.generic.urls import OperationRoute
from phemu.resources.generic.urls import complete_routes

#: No routes of its own: ``complete_routes`` adds them for whatever the others leave.
RESOURCE = Resource(
    name="generic", routes=(), backend=GenericBackend, seed_sections=(seed.SECTION,)
)

__all__ = ["RESOURCE", "Answer", "GenericBackend", "OperationRoute", "complete_routes"]
