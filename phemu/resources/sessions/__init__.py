"""Sessions."""

from __future__ import annotations

from phemu.resources.sessions.responses import RESOURCE
from phemu.resources.sessions.responses import SAMPLE_SEED_PATH
from phemu.resources.sessions.responses import _state
from phemu.resources.sessions.responses import session_properties

__all__ = ["RESOURCE", "SAMPLE_SEED_PATH", "_state", "session_properties"]
