"""The subscription routes (``ee/api/subscription.py``'s ``SubscriptionViewSet``)."""

from __future__ import annotations

from phemu.resources.subscriptions import responses
from phemu.routing import Route

ROUTES: tuple[Route, ...] = (
    Route(
        "/subscriptions/",
        "subscriptions.list",
        {"GET": responses.list_, "POST": responses.create},
        "subscription",
        name="Subscription List",
        operations={"GET": "subscriptions_list", "POST": "subscriptions_create"},
    ),
    Route(
        "/subscriptions/<pk>/",
        "subscriptions.detail",
        {"GET": responses.retrieve, "PUT": responses.update, "PATCH": responses.partial_update},
        "subscription",
        forbid_destroy=True,
        name="Subscription Instance",
        operations={
            "GET": "subscriptions_retrieve",
            "PUT": "subscriptions_update",
            "PATCH": "subscriptions_partial_update",
            "DELETE": "subscriptions_destroy",
        },
    ),
)
