"""Route helpers shared by the suites: every route of the emulator as concrete URLs.

The suites enumerate ``emulator.routes.routes`` at run time, so a resource that lands later is
covered without touching them.
"""

from __future__ import annotations

import json
import re
from typing import Any

from phemu.emulator import Emulator
from phemu.resources.generic import OperationRoute
from phemu.routing import Route

METHODS = ("GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE")
_VARIABLE = re.compile(r"<(?:[a-z_]+:)?([a-z_]+)>")

ERROR_KEYS = ["type", "code", "detail", "attr"]


def all_routes() -> list[Route]:
    """The routes of a default (``docs``) emulator, sorted by endpoint for stable test ids."""
    return sorted(Emulator().routes.routes.values(), key=lambda r: r.endpoint)


def is_generic(route: Route) -> bool:
    """A route only the schema-driven resource serves (``phemu/resources/generic``)."""
    return isinstance(route, OperationRoute) and not route.exact_methods


def route_params(routes: list[Route]) -> list[Any]:
    """``routes`` as pytest parameters; with ``PHEMU_ALL_OPERATIONS=1`` the schema-driven ones
    carry the ``slow`` marker (the nightly-style run of every operation)."""
    import pytest

    from tests.contract.conftest import ALL_OPERATIONS

    return [
        pytest.param(
            r, id=r.endpoint, marks=[pytest.mark.slow] if ALL_OPERATIONS and is_generic(r) else []
        )
        for r in routes
    ]


def suite_routes(generic_sample: int) -> list[Route]:
    """Every hand-written route, plus a sample of the schema-driven ones (all of them with
    ``PHEMU_ALL_OPERATIONS=1``): their checks are one code path, so a sample per run keeps the
    suites within the CI budget while every route is exercised across runs."""
    from tests.contract.conftest import sample

    routes = all_routes()
    generic = [r for r in routes if is_generic(r)]
    return [r for r in routes if not is_generic(r)] + sample(generic, generic_sample)


def has_pk(route: Route) -> bool:
    return any(name != "project" for name in _VARIABLE.findall(route.path))


def url(
    route: Route, *, project: str | int = 1, pk: str | int = 1, prefix: str = "projects"
) -> str:
    """A concrete path for ``route``: nested routes under ``/api/<prefix>/<project>``."""
    path = _VARIABLE.sub(lambda _m: str(pk), route.path)
    return f"/api/{prefix}/{project}{path}" if route.nested else path


def segment(route: Route) -> str:
    """The resource segment of a nested route (``subscriptions``, ``session_recordings``)."""
    return route.path.strip("/").split("/", 1)[0]


def error_body(status: int, detail: str) -> dict[str, Any]:
    """PostHog's error body for the statuses the isolation suite expects."""
    kinds = {
        403: ("authentication_error", "permission_denied"),
        404: ("invalid_request", "not_found"),
    }
    type_, code = kinds[status]
    return {"type": type_, "code": code, "detail": detail, "attr": None}


def is_posthog_error(raw: bytes) -> bool:
    """Exactly ``{type, code, detail, attr}`` with PostHog's value types
    (``exceptions_hog/handler.py``)."""
    try:
        body = json.loads(raw)
    except ValueError:
        return False
    return (
        isinstance(body, dict)
        and list(body) == ERROR_KEYS
        and isinstance(body["type"], str)
        and isinstance(body["code"], str)
        and isinstance(body["detail"], str)
        and (body["attr"] is None or isinstance(body["attr"], str))
    )
