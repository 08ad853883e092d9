"""Subscriptions: scheduled insight or dashboard reports (``docs/subscriptions.md``).

The worked example of the resource contract in ``docs/architecture.md``:

- ``models.py``: the record, its table, and :class:`SubscriptionsBackend` (the only writer;
  its public methods are ``emulator.subscriptions``);
- ``responses.py``: thin handlers; ``urls.py``: the routes; ``seed.py``: the seed section;
- ``rules.py``: validation in the serializer's order; ``webhook_url.py``: PostHog's URL check;
- ``schedule.py``: ``summary`` and ``next_delivery_date``; ``delivery.py``: outbox entries.
"""

from __future__ import annotations

from phemu.resources._base import Resource
from phemu.resources.subscriptions import seed
from phemu.resources.subscriptions import urls
from phemu.resources.subscriptions.models import SubscriptionsBackend

RESOURCE = Resource(
    name="subscriptions",
    routes=urls.ROUTES,
    backend=SubscriptionsBackend,
    seed_sections=(seed.SECTION,),
)

__all__ = ["RESOURCE", "SubscriptionsBackend"]
