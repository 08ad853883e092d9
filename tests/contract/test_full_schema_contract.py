"""Schemathesis over PostHog's whole published schema (823 operations), against a live server.

Every run fuzzes a sample of the operations (it changes every day; ``PHEMU_SAMPLE_SEED``
repeats one) with every schemathesis check; ``PHEMU_ALL_OPERATIONS=1`` runs all of them
(nightly-style; those tests carry the ``slow`` marker). Budget per operation:
``PHEMU_FULL_SCHEMA_EXAMPLES`` (default 25). The properties: no 5xx (PostHog's deliberate ones
aside, see :mod:`.deviations`), every answer schema-conformant, and every other failure
explained with evidence or the test fails.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis

from phemu.emulator import Emulator
from phemu.openapi.document import document
from phemu.openapi.index import operation_index
from phemu.server import ThreadedServer
from tests.conftest import DEFAULT_ORG
from tests.contract import _stats
from tests.contract._contract import PROJECT_ID
from tests.contract._contract import fuzz_settings
from tests.contract._contract import run_and_validate
from tests.contract._contract import serve
from tests.contract.conftest import ALL_OPERATIONS
from tests.contract.conftest import budget
from tests.contract.conftest import sample
from tests.contract.routes import is_posthog_error
from tests.contract.test_openapi_contract import explain_form_null

#: operations fuzzed per run (all with PHEMU_ALL_OPERATIONS=1)
SAMPLE_SIZE = 12
EXAMPLES = budget("PHEMU_FULL_SCHEMA_EXAMPLES", 25)
SETTINGS = fuzz_settings(EXAMPLES)
INDEX = operation_index()


def _schema_driven() -> list[str]:
    """Operations the generic resource answers for personal keys (hand-written ones have their
    own suites: test_openapi_contract.py, test_ai_contract.py; refused ones are only a 403)."""
    emulator = Emulator(load_entrypoints=False)
    found = set()
    for route in emulator.routes.routes.values():
        if getattr(route, "exact_methods", None):
            continue  # a hand-written route with schema methods added: its resource's suites
        for op in getattr(route, "schema_ops", {}).values():
            if route.tier(op.method) != "exact" and op.scopes is not None:
                found.add(op.operation_id)
    return sorted(found)


CHOSEN = sample(_schema_driven(), SAMPLE_SIZE)
#: request schemas reaching hundreds of components (the query language's unions): schemathesis's
#: coverage phase enumerates their combinations without bound, so these are fuzzed only
HUGE_REQUESTS = frozenset(
    op.operation_id
    for op in INDEX
    if op.operation_id in CHOSEN
    and op.request is not None
    and op.resource in ("query", "endpoints")
)
#: why a schemathesis failure is PostHog's behaviour, not a bug (docs/generic.md explains each)
EXPLANATIONS = {
    "error-statuses-undocumented": "PostHog's schema documents success statuses only",
    "unmapped-method-403": "PostHog's scope permission refuses an unmapped method before "
    "dispatch (403, not 405)",
    "required-text-not-blank": "a required string may not be blank (ModelSerializer)",
    "form-null": "a form body cannot carry JSON null; its text is read per field and fails",
    "form-object": "an object sent as plain form text is no field to DRF (it reads name.key)",
    "decimal-text": 'a decimal the schema\'s pattern allows but decimal.Decimal refuses ("", ".")',
    "time-without-offset": "DRF renders times without the offset RFC 3339 full-time requires",
    "delete-405": "DELETE documented as 405 answers 405 with an empty body (ForbidDestroyModel)",
    "pagination-lenient": "invalid limit/offset/cursor fall back to defaults",
    "drf-lenient-input": "DRF coerces digit strings, integral floats and boolean words, and "
    "ignores unknown and read-only keys",
    "query-unread": "undocumented or invalid query parameters of a write are not read",
    "body-unread": "an action that documents the viewset's serializer does not read the body",
    "path-unread": "a collection action does not look up what the path names",
}
SCHEMA = schemathesis.openapi.from_dict(document()).include(
    operation_id=[op for op in CHOSEN if op not in HUGE_REQUESTS] or ["-none-"]
)
SCHEMA.config.update(parameters={"project_id": PROJECT_ID, "organization_id": DEFAULT_ORG})
HUGE = schemathesis.openapi.from_dict(document()).include(
    operation_id=sorted(HUGE_REQUESTS) or ["-none-"]
)
HUGE.config.update(parameters={"project_id": PROJECT_ID, "organization_id": DEFAULT_ORG})
HUGE.config.phases.coverage.enabled = False
#: the run over every operation is the nightly-style one
pytestmark = [pytest.mark.slow] if ALL_OPERATIONS else []


@pytest.fixture(scope="module")
def contract_server() -> Iterator[tuple[Emulator, ThreadedServer]]:
    yield from serve()


def required_text_blank(case: Any, raw: bytes) -> bool:
    """A required string sent empty: a ModelSerializer makes a CharField required only when the
    model field has ``blank=False`` (phemu/openapi/validate.py), which the schema cannot say."""
    error = json.loads(raw)
    return error.get("code") == "blank"


def decimal_text(case: Any, raw: bytes) -> bool:
    """A ``format: decimal`` string the schema's pattern allows ("" or "."): DRF's DecimalField
    reads it with ``decimal.Decimal``, which refuses it ("A valid number is required.")."""
    error = json.loads(raw)
    op = INDEX.by_id.get(case.operation.definition.raw.get("operationId", ""))
    if op is None or op.request is None or error.get("detail") != "A valid number is required.":
        return False
    from phemu.openapi.schema import node

    field = node(node(op.request).prop((error.get("attr") or "").split("__", 1)[0]))
    return field.fmt == "decimal"


def explain_form_object(case: Any, raw: bytes) -> str | None:
    """An object (or list of objects) sent as form text: DRF reads those only from
    ``name.key`` / ``name[0]key`` fields, so the field is missing to it."""
    media = (case.media_type or "").split(";")[0]
    if media not in ("multipart/form-data", "application/x-www-form-urlencoded"):
        return None
    op = INDEX.by_id.get(case.operation.definition.raw.get("operationId", ""))
    error = json.loads(raw)
    attr = (error.get("attr") or "").split("__", 1)[0]
    if op is None or op.request is None or not attr:
        return None
    sent = case.body if isinstance(case.body, dict) else {}
    if error.get("code") == "required" and attr in sent:
        return "form-object"  # a value the form encoding could not carry (null, {}, [])
    from phemu.openapi.schema import node

    field = node(node(op.request).prop(attr))
    items = node(field.items) if field.kind == "array" else None
    if field.kind in ("object", "union") or (
        items is not None and items.kind in ("object", "union")
    ):
        return "form-object"
    return None


def unwrap(raw: bytes) -> bytes:
    """PostHog's error body, also where an operation documents ``{"error": {...}}``."""
    try:
        body = json.loads(raw)
    except ValueError:
        return raw
    if isinstance(body, dict) and list(body) == ["error"] and isinstance(body["error"], dict):
        return json.dumps(body["error"]).encode()
    return raw


def explain(failure: Exception, case: Any, response: Any, emulator: Emulator) -> str | None:
    """The deviation id that accounts for ``failure``, or ``None`` (the test fails)."""
    name = type(failure).__name__
    status = response.status_code
    raw = unwrap(response.content)
    if status == 500:
        return None  # the generic resource has no deliberate 500
    if (
        name == "UndefinedStatusCode"
        and status in (400, 401, 403, 404, 405, 415)
        and (is_posthog_error(raw) or (status in (404, 405) and raw == b""))
    ):
        return "error-statuses-undocumented"
    if name == "UnsupportedMethodResponse" and status == 403 and is_posthog_error(raw):
        return "unmapped-method-403"
    if name == "RejectedPositiveData" and status == 400 and is_posthog_error(raw):
        if required_text_blank(case, raw):
            return "required-text-not-blank"
        if decimal_text(case, raw):
            return "decimal-text"
        return explain_form_null(case, raw) or explain_form_object(case, raw)
    if (
        name == "RejectedPositiveData"
        and status == 405
        and case.method.upper() == "DELETE"
        and raw == b""
    ):
        return "delete-405"
    if name == "AcceptedNegativeData" and 200 <= status < 300:
        return explain_accepted(case)
    if name == "JsonSchemaError" and _time_without_offset(failure):
        return "time-without-offset"
    return None


def _time_without_offset(failure: Any) -> bool:
    """DRF's TimeField renders ``time.isoformat()`` (``"00:00:00"``); JSON Schema's ``time``
    format is RFC 3339's full-time, which requires an offset. Only that keyword may fail."""
    path = [str(part) for part in getattr(failure, "schema_path", []) or []]
    instance = getattr(failure, "instance", None)
    # The keyword is the format itself, or the anyOf of a nullable time (format or null).
    return (
        bool(path)
        and path[-1] in ("format", "anyOf")
        and '"format": "time"' in str(failure)
        and isinstance(instance, str)
        and re.fullmatch(r"\d{2}:\d{2}:\d{2}(\.\d{1,6})?", instance) is not None
    )


def explain_accepted(case: Any) -> str | None:
    """Schema-invalid input PostHog takes too: DRF coerces numbers and booleans from strings,
    ignores unknown and read-only keys, and paginators fall back on bad ``limit``/``offset``."""
    meta = case.meta
    negative = {loc.name.lower() for loc, info in meta.components.items() if info.mode.is_negative}
    negative.discard("header")  # a missing Authorization header: the harness sends the key
    if negative <= {"query"}:
        return "pagination-lenient" if case.method.upper() == "GET" else "query-unread"
    if negative <= {"body", "query"}:
        op = INDEX.by_id.get(case.operation.definition.raw.get("operationId", ""))
        if op is None or op.request is None or op.kind == "action":
            return "body-unread"  # actions answered without reading the body
        return "drf-lenient-input"
    if negative <= {"path", "query", "body"}:
        return "path-unread"  # a collection action ignores what it does not look up
    return None


@SCHEMA.parametrize()
@SETTINGS
def test_operation_matches_posthog_schema(
    case: Any, contract_server: tuple[Emulator, ThreadedServer]
) -> None:
    run_and_validate(case, contract_server, explain)


if HUGE_REQUESTS:  # schemathesis refuses a parametrization with no operation

    @HUGE.parametrize()
    @SETTINGS
    def test_query_language_operation_matches_posthog_schema(
        case: Any, contract_server: tuple[Emulator, ThreadedServer]
    ) -> None:
        run_and_validate(case, contract_server, explain)


def test_every_explanation_is_documented() -> None:
    from pathlib import Path

    guide = (Path(__file__).resolve().parents[2] / "docs" / "generic.md").read_text("utf-8")
    for name in EXPLANATIONS:
        assert f"`{name}`" in guide, name


def test_every_run_samples_schema_operations() -> None:
    assert len(CHOSEN) == (len(_schema_driven()) if ALL_OPERATIONS else SAMPLE_SIZE)
    fuzzed = list(SCHEMA.get_all_operations()) + list(HUGE.get_all_operations())
    assert len(fuzzed) == len(CHOSEN)
    _stats.properties["schemathesis"].add(f"full schema: {len(CHOSEN)} of {len(INDEX)} operations")
