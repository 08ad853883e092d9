"""phemu-faults: injected 429s, 5xx answers, delays and dropped connections.

Shipped with phemu and registered through the ``phemu`` entry-point group (``faults``): it takes
the ``faults=[...]`` option in ``phemu_configure`` and keeps each emulator's rules in
``emulator.extensions["faults"]`` (also reachable as ``emulator.faults``); with no rules it does
nothing. See ``README.md`` next to this
file.
"""

from __future__ import annotations

from phemu_faults.faultset import ActiveRule
from phemu_faults.faultset import FaultSet
from phemu_faults.hooks import phemu_before_request
from phemu_faults.hooks import phemu_configure
from phemu_faults.hooks import phemu_control_routes
from phemu_faults.hooks import phemu_reset
from phemu_faults.rules import FaultRule

PHEMU_PLUGIN_NAME = "faults"

__all__ = [
    "ActiveRule",
    "FaultRule",
    "FaultSet",
    "phemu_before_request",
    "phemu_configure",
    "phemu_control_routes",
    "phemu_reset",
]
