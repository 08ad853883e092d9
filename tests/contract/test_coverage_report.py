"""The committed coverage report is current, and the control plane serves it live."""

from __future__ import annotations

import json

from phemu.emulator import Emulator
from tools.coverage_report import ROOT
from tools.coverage_report import build
from tools.coverage_report import main


def test_committed_report_is_not_stale() -> None:
    """Regenerate in memory and compare; on failure run ``python tools/coverage_report.py``."""
    markdown, evidence = build(ROOT)
    assert (ROOT / "COVERAGE.md").read_text(encoding="utf-8") == markdown, (
        "run python tools/coverage_report.py"
    )
    assert (ROOT / "phemu" / "data" / "coverage.json").read_text(encoding="utf-8") == evidence


def test_check_mode_agrees() -> None:
    assert main(["--check"]) == 0


def test_every_schema_operation_and_the_ai_endpoints_are_listed() -> None:
    from phemu.openapi.document import document

    schema = document()
    expected = {op["operationId"] for item in schema["paths"].values() for op in item.values()}
    assert len(expected) == 823
    body = json.loads(Emulator().client().get("/_phemu/coverage").get_data())
    listed = {row["operation_id"] for row in body["operations"]}
    assert expected <= listed
    rows = {row["operation_id"]: row for row in body["operations"]}
    assert all(rows[op]["emulated"] and rows[op]["tier"] for op in expected)
    assert rows["environments_subscriptions_list"]["tier"] == "exact"
    assert rows["actions_list"]["tier"] == "stateful"
    assert rows["environments_web_vitals_retrieve"]["tier"] == "shaped"
    assert (
        body["totals"]["exact"] + body["totals"]["stateful"] + body["totals"]["shaped"]
        == (body["totals"]["emulated"])
    )
    assert {
        "environments_session_recordings_ai_filters_create",
        "environments_session_recordings_ai_regex_create",
    } <= listed
    assert body["totals"]["operations"] == len(body["operations"])


def test_control_plane_reflects_the_profile() -> None:
    docs = json.loads(Emulator(profile="docs").client().get("/_phemu/coverage").get_data())
    cloud = json.loads(Emulator(profile="cloud").client().get("/_phemu/coverage/").get_data())
    assert (docs["profile"], cloud["profile"]) == ("docs", "cloud")
    by_id = {r["operation_id"]: r for r in cloud["operations"]}
    filters = by_id["environments_session_recordings_ai_filters_create"]
    assert filters["emulated"] is False
    projects = {r["operation_id"]: r for r in docs["operations"]}["projects_list"]
    assert projects["emulated"] is True and projects["note"] == "served"


def test_evidence_tables_are_read_as_declared() -> None:
    """A table the generator cannot read (not a literal) would silently drop its rows."""
    from tests.contract import test_ai_contract
    from tests.contract import test_openapi_contract
    from tests.contract import test_real_client
    from tests.contract import test_resources_contract
    from tools.coverage_report import declared_tables

    validated = declared_tables(ROOT, "VALIDATED_OPERATIONS")
    walked = declared_tables(ROOT, "HTTP_CLIENT_OPERATIONS")
    verified = declared_tables(ROOT, "REAL_CLIENT_OPERATIONS")
    for op_id in (
        test_openapi_contract.VALIDATED_OPERATIONS
        + test_ai_contract.VALIDATED_OPERATIONS
        + test_resources_contract.VALIDATED_OPERATIONS
    ):
        assert validated.get(op_id), op_id
    for op_id in test_real_client.HTTP_CLIENT_OPERATIONS:
        assert walked.get(op_id), op_id
    for module in ("test_arcade_posthog_api", "test_phog_cli"):
        path = ROOT / "tests" / "interop" / f"{module}.py"
        if path.is_file():
            assert f"tests/interop/{module}.py" in {f for files in verified.values() for f in files}
