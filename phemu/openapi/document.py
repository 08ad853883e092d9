"""PostHog's published OpenAPI document, vendored in ``phemu/data/`` (see its SOURCE note).

Loaded on first use and kept for the life of the process: nothing imports it at ``import
phemu`` time, and every emulator of the process shares the one parsed copy (read-only).
"""

from __future__ import annotations

import gzip
import json
from functools import cache
from pathlib import Path
from typing import Any

DOCUMENT_PATH = Path(__file__).resolve().parent.parent / "data" / "posthog-openapi.json.gz"
REF_PREFIX = "#/components/schemas/"


@cache
def document() -> dict[str, Any]:
    """The whole document (paths, components); treat it as read-only."""
    with gzip.open(DOCUMENT_PATH, "rb") as handle:
        data: dict[str, Any] = json.loads(handle.read())
    return data


def components() -> dict[str, Any]:
    """``components.schemas`` by name."""
    schemas: dict[str, Any] = document()["components"]["schemas"]
    return schemas


def ref_name(schema: Any) -> str | None:
    """The component a ``$ref`` (or a lone ``allOf: [$ref]`` wrapper) points at."""
    if not isinstance(schema, dict):
        return None
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith(REF_PREFIX):
        return ref[len(REF_PREFIX) :]
    parts = schema.get("allOf")
    if isinstance(parts, list) and len(parts) == 1:
        return ref_name(parts[0])
    return None
