"""Contract fuzzing of the session-recording AI endpoints against phemu's supplement schema.

No published PostHog schema has ``ai/filters`` or ``ai/regex`` (the vendored
``phemu/data/posthog-openapi.json.gz`` has no ``ai/`` path), so
``schemas/phemu-ai-supplement.json`` writes down their request rules (docs/ai.md, "Request
validation") and strict output schemas (``posthog/session_recordings/ai_data/ai_filter_schema.py``,
``ai_regex_schema.py``) as OpenAPI; schemathesis then runs every check on them over
the live server, exactly as for PostHog's own schema, and failures need the same evidence.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis

from phemu.emulator import Emulator
from phemu.server import ThreadedServer
from tests.contract._contract import FUZZ_SETTINGS
from tests.contract._contract import PROJECT_ID
from tests.contract._contract import is_server_error
from tests.contract._contract import request_body
from tests.contract._contract import run_and_validate
from tests.contract._contract import serve
from tests.contract.deviations import echoes_lone_surrogate
from tests.contract.deviations import explain_rejection
from tests.contract.deviations import regex_body_crashes
from tests.contract.routes import is_posthog_error

AI_SCHEMA_PATH = Path(__file__).with_name("schemas") / "phemu-ai-supplement.json"
AI_SCHEMA = schemathesis.openapi.from_path(str(AI_SCHEMA_PATH))
AI_SCHEMA.config.update(parameters={"project_id": PROJECT_ID})
#: What a parsed JSON body can be (schemathesis leaves ``case.body`` unset without a body).
JSON_TYPES = (dict, list, str, int, float, bool, type(None))

#: operationIds this module validates; the coverage report reads this table.
VALIDATED_OPERATIONS = (
    "environments_session_recordings_ai_filters_create",
    "environments_session_recordings_ai_regex_create",
)


@pytest.fixture(scope="module")
def contract_server() -> Iterator[tuple[Emulator, ThreadedServer]]:
    yield from serve()


def _reads_as_filters_request(body: Any) -> bool:
    """``messages`` a list of objects with a valid ``role`` and a text ``content`` (DRF's
    CharField also takes numbers); other keys ignored (docs/ai.md, "Request validation")."""
    if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
        return False
    for item in body["messages"]:
        if not isinstance(item, dict) or item.get("role") not in ("user", "assistant"):
            return False
        content = item.get("content")
        if isinstance(content, bool) or not isinstance(content, (str, int, float)):
            return False
    return True


def explain(failure: Exception, case: Any, response: Any, emulator: Emulator) -> str | None:
    name = type(failure).__name__
    status = response.status_code
    raw = response.content
    is_regex = case.path.endswith("/ai/regex/")
    body = request_body(case)
    if status == 500:
        sent = case.body
        if is_server_error(raw) and echoes_lone_surrogate(body):
            return "error-echoes-surrogate"
        if not is_regex or not is_server_error(raw) or not isinstance(sent, JSON_TYPES):
            return None
        if isinstance(sent, dict):
            return "ai-regex-500" if regex_body_crashes(sent) else None
        return "ai-regex-body-type-error" if regex_body_crashes(sent) else None
    if (
        name == "UndefinedStatusCode"
        and status in (400, 401, 403, 404, 405, 415)
        and is_posthog_error(raw)
    ):
        return "error-statuses-undocumented"
    if name == "RejectedPositiveData" and status == 400 and not is_regex:
        return explain_rejection(raw, body)
    if name == "AcceptedNegativeData" and status == 200:
        if is_regex and body is not None and isinstance(body.get("regex"), str):
            return "ai-engine-unvalidated"
        if not is_regex and _reads_as_filters_request(body):
            return "drf-lenient-input"
    return None


@AI_SCHEMA.parametrize()
@FUZZ_SETTINGS
def test_ai_operation_matches_ai_md(
    case: Any, contract_server: tuple[Emulator, ThreadedServer]
) -> None:
    run_and_validate(case, contract_server, explain)


def test_validated_operations_are_the_supplement_operations() -> None:
    document = json.loads(AI_SCHEMA_PATH.read_text(encoding="utf-8"))
    ids = [op["operationId"] for item in document["paths"].values() for op in item.values()]
    assert sorted(ids) == sorted(VALIDATED_OPERATIONS)
