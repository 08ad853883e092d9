"""Routes of the persons resource."""

from __future__ import annotations

from phemu.resources.persons import responses
from phemu.routing import Route

ROUTES: tuple[Route, ...] = (
    Route("/persons/", "persons.list", {"GET": responses.list_}, "person"),
    Route("/persons/<pk>/", "persons.retrieve", {"GET": responses.retrieve}, "person"),
)
