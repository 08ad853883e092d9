"""Insights (dashboards-insights.md §1, §3): model, rules, handlers, routes, seeds.

No query engine: an insight stores its ``query`` verbatim and never computes results.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from typing import Any


@dataclass(slots=True, kw_only=True)
class Insight:
    """One insight. ``project`` is the project id; ``created_by``/``last_modified_by`` user ids."""

    id: int
    project: int
    short_id: str
    created_at: datetime
    last_modified_at: datetime
    name: str | None = None
    derived_name: str | None = None
    filters: dict[str, Any] = field(default_factory=dict)
    query: Any = None
    deleted: bool = False
    created_by: int | None = None
    description: str | None = None
    tags: list[str] = field(default_factory=list)
    favorited: bool = False
    saved: bool = False
    last_modified_by: int | None = None


class InsightsState:
    """The insight table of one store (``store.state(InsightsState)``)."""

    def __init__(self) -> None:
        self.insights: dict[int, Insight] = {}
        self.short_ids: dict[tuple[int, str], int] = {}  # (project, short_id) -> insight id

    def get(self, pk: int) -> Insight | None:
        """The insight with id ``pk`` in any project, soft-deleted ones included."""
        return self.insights.get(pk)

    def by_short_id(self, project: int, short_id: str) -> Insight | None:
        """The insight of ``project`` with that short id (soft-deleted ones included)."""
        pk = self.short_ids.get((project, short_id))
        return None if pk is None else self.insights.get(pk)
