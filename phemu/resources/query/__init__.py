"""``query/``: HogQL and the common query kinds, computed from the emulator's own events.

Roles: ``urls.py`` (routes), ``responses.py`` (the handlers), ``models.py`` (state and
:class:`QueryBackend`, the Python API ``emulator.query.run(body, project=1)``,
``.status(query_id)``, ``.cancel(query_id)``), ``adapter.py`` (the records the engine reads).
The engine itself is :mod:`phemu.query`.
"""

from __future__ import annotations

from phemu.resources._base import Resource
from phemu.resources.query import urls
from phemu.resources.query.models import QueryBackend

RESOURCE = Resource(name="query", routes=urls.ROUTES, backend=QueryBackend)

__all__ = ["RESOURCE", "QueryBackend"]
