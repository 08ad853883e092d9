"""Methods a route does not map: PostHog's 403 for personal API keys, not a 405.

``posthog/permissions.py`` (``APIScopePermission``) runs before DRF looks for a handler and
derives the required scope from the viewset action. A method without an action has no scope,
and the key gets 403 "This action does not support personal API key access". DRF names a PATCH
on a list route the ``patch`` action (a write action), HEAD follows GET and OPTIONS is the
``metadata`` action (read scope), so those still reach the 405 or the metadata answer.

The table below is PostHog's action map per route, written out by hand from its viewsets
(``ModelViewSet`` routes: ``ee/api/subscription.py``, ``posthog/api/insight.py``,
``posthog/api/dashboards/dashboard.py``, ``posthog/api/project.py``,
``posthog/api/organization.py``, ``posthog/api/person.py``, ``posthog/api/feature_flag.py``;
``posthog/api/cohort.py``, ``posthog/api/annotation.py``, ``ee/clickhouse/views/experiments.py``,
``posthog/api/survey.py``, ``posthog/api/organization_member.py``,
``posthog/api/event_definition.py``, ``posthog/api/property_definition.py``;
``posthog/api/user.py``, ``posthog/api/event.py``, ``posthog/api/group.py``; ``@action`` routes:
``posthog/api/session.py``, ``posthog/session_recordings/session_recording_api.py``).
"""

from __future__ import annotations

import pytest

from phemu.emulator import Emulator
from tests.conftest import NO_KEY_ACCESS

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")

#: endpoint -> (a concrete path, the methods PostHog maps to an action there)
ACTIONS: dict[str, tuple[str, set[str]]] = {
    "projects.list": ("/api/projects/", {"GET", "HEAD", "POST", "PATCH", "OPTIONS"}),
    "projects.retrieve": ("/api/projects/1/", {"GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"}),
    "users.retrieve": ("/api/users/@me/", {"GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"}),
    "organizations.retrieve": (
        "/api/organizations/@current/",
        {"GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"},
    ),
    "subscriptions.list": (
        "/api/projects/1/subscriptions/",
        {"GET", "HEAD", "POST", "PATCH", "OPTIONS"},
    ),
    "subscriptions.detail": (
        "/api/projects/1/subscriptions/1/",
        {"GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"},
    ),
    "dashboards.list": ("/api/projects/1/dashboards/", {"GET", "HEAD", "POST", "PATCH", "OPTIONS"}),
    "dashboards.detail": (
        "/api/projects/1/dashboards/1/",
        {"GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"},
    ),
    "insights.list": ("/api/projects/1/insights/", {"GET", "HEAD", "POST", "PATCH", "OPTIONS"}),
    "insights.detail": (
        "/api/projects/1/insights/1/",
        {"GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"},
    ),
    "sessions.property_definitions": (
        "/api/projects/1/sessions/property_definitions/",
        {"GET", "HEAD", "PATCH", "OPTIONS"},
    ),
    "sessions.values": ("/api/projects/1/sessions/values/", {"GET", "HEAD", "PATCH", "OPTIONS"}),
    "session_recordings.ai_filters": (
        "/api/projects/1/session_recordings/ai/filters/",
        {"POST", "PATCH", "OPTIONS"},
    ),
    "session_recordings.ai_regex": (
        "/api/projects/1/session_recordings/ai/regex/",
        {"POST", "PATCH", "OPTIONS"},
    ),
    # posthog/api/event.py: list and retrieve only.
    "events.list": ("/api/projects/1/events/", {"GET", "HEAD", "PATCH", "OPTIONS"}),
    "events.retrieve": ("/api/projects/1/events/x/", {"GET", "HEAD", "OPTIONS"}),
    # posthog/api/person.py: a ModelViewSet plus @action routes.
    "persons.list": ("/api/projects/1/persons/", {"GET", "HEAD", "POST", "PATCH", "OPTIONS"}),
    "persons.retrieve": (
        "/api/projects/1/persons/x/",
        {"GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"},
    ),
    "persons.values": ("/api/projects/1/persons/values/", {"GET", "HEAD", "PATCH", "OPTIONS"}),
    "persons.update_property": ("/api/projects/1/persons/1/update_property/", {"POST", "OPTIONS"}),
    "persons.delete_property": ("/api/projects/1/persons/1/delete_property/", {"POST", "OPTIONS"}),
    "persons.cohorts": ("/api/projects/1/persons/cohorts/", {"GET", "HEAD", "PATCH", "OPTIONS"}),
    "persons.bulk_delete": ("/api/projects/1/persons/bulk_delete/", {"POST", "PATCH", "OPTIONS"}),
    "persons.reset_person_distinct_id": (
        "/api/projects/1/persons/reset_person_distinct_id/",
        {"POST", "PATCH", "OPTIONS"},
    ),
    "persons.split": ("/api/projects/1/persons/1/split/", {"POST", "OPTIONS"}),
    "persons.delete_events": ("/api/projects/1/persons/1/delete_events/", {"POST", "OPTIONS"}),
    "persons.delete_recordings": (
        "/api/projects/1/persons/1/delete_recordings/",
        {"POST", "OPTIONS"},
    ),
    # Actions without required_scopes: every method is refused to personal API keys.
    "persons.properties_timeline": (
        "/api/projects/1/persons/1/properties_timeline/",
        {"GET", "HEAD", "OPTIONS"},
    ),
    "persons.trends": ("/api/projects/1/persons/trends/", {"GET", "HEAD", "PATCH", "OPTIONS"}),
    "persons.funnel": (
        "/api/projects/1/persons/funnel/",
        {"GET", "HEAD", "POST", "PATCH", "OPTIONS"},
    ),
    "persons.funnel_correlation": (
        "/api/projects/1/persons/funnel/correlation/",
        {"GET", "HEAD", "POST", "PATCH", "OPTIONS"},
    ),
    "persons.lifecycle": (
        "/api/projects/1/persons/lifecycle/",
        {"GET", "HEAD", "PATCH", "OPTIONS"},
    ),
    "persons.stickiness": (
        "/api/projects/1/persons/stickiness/",
        {"GET", "HEAD", "PATCH", "OPTIONS"},
    ),
    "persons.all_activity": (
        "/api/projects/1/persons/activity/",
        {"GET", "HEAD", "PATCH", "OPTIONS"},
    ),
    "persons.activity": ("/api/projects/1/persons/1/activity/", {"GET", "HEAD", "OPTIONS"}),
    "events.values": ("/api/projects/1/events/values/", {"GET", "HEAD", "PATCH", "OPTIONS"}),
    "event_definitions.typescript": (
        "/api/projects/1/event_definitions/typescript/",
        {"GET", "HEAD", "PATCH", "OPTIONS"},
    ),
    "cohorts.persons": ("/api/projects/1/cohorts/1/persons/", {"GET", "HEAD", "OPTIONS"}),
    "feature_flags.my_flags": (
        "/api/projects/1/feature_flags/my_flags/",
        {"GET", "HEAD", "PATCH", "OPTIONS"},
    ),
    "feature_flags.evaluation_reasons": (
        "/api/projects/1/feature_flags/evaluation_reasons/",
        {"GET", "HEAD", "PATCH", "OPTIONS"},
    ),
    "surveys.global_stats": ("/api/projects/1/surveys/stats/", {"GET", "HEAD", "PATCH", "OPTIONS"}),
    "surveys.survey_stats": ("/api/projects/1/surveys/1/stats/", {"GET", "HEAD", "OPTIONS"}),
    "surveys.duplicate_to_projects": (
        "/api/projects/1/surveys/1/duplicate_to_projects/",
        {"POST", "OPTIONS"},
    ),
    "surveys.all_activity": (
        "/api/projects/1/surveys/activity/",
        {"GET", "HEAD", "PATCH", "OPTIONS"},
    ),
    "surveys.activity": ("/api/projects/1/surveys/1/activity/", {"GET", "HEAD", "OPTIONS"}),
    "surveys.summarize_responses": (
        "/api/projects/1/surveys/1/summarize_responses/",
        {"POST", "OPTIONS"},
    ),
    # posthog/api/event_definition.py and property_definition.py: list, retrieve, update and
    # destroy mixins plus @action routes (``metrics`` is detail=True).
    "event_definitions.list": (
        "/api/projects/1/event_definitions/",
        {"GET", "HEAD", "PATCH", "OPTIONS"},
    ),
    "event_definitions.retrieve": (
        "/api/projects/1/event_definitions/x/",
        {"GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"},
    ),
    "event_definitions.metrics": (
        "/api/projects/1/event_definitions/x/metrics/",
        {"GET", "HEAD", "OPTIONS"},
    ),
    "property_definitions.list": (
        "/api/projects/1/property_definitions/",
        {"GET", "HEAD", "PATCH", "OPTIONS"},
    ),
    "property_definitions.seen_together": (
        "/api/projects/1/property_definitions/seen_together/",
        {"GET", "HEAD", "PATCH", "OPTIONS"},
    ),
    "property_definitions.retrieve": (
        "/api/projects/1/property_definitions/x/",
        {"GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"},
    ),
    # posthog/api/feature_flag.py: a ModelViewSet plus @action routes (``status`` is detail=True).
    "feature_flags.list": (
        "/api/projects/1/feature_flags/",
        {"GET", "HEAD", "POST", "PATCH", "OPTIONS"},
    ),
    "feature_flags.detail": (
        "/api/projects/1/feature_flags/1/",
        {"GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"},
    ),
    "feature_flags.bulk_keys": (
        "/api/projects/1/feature_flags/bulk_keys/",
        {"POST", "PATCH", "OPTIONS"},
    ),
    "feature_flags.local_evaluation": (
        "/api/projects/1/feature_flags/local_evaluation/",
        {"GET", "HEAD", "PATCH", "OPTIONS"},
    ),
    "feature_flags.legacy_local_evaluation": (
        "/api/feature_flag/local_evaluation/",
        {"GET", "HEAD", "PATCH", "OPTIONS"},
    ),
    "feature_flags.status": (
        "/api/projects/1/feature_flags/1/status/",
        {"GET", "HEAD", "OPTIONS"},
    ),
    "feature_flags.remote_config": (
        "/api/projects/1/feature_flags/1/remote_config/",
        {"GET", "HEAD", "OPTIONS"},
    ),
    "feature_flags.user_blast_radius": (
        "/api/projects/1/feature_flags/user_blast_radius/",
        {"POST", "PATCH", "OPTIONS"},
    ),
    "feature_flags.item_has_active_dependents": (
        "/api/projects/1/feature_flags/1/has_active_dependents/",
        {"POST", "OPTIONS"},
    ),
    "feature_flags.item_dashboard": (
        "/api/projects/1/feature_flags/1/dashboard/",
        {"POST", "OPTIONS"},
    ),
    "feature_flags.item_enrich_usage_dashboard": (
        "/api/projects/1/feature_flags/1/enrich_usage_dashboard/",
        {"POST", "OPTIONS"},
    ),
    # posthog/api/group.py: GroupsViewSet (list, create and detail=False @actions) and
    # GroupsTypesViewSet (list, destroy and detail=False @actions).
    "groups.list": ("/api/projects/1/groups/", {"GET", "HEAD", "POST", "PATCH", "OPTIONS"}),
    "groups.find": ("/api/projects/1/groups/find/", {"GET", "HEAD", "PATCH", "OPTIONS"}),
    "groups.related": ("/api/projects/1/groups/related/", {"GET", "HEAD", "PATCH", "OPTIONS"}),
    "groups.update_property": (
        "/api/projects/1/groups/update_property/",
        {"POST", "PATCH", "OPTIONS"},
    ),
    "groups.delete_property": (
        "/api/projects/1/groups/delete_property/",
        {"POST", "PATCH", "OPTIONS"},
    ),
    "groups.activity": ("/api/projects/1/groups/activity/", {"GET", "HEAD", "PATCH", "OPTIONS"}),
    "groups_types.list": ("/api/projects/1/groups_types/", {"GET", "HEAD", "PATCH", "OPTIONS"}),
    "groups_types.destroy": ("/api/projects/1/groups_types/0/", {"DELETE", "OPTIONS"}),
    "groups_types.metrics": (
        "/api/projects/1/groups_types/0/metrics/",
        {"GET", "HEAD", "POST", "PATCH", "OPTIONS"},
    ),
    "groups_types.metric": (
        "/api/projects/1/groups_types/0/metrics/0a0a0a0a-0000-4000-8000-000000000000/",
        {"GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"},
    ),
    "groups_types.update_metadata": (
        "/api/projects/1/groups_types/update_metadata/",
        {"PATCH", "OPTIONS"},
    ),
    "groups_types.create_detail_dashboard": (
        "/api/projects/1/groups_types/create_detail_dashboard/",
        {"PUT", "PATCH", "OPTIONS"},
    ),
    "groups_types.set_default_columns": (
        "/api/projects/1/groups_types/set_default_columns/",
        {"PUT", "PATCH", "OPTIONS"},
    ),
    "groups.property_definitions": (
        "/api/projects/1/groups/property_definitions/",
        {"GET", "HEAD", "PATCH", "OPTIONS"},
    ),
    "groups.property_values": (
        "/api/projects/1/groups/property_values/",
        {"GET", "HEAD", "PATCH", "OPTIONS"},
    ),
    # posthog/api/query.py: ``create`` on the list route, ``retrieve`` and ``destroy`` on the
    # detail route (no update actions).
    "query.create": ("/api/projects/1/query/", {"POST", "PATCH", "OPTIONS"}),
    "query.detail": ("/api/projects/1/query/abc/", {"GET", "HEAD", "DELETE", "OPTIONS"}),
    # posthog/api/feature_flag.py: ``all_activity`` (detail=False) and ``activity``.
    "feature_flags.activity": (
        "/api/projects/1/feature_flags/activity/",
        {"GET", "HEAD", "PATCH", "OPTIONS"},
    ),
    "feature_flags.item_activity": (
        "/api/projects/1/feature_flags/1/activity/",
        {"GET", "HEAD", "OPTIONS"},
    ),
    # posthog/api/cohort.py: a ModelViewSet plus @actions (activity, calculation_history,
    # duplicate_as_static_cohort; two PATCH actions for static members). The flag's and the
    # experiment's cohort actions: posthog/api/feature_flag.py, ee/clickhouse/views/experiments.py.
    "cohorts.list": ("/api/projects/1/cohorts/", {"GET", "HEAD", "POST", "PATCH", "OPTIONS"}),
    "cohorts.detail": (
        "/api/projects/1/cohorts/1/",
        {"GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"},
    ),
    "cohorts.add_persons_to_static_cohort": (
        "/api/projects/1/cohorts/1/add_persons_to_static_cohort/",
        {"PATCH", "OPTIONS"},
    ),
    "cohorts.remove_person_from_static_cohort": (
        "/api/projects/1/cohorts/1/remove_person_from_static_cohort/",
        {"PATCH", "OPTIONS"},
    ),
    "cohorts.all_activity": (
        "/api/projects/1/cohorts/activity/",
        {"GET", "HEAD", "PATCH", "OPTIONS"},
    ),
    "cohorts.activity": ("/api/projects/1/cohorts/1/activity/", {"GET", "HEAD", "OPTIONS"}),
    "cohorts.calculation_history": (
        "/api/projects/1/cohorts/1/calculation_history/",
        {"GET", "HEAD", "OPTIONS"},
    ),
    "cohorts.duplicate_as_static_cohort": (
        "/api/projects/1/cohorts/1/duplicate_as_static_cohort/",
        {"GET", "HEAD", "OPTIONS"},
    ),
    "feature_flags.create_static_cohort_for_flag": (
        "/api/projects/1/feature_flags/1/create_static_cohort_for_flag/",
        {"POST", "OPTIONS"},
    ),
    "experiments.create_exposure_cohort_for_experiment": (
        "/api/projects/1/experiments/1/create_exposure_cohort_for_experiment/",
        {"POST", "OPTIONS"},
    ),
    # posthog/api/annotation.py, ee/clickhouse/views/experiments.py, posthog/api/survey.py:
    # ModelViewSets (``surveys/responses_count`` a detail=False @action).
    "annotations.list": (
        "/api/projects/1/annotations/",
        {"GET", "HEAD", "POST", "PATCH", "OPTIONS"},
    ),
    "annotations.detail": (
        "/api/projects/1/annotations/1/",
        {"GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"},
    ),
    "experiments.list": (
        "/api/projects/1/experiments/",
        {"GET", "HEAD", "POST", "PATCH", "OPTIONS"},
    ),
    "experiments.detail": (
        "/api/projects/1/experiments/1/",
        {"GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"},
    ),
    # ee/clickhouse/views/experiments.py @actions (detail=False ones also map a list's PATCH).
    "experiments.duplicate": ("/api/projects/1/experiments/1/duplicate/", {"POST", "OPTIONS"}),
    "experiments.eligible_feature_flags": (
        "/api/projects/1/experiments/eligible_feature_flags/",
        {"GET", "HEAD", "PATCH", "OPTIONS"},
    ),
    "experiments.requires_flag_implementation": (
        "/api/projects/1/experiments/requires_flag_implementation/",
        {"GET", "HEAD", "PATCH", "OPTIONS"},
    ),
    "experiments.stats": (
        "/api/projects/1/experiments/stats/",
        {"GET", "HEAD", "PATCH", "OPTIONS"},
    ),
    "experiments.timeseries_results": (
        "/api/projects/1/experiments/1/timeseries_results/",
        {"GET", "HEAD", "OPTIONS"},
    ),
    "experiments.recalculate_timeseries": (
        "/api/projects/1/experiments/1/recalculate_timeseries/",
        {"POST", "OPTIONS"},
    ),
    # ee/clickhouse/views/experiment_holdouts.py, experiment_saved_metrics.py and
    # posthog/api/web_experiment.py: ModelViewSets.
    **{
        f"{name}.{level}": (path, methods)
        for name in ("experiment_holdouts", "experiment_saved_metrics", "web_experiments")
        for level, path, methods in (
            ("list", f"/api/projects/1/{name}/", {"GET", "HEAD", "POST", "PATCH", "OPTIONS"}),
            (
                "detail",
                f"/api/projects/1/{name}/1/",
                {"GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"},
            ),
        )
    },
    "surveys.list": ("/api/projects/1/surveys/", {"GET", "HEAD", "POST", "PATCH", "OPTIONS"}),
    "surveys.detail": (
        "/api/projects/1/surveys/00000000-0000-4000-8000-000000000000/",
        {"GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"},
    ),
    "surveys.responses_count": (
        "/api/projects/1/surveys/responses_count/",
        {"GET", "HEAD", "PATCH", "OPTIONS"},
    ),
    # posthog/api/organization_member.py: list, update and destroy mixins (no retrieve).
    "organization_members.list": (
        "/api/organizations/@current/members/",
        {"GET", "HEAD", "PATCH", "OPTIONS"},
    ),
    "organization_members.detail": (
        "/api/organizations/@current/members/@me/",
        {"PUT", "PATCH", "DELETE", "OPTIONS"},
    ),
    "organization_members.scoped_api_keys": (
        "/api/organizations/@current/members/@me/scoped_api_keys/",
        {"GET", "HEAD", "OPTIONS"},
    ),
    # posthog/api/organization.py and posthog/api/project.py: ModelViewSets.
    "organizations.list": ("/api/organizations/", {"GET", "HEAD", "POST", "PATCH", "OPTIONS"}),
    "organization_projects.list": (
        "/api/organizations/@current/projects/",
        {"GET", "HEAD", "POST", "PATCH", "OPTIONS"},
    ),
    "organization_projects.detail": (
        "/api/organizations/@current/projects/1/",
        {"GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"},
    ),
    # posthog/api/project.py (ProjectViewSet) and posthog/api/team.py (TeamViewSet): PATCH
    # @action routes of the project secret API key.
    "organization_projects.rotate_secret_token": (
        "/api/organizations/@current/projects/1/rotate_secret_token/",
        {"PATCH", "OPTIONS"},
    ),
    "organization_projects.delete_secret_token_backup": (
        "/api/organizations/@current/projects/1/delete_secret_token_backup/",
        {"PATCH", "OPTIONS"},
    ),
    "environments.rotate_secret_token": (
        "/api/projects/1/environments/1/rotate_secret_token/",
        {"PATCH", "OPTIONS"},
    ),
    "environments.delete_secret_token_backup": (
        "/api/projects/1/environments/1/delete_secret_token_backup/",
        {"PATCH", "OPTIONS"},
    ),
}


def test_the_table_covers_every_emulated_route() -> None:
    """Every route of the API; the public doors (capture, flags) authenticate by project token
    and have no scope permission."""
    from phemu.resources.generic import OperationRoute

    emulator = Emulator(load_entrypoints=False)
    api = {
        name
        for name, route in emulator.routes.routes.items()
        if not route.public
        # schema-driven routes map exactly the documented methods (tests/generic/);
        # PersonalAPIKeyViewSet has no scope permission: tests/test_platform_keys_*.py
        and not (isinstance(route, OperationRoute) and not route.exact_methods)
        and not name.startswith("personal_api_keys.")
    }
    assert api == set(ACTIONS)


@pytest.mark.parametrize("endpoint", sorted(ACTIONS))
@pytest.mark.parametrize("method", METHODS)
def test_personal_api_keys_get_403_exactly_for_unmapped_methods(endpoint: str, method: str) -> None:
    emulator = Emulator(load_entrypoints=False)
    emulator.freeze_time("2026-06-15T10:00:00Z")
    path, mapped = ACTIONS[endpoint]
    response = emulator.client().open(path, method=method, headers=emulator.auth_headers)
    refused = response.status_code == 403 and (
        method == "HEAD" or response.get_json() == NO_KEY_ACCESS
    )
    # A mapped action PostHog's schema documents without a scope (users_destroy) is refused
    # to keys as well.
    no_scope = emulator.routes.routes[endpoint].required_scopes(method) is None
    assert refused == (method not in mapped or no_scope), (method, path, response.status_code)
    if method in mapped and method not in ("GET", "HEAD", "OPTIONS") and not no_scope:
        # Mapped but not served by phemu (or a list's PATCH): PostHog's 405 after the checks,
        # or the handler's own answer.
        assert response.status_code != 403, response.get_data()


@pytest.mark.parametrize("method", ["PUT", "DELETE", "POST"])
def test_the_refusal_comes_before_the_project_and_the_scopes(method: str) -> None:
    """Unknown project, a key without any scope: still the same 403, as the scope permission
    runs before the project is looked up and before scopes are compared."""
    emulator = Emulator(load_entrypoints=False)
    emulator.load_seed(
        {"personal_api_keys": [{"user": "ada@example.com", "value": "phx_none", "scopes": []}]}
    )
    path = "/api/projects/999/subscriptions/" + ("1/" if method == "POST" else "")
    response = emulator.client().open(
        path, method=method, headers={"Authorization": "Bearer phx_none"}
    )
    assert (response.status_code, response.get_json()) == (403, NO_KEY_ACCESS)
    assert response.headers["Allow"] == (
        "GET, PUT, PATCH, DELETE, HEAD, OPTIONS" if method == "POST" else "GET, POST, HEAD, OPTIONS"
    )
