"""The sessions resource's ``Emulator`` options, taken like a plugin's (``phemu_configure``).

``Emulator(channel_lookups={"sources": {...}, "mediums": {...}})`` extends the channel lookup
table of that emulator (``channel_lookups.py``); a bad table is a
:class:`~phemu.errors.ConfigurationError` at start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

from phemu.plugin_manager import hookimpl
from phemu.resources.sessions.channel_lookups import configured_lookups
from phemu.resources.sessions.models import SessionsBackend

if TYPE_CHECKING:
    from phemu.emulator import Emulator


@hookimpl
def phemu_configure(emulator: Emulator, options: dict[str, Any]) -> None:
    if "channel_lookups" in options:
        raw = options.pop("channel_lookups")
        SessionsBackend.of(emulator).configured = configured_lookups(raw)
