"""The capture doors PostHog's SDKs post events to (not under ``/api/``)."""

from __future__ import annotations

from phemu.resources.capture.responses import capture
from phemu.resources.capture.responses import options
from phemu.routing import Route

_PATHS = {
    "batch": "/batch/",
    "e": "/e/",
    "i_v0_e": "/i/v0/e/",
    "capture": "/capture/",
    "track": "/track/",
}

ROUTES: tuple[Route, ...] = tuple(
    Route(
        path,
        f"capture.{name}",
        {"GET": capture, "POST": capture, "OPTIONS": options},
        "",
        nested=False,
        public=True,
        name="Capture",
    )
    for name, path in _PATHS.items()
)
