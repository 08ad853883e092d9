"""Varied records of every resource, written the way clients write them, and every read of them.

:func:`build` drives one emulator through the HTTP API (the control plane and the Python API
only where PostHog has no route: computed-form sessions, channel lookups, cohorts, a second
organization): soft-deleted rows, rows with every optional field set, changed and restored rows,
merged persons, scheduled deliveries. :func:`reads` lists every list and detail request whose
answer a save and restart must keep byte for byte, and :func:`next_writes` the creates whose
answers show the next ids (and random values) handed out.

Used by ``tests/test_state_roundtrip.py`` (export, save, restart) and
``tests/test_mutation_log.py`` (the ``--sync always`` log replayed after each request).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from collections.abc import Iterator
from typing import Any

from werkzeug.test import Client

from phemu.emulator import Emulator

TOKEN = "phc_phemuDefaultProjectToken0000000000000000000"
DEFAULT_ORG = "01928a6e-3c1d-7000-8000-0000000000aa"
OTHER_TOKEN = "phc_scenarioSecondProjectToken00000000000000000"
OTHER_KEY = "phx_scenarioSecondUserKey00000000000000000000000"
START = "2026-06-15T10:00:00Z"
P1 = "/api/projects/1"
P2 = "/api/projects/2"

#: The list routes every project has.
COLLECTIONS = (
    "dashboards", "insights", "subscriptions", "feature_flags", "persons", "cohorts",
    "experiments", "surveys", "annotations", "event_definitions", "property_definitions",
    "experiment_holdouts", "experiment_saved_metrics", "web_experiments",
)  # fmt: skip
#: A step: (method, path, JSON body or None, which key answers for it: 1 default, 2 other).
Step = tuple[str, str, Any, int]


def headers(emulator: Emulator, who: int) -> dict[str, str]:
    return emulator.auth_headers if who == 1 else {"Authorization": f"Bearer {OTHER_KEY}"}


def call(emulator: Emulator, method: str, path: str, body: Any = None, who: int = 1) -> Any:
    """One request; a 5xx or a phemu bug fails the scenario at once."""
    response = Client(emulator.app).open(
        path, method=method, json=body, headers=headers(emulator, who)
    )
    assert response.status_code < 500, (method, path, response.get_data())
    emulator.check()
    return response


#: Loaded over the control plane (``POST /_phemu/seed``): what has no PostHog route.
SEED: dict[str, Any] = {
    "organizations": [
        {
            "id": "0192aaaa-0000-7000-8000-00000000000b",
            "name": "Second org",
            "members_can_use_personal_api_keys": False,
            "created_at": "2026-02-01T00:00:00Z",
        }
    ],
    "projects": [
        {
            "id": 2,
            "organization": "0192aaaa-0000-7000-8000-00000000000b",
            "name": "Second project",
            "api_token": OTHER_TOKEN,
            "timezone": "Europe/Paris",
            "custom_channel_types": ["Partners"],
        }
    ],
    "users": [
        {
            "email": "bob@example.com",
            "first_name": "Bob",
            "last_name": "Builder",
            "organizations": [
                {"id": "0192aaaa-0000-7000-8000-00000000000b", "level": 8},
                {"id": "01928a6e-3c1d-7000-8000-0000000000aa", "level": 1},
            ],
            "is_email_verified": True,
            "role_at_organization": "engineering",
        }
    ],
    "personal_api_keys": [
        {
            "user": "bob@example.com",
            "label": "scenario",
            "value": OTHER_KEY,
            "scopes": ["*"],
            "scoped_organizations": ["0192aaaa-0000-7000-8000-00000000000b", DEFAULT_ORG],
        }
    ],
    "channel_lookups": [{"sources": {"partnerville": ["Paid Social", "Organic Social"]}}],
    "sessions": [
        {
            "project": 1,
            "session_id": "computed-1",
            "distinct_id": "seeded",
            "properties": {
                "$entry_utm_source": "newsletter",
                "$start_timestamp": "2026-06-01T08:00:00Z",
                "$end_timestamp": "2026-06-01T08:30:00Z",
                "$pageview_count": 4,
            },
        }
    ],
    "events": [
        {
            "project": 1,
            "event": "$pageview",
            "distinct_id": "raw-1",
            "timestamp": "2026-06-02T09:00:00Z",
            "uuid": "0192bbbb-0000-7000-8000-000000000001",
            "properties": {"$session_id": "raw-session", "$current_url": "https://a.example/x"},
        },
        {
            "project": 1,
            "event": "no-session",
            "distinct_id": "raw-1",
            "timestamp": "2026-06-02T09:01:00Z",
            "properties": {},
        },
    ],
}


def _capture(emulator: Emulator, batch: list[dict[str, Any]], token: str = TOKEN) -> None:
    response = Client(emulator.app).post("/batch/", json={"api_key": token, "batch": batch})
    assert response.status_code == 200, response.get_data()


def build(emulator: Emulator, after: Callable[[], None] = lambda: None) -> None:
    """Write the scenario into ``emulator`` (default seed, any clock); ``after()`` runs after
    every request (the mutation-log tests commit and check the log there)."""
    emulator.freeze_time(START)

    def step(method: str, path: str, body: Any = None, who: int = 1) -> Any:
        response = call(emulator, method, path, body, who)
        assert response.status_code < 300, (method, path, response.get_data())
        after()
        return response.get_json() if response.get_data() else None

    def control(method: str, path: str, body: Any = None) -> Any:
        response = Client(emulator.app).open(path, method=method, json=body)
        assert response.status_code == 200, (path, response.get_data())
        after()
        return response.get_json()

    def tick(seconds: float) -> None:
        control("POST", "/_phemu/clock", {"advance": seconds})

    control("POST", "/_phemu/seed", SEED)
    tick(60)

    # -- dashboards ---------------------------------------------------------------------------
    d1 = step(
        "POST",
        f"{P1}/dashboards/",
        {"name": "Growth", "description": "KPIs", "pinned": True, "tags": ["a", "b"]},
    )["id"]
    d2 = step("POST", f"{P1}/dashboards/", {})["id"]
    d3 = step("POST", f"{P1}/dashboards/", {"name": "Doomed"})["id"]
    step("POST", f"{P2}/dashboards/", {"name": "Other project"}, who=2)
    tick(5)
    step("PATCH", f"{P1}/dashboards/{d2}/", {"name": "Renamed", "tags": ["z"]})
    step("PATCH", f"{P1}/dashboards/{d3}/", {"deleted": True})
    step("GET", f"{P1}/dashboards/{d1}/")  # stamps last_accessed_at

    # -- insights (and the tiles they put on dashboards) -------------------------------------
    query = {"kind": "InsightVizNode", "source": {"kind": "TrendsQuery", "series": []}}
    i1 = step(
        "POST",
        f"{P1}/insights/",
        {
            "name": "Signups",
            "derived_name": "Signups count",
            "query": query,
            "description": "d",
            "tags": ["t"],
            "favorited": True,
            "saved": True,
            "order": 3,
            "dashboards": [d1, d2],
        },
    )["id"]
    i2 = step("POST", f"{P1}/insights/", {"query": query, "dashboards": [d1]})["id"]
    i3 = step("POST", f"{P1}/insights/", {"name": "Gone", "dashboards": [d2]})["id"]
    tick(5)
    step("PATCH", f"{P1}/insights/{i1}/", {"dashboards": [d2]}, who=2)  # one tile removed
    step("PATCH", f"{P1}/insights/{i1}/", {"dashboards": [d1, d2]})  # and revived
    step("PATCH", f"{P1}/insights/{i2}/", {"name": "Renamed insight"}, who=2)
    step("PATCH", f"{P1}/insights/{i3}/", {"deleted": True})
    step("PATCH", f"{P1}/dashboards/{d2}/", {"deleted": True})  # its tiles disappear
    step("PATCH", f"{P1}/dashboards/{d2}/", {"deleted": False})  # and come back

    # -- subscriptions ------------------------------------------------------------------------
    s1 = step(
        "POST",
        f"{P1}/subscriptions/",
        {
            "insight": i1,
            "target_type": "email",
            "target_value": "a@example.com,b@example.com",
            "frequency": "weekly",
            "interval": 2,
            "byweekday": ["monday", "friday"],
            "start_date": "2026-06-15T09:00:00Z",
            "until_date": "2026-12-31T00:00:00Z",
            "title": "Weekly",
            "invite_message": "hi",
        },
    )["id"]
    s2 = step(
        "POST",
        f"{P1}/subscriptions/",
        {
            "dashboard": d1,
            "target_type": "slack",
            "target_value": "C123|#general",
            "frequency": "monthly",
            "bysetpos": -1,
            "byweekday": ["monday"],
            "count": 5,
            "start_date": "2026-06-01T08:00:00Z",
        },
    )["id"]
    s3 = step(
        "POST",
        f"{P1}/subscriptions/",
        {
            "insight": i2,
            "target_type": "webhook",
            "target_value": "https://hooks.example/x",
            "frequency": "daily",
            "start_date": "2026-06-15T10:30:00Z",
        },
    )["id"]
    step("PATCH", f"{P1}/subscriptions/{s3}/", {"deleted": True})
    step("PATCH", f"{P1}/subscriptions/{s1}/", {"target_value": "c@example.com"})
    # Its dashboard cleared: in the cloud profile still a dashboard subscription (content_type).
    step("PATCH", f"{P1}/subscriptions/{s2}/", {"dashboard": None, "title": "no target"})
    tick(3 * 86400)  # deliveries fire and move next_delivery_date

    # -- persons, groups, captured events and the sessions they derive --------------------------
    _capture(
        emulator,
        [
            {
                "event": "$pageview",
                "distinct_id": "anon-1",
                "timestamp": "2026-06-18T10:00:00Z",
                "properties": {
                    "$session_id": "s-1",
                    "$current_url": "https://a.example/?utm_source=partnerville",
                    "$set": {"plan": "free", "seen": 1},
                    "$set_once": {"first": "a"},
                    "$groups": {"company": "acme"},
                },
            },
            {
                "event": "$identify",
                "distinct_id": "user-1",
                "timestamp": "2026-06-18T10:01:00Z",
                "properties": {
                    "$anon_distinct_id": "anon-1",
                    "$session_id": "s-1",
                    "$set": {"email": "u1@example.com"},
                    "$unset": ["seen"],
                },
            },
            {
                "event": "other",
                "distinct_id": "user-2",
                "offset": 500,
                "properties": {"$set": {"plan": "pro"}},
                "elements_chain": 'a:href="/x"',
            },
            {
                "event": "$identify",
                "distinct_id": "user-2",
                "properties": {"$anon_distinct_id": "anon-2"},
            },
            {
                "event": "$merge_dangerously",
                "distinct_id": "user-1",
                "properties": {"alias": "user-2"},
            },
            {
                "event": "ghost",
                "distinct_id": "nobody",
                "properties": {"$process_person_profile": False},
            },
            {
                "event": "$groupidentify",
                "distinct_id": "user-1",
                "properties": {
                    "$group_type": "company",
                    "$group_key": "acme",
                    "$group_set": {"name": "Acme", "size": 3},
                },
            },
            {
                "event": "$pageview",
                "distinct_id": "user-1",
                "uuid": "0192cccc-0000-7000-8000-000000000001",
                "properties": {"$session_id": "s-2", "$groups": {"project": "p1"}},
            },
        ],
    )
    after()
    _capture(emulator, [{"event": "elsewhere", "distinct_id": "p2-user"}], OTHER_TOKEN)
    after()
    tick(60)

    # -- groups: a written property, group type metadata and a usage metric ---------------------
    step("POST", f"{P1}/groups/update_property/?group_type_index=0&group_key=acme",
         {"key": "tier", "value": 2})  # fmt: skip
    emulator.groups.update_metadata([{"group_type_index": 0, "name_plural": "companies"}])
    after()
    step("POST", f"{P1}/groups_types/0/metrics/", {"name": "Events", "filters": {"events": []}})

    # -- cohorts and feature flags ------------------------------------------------------------
    # Static members named by distinct id (the Python API, as a CSV upload), and by person uuid.
    static = emulator.cohorts.create(name="Static", distinct_ids=["user-1", "anon-2"])
    after()
    user_1 = emulator.persons.get("user-1").uuid
    by_uuid = step("POST", f"{P1}/cohorts/", {"name": "By uuid", "is_static": True,
                                              "_create_static_person_ids": [user_1]})  # fmt: skip
    pro = {"key": "plan", "type": "person", "value": "pro", "operator": "exact"}
    pros = step("POST", f"{P1}/cohorts/", {
        "name": "Pros", "description": "paying",
        "filters": {"properties": {"type": "OR", "values": [{"type": "AND", "values": [pro]}]}},
    })  # fmt: skip
    step("PATCH", f"{P1}/cohorts/{pros['id']}/", {"name": "Pro users"})
    step("PATCH", f"{P1}/cohorts/{by_uuid['id']}/", {"deleted": True})
    rollout = {"groups": [{"properties": [], "rollout_percentage": 100}]}
    f1 = step("POST", f"{P1}/feature_flags/", {"key": "base", "name": "Base", "filters": rollout})
    step(
        "POST",
        f"{P1}/feature_flags/",
        {
            "key": "full",
            "name": "Every field",
            "tags": ["x"],
            "active": True,
            "ensure_experience_continuity": True,
            "evaluation_runtime": "server",
            "has_enriched_analytics": True,
            "is_remote_configuration": False,
            "rollback_conditions": [
                {
                    "threshold": 50,
                    "threshold_type": "insight",
                    "threshold_metric": {"kind": "TrendsQuery"},
                    "operator": "lt",
                }
            ],
            "filters": {
                "groups": [
                    {
                        "properties": [
                            {"key": "plan", "type": "person", "value": ["pro"], "operator": "exact"}
                        ],
                        "rollout_percentage": 50,
                        "variant": "b",
                    },
                    {
                        "properties": [{"key": "id", "type": "cohort", "value": static["id"]}],
                        "rollout_percentage": 100,
                    },
                    {
                        "properties": [
                            {
                                "key": str(f1["id"]),
                                "type": "flag",
                                "value": True,
                                "operator": "flag_evaluates_to",
                            }
                        ]
                    },
                ],
                "multivariate": {
                    "variants": [
                        {"key": "a", "rollout_percentage": 60},
                        {"key": "b", "rollout_percentage": 40},
                    ]
                },
                "payloads": {"a": '{"x": 1}'},
            },
        },
        who=2,
    )
    groups = {"aggregation_group_type_index": 0, "groups": [{"rollout_percentage": 30}]}
    step("POST", f"{P1}/feature_flags/", {"key": "by-company", "filters": groups})
    doomed = step("POST", f"{P1}/feature_flags/", {"key": "doomed", "filters": rollout})["id"]
    tick(30)
    step("PATCH", f"{P1}/feature_flags/{doomed}/", {"deleted": True})
    replaced = step("POST", f"{P1}/feature_flags/", {"key": "reused", "filters": rollout})["id"]
    step("PATCH", f"{P1}/feature_flags/{replaced}/", {"deleted": True})
    step("POST", f"{P1}/feature_flags/", {"key": "reused", "filters": rollout})  # drops the old
    step("PATCH", f"{P1}/feature_flags/{f1['id']}/", {"name": "Base v2", "active": True}, who=2)
    # A key change rewrites the usage dashboard's generated insights; a flag may skip the board.
    step("PATCH", f"{P1}/feature_flags/{doomed}/", {"key": "doomed-v2"})
    quiet = {"key": "quiet", "filters": rollout, "_should_create_usage_dashboard": False}
    step("POST", f"{P1}/feature_flags/", quiet)
    step("POST", f"{P2}/feature_flags/", {"key": "base", "filters": rollout}, who=2)
    # A deleted flag depending on one disabled since: stored as it is, though POST would refuse.
    leaf = step("POST", f"{P1}/feature_flags/", {"key": "leaf", "filters": rollout})["id"]
    on_leaf = {"key": str(leaf), "type": "flag", "value": True, "operator": "flag_evaluates_to"}
    needs_leaf = {"groups": [{"properties": [on_leaf], "rollout_percentage": 100}]}
    branch = step("POST", f"{P1}/feature_flags/", {"key": "branch", "filters": needs_leaf})["id"]
    step("PATCH", f"{P1}/feature_flags/{branch}/", {"deleted": True})
    step("PATCH", f"{P1}/feature_flags/{leaf}/", {"active": False, "performed_rollback": True})
    step("PATCH", f"{P1}/feature_flags/{leaf}/", {"performed_rollback": True})

    # -- experiments, surveys, annotations, organization members -------------------------------
    metric = {"kind": "ExperimentMetric", "metric_type": "mean", "uuid": "m1", "name": "Revenue",
              "source": {"kind": "EventsNode", "event": "purchase"}}  # fmt: skip
    running = step("POST", f"{P1}/experiments/", {"name": "Checkout", "description": "d",
                                                  "feature_flag_key": "exp-checkout",
                                                  "metrics": [metric]})  # fmt: skip
    step("PATCH", f"{P1}/experiments/{running['id']}/", {"start_date": "2026-06-18T12:00:00Z"})
    step("POST", f"{P1}/experiments/{running['id']}/create_exposure_cohort_for_experiment/", {})
    step("POST", f"{P1}/experiments/{running['id']}/recalculate_timeseries/",
         {"metric": metric, "fingerprint": "f" * 64})  # fmt: skip
    holdout = step("POST", f"{P1}/experiment_holdouts/", {
        "name": "Holdout", "filters": [{"properties": [], "rollout_percentage": 5}]})  # fmt: skip
    shared = step("POST", f"{P1}/experiment_saved_metrics/", {
        "name": "Shared", "query": metric, "tags": ["core"]})  # fmt: skip
    held = step("POST", f"{P1}/experiments/", {
        "name": "Held", "feature_flag_key": "exp-held", "holdout_id": holdout["id"],
        "saved_metrics_ids": [{"id": shared["id"], "metadata": {"type": "secondary"}}],
    })  # fmt: skip
    step("POST", f"{P1}/experiments/{held['id']}/duplicate/", {})
    step("POST", f"{P1}/web_experiments/", {"name": "Hero", "variants": {
        "test": {"rollout_percentage": 30, "transforms": [{"selector": "h1", "text": "Hi"}]},
        "control": {"rollout_percentage": 70}}})  # fmt: skip
    shelved = step("POST", f"{P1}/experiments/", {"name": "Old", "feature_flag_key": "exp-old"})
    step("PATCH", f"{P1}/experiments/{shelved['id']}/", {"archived": True})
    gone = step("POST", f"{P1}/experiments/", {"name": "Gone", "feature_flag_key": "exp-gone"})
    step("PATCH", f"{P1}/experiments/{gone['id']}/", {"deleted": True})
    rating = {"type": "rating", "question": "How likely are you to recommend us?", "scale": 10}
    targeting = {"groups": [{"properties": [pro], "rollout_percentage": 50}]}
    survey = step("POST", f"{P1}/surveys/", {
        "name": "NPS", "type": "popover", "questions": [rating], "linked_flag_id": f1["id"],
        "targeting_flag_filters": targeting, "start_date": "2026-06-18T12:00:00Z",
    })  # fmt: skip
    step("PATCH", f"{P1}/surveys/{survey['id']}/", {"description": "<b>now</b>"})
    dropped = step("POST", f"{P1}/surveys/", {"name": "Dropped", "type": "api",
                                              "questions": [rating]})  # fmt: skip
    step("DELETE", f"{P1}/surveys/{dropped['id']}/")
    _capture(emulator, [{"event": "survey sent", "distinct_id": "user-1",
                         "properties": {"$survey_id": survey["id"], "$survey_response": "9"}}])  # fmt: skip
    after()
    step("POST", f"{P1}/annotations/", {"content": "launch", "date_marker": "2026-06-18T00:00:00Z",
                                        "scope": "project"})  # fmt: skip
    step("POST", f"{P1}/annotations/", {"content": "on insight", "dashboard_item": i1})
    on_board = step("POST", f"{P1}/annotations/", {"content": "on board", "scope": "dashboard",
                                                   "dashboard_id": d1})  # fmt: skip
    step("PATCH", f"{P1}/annotations/{on_board['id']}/", {"deleted": True})
    members = f"/api/organizations/{DEFAULT_ORG}/members/"
    bob = emulator.store.user_by_email("bob@example.com").uuid
    step("PATCH", f"{members}{bob}/", {"level": 8})

    # -- schema-driven (generic) resources: project, environment and organization records ------
    action = step("POST", f"{P1}/actions/", {"name": "Signed up", "steps": [{"event": "signup"}]})
    step("PATCH", f"{P1}/actions/{action['id']}/", {"description": "first step"})
    notebook = step("POST", f"{P1}/notebooks/", {"title": "Findings"})
    step("PATCH", f"{P1}/notebooks/{notebook['short_id']}/", {"deleted": True})
    step("POST", f"{P1}/notebooks/", {"title": "Kept"})
    step("POST", "/api/environments/1/hog_functions/",
         {"name": "Webhook", "type": "destination", "hog": "return 1"})  # fmt: skip
    role = step("POST", f"/api/organizations/{DEFAULT_ORG}/roles/", {"name": "Eng"})
    step("DELETE", f"/api/organizations/{DEFAULT_ORG}/roles/{role['id']}/")
    step("POST", f"/api/organizations/{DEFAULT_ORG}/roles/", {"name": "Design"})

    tick(3600 * 2)  # the default key's last_used_at moves on the next request
    step("GET", f"{P1}/feature_flags/")


def reads(emulator: Emulator) -> Iterator[tuple[str, str, Any, int]]:
    """Every list and detail request of what :func:`build` wrote: ``(method, path, body, who)``.

    Detail ids come from the lists (deleted rows through ``?deleted=true`` or the export), so a
    record that is lost or gained shows up as a different list or a different set of details.
    """
    state = emulator.export_state()
    for project, who in ((1, 1), (2, 2)):
        base = f"/api/projects/{project}"
        for resource in COLLECTIONS:
            yield "GET", f"{base}/{resource}/", None, who
        yield "GET", f"{base}/insights/?basic=true", None, who
        yield "GET", f"{base}/subscriptions/?deleted=true", None, who
        yield "GET", f"{base}/experiments/?archived=true", None, who
        yield "GET", f"{base}/experiments/stats/", None, who
        yield "GET", f"{base}/surveys/responses_count/", None, who
        yield "GET", f"{base}/feature_flags/activity/?limit=100", None, who
        yield "GET", f"{base}/property_definitions/?type=person", None, who
        yield "GET", f"{base}/events/?limit=1000", None, who
        yield "GET", f"{base}/feature_flags/local_evaluation/", None, who
        yield "GET", f"{base}/sessions/property_definitions/", None, who
        yield "GET", f"{base}/groups_types/", None, who
        yield "GET", f"{base}/groups_types/0/metrics/", None, who
        yield "GET", f"{base}/groups/?group_type_index=0", None, who
        yield "GET", f"{base}/groups/activity/?group_type_index=0&group_key=acme", None, who
        for key in ("$entry_utm_source", "$channel_type", "$entry_current_url"):
            yield "GET", f"{base}/sessions/values/?key={key}", None, who
        for table in ("events", "persons", "sessions"):
            body = {"query": {"kind": "HogQLQuery", "query": f"select * from {table} limit 500"}}
            yield "POST", f"{base}/query/", body, who
        yield "GET", f"/api/projects/{project}/", None, who
    for path in ("/api/projects/1/actions/", "/api/projects/1/notebooks/",
                 "/api/environments/1/hog_functions/", f"/api/organizations/{DEFAULT_ORG}/roles/"):  # fmt: skip
        yield "GET", path, None, 1
    for record in state["generic"]:
        base = (f"/api/organizations/{record['organization']}" if "organization" in record
                else f"/api/projects/{record['project']}")  # fmt: skip
        if record["resource"] != "hog_functions":
            yield "GET", f"{base}/{record['resource']}/{record['key']}/", None, 1
    yield "GET", "/api/projects/", None, 1
    yield "GET", "/api/users/@me/", None, 1
    yield "GET", "/api/users/@me/", None, 2
    for organization in state["organizations"]:
        yield "GET", f"/api/organizations/{organization['id']}/", None, 2
        yield "GET", f"/api/organizations/{organization['id']}/members/", None, 2
        yield "GET", f"/api/organizations/{organization['id']}/members/", None, 1
    for section in ("cohorts", "experiments", "surveys", "annotations", "experiment_holdouts",
                    "experiment_saved_metrics"):  # fmt: skip
        for record in state[section]:
            yield "GET", f"/api/projects/{record['project']}/{section}/{record['id']}/", None, 2
    for record in state["experiments"]:
        if record["start_date"] and not record["deleted"]:
            path = f"/api/projects/{record['project']}/experiments/{record['id']}/"
            yield "GET", f"{path}timeseries_results/?metric_uuid=m1&fingerprint={'f' * 64}", None, 1
    for section in ("event_definitions", "property_definitions"):
        for record in state[section]:
            who = record["project"]  # the default key is not in project 2's organization
            yield "GET", f"/api/projects/{record['project']}/{section}/{record['id']}/", None, who
    for record in state["dashboards"]:
        yield "GET", f"/api/projects/{record['project']}/dashboards/{record['id']}/", None, 2
    for record in state["insights"]:
        yield "GET", f"/api/projects/{record['project']}/insights/{record['id']}/", None, 2
    for record in state["subscriptions"]:
        yield "GET", f"/api/projects/{record['project']}/subscriptions/{record['id']}/", None, 2
    for record in state["feature_flags"]:
        path = f"/api/projects/{record['project']}/feature_flags/{record['id']}/"
        yield "GET", path, None, 2
        yield "GET", path + "status/", None, 2
        yield "GET", path + "activity/", None, 2
    for record in state["persons"]:
        yield "GET", f"/api/projects/{record['project']}/persons/{record['uuid']}/", None, 2
    for record in state["captured_events"]:
        yield "GET", f"/api/projects/{record['project']}/events/{record['uuid']}/", None, 2
    for distinct_id in ("user-1", "anon-2", "nobody", "seeded", "raw-1"):
        body = {"token": TOKEN, "distinct_id": distinct_id, "groups": {"company": "acme"}}
        yield "POST", "/flags/?v=2", body, 0


def next_writes() -> list[Step]:
    """Creates whose answers show the next ids, short ids and timestamps handed out."""
    return [
        ("POST", f"{P1}/dashboards/", {"name": "next"}, 1),
        ("POST", f"{P1}/insights/", {"name": "next"}, 1),
        (
            "POST",
            f"{P1}/subscriptions/",
            {
                "insight": 1,
                "target_type": "email",
                "target_value": "n@example.com",
                "frequency": "daily",
                "start_date": "2026-07-01T00:00:00Z",
            },
            1,
        ),
        ("POST", f"{P1}/feature_flags/", {"key": "next", "filters": {"groups": [{}]}}, 1),
        ("POST", f"{P1}/actions/", {"name": "next"}, 1),
        ("POST", f"/api/organizations/{DEFAULT_ORG}/roles/", {"name": "next"}, 1),
        ("POST", "/batch/", {"api_key": TOKEN, "batch": [{"event": "e", "distinct_id": "n"}]}, 0),
    ]


def answer(emulator: Emulator, method: str, path: str, body: Any, who: int) -> tuple[int, bytes]:
    """``(status, body bytes)`` of one request (``who`` 0: no key, the public doors); a query
    answer without its ``timings`` (how long each step took: never the same twice)."""
    sent = emulator.auth_headers if who == 1 else headers(emulator, who) if who == 2 else {}
    response = Client(emulator.app).open(path, method=method, json=body, headers=sent)
    data = response.get_data()
    if path.endswith("/query/") and response.status_code == 200:
        found = json.loads(data)
        found.pop("timings")
        data = json.dumps(found).encode()
    return response.status_code, data
