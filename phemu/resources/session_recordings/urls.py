"""The session-recording AI routes (``SessionRecordingViewSet``'s ``ai/filters``, ``ai/regex``)."""

from __future__ import annotations

from typing import Any

from phemu.resources.session_recordings import responses
from phemu.routing import Route


def _route(action: str, handler: Any, cloud: Any, description: str) -> Route:
    return Route(
        f"/session_recordings/ai/{action}/",
        f"session_recordings.ai_{action}",
        {"POST": handler},
        "session_recording",
        read_methods=frozenset({"POST"}),
        throttle="clickhouse",
        cloud=cloud,
        name="Session Recording",
        description=description,
        operations={"POST": f"session_recordings_ai_{action}_create"},
    )


ROUTES: tuple[Route, ...] = (
    _route(
        "filters",
        responses.filters,
        "absent",
        "Generate session recording filters using AI. This is in development and likely to "
        "change, you should not depend on this API.",
    ),
    _route(
        "regex",
        responses.regex,
        "refuse_keys",
        "Generate regex patterns using AI. This is in development and likely to change, you "
        "should not depend on this API.",
    ),
)
