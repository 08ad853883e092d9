"""Every operation of PostHog's published schema, called as its docs show it with the default
key, answers like PostHog: its documented success status with a body that validates against
its documented response schema, or, where PostHog refuses personal API keys, that refusal.

Where PostHog's code renders what its published schema does not allow, the code wins: those
fields are listed in ``SCHEMA_DEVIATIONS`` (and in docs/deviations.md), the rest of the answer
must validate, and each listed field must hold what PostHog's code renders there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from phemu.openapi.index import Operation
from phemu.openapi.index import operation_index
from tests.conftest import NO_KEY_ACCESS
from tests.conftest import body
from tests.generic.support import SUBSCRIPTION
from tests.generic.support import call
from tests.generic.support import schema_errors
from tests.generic.support import world

OPERATIONS = list(operation_index())

Check = Callable[[Any], bool]


def null(value: Any) -> bool:
    return value is None


def false(value: Any) -> bool:
    return value is False


def boolean(value: Any) -> bool:
    return isinstance(value, bool)


def count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def mapping(value: Any) -> bool:
    return isinstance(value, dict)


def listing(value: Any) -> bool:
    return isinstance(value, list)


def ids(value: Any) -> bool:
    return isinstance(value, list) and all(count(item) for item in value)


def optional_mapping(value: Any) -> bool:
    return value is None or isinstance(value, dict)


def optional_bool(value: Any) -> bool:
    return value is None or isinstance(value, bool)


def optional_text(value: Any) -> bool:
    return value is None or isinstance(value, str)


def optional_count(value: Any) -> bool:
    return value is None or count(value)


def uuid_text(value: Any) -> bool:
    return isinstance(value, str) and len(value) == 36 and value.count("-") == 4


#: ``InsightSerializer`` (``posthog/api/insight.py``): the result fields are unannotated
#: ``SerializerMethodField``s reading ``insight_result(insight)``, which drf-spectacular types as
#: string; with nothing cached they are ``None`` (``is_cached`` ``False``, ``alerts`` a list).
#: PostHog's later schema annotates them (``DateTimeField(allow_null=True)`` and so on).
INSIGHT = {
    "last_refresh": null,
    "cache_target_age": null,
    "next_allowed_client_refresh": null,
    "result": null,
    "hasMore": null,
    "columns": null,
    "timezone": null,
    "is_cached": false,
    "query_status": null,
    "hogql": null,
    "types": null,
    "alerts": listing,
    "last_viewed_at": optional_text,  # the user's last view (``InsightViewed``), if any
}
#: ``OrganizationSerializer`` (``posthog/api/organization.py``): ``get_metadata`` returns a
#: dict, ``get_member_count`` a count; both unannotated, so typed string.
ORGANIZATION = {"metadata": mapping, "member_count": count}
#: ``ProjectBackwardCompatSerializer`` (``posthog/api/project.py``) over the team:
#: ``week_start_day`` is ``SmallIntegerField(null=True, blank=True, choices=...)`` without a
#: default (``posthog/models/team/team.py``), so ``null`` until set, which the schema's enum
#: leaves out; the two ``SerializerMethodField``s render a bool and a dict.
PROJECT = {
    "week_start_day": null,
    "person_on_events_querying_enabled": boolean,
    "default_modifiers": mapping,
}
#: ``FeatureFlagSerializer`` (``posthog/api/feature_flag.py``): ``get_experiment_set`` returns
#: experiment ids (unannotated: string); ``get_surveys`` and ``get_features`` are annotated
#: ``-> dict`` but return ``many=True`` serializer data, a list; ``evaluation_tags`` is a
#: ``write_only`` field that ``EvaluationTagSerializerMixin.to_representation`` adds to every
#: answer anyway (the schema marks it ``writeOnly``); ``usage_dashboard`` is the
#: model's nullable foreign key: ``null`` for a flag created without a usage dashboard (sent
#: ``_should_create_usage_dashboard: false``, or loaded from a seed; see
#: ``test_created_flag_gets_a_usage_dashboard``).
FEATURE_FLAG = {
    "experiment_set": ids,
    "surveys": listing,
    "features": listing,
    "evaluation_tags": listing,
    "usage_dashboard": optional_count,
}
#: ``SurveySerializer`` (``posthog/api/survey.py``): ``linked_flag`` and ``targeting_flag`` are
#: read-only nested ``MinimalFeatureFlagSerializer``s without ``allow_null``, so DRF renders
#: ``None`` for an empty relation while the schema does not say nullable; ``conditions`` is an
#: unannotated ``SerializerMethodField`` returning the model's nullable JSON.
#: ``ClickhouseEventSerializer`` (``posthog/api/event.py``): ``properties``, ``person`` and
#: ``elements`` are unannotated ``SerializerMethodField``s (typed string) returning a dict, the
#: person's summary (``None`` for a personless event) and the parsed elements list.
EVENT = {"properties": mapping, "person": optional_mapping, "elements": listing}
#: ``PropertyDefinitionSerializer`` (``posthog/api/property_definition.py``):
#: ``is_seen_on_filtered_events`` is an unannotated ``SerializerMethodField`` (typed string):
#: ``None`` unless the list is filtered by ``event_names``, then a bool.
PROPERTY_DEFINITION = {"is_seen_on_filtered_events": optional_bool}
EXPERIMENT = {"holdout": null}
PERSON_ROW = {"id": uuid_text}
SURVEY = {"linked_flag": null, "targeting_flag": null, "conditions": null}

#: operation id -> {field path: what PostHog's code renders there}; a list answer's fields are
#: those of each row (``results/<n>/`` stripped).
SCHEMA_DEVIATIONS: dict[str, dict[str, Check]] = {
    **dict.fromkeys(
        [
            f"{prefix}insights_{action}"
            for prefix in ("", "environments_")
            for action in ("list", "create", "retrieve", "partial_update", "update")
        ],
        INSIGHT,
    ),
    **dict.fromkeys(["list", "create", "retrieve"], ORGANIZATION),
    # ``UserSerializer`` (``posthog/api/user.py``) nests the organization; the user's
    # ``role_at_organization`` is a nullable choice field (``posthog/models/user.py``).
    "users_retrieve": {
        **{f"organization/{name}": check for name, check in ORGANIZATION.items()},
        "role_at_organization": null,
    },
    **dict.fromkeys(["create_2", "retrieve_2", "update_2", "partial_update_2"], PROJECT),
    # ``ExperimentSerializer`` (``ee/clickhouse/views/experiments.py``): ``holdout`` is a
    # read-only nested ``ExperimentHoldoutSerializer`` without ``allow_null``.
    **dict.fromkeys(["experiments_list", "experiments_retrieve"], EXPERIMENT),
    **dict.fromkeys(
        [f"feature_flags_{a}" for a in ("list", "retrieve", "partial_update", "update")],
        FEATURE_FLAG,
    ),
    # The list serializes actors (``get_serialized_people`` in
    # ``posthog/queries/actor_base_query.py``): ``id=uuid``, where the schema has the integer pk.
    **dict.fromkeys(["persons_list", "environments_persons_list"], PERSON_ROW),
    **dict.fromkeys(["surveys_list", "surveys_retrieve"], SURVEY),
    **dict.fromkeys(["events_list", "environments_events_list", "events_retrieve"], EVENT),
    **dict.fromkeys(
        ["property_definitions_list", "property_definitions_retrieve"], PROPERTY_DEFINITION
    ),
}
#: The same, by the schema component the fields belong to (for answers of other operations that
#: render these components, as the contract suite meets them).
COMPONENT_DEVIATIONS: dict[str, dict[str, Check]] = {
    "Insight": INSIGHT,
    "Organization": ORGANIZATION,
    "ProjectBackwardCompat": PROJECT,
    "Experiment": EXPERIMENT,
    "FeatureFlag": FEATURE_FLAG,
    "Survey": SURVEY,
    "ClickhouseEvent": EVENT,
    "PropertyDefinition": PROPERTY_DEFINITION,
}
#: What the docs leave out and the hand-written resources need: `sessions/values` reads `key`
#: from the query (docs/sessions.md), and a subscription names a real insight, not a placeholder.
DOCS_QUERY = {"sessions_values_retrieve": "key=$channel_type"}


def _field(path: str) -> str:
    """An error path without a list page's ``results/<n>/``."""
    parts = path.split("/")
    if len(parts) > 2 and parts[0] == "results" and parts[1].isdigit():
        parts = parts[2:]
    return "/".join(parts)


def _rows(data: Any) -> list[Any]:
    if isinstance(data, dict) and isinstance(data.get("results"), list):
        return list(data["results"])
    return [data]


def _at(row: Any, path: str) -> Any:
    for part in path.split("/"):
        row = row[part]
    return row


def deviating(op_id: str, errors: list[str], data: Any) -> list[str]:
    """The schema errors ``SCHEMA_DEVIATIONS`` does not account for, after checking that each
    listed field holds what PostHog's code renders there."""
    fields = SCHEMA_DEVIATIONS.get(op_id, {})
    for row in _rows(data):
        for path, check in fields.items():
            assert check(_at(row, path)), (op_id, path, _at(row, path))
    return [e for e in errors if _field(e.split(": ", 1)[0]) not in fields]


def test_the_index_has_every_operation() -> None:
    assert len(OPERATIONS) == 823
    assert len({op.operation_id for op in OPERATIONS}) == 823


def test_every_deviation_is_a_schema_operation_and_documented() -> None:
    from pathlib import Path

    known = {op.operation_id for op in OPERATIONS}
    assert set(SCHEMA_DEVIATIONS) <= known
    guide = (Path(__file__).resolve().parents[2] / "docs" / "deviations.md").read_text("utf-8")
    for fields in SCHEMA_DEVIATIONS.values():
        for path in fields:
            assert f"`{path.rsplit('/', 1)[-1]}`" in guide, path


@pytest.mark.parametrize("op", [pytest.param(op, id=op.operation_id) for op in OPERATIONS])
def test_operation_answers_as_documented(op: Operation) -> None:
    emulator = world()
    operation = op.operation_id.removeprefix("environments_")
    body_override = SUBSCRIPTION if operation.startswith("subscriptions_") else None
    response = call(emulator, op, body_override, query=DOCS_QUERY.get(operation, ""))
    emulator.check()
    entry = emulator.requests()[-1]
    assert not entry.unknown_route, (op.method, op.path)
    assert entry.tier in ("exact", "stateful", "shaped")
    if op.scopes is None and entry.tier != "exact":
        # PostHog's scope permission: no scope, no personal API key (before the project).
        assert (response.status_code, body(response)) == (403, NO_KEY_ACCESS)
        return
    if op.method == "DELETE" and op.destroy == "405":
        assert (response.status_code, response.get_data()) == (405, b"")
        return
    if entry.tier == "exact" and response.status_code != op.status:
        # A hand-written resource applies PostHog's rules to the docs' placeholder values and
        # objects, and answers what PostHog's code answers where the schema says otherwise
        # (202 for an asynchronous person delete, its deliberate 500s); its own suites cover
        # that. emulator.check() above has already failed the test on a phemu bug.
        return
    assert response.status_code == op.status, response.get_data(as_text=True)[:500]
    if op.status == 204:
        assert response.get_data() == b""
        return
    data = body(response)
    if op.response is not None:
        errors = schema_errors(op.response, data)
        assert deviating(op.operation_id, errors, data) == []


def _validates(op_id: str, data: Any) -> None:
    op = next(op for op in OPERATIONS if op.operation_id == op_id)
    assert op.response is not None
    assert deviating(op_id, schema_errors(op.response, data), data) == []


def test_created_flag_gets_a_usage_dashboard() -> None:
    """``FeatureFlagSerializer.create`` (``posthog/api/feature_flag.py``) calls
    ``_create_usage_dashboard`` unless ``_should_create_usage_dashboard`` is false: a
    ``template`` dashboard named ``Generated Dashboard: <key> Usage`` with the two insights of
    ``create_feature_flag_dashboard`` (``posthog/helpers/dashboard_templates.py``), which the
    flag's ``usage_dashboard`` names. Every answer validates against the published schema."""
    emulator = world()
    client = emulator.client()
    headers = emulator.auth_headers
    created = client.post(
        "/api/projects/1/feature_flags/",
        json={"key": "usage", "filters": {"groups": [{"rollout_percentage": 100}]}},
        headers=headers,
    )
    assert created.status_code == 201
    _validates("feature_flags_retrieve", body(created))
    board = body(created)["usage_dashboard"]
    assert isinstance(board, int)
    shown = client.get(f"/api/projects/1/dashboards/{board}/", headers=headers)
    _validates("dashboards_retrieve", body(shown))
    dashboard = body(shown)
    assert dashboard["name"] == "Generated Dashboard: usage Usage"
    assert dashboard["description"] == (
        "This dashboard was generated by the feature flag with key (usage)"
    )
    assert dashboard["creation_mode"] == "template"
    assert dashboard["filters"] == dashboard["persisted_filters"] == {"date_from": "-30d"}
    assert dashboard["tags"] == ["feature flags"]
    tiles = dashboard["tiles"]
    assert [t["insight"]["name"] for t in tiles] == [
        "Feature Flag Called Total Volume",
        "Feature Flag calls made by unique users per variant",
    ]
    assert [t["color"] for t in tiles] == ["blue", "green"]
    assert [t["layouts"]["sm"]["x"] for t in tiles] == [0, 6]
    for tile in tiles:
        insight = tile["insight"]
        assert insight["is_sample"] is True
        assert insight["dashboards"] == [board]
        assert insight["description"].endswith("with key: usage")
        source = insight["query"]["source"]
        assert source["kind"] == "TrendsQuery"
        assert source["series"][0]["event"] == "$feature_flag_called"
        assert source["properties"]["values"][0]["values"][0]["value"] == "usage"
        _validates(
            "insights_retrieve",
            body(client.get(f"/api/projects/1/insights/{insight['id']}/", headers=headers)),
        )
    listed = client.get("/api/projects/1/dashboards/", headers=headers)
    _validates("dashboards_list", body(listed))
    assert board in [d["id"] for d in body(listed)["results"]]
    insights = client.get("/api/projects/1/insights/", headers=headers)
    _validates("insights_list", body(insights))
    assert {t["insight"]["id"] for t in tiles} <= {i["id"] for i in body(insights)["results"]}
