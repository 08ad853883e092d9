"""``sessions/property_definitions`` (docs/sessions.md), routing, scopes and throttling of both
routes."""

from __future__ import annotations

import pytest

from phemu.emulator import Emulator
from tests.conftest import add_key
from tests.conftest import body

URL = "/api/projects/1/sessions/property_definitions/"

# PostHog's v2 list (``posthog/hogql/database/schema/sessions_v2.py``, LAZY_SESSIONS_FIELDS minus
# the hidden ones): (name, property_type, is_numerical). No ``$entry_referrer`` there
# (docs/sessions.md, "property_definitions").
EXPECTED = [
    ("$start_timestamp", "DateTime", False),
    ("$end_timestamp", "DateTime", False),
    ("$entry_current_url", "String", False),
    ("$entry_pathname", "String", False),
    ("$entry_hostname", "String", False),
    ("$end_current_url", "String", False),
    ("$end_pathname", "String", False),
    ("$end_hostname", "String", False),
    ("$entry_referring_domain", "String", False),
    ("$entry_utm_source", "String", False),
    ("$entry_utm_campaign", "String", False),
    ("$entry_utm_medium", "String", False),
    ("$entry_utm_term", "String", False),
    ("$entry_utm_content", "String", False),
    ("$entry_gclid", "String", False),
    ("$entry_gad_source", "String", False),
    ("$entry_gclsrc", "String", False),
    ("$entry_dclid", "String", False),
    ("$entry_gbraid", "String", False),
    ("$entry_wbraid", "String", False),
    ("$entry_fbclid", "String", False),
    ("$entry_msclkid", "String", False),
    ("$entry_twclid", "String", False),
    ("$entry_li_fat_id", "String", False),
    ("$entry_mc_cid", "String", False),
    ("$entry_igshid", "String", False),
    ("$entry_ttclid", "String", False),
    ("$entry__kx", "String", False),
    ("$entry_irclid", "String", False),
    ("$pageview_count", "Numeric", True),
    ("$autocapture_count", "Numeric", True),
    ("$screen_count", "Numeric", True),
    ("$channel_type", "String", False),
    ("$session_duration", "Duration", True),
    ("$is_bounce", "Boolean", False),
    ("$last_external_click_url", "String", False),
    ("$vitals_lcp", "Numeric", True),
]
ALL = [name for name, _, _ in EXPECTED]
UTM = [f"$entry_utm_{p}" for p in ("source", "campaign", "medium", "term", "content")]
NUMERICAL = [
    "$pageview_count",
    "$autocapture_count",
    "$screen_count",
    "$session_duration",
    "$vitals_lcp",
]


def names(response) -> list[str]:
    data = body(response)
    assert data["count"] == len(data["results"])
    return [item["name"] for item in data["results"]]


def test_the_whole_catalogue_in_order_with_exact_items(client, auth):
    response = client.get(URL, headers=auth)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    data = body(response)
    assert list(data) == ["count", "results"]
    assert data["count"] == 37
    assert [(i["name"], i["property_type"], i["is_numerical"]) for i in data["results"]] == EXPECTED
    assert data["results"][0] == {
        "id": "$start_timestamp",
        "name": "$start_timestamp",
        "is_numerical": False,
        "property_type": "DateTime",
        "is_seen_on_filtered_events": None,
        "tags": [],
    }
    for item in data["results"]:
        assert list(item) == [
            "id",
            "name",
            "is_numerical",
            "property_type",
            "is_seen_on_filtered_events",
            "tags",
        ]
        assert item["id"] == item["name"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ALL),
        ("?search=utm", UTM),
        ("?search=ENTRY_UTM", UTM),
        ("?search=entry%20url", ["$entry_current_url"]),
        ("?search=gclid", ["$entry_gclid"]),
        ("?search=doesnotexist", []),
        ("?is_numerical=true", NUMERICAL),
        ("?is_numerical=false", [n for n in ALL if n not in NUMERICAL]),
        (
            "?search=count&is_numerical=TRUE",
            ["$pageview_count", "$autocapture_count", "$screen_count"],
        ),
        # no words: every entry matches
        ("?search=", ALL),
        ("?search=%24", ALL),
        ("?search=-", ALL),
        # every word must match, in any order
        ("?search=url%20end", ["$end_current_url"]),
        ("?search=entry+host", ["$entry_hostname"]),
        # any is_numerical value other than "true" selects the non-numerical entries
        ("?is_numerical=0", [n for n in ALL if n not in NUMERICAL]),
        ("?is_numerical=yes", [n for n in ALL if n not in NUMERICAL]),
        ("?is_numerical=", [n for n in ALL if n not in NUMERICAL]),
        ("?is_numerical=True", NUMERICAL),
        # other parameters are ignored: no pagination
        ("?limit=2&offset=5&type=session", ALL),
        # Django reads the last value of a repeated parameter
        ("?search=nothing&search=gclid", ["$entry_gclid"]),
    ],
)
def test_search_and_is_numerical(client, auth, query, expected):
    response = client.get(URL + query, headers=auth)
    assert response.status_code == 200
    assert names(response) == expected


def test_no_match_is_an_empty_list(client, auth):
    assert body(client.get(URL + "?search=doesnotexist", headers=auth)) == {
        "count": 0,
        "results": [],
    }


def test_hidden_fields_are_not_listed_and_cannot_be_searched(client, auth):
    for hidden in (
        "duration",
        "distinct_id",
        "session_id",
        "$urls",
        "exit",
        "team_id",
        "max_inserted",
    ):
        found = names(client.get(URL + f"?search={hidden}", headers=auth))
        assert all(name in ALL for name in found)
    assert names(client.get(URL + "?search=exit", headers=auth)) == []
    # "duration" only matches $session_duration, never the hidden alias
    assert names(client.get(URL + "?search=duration", headers=auth)) == ["$session_duration"]


@pytest.mark.parametrize("path", ["/sessions/property_definitions", "/sessions/values"])
@pytest.mark.parametrize(
    "prefix", ["/api/projects/1", "/api/environments/1", "/api/projects/@current"]
)
@pytest.mark.parametrize("slash", ["", "/"])
def test_both_prefixes_current_and_optional_slash(client, auth, prefix, path, slash):
    response = client.get(prefix + path + slash + "?key=$is_bounce", headers=auth)
    assert response.status_code == 200
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"


def test_environments_prefix_serves_the_same_data(emulator, auth):
    emulator.sessions.add([{"session_id": "s1", "properties": {"$entry_utm_source": "google"}}])
    client = emulator.client()
    a = client.get("/api/projects/1/sessions/values/?key=$entry_utm_source", headers=auth)
    b = client.get("/api/environments/1/sessions/values/?key=$entry_utm_source", headers=auth)
    assert body(a) == body(b) == {"results": [{"name": "google"}], "refreshing": False}


@pytest.mark.parametrize("path", ["property_definitions", "values"])
@pytest.mark.parametrize("scopes", [["query:read"], ["query:write"], ["*"]])
def test_query_read_or_write_is_enough(emulator, path, scopes):
    headers = add_key(emulator, "phx_query", scopes=scopes)
    response = emulator.client().get(
        f"/api/projects/1/sessions/{path}/?key=$is_bounce", headers=headers
    )
    assert response.status_code == 200


@pytest.mark.parametrize("path", ["property_definitions", "values"])
@pytest.mark.parametrize(
    "scopes", [[], ["insight:read"], ["session_recording:read", "project:read"]]
)
def test_other_scopes_are_refused(emulator, path, scopes):
    headers = add_key(emulator, "phx_other", scopes=scopes)
    response = emulator.client().get(f"/api/projects/1/sessions/{path}/", headers=headers)
    assert response.status_code == 403
    assert body(response) == {
        "type": "authentication_error",
        "code": "permission_denied",
        "detail": "API key missing required scope 'query:read'",
        "attr": None,
    }


def test_patch_needs_query_write_then_405(emulator):
    """``@action(methods=["GET"], detail=False)``: DRF names a PATCH there the ``patch`` action,
    a write action in ``posthog/permissions.py``: write scope, then 405."""
    reader = add_key(emulator, "phx_reader", scopes=["query:read"])
    writer = add_key(emulator, "phx_writer", scopes=["query:write"])
    client = emulator.client()
    refused = client.patch(URL, headers=reader)
    assert refused.status_code == 403
    assert body(refused)["detail"] == "API key missing required scope 'query:write'"
    response = client.patch(URL, headers=writer)
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"
    assert body(response) == {
        "type": "invalid_request",
        "code": "method_not_allowed",
        "detail": 'Method "PATCH" not allowed.',
        "attr": None,
    }


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_other_methods_refuse_personal_api_keys(emulator, method):
    """No action for these methods, so no required scope: APIScopePermission refuses every
    personal API key (``posthog/permissions.py``), even one with ``*``."""
    client = emulator.client()
    keys = (emulator.auth_headers, add_key(emulator, "phx_writer", scopes=["query:write"]))
    for path in (URL, "/api/projects/1/sessions/values/?key=$channel_type"):
        for headers in keys:
            response = client.open(path, method=method, headers=headers)
            assert response.status_code == 403
            assert body(response) == {
                "type": "authentication_error",
                "code": "permission_denied",
                "detail": "This action does not support personal API key access",
                "attr": None,
            }


def test_unauthenticated_and_unknown_project(client, auth):
    assert client.get(URL).status_code == 401
    missing = client.get("/api/projects/999/sessions/values/?key=x", headers=auth)
    assert missing.status_code == 404
    assert body(missing)["detail"] == "Project not found."
    # a non-numeric project id is "Project not found." too (before the handler reads `key`)
    assert client.get("/api/projects/abc/sessions/values/", headers=auth).status_code == 404


def test_head_has_no_body(client, auth):
    response = client.head(URL, headers=auth)
    assert response.status_code == 200
    assert response.get_data() == b""


def test_throttled_with_the_clickhouse_budgets():
    emulator = Emulator(load_entrypoints=False, rate_limits={"clickhouse_burst": "2/minute"})
    emulator.freeze_time("2026-06-15T10:00:00Z")
    client, headers = emulator.client(), emulator.auth_headers
    assert client.get(URL, headers=headers).status_code == 200
    assert client.get("/api/projects/1/sessions/values/?key=x", headers=headers).status_code == 200
    throttled = client.get(URL, headers=headers)
    assert throttled.status_code == 429
    assert throttled.headers["Retry-After"] == "60"
    # the CRUD family (projects) has its own budget
    assert client.get("/api/projects/1/", headers=headers).status_code == 200


def test_entry_referrer_is_not_a_v2_session_property(client, auth):
    """``posthog/hogql/database/schema/sessions_v2.py`` has ``$entry_referring_domain`` but no
    ``$entry_referrer``, so phemu lists none (docs/sessions.md, "property_definitions")."""
    listed = [item["name"] for item in body(client.get(URL, headers=auth))["results"]]
    assert "$entry_referrer" not in listed
    found = body(client.get(URL + "?search=referrer", headers=auth))
    assert found == {"count": 0, "results": []}
