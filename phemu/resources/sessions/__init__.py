"""Sessions (``docs/sessions.md``): the session property catalogue and observed values.

``models.py`` holds the session record, the tables and :class:`SessionsBackend`
(``emulator.sessions``); ``value_index.py`` one project's sessions with the index behind
``values``; ``derivation.py`` sessions from raw events; ``catalogue.py`` PostHog's property
catalogue; ``channel_type.py`` / ``channel_lookups.py`` the ``$channel_type`` rules and tables;
``like.py`` ClickHouse's ``ILIKE``; ``options.py`` the ``channel_lookups=`` option;
``responses.py`` / ``urls.py`` / ``seed.py`` the handlers, routes and seed sections.
"""

from __future__ import annotations

from pathlib import Path

from phemu.resources._base import Resource
from phemu.resources.sessions import options
from phemu.resources.sessions import seed
from phemu.resources.sessions import urls
from phemu.resources.sessions.models import SessionsBackend

#: The sample data set ``phemu serve`` loads after the default seed (``fixtures/README.md``).
SAMPLE_SEED_PATH = Path(__file__).resolve().parents[2] / "data" / "sessions_sample.json"

RESOURCE = Resource(
    name="sessions",
    routes=urls.ROUTES,
    backend=SessionsBackend,
    seed_sections=seed.SECTIONS,
    plugin=options,
)

__all__ = ["RESOURCE", "SAMPLE_SEED_PATH", "SessionsBackend"]
