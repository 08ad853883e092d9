"""Session-recording AI (``docs/ai.md``): ``ai/filters`` and ``ai/regex``.

Stateless: the answers come from the responder pipeline (:mod:`phemu.ai`), whose canned queues
are ``emulator.ai``. ``rules.py`` checks the bodies, ``responses.py`` holds the handlers,
``urls.py`` the routes.
"""

from __future__ import annotations

from phemu.resources._base import Resource
from phemu.resources.session_recordings import urls

RESOURCE = Resource(name="session_recordings", routes=urls.ROUTES)

__all__ = ["RESOURCE"]
