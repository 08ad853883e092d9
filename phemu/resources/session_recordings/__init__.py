"""Session-recording AI."""

from __future__ import annotations

from phemu.resources.session_recordings.responses import RESOURCE

__all__ = ["RESOURCE"]
