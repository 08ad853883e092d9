"""Schemathesis over the hand-written resources integrations call most (issue 16): feature flags,
cohorts, annotations, experiments, surveys, persons, events, event definitions and organization
projects, against PostHog's whole published schema, over a live server.

Every run fuzzes every operation of ``VALIDATED_OPERATIONS`` with every schemathesis check, on a
small budget (``PHEMU_RESOURCE_EXAMPLES``, default 8 per operation, derandomized; the coverage
phase is off so the budget bounds the run: a few seconds). Each resource's path ``id`` is pinned
to an object of the served world, so retrieves and writes reach the resource's rules instead of
a 404. A failure is accepted only when :func:`explain` accounts for it: the full-schema suite's
explanations (docs/generic.md), a field the deviations document (``SCHEMA_DEVIATIONS``,
docs/deviations.md) holding what PostHog's code renders there, or a rule of the events list's
query (:func:`explain_rule`).

Not listed yet: the resources' creates and updates other than organization projects' (PostHog's
serializer rules -- key format and uniqueness, related objects that must exist, survey schedules,
experiment flag keys, the definitions' 402 -- refuse schema-valid input, and each needs its
evidence-checked explanation first), the persons list and ``property_definitions`` list (their
deliberate 500s on unparsable JSON filters) and ``seen_together`` (its undocumented required
``event_names``).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
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
from tests.contract._contract import is_server_error
from tests.contract._contract import run_and_validate
from tests.contract.conftest import budget
from tests.contract.test_full_schema_contract import explain as explain_generic
from tests.generic.support import world
from tests.generic.test_every_operation import COMPONENT_DEVIATIONS
from tests.generic.test_every_operation import SCHEMA_DEVIATIONS

EXAMPLES = budget("PHEMU_RESOURCE_EXAMPLES", 8)
SETTINGS = fuzz_settings(EXAMPLES)


def _served() -> tuple[Emulator, dict[str, str]]:
    """The world of the every-operation test (one object per hand-written collection), plus a
    captured event and a second project, and the id of each resource's object."""
    emulator = world()
    emulator.events.capture("signup", "u1", {"plan": "pro", "$set": {"plan": "pro"}})
    emulator.organization_projects.create(name="Contract")
    client, headers = emulator.client(), emulator.auth_headers

    def first(path: str, key: str = "id") -> str:
        page = json.loads(client.get(f"/api/projects/1/{path}", headers=headers).get_data())
        return str(page["results"][0][key])

    ids = {
        "surveys": first("surveys/"),
        "events": first("events/"),
        "event_definitions": first("event_definitions/"),
        "property_definitions": first("property_definitions/"),
    }
    return emulator, ids


EMULATOR, IDS = _served()

#: the ``id`` the paths of each resource name (the schema's resource names); "1" otherwise
OBJECT_IDS = {
    "surveys": IDS["surveys"],
    "events": IDS["events"],
    "event_definitions": IDS["event_definitions"],
    "property_definitions": IDS["property_definitions"],
    "organizations/projects": "2",
}
#: operationIds this module validates; the coverage report reads this table.
VALIDATED_OPERATIONS = (
    "feature_flags_list",
    "feature_flags_retrieve",
    "feature_flags_destroy",
    "feature_flags_status_retrieve",
    "feature_flags_local_evaluation_retrieve",
    "feature_flags_activity_retrieve",
    "feature_flags_activity_retrieve_2",
    "cohorts_list",
    "cohorts_retrieve",
    "cohorts_destroy",
    "annotations_list",
    "annotations_retrieve",
    "annotations_destroy",
    "experiments_list",
    "experiments_retrieve",
    "experiments_destroy",
    "surveys_list",
    "surveys_retrieve",
    "surveys_destroy",
    "surveys_responses_count_retrieve",
    "persons_retrieve",
    "persons_values_retrieve",
    "events_list",
    "environments_events_list",
    "events_retrieve",
    "event_definitions_retrieve",
    "event_definitions_retrieve_2",
    "property_definitions_retrieve",
    "list_2",
    "create_2",
    "retrieve_2",
    "partial_update_2",
    "update_2",
)


@pytest.fixture(scope="module")
def contract_server() -> Iterator[tuple[Emulator, ThreadedServer]]:
    with ThreadedServer(EMULATOR, host="127.0.0.1", port=0) as server:
        yield EMULATOR, server
    EMULATOR.check()


def _deviating_field(failure: Any, op_id: str) -> bool:
    """A response-schema failure on a field the deviations document (for the schema component
    it belongs to, or for the operation), holding what PostHog's code renders there."""
    instance = getattr(failure, "instance", object())
    found = re.search(r"Schema at /components/schemas/(\w+)/properties/(\w+)", str(failure))
    if found is not None:
        check = COMPONENT_DEVIATIONS.get(found[1], {}).get(found[2])
        if check is not None:
            return check(instance)
    fields = SCHEMA_DEVIATIONS.get(op_id)
    path = [str(part) for part in getattr(failure, "instance_path", None) or []]
    if not fields or not path:
        return False
    if len(path) > 2 and path[0] == "results" and path[1].isdigit():
        path = path[2:]
    check = fields.get("/".join(path))
    return check is not None and check(instance)


def _not_a_count(value: Any) -> bool:
    """What ``int()`` refuses, or a negative number (``None``: not sent)."""
    if value is None:
        return False
    try:
        return int(str(value)) < 0
    except ValueError:
        return True


def _not_a_person_key(value: Any) -> bool:
    """A ``person_id`` that is neither an integer nor a UUID: ``query_event_list.py`` reads it
    with an unguarded ``int()`` after the UUID check fails (``None``: not sent)."""
    if value is None or value == "":
        return False
    text = str(value)
    try:
        uuid.UUID(text)
        return False
    except ValueError:
        pass
    try:
        int(text)
        return False
    except ValueError:
        return True


def explain_rule(case: Any, response: Any, op_id: str) -> str | None:
    """A PostHog rule about the events list's query that the schema cannot say, checked
    against what was sent: ``limit``/``offset`` are read with an unguarded ``int()`` and handed
    to ClickHouse, which refuses a negative one (a 500 either way, ``posthog/api/event.py`` via
    ``query_event_list.py``), so is a ``person_id`` that is no number and no UUID, and a ``properties`` filter that is no property JSON is refused
    (``Properties are unparsable!``, ``posthog/models/filters/mixins/property.py``)."""
    query = case.query or {}
    raw = response.content
    if (
        op_id.endswith("events_list")
        and response.status_code == 500
        and is_server_error(raw)
        and any(_not_a_count(query.get(name)) for name in ("limit", "offset"))
    ):
        return "events-limit-not-a-count-500"
    if (
        op_id.endswith("events_list")
        and response.status_code == 500
        and is_server_error(raw)
        and _not_a_person_key(query.get("person_id"))
    ):
        return "events-person-id-500"
    if (
        op_id.endswith("events_list")
        and response.status_code == 400
        and json.loads(raw).get("detail") == "Properties are unparsable!"
        and query.get("properties") is not None
    ):
        return "properties-unparsable"
    return None


def explain(failure: Exception, case: Any, response: Any, emulator: Emulator) -> str | None:
    op_id = case.operation.definition.raw.get("operationId", "")
    name = type(failure).__name__
    if name == "JsonSchemaError" and _deviating_field(failure, op_id):
        return "documented-deviation"
    if name in ("ServerError", "UndefinedStatusCode", "RejectedPositiveData"):
        rule = explain_rule(case, response, op_id)
        if rule is not None:
            return rule
    return explain_generic(failure, case, response, emulator)


def _schema(operations: tuple[str, ...], object_id: str) -> Any:
    schema = schemathesis.openapi.from_dict(document()).include(operation_id=list(operations))
    schema.config.update(
        parameters={"project_id": PROJECT_ID, "organization_id": DEFAULT_ORG, "id": object_id}
    )
    schema.config.phases.coverage.enabled = False
    return schema


def _test_for(name: str, operations: tuple[str, ...], object_id: str) -> Callable[..., None]:
    schema = _schema(operations, object_id)

    @schema.parametrize()
    @SETTINGS
    def test(case: Any, contract_server: tuple[Emulator, ThreadedServer]) -> None:
        run_and_validate(case, contract_server, explain)

    test.__name__ = f"test_{name}_matches_posthog_schema"
    return test


for _operation in VALIDATED_OPERATIONS:
    _id = OBJECT_IDS.get(operation_index().by_id[_operation].resource, "1")
    globals()[f"test_{_operation}_matches_posthog_schema"] = _test_for(
        _operation, (_operation,), _id
    )


def test_validated_operations_are_the_fuzzed_operations() -> None:
    """The coverage report's "contract" column reads ``VALIDATED_OPERATIONS``: every one of them
    is a schema operation, fuzzed here by a test of its own, every run."""
    assert len(set(VALIDATED_OPERATIONS)) == len(VALIDATED_OPERATIONS)
    for operation in VALIDATED_OPERATIONS:
        assert f"test_{operation}_matches_posthog_schema" in globals()
        assert len(list(_schema((operation,), "1").get_all_operations())) == 1, operation
    _stats.properties["schemathesis"].add(
        f"hand-written resources: {len(VALIDATED_OPERATIONS)} operations, {EXAMPLES} examples each"
    )
