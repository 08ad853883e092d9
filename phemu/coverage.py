"""The endpoint coverage report served by ``GET /_phemu/coverage``.

The evidence (every operation of PostHog's schema, vendored in ``phemu/data/``, plus the AI and
supporting endpoints, and which test modules validate, walk or verify each) is generated from
the repository by ``tools/coverage_report.py`` into ``phemu/data/coverage.json``; this module
only reads that file and adds the live columns of the running emulator (is the operation
emulated, its tier, what does the ``cloud`` profile do with it).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

if TYPE_CHECKING:
    from phemu.emulator import Emulator

EVIDENCE = Path(__file__).with_name("data") / "coverage.json"


# -- live columns (from an emulator) -------------------------------------------------------------


def route_status(emulator: Emulator, method: str, path: str) -> tuple[bool, str, str | None]:
    """``(emulated, note, tier)`` for one operation on ``emulator``'s route table; the tier is
    ``exact``, ``stateful`` or ``shaped`` (``Route.tier``, docs/generic.md)."""
    import re

    from werkzeug.exceptions import HTTPException

    concrete = re.sub(r"\{[^}]+\}", "1", path)
    adapter = emulator.routes.url_map.bind("testserver")
    try:
        (endpoint, _), _ = adapter.match(concrete, method="GET", return_rule=False)
    except HTTPException:
        return False, "no route", None
    route = emulator.routes.routes[endpoint]
    emulated, note = _served(emulator, route, method)
    return emulated, note, route.tier(method) if emulated else None


def _served(emulator: Emulator, route: Any, method: str) -> tuple[bool, str]:
    if emulator.profile == "cloud" and route.cloud == "absent":
        return False, "absent (404) in cloud"
    if route.required_scopes(method) is None:
        return True, "403 for personal API keys (no scope in PostHog's schema)"
    if method in route.handlers:
        note = (
            "403 for personal API keys"
            if emulator.profile == "cloud" and route.cloud == "refuse_keys"
            else "served"
        )
        return True, note
    if method == "DELETE" and route.forbid_destroy:
        return True, "405, empty body (ForbidDestroyModel)"
    return False, f"route exists, {method} answers 405"


def report(emulator: Emulator, evidence: dict[str, Any]) -> dict[str, Any]:
    """The evidence plus the live columns for ``emulator`` (``GET /_phemu/coverage``)."""
    rows = []
    suites = evidence.get("route_suites", {})
    for op in evidence["operations"]:
        emulated, note, tier = route_status(emulator, op["method"], op["path"])
        rows.append(
            {
                **op,
                "tier": tier,
                # The suites skip what is not emulated, so a table entry alone proves nothing.
                "validated_by": op["validated_by"] if emulated else [],
                "walked_by": op["walked_by"] if emulated else [],
                "verified_by": op["verified_by"] if emulated else [],
                "emulated": emulated,
                "note": note,
                "route_suites": sorted(suites) if emulated else [],
            }
        )
    totals = {
        "operations": len(rows),
        "emulated": sum(r["emulated"] for r in rows),
        "validated": sum(bool(r["validated_by"]) for r in rows),
        "walked": sum(bool(r["walked_by"]) for r in rows),
        "verified": sum(bool(r["verified_by"]) for r in rows),
        **{tier: sum(r["tier"] == tier for r in rows) for tier in ("exact", "stateful", "shaped")},
    }
    return {"profile": emulator.profile, "totals": totals, "operations": rows}


def load_evidence() -> dict[str, Any]:
    """The evidence shipped with the package (``tools/coverage_report.py`` writes it)."""
    data: dict[str, Any] = json.loads(EVIDENCE.read_text(encoding="utf-8"))
    return data
