"""JSON rendering as PostHog renders it.

Datetimes are UTC with a ``Z`` suffix and fractional seconds only when non-zero (Django REST
Framework's ``DateTimeField`` output under PostHog's settings).
"""

from __future__ import annotations

import json
from datetime import datetime
from datetime import timezone
from typing import Any


def format_datetime(value: datetime | None) -> str | None:
    """``2026-06-15T10:00:00Z`` or ``2026-06-15T10:00:00.123456Z``; ``None`` stays ``None``."""
    if value is None:
        return None
    utc = value.astimezone(timezone.utc) if value.tzinfo else value
    text = utc.replace(tzinfo=None).isoformat()
    return text + "Z"


def dumps(data: Any) -> bytes:
    """Compact UTF-8 JSON; key order as built by the serializers."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=_default).encode()


def _default(value: object) -> object:
    if isinstance(value, datetime):
        return format_datetime(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")
