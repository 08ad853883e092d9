"""Feature flag management (``posthog/api/feature_flag.py``) and the flags service doors."""

from __future__ import annotations

import json
from typing import Any

import pytest

from phemu.emulator import Emulator

TOKEN = "phc_phemuDefaultProjectToken0000000000000000000"
FLAGS = "/api/projects/1/feature_flags/"
ROLLOUT = {"groups": [{"properties": [], "rollout_percentage": 100}]}


def create(emulator: Emulator, auth: dict[str, str], **body: Any):
    return emulator.client().post(FLAGS, json=body, headers=auth)


def error(response) -> tuple[int, str, str | None]:
    body = response.get_json()
    return response.status_code, body["detail"], body["attr"]


def test_create_render_and_list(emulator: Emulator, auth: dict[str, str]) -> None:
    emulator.freeze_time("2026-06-15T10:00:00Z")
    response = create(emulator, auth, key="new-checkout", name="New checkout", filters=ROLLOUT)
    assert response.status_code == 201
    flag = response.get_json()
    assert flag["key"] == "new-checkout" and flag["version"] == 1 and flag["active"] is True
    assert flag["created_at"] == "2026-06-15T10:00:00Z"
    assert flag["created_by"]["email"] == "ada@example.com"
    assert flag["is_simple_flag"] is True and flag["rollout_percentage"] == 100
    assert flag["status"] == "ACTIVE"
    listed = emulator.client().get(FLAGS, headers=auth).get_json()
    assert listed["count"] == 1 and listed["results"][0]["id"] == flag["id"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {"key": "bad key!", "filters": ROLLOUT},
            "Only letters, numbers, hyphens (-) & underscores (_) are allowed.",
        ),
        ({"filters": ROLLOUT}, "This field is required."),
        (
            {"key": "k", "filters": {"groups": []}},
            "Feature flags must have at least one condition set (group).",
        ),
        (
            {
                "key": "k",
                "filters": {
                    "groups": [{"properties": [{"key": "x", "type": "event", "value": "1"}]}]
                },
            },
            "Filters are not valid (can only use person, cohort, and flag properties)",
        ),
        (
            {
                "key": "k",
                "filters": {
                    **ROLLOUT,
                    "multivariate": {
                        "variants": [
                            {"key": "a", "rollout_percentage": 60},
                            {"key": "b", "rollout_percentage": 30},
                        ]
                    },
                },
            },
            "Invalid variant definitions: Variant rollout percentages must sum to 100.",
        ),
        (
            {
                "key": "k",
                "filters": {
                    "groups": [{"properties": [], "rollout_percentage": 100, "variant": "zzz"}]
                },
            },
            "Filters are not valid (variant override does not exist)",
        ),
        (
            {
                "key": "k",
                "filters": {
                    "groups": [
                        {
                            "properties": [
                                {"key": "age", "type": "person", "value": 5, "operator": "gt"}
                            ]
                        }
                    ]
                },
            },
            "Invalid value for operator gt: 5",
        ),
        (
            {
                "key": "k",
                "filters": {
                    "groups": [{"properties": [{"key": "id", "type": "cohort", "value": 99}]}]
                },
            },
            "Cohort with id 99 does not exist",
        ),
        (
            {
                "key": "k",
                "filters": {
                    "groups": [
                        {
                            "properties": [
                                {
                                    "key": "d",
                                    "type": "person",
                                    "value": "not a date",
                                    "operator": "is_date_before",
                                }
                            ]
                        }
                    ]
                },
            },
            "Invalid date value: not a date",
        ),
        (
            {"key": "k", "filters": {**ROLLOUT, "payloads": {"true": "{not json"}}},
            "Payload value is not valid JSON",
        ),
        (
            {"key": "k", "filters": {**ROLLOUT, "payloads": {"false": "1"}}},
            "Payload keys must be 'true' for boolean flags",
        ),
        (
            {
                "key": "k",
                "filters": {
                    "groups": [
                        {
                            "properties": [
                                {"key": "x", "type": "person", "value": "1", "operator": "in"}
                            ]
                        }
                    ]
                },
            },
            "The 'in' operator is only valid for cohort properties, not 'person' properties.",
        ),
    ],
)
def test_serializer_rules(
    emulator: Emulator, auth: dict[str, str], body: dict[str, Any], expected: str
) -> None:
    response = create(emulator, auth, **body)
    assert response.status_code == 400
    assert response.get_json()["detail"] == expected
    assert emulator.feature_flags.all() == []


def test_key_unique_among_live_flags_and_soft_delete_frees_it(
    emulator: Emulator, auth: dict[str, str]
) -> None:
    first = create(emulator, auth, key="dup", filters=ROLLOUT).get_json()
    assert error(create(emulator, auth, key="dup", filters=ROLLOUT)) == (
        400,
        "There is already a feature flag with this key.",
        "key",
    )
    client = emulator.client()
    deleted = client.patch(
        f"{FLAGS}{first['id']}/", json={"deleted": True}, headers=auth
    ).get_json()
    assert deleted["deleted"] is True and deleted["version"] == 2
    assert client.get(FLAGS, headers=auth).get_json()["count"] == 0
    assert create(emulator, auth, key="dup", filters=ROLLOUT).status_code == 201
    assert client.delete(f"{FLAGS}{first['id']}/", headers=auth).status_code == 405


def test_object_payloads_are_stored_as_json_text(emulator: Emulator, auth: dict[str, str]) -> None:
    flag = create(
        emulator, auth, key="p", filters={**ROLLOUT, "payloads": {"true": {"a": 1}}}
    ).get_json()
    assert flag["filters"]["payloads"] == {"true": '{"a": 1}'}


def test_flag_dependencies(emulator: Emulator, auth: dict[str, str]) -> None:
    base = create(emulator, auth, key="base", filters=ROLLOUT).get_json()
    dep = {
        "groups": [
            {
                "properties": [
                    {
                        "key": str(base["id"]),
                        "type": "flag",
                        "value": True,
                        "operator": "flag_evaluates_to",
                    }
                ],
                "rollout_percentage": 100,
            }
        ]
    }
    child = create(emulator, auth, key="child", filters=dep).get_json()
    assert emulator.feature_flags.value("child", "someone") is True
    client = emulator.client()
    response = client.patch(f"{FLAGS}{base['id']}/", json={"active": False}, headers=auth)
    assert response.get_json()["detail"] == (
        f"Cannot disable this feature flag because other flags depend on it: child (ID: {child['id']}). "
        "Please update or disable the dependent flags first."
    )
    by_key = {
        "groups": [
            {
                "properties": [
                    {"key": "base", "type": "flag", "value": True, "operator": "flag_evaluates_to"}
                ]
            }
        ]
    }
    assert create(emulator, auth, key="k2", filters=by_key).get_json()["detail"] == (
        "Flag dependencies must reference flag IDs (integers), not flag keys. Invalid reference: 'base'"
    )


def test_patch_without_groups_keeps_filters(emulator: Emulator, auth: dict[str, str]) -> None:
    flag = create(emulator, auth, key="keep", filters=ROLLOUT).get_json()
    patched = (
        emulator.client()
        .patch(f"{FLAGS}{flag['id']}/", json={"filters": {}, "name": "x"}, headers=auth)
        .get_json()
    )
    assert patched["filters"]["groups"] == ROLLOUT["groups"] and patched["name"] == "x"


def test_bulk_keys_and_status(emulator: Emulator, auth: dict[str, str]) -> None:
    flag = create(emulator, auth, key="bk", filters=ROLLOUT).get_json()
    client = emulator.client()
    answer = client.post(
        f"{FLAGS}bulk_keys/", json={"ids": [flag["id"], "x", 999]}, headers=auth
    ).get_json()
    assert answer == {"keys": {str(flag["id"]): "bk"}, "warning": "Invalid flag IDs ignored: ['x']"}
    assert client.post(f"{FLAGS}bulk_keys/", json={"ids": ["x"]}, headers=auth).get_json() == {
        "error": "Invalid flag IDs provided"
    }
    assert client.get(f"{FLAGS}{flag['id']}/status/", headers=auth).get_json() == {
        "status": "active",
        "reason": "Flag is active and being evaluated",
    }
    emulator.advance_time(days=31)
    assert (
        client.get(f"{FLAGS}{flag['id']}/status/", headers=auth).get_json()["status"] == "inactive"
    )


def _flags(emulator: Emulator, body: dict[str, Any], query: str = "?v=2"):
    return emulator.client().post(f"/flags/{query}", json={"token": TOKEN, **body})


def test_flags_v2_shape_reasons_and_payloads(emulator: Emulator) -> None:
    emulator.feature_flags.create(
        key="on", filters={**ROLLOUT, "payloads": {"true": '{"color": "blue"}'}}
    )
    emulator.feature_flags.create(
        key="pro-only",
        filters={
            "groups": [
                {
                    "properties": [{"key": "plan", "type": "person", "value": "pro"}],
                    "rollout_percentage": 100,
                }
            ]
        },
    )
    emulator.feature_flags.create(
        key="off", filters={"groups": [{"properties": [], "rollout_percentage": 0}]}
    )
    body = _flags(emulator, {"distinct_id": "u1", "person_properties": {"plan": "free"}}).get_json()
    assert body["errorsWhileComputingFlags"] is False
    assert body["flags"]["on"] == {
        "key": "on",
        "enabled": True,
        "variant": None,
        "reason": {
            "code": "condition_match",
            "condition_index": 0,
            "description": "Matched condition set 1",
        },
        "metadata": {"id": 1, "version": 1, "description": None, "payload": '{"color": "blue"}'},
    }
    assert body["flags"]["pro-only"]["reason"] == {
        "code": "no_condition_match",
        "condition_index": 0,
        "description": "No matching condition set",
    }
    assert body["flags"]["off"]["reason"]["code"] == "out_of_rollout_bound"
    legacy = _flags(emulator, {"distinct_id": "u1"}, "?v=1").get_json()
    assert legacy["featureFlags"] == {"on": True, "pro-only": False, "off": False}
    assert legacy["featureFlagPayloads"] == {"on": '{"color": "blue"}'}


def test_flags_read_stored_person_properties(emulator: Emulator) -> None:
    emulator.feature_flags.create(
        key="pro-only",
        filters={
            "groups": [
                {
                    "properties": [{"key": "plan", "type": "person", "value": "pro"}],
                    "rollout_percentage": 100,
                }
            ]
        },
    )
    emulator.events.capture("$identify", "u1", {"$set": {"plan": "pro"}})
    assert (
        _flags(emulator, {"distinct_id": "u1"}).get_json()["flags"]["pro-only"]["enabled"] is True
    )
    assert (
        _flags(emulator, {"distinct_id": "u1", "person_properties": {"plan": "free"}}).get_json()[
            "flags"
        ]["pro-only"]["enabled"]
        is False
    )


def test_decide_versions(emulator: Emulator) -> None:
    emulator.feature_flags.create(key="on", filters=ROLLOUT)
    emulator.feature_flags.create(
        key="off", filters={"groups": [{"properties": [], "rollout_percentage": 0}]}
    )
    client = emulator.client()

    def post(query: str) -> Any:
        return client.post(
            f"/decide/{query}", json={"api_key": TOKEN, "distinct_id": "u"}
        ).get_json()

    assert post("?v=1")["featureFlags"] == ["on"]
    assert post("?v=2")["featureFlags"] == {"on": True}
    assert post("?v=3")["featureFlags"] == {"on": True, "off": False}
    assert set(post("?v=4")["flags"]) == {"on", "off"}
    assert post("?v=4")["sessionRecording"] is False


@pytest.mark.parametrize(
    ("body", "status", "text"),
    [
        (
            {"distinct_id": "u"},
            401,
            "No API token provided. Please include a valid API token in your request.",
        ),
        (
            {"token": "phc_nobody", "distinct_id": "u"},
            401,
            "The provided API key is invalid or has expired. Please check your API key and try again.",
        ),
        (
            {"token": TOKEN},
            400,
            "The distinct_id field is missing from the request. Please include a valid identifier.",
        ),
        (
            {"token": TOKEN, "distinct_id": ""},
            400,
            "The distinct_id field cannot be empty. Please provide a valid identifier.",
        ),
    ],
)
def test_flags_refusals(emulator: Emulator, body: dict[str, Any], status: int, text: str) -> None:
    response = emulator.client().post("/flags/?v=2", json=body)
    assert (response.status_code, response.get_data(as_text=True)) == (status, text)


def test_group_flags(emulator: Emulator) -> None:
    emulator.persons.set_group("company", "acme", {"tier": "gold"})
    emulator.feature_flags.create(
        key="gold",
        filters={
            "aggregation_group_type_index": 0,
            "groups": [
                {
                    "properties": [
                        {"key": "tier", "type": "group", "group_type_index": 0, "value": "gold"}
                    ],
                    "rollout_percentage": 100,
                }
            ],
        },
    )
    with_group = _flags(emulator, {"distinct_id": "u", "groups": {"company": "acme"}}).get_json()[
        "flags"
    ]["gold"]
    assert with_group["enabled"] is True
    without = _flags(emulator, {"distinct_id": "u"}).get_json()["flags"]["gold"]
    assert without["reason"] == {
        "code": "no_group_type",
        "condition_index": None,
        "description": "No group type",
    }


def test_static_and_property_cohorts(emulator: Emulator) -> None:
    emulator.events.capture("x", "vip-1")
    static = emulator.cohorts.create(name="VIPs", distinct_ids=["vip-1"])
    dynamic = emulator.cohorts.create(
        name="Pro",
        filters={
            "properties": {
                "type": "OR",
                "values": [
                    {
                        "type": "AND",
                        "values": [
                            {"key": "plan", "type": "person", "value": "pro", "operator": "exact"}
                        ],
                    }
                ],
            }
        },
    )
    for key, cohort in (("vip", static), ("pro", dynamic)):
        emulator.feature_flags.create(
            key=key,
            filters={
                "groups": [
                    {
                        "properties": [{"key": "id", "type": "cohort", "value": cohort["id"]}],
                        "rollout_percentage": 100,
                    }
                ]
            },
        )
    assert emulator.feature_flags.value("vip", "vip-1") is True
    assert emulator.feature_flags.value("vip", "someone") is False
    assert emulator.feature_flags.value("pro", "x", person_properties={"plan": "pro"}) is True
    definitions = emulator.feature_flags.definitions(1)
    assert definitions["cohorts"] == {
        str(dynamic["id"]): dynamic["filters"]["properties"]
    }  # static cohorts stay server-side


def _definitions(
    emulator: Emulator, headers: dict[str, str], query: str = f"?token={TOKEN}&send_cohorts"
):
    return emulator.client().get(f"/flags/definitions{query}", headers=headers)


def test_definitions_etag_and_auth(emulator: Emulator, auth: dict[str, str]) -> None:
    emulator.feature_flags.create(key="on", filters=ROLLOUT)
    first = _definitions(emulator, auth)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert etag.startswith('W/"') and first.headers["Cache-Control"] == "private, must-revalidate"
    payload = first.get_json()
    assert [f["key"] for f in payload["flags"]] == ["on"]
    assert set(payload["flags"][0]) == {
        "id",
        "team_id",
        "name",
        "key",
        "filters",
        "deleted",
        "active",
        "ensure_experience_continuity",
        "has_encrypted_payloads",
        "version",
        "evaluation_runtime",
        "evaluation_tags",
    }
    unchanged = _definitions(emulator, {**auth, "If-None-Match": etag})
    assert (unchanged.status_code, unchanged.get_data(), unchanged.headers["ETag"]) == (
        304,
        b"",
        etag,
    )
    emulator.feature_flags.create(key="two", filters=ROLLOUT)
    assert _definitions(emulator, {**auth, "If-None-Match": etag}).status_code == 200
    # rust/feature-flags/src/api/errors.rs: FlagError::NoAuthenticationProvided, DRF-shaped.
    assert _definitions(emulator, {}).get_json() == {
        "type": "authentication_error",
        "code": "not_authenticated",
        "detail": "Authentication credentials were not provided.",
        "attr": None,
    }
    assert _definitions(emulator, {"Authorization": "Bearer phx_nope"}).status_code == 401
    assert _definitions(emulator, auth, "?token=phc_nobody").status_code == 401
    legacy = emulator.client().get(
        f"/api/feature_flag/local_evaluation/?token={TOKEN}&send_cohorts", headers=auth
    )
    assert (
        legacy.status_code == 200 and legacy.get_json() == _definitions(emulator, auth).get_json()
    )
    nested = emulator.client().get(f"{FLAGS}local_evaluation/", headers=auth)
    assert json.loads(nested.get_data()) == _definitions(emulator, auth).get_json()


def test_evaluation_runtime_filters_the_other_runtime(emulator: Emulator) -> None:
    emulator.feature_flags.create(key="client-only", filters=ROLLOUT, evaluation_runtime="client")
    emulator.feature_flags.create(key="everywhere", filters=ROLLOUT)
    body = _flags(emulator, {"distinct_id": "u", "evaluation_runtime": "server"}).get_json()
    assert set(body["flags"]) == {"everywhere"}


def test_state_export_round_trip(emulator: Emulator) -> None:
    emulator.feature_flags.create(key="on", filters=ROLLOUT)
    emulator.events.capture("signup", "u1", {"$set": {"plan": "pro"}})
    emulator.cohorts.create(name="c", distinct_ids=["u1"])
    state = emulator.export_state()
    other = Emulator(load_entrypoints=False, default_seed=False)
    other.import_state(state)
    assert other.feature_flags.value("on", "u1") is True
    assert other.events.captured("signup")
    assert other.persons.get("u1").properties == {"plan": "pro"}
    assert other.export_state() == state
