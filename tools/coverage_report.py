"""Generate the endpoint coverage report: ``COVERAGE.md`` and ``phemu/data/coverage.json``.

Rows are every operation of PostHog's published schema (vendored in ``phemu/data/``) plus the
seed page's AI endpoints and the supporting endpoints of the reference inventory. Each status
column is derived from data, never written by hand:

- **tier**: how the route answers the method (``Route.tier``): ``exact`` (hand-written),
  ``stateful`` or ``shaped`` (schema-driven, ``docs/generic.md``);

- **emulated**: a ``docs``-profile :class:`~phemu.emulator.Emulator` has a route serving the
  method (``DELETE`` on ``forbid_destroy`` routes counts, it is PostHog's 405);
- **cloud**: what the ``cloud`` profile does with the route (``Route.cloud``);
- **contract**: the operation id is listed in a ``VALIDATED_OPERATIONS`` table of a test module
  (the schemathesis suite asserts its table equals the schema's operations);
- **hostile, isolation**: the route-driven suites in ``tests/contract/`` exist and the route is
  emulated (they enumerate ``emulator.routes.routes``);
- **HTTP walk**: the operation id is a key of an ``HTTP_CLIENT_OPERATIONS`` table (a client's
  day walked over a socket with ``requests`` and ``httpx``);
- **real client**: the operation id is listed in a ``REAL_CLIENT_OPERATIONS`` table of a test
  module driving a third-party PostHog client (``tests/interop/``).

``python tools/coverage_report.py`` regenerates ``COVERAGE.md`` and ``phemu/data/coverage.json``
(the evidence the control plane serves, see :mod:`phemu.coverage`); ``--check`` fails when
either is stale. A development tool: it parses ``tests/`` and is not part of the package.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

from phemu.coverage import report

ROOT = Path(__file__).resolve().parents[1]
#: PostHog's whole published schema, vendored (phemu/data/posthog-openapi.SOURCE.md).
SCHEMA = Path("phemu") / "data" / "posthog-openapi.json.gz"
ROUTE_SUITES = {
    "hostile": "tests/contract/test_hostile.py",
    "isolation": "tests/contract/test_isolation.py",
}
PREFIX = "/api/environments/{project_id}"

#: Operations outside the published schema: the seed page's AI endpoints (docs/ai.md, not in
#: any published schema, see phemu/data/posthog-openapi.SOURCE.md) and the supporting endpoints
#: of the reference inventory.
EXTRA_OPERATIONS: tuple[tuple[str, str, str, str], ...] = (
    (
        "POST",
        PREFIX + "/session_recordings/ai/filters/",
        "environments_session_recordings_ai_filters_create",
        "seed page (docs/ai.md)",
    ),
    (
        "POST",
        PREFIX + "/session_recordings/ai/regex/",
        "environments_session_recordings_ai_regex_create",
        "seed page (docs/ai.md)",
    ),
    ("GET", "/api/projects/", "projects_list", "supporting (`posthog/api/project.py`)"),
    ("GET", "/api/projects/{id}/", "projects_retrieve", "supporting (`posthog/api/project.py`)"),
    ("GET", "/api/users/{id}/", "users_retrieve", "supporting (`posthog/api/user.py`)"),
    (
        "GET",
        "/api/organizations/{id}/",
        "organizations_retrieve",
        "supporting (`posthog/api/organization.py`)",
    ),
    (
        "GET",
        PREFIX + "/dashboards/",
        "environments_dashboards_list",
        "supporting (docs/dashboards-insights.md)",
    ),
    (
        "POST",
        PREFIX + "/dashboards/",
        "environments_dashboards_create",
        "supporting (docs/dashboards-insights.md)",
    ),
    (
        "GET",
        PREFIX + "/dashboards/{id}/",
        "environments_dashboards_retrieve",
        "supporting (docs/dashboards-insights.md)",
    ),
    (
        "PATCH",
        PREFIX + "/dashboards/{id}/",
        "environments_dashboards_partial_update",
        "supporting (docs/dashboards-insights.md)",
    ),
    (
        "DELETE",
        PREFIX + "/dashboards/{id}/",
        "environments_dashboards_destroy",
        "supporting (docs/dashboards-insights.md)",
    ),
    (
        "GET",
        PREFIX + "/insights/",
        "environments_insights_list",
        "supporting (docs/dashboards-insights.md)",
    ),
    (
        "POST",
        PREFIX + "/insights/",
        "environments_insights_create",
        "supporting (docs/dashboards-insights.md)",
    ),
    (
        "GET",
        PREFIX + "/insights/{id}/",
        "environments_insights_retrieve",
        "supporting (docs/dashboards-insights.md)",
    ),
    (
        "PATCH",
        PREFIX + "/insights/{id}/",
        "environments_insights_partial_update",
        "supporting (docs/dashboards-insights.md)",
    ),
    (
        "DELETE",
        PREFIX + "/insights/{id}/",
        "environments_insights_destroy",
        "supporting (docs/dashboards-insights.md)",
    ),
)


@dataclass
class Operation:
    method: str
    path: str
    operation_id: str
    source: str
    validated_by: list[str] = field(default_factory=list)
    walked_by: list[str] = field(default_factory=list)
    verified_by: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path,
            "operation_id": self.operation_id,
            "source": self.source,
            "validated_by": self.validated_by,
            "walked_by": self.walked_by,
            "verified_by": self.verified_by,
        }


# -- gathering the evidence (from the repository) ------------------------------------------------


def schema_operations(root: Path) -> list[Operation]:
    from phemu.openapi.index import operation_index

    return [
        Operation(op.method, op.path, op.operation_id, "PostHog schema") for op in operation_index()
    ]


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def declared_tables(root: Path, name: str) -> dict[str, list[str]]:
    """``operation id -> [test module, ...]`` for every module-level ``name = (...)`` literal."""
    found: dict[str, list[str]] = {}
    tests = root / "tests"
    for module in sorted(tests.rglob("*.py")) if tests.is_dir() else []:
        try:
            tree = ast.parse(module.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError):
            continue
        for node in tree.body:
            value = _table_value(node, name)
            if value is None:
                continue
            try:
                values = ast.literal_eval(value)
            except ValueError:
                continue
            for op_id in values:
                found.setdefault(str(op_id), []).append(module.relative_to(root).as_posix())
    return found


def _table_value(node: ast.stmt, name: str) -> ast.expr | None:
    """The value of a module-level ``name = ...`` (or ``name: T = ...``) statement."""
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        target: ast.expr = node.targets[0]
        value: ast.expr | None = node.value
    elif isinstance(node, ast.AnnAssign):
        target, value = node.target, node.value
    else:
        return None
    return value if isinstance(target, ast.Name) and target.id == name else None


def gather(root: Path = ROOT) -> dict[str, Any]:
    """The static evidence document (what ``phemu/data/coverage.json`` holds)."""
    operations = schema_operations(root)
    documented = {(op.method, _shape(op.path)): op.operation_id for op in operations}
    # An extra row the full schema documents too keeps its id as an alias for the evidence.
    aliases = {
        documented[(method, _shape(path))]: op_id
        for method, path, op_id, _ in EXTRA_OPERATIONS
        if (method, _shape(path)) in documented
    }
    operations += [
        Operation(*row) for row in EXTRA_OPERATIONS if (row[0], _shape(row[1])) not in documented
    ]
    validated = declared_tables(root, "VALIDATED_OPERATIONS")
    walked = declared_tables(root, "HTTP_CLIENT_OPERATIONS")
    verified = declared_tables(root, "REAL_CLIENT_OPERATIONS")
    for op in operations:
        ids = [op.operation_id, aliases.get(op.operation_id, "")]
        op.validated_by = sorted({f for i in ids for f in validated.get(i, [])})
        op.walked_by = sorted({f for i in ids for f in walked.get(i, [])})
        op.verified_by = sorted({f for i in ids for f in verified.get(i, [])})
    suites = {name: path for name, path in ROUTE_SUITES.items() if (root / path).is_file()}
    return {
        "version": 1,
        "schema": SCHEMA.as_posix(),
        "route_suites": suites,
        "operations": [op.to_dict() for op in operations],
    }


# -- rendering ----------------------------------------------------------------------------------


def _mark(values: list[str]) -> str:
    return "yes" if values else "no"


def render_markdown(docs: dict[str, Any], cloud: dict[str, Any]) -> str:
    cloud_notes = {(r["method"], r["path"]): r["note"] for r in cloud["operations"]}
    totals = docs["totals"]
    lines = [
        "# Endpoint coverage",
        "",
        "Generated by `python tools/coverage_report.py` from the route table, PostHog's schema",
        "(`phemu/data/posthog-openapi.json.gz`) and the evidence tables of the test modules;",
        "do not edit by hand (a test fails when this file is stale). Served live as JSON by",
        "`GET /_phemu/coverage`.",
        "",
        f"- operations: {totals['operations']}",
        f"- emulated (`docs` profile): {totals['emulated']}",
        f"- tier `exact` (hand-written): {totals['exact']}",
        f"- tier `stateful` (schema-driven records later reads see): {totals['stateful']}",
        f"- tier `shaped` (the schema's minimal valid answer): {totals['shaped']}",
        f"- validated by contract tests (schemathesis, every check): {totals['validated']}",
        f"- walked with requests and httpx over a socket: {totals['walked']}",
        f"- verified by a third-party PostHog client: {totals['verified']}",
        "",
        "Columns: **tier** = how the `docs` profile answers (docs/generic.md; for operations",
        "PostHog refuses to personal API keys, how it would answer were they let in);",
        "**emulated** = a route serves the method in the `docs` profile; **cloud** = the",
        "`cloud` profile's difference; **contract** = listed in a `VALIDATED_OPERATIONS` table",
        "(schemathesis, every check, against PostHog's schema or, for the AI endpoints that no",
        "published schema has, phemu's supplement written from docs/ai.md);",
        "**hostile/isolation** = covered by the route-driven suites",
        "in `tests/contract/`; **HTTP walk** = listed in an `HTTP_CLIENT_OPERATIONS` table;",
        "**real client** = listed in a `REAL_CLIENT_OPERATIONS` table (third-party PostHog",
        "clients in `tests/interop/`).",
        "",
        "| Method | Path | Operation | Source | Tier | Emulated | Cloud | Contract "
        "| Hostile / isolation | HTTP walk | Real client |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in docs["operations"]:
        emulated = ("yes" if row["emulated"] else "no") + (
            "" if row["note"] == "served" else f" ({row['note']})"
        )
        cloud_note = cloud_notes.get((row["method"], row["path"]), "")
        cloud_col = "same" if cloud_note == row["note"] else cloud_note
        suites = "yes" if len(row["route_suites"]) == 2 else ", ".join(row["route_suites"]) or "no"
        lines.append(
            f"| {row['method']} | `{row['path']}` | `{row['operation_id']}` | {row['source']} "
            f"| {row['tier'] or '-'} | {emulated} | {cloud_col} | {_mark(row['validated_by'])} "
            f"| {suites} | {_mark(row['walked_by'])} | {_mark(row['verified_by'])} |"
        )
    lines += ["", "## Evidence", ""]
    for row in docs["operations"]:
        files = sorted(set(row["validated_by"] + row["walked_by"] + row["verified_by"]))
        if files:
            lines.append(f"- `{row['operation_id']}`: " + ", ".join(f"`{f}`" for f in files))
    return "\n".join(lines) + "\n"


def build(root: Path = ROOT) -> tuple[str, str]:
    """``(COVERAGE.md text, coverage.json text)`` for the repository at ``root``."""
    from phemu.emulator import Emulator

    evidence = gather(root)
    docs = report(Emulator(profile="docs"), evidence)
    cloud = report(Emulator(profile="cloud"), evidence)
    markdown = render_markdown(docs, cloud)
    return markdown, json.dumps(evidence, indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python tools/coverage_report.py", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--root", type=Path, default=ROOT, help="repository root (default: this checkout)"
    )
    parser.add_argument(
        "--check", action="store_true", help="fail if COVERAGE.md or the evidence is stale"
    )
    args = parser.parse_args(argv)
    markdown, evidence = build(args.root)
    targets = {
        args.root / "COVERAGE.md": markdown,
        args.root / "phemu" / "data" / "coverage.json": evidence,
    }
    if args.check:
        stale = [
            str(p)
            for p, text in targets.items()
            if not p.is_file() or p.read_text(encoding="utf-8") != text
        ]
        for path in stale:
            print(f"stale: {path} (run python tools/coverage_report.py)", file=sys.stderr)
        return 1 if stale else 0
    for path, text in targets.items():
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
