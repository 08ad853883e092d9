"""Routes of the persons resource."""

from __future__ import annotations

from phemu.resources.persons import responses
from phemu.routing import Route

ROUTES: tuple[Route, ...] = (
    # PersonViewSet is a ModelViewSet (posthog/api/person.py): the other actions exist there
    # (write scope, then 405 here).
    Route(
        "/persons/", "persons.list", {"GET": responses.list_}, "person", mapped=frozenset({"POST"})
    ),
    Route(
        "/persons/<pk>/",
        "persons.retrieve",
        {"GET": responses.retrieve},
        "person",
        mapped=frozenset({"PUT", "PATCH", "DELETE"}),
    ),
)
