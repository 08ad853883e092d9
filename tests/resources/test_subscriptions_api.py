"""List, retrieve, PUT/PATCH, soft delete, DELETE 405, scopes and project isolation."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import add_other_org
from tests.resources.subscriptions_support import BASE
from tests.resources.subscriptions_support import NOT_FOUND
from tests.resources.subscriptions_support import OMIT
from tests.resources.subscriptions_support import SERVER_ERROR
from tests.resources.subscriptions_support import Api
from tests.resources.subscriptions_support import error
from tests.resources.subscriptions_support import make_emulator
from tests.resources.subscriptions_support import valid

HOST = "http://localhost"


def ids(page: dict[str, Any]) -> list[int]:
    return [item["id"] for item in page["results"]]


# -- list ---------------------------------------------------------------------------------------


def test_empty_list(api: Api) -> None:
    assert api.get() == (200, {"count": 0, "next": None, "previous": None, "results": []})


@pytest.mark.parametrize(
    ("profile", "expected"), [("docs", [1, 2, 3, 4, 5]), ("cloud", [5, 3, 2, 1, 4])]
)
def test_list_order_follows_the_profile(profile: str, expected: list[int]) -> None:
    """``ee/api/subscription.py``: the November 2025 viewset has no ordering (insertion, i.e.
    id order); the 2026 one sets ``ordering = ["-created_at"]`` (ties: newest id first)."""
    api = Api(make_emulator(profile=profile))
    for _ in range(3):
        api.created()
    api.emulator.set_time("2026-06-14T00:00:00Z")  # an older creation time
    api.created()
    api.emulator.set_time("2026-06-16T00:00:00Z")
    api.created()
    assert ids(api.get()[1]) == expected
    assert [s["id"] for s in api.emulator.subscriptions.list(1)] == expected


@pytest.mark.parametrize(
    ("query", "next_", "previous", "expected"),
    [
        ("", None, None, [1, 2, 3, 4, 5, 6, 7]),
        ("?limit=2", "?limit=2&offset=2", None, [1, 2]),
        ("?limit=2&offset=2", "?limit=2&offset=4", "?limit=2", [3, 4]),
        ("?offset=3&limit=2", "?limit=2&offset=5", "?limit=2&offset=1", [4, 5]),
        ("?limit=2&offset=1", "?limit=2&offset=3", "?limit=2", [2, 3]),
        ("?limit=2&offset=6", None, "?limit=2&offset=4", [7]),
        ("?limit=10&offset=50", None, "?limit=10&offset=40", []),
        ("?limit=0&deleted=true", None, None, []),
        ("?limit=-1&offset=-3", None, None, [1, 2, 3, 4, 5, 6, 7]),
        ("?limit=abc&offset=x", None, None, [1, 2, 3, 4, 5, 6, 7]),
    ],
)
def test_pagination_links(
    api: Api, query: str, next_: str | None, previous: str | None, expected: list[int]
) -> None:
    for _ in range(7):
        api.created()
    status, page = api.get(BASE + query)
    assert status == 200
    assert page["count"] == (0 if "deleted=true" in query else 7)
    assert page["next"] == (None if next_ is None else HOST + BASE + next_)
    assert page["previous"] == (None if previous is None else HOST + BASE + previous)
    assert ids(page) == expected


def test_pagination_keeps_other_parameters_and_the_environments_prefix(api: Api) -> None:
    for _ in range(3):
        api.created()
    _status, page = api.get("/api/environments/1/subscriptions?search=a+b&limit=2")
    assert page["next"] == (
        "http://localhost/api/environments/1/subscriptions?limit=2&offset=2&search=a+b"
    )
    assert page["previous"] is None


def test_default_page_is_100(api: Api) -> None:
    for _ in range(101):
        api.emulator.subscriptions.create(**valid())
    _status, page = api.get()
    assert (len(page["results"]), page["next"]) == (100, HOST + BASE + "?limit=100&offset=100")


def test_list_hides_soft_deleted_rows_unless_asked(api: Api) -> None:
    live, gone = api.created(), api.created()
    api.patch(gone["id"], {"deleted": True})
    assert ids(api.get()[1]) == [live["id"]]
    for truthy in ("true", "True", "1", "yes", "y", "t", "on", "ON"):
        assert ids(api.get(f"{BASE}?deleted={truthy}")[1]) == [gone["id"]], truthy
    for falsy in ("false", "0", "", "nope", "off"):
        assert ids(api.get(f"{BASE}?deleted={falsy}")[1]) == [live["id"]], falsy


def test_insight_and_dashboard_filters_combine_with_and(api: Api) -> None:
    a = api.created(insight=7)
    b = api.created(insight=10)
    c = api.created(insight=OMIT, dashboard=3)
    d = api.created(insight=7)
    api.patch(d["id"], {"deleted": True})
    assert ids(api.get(f"{BASE}?insight=7")[1]) == [a["id"]]
    assert ids(api.get(f"{BASE}?insight=7&deleted=1")[1]) == [d["id"]]
    assert ids(api.get(f"{BASE}?insight=10")[1]) == [b["id"]]
    assert ids(api.get(f"{BASE}?dashboard=3")[1]) == [c["id"]]
    assert ids(api.get(f"{BASE}?dashboard=3&insight=7")[1]) == []
    assert ids(api.get(f"{BASE}?insight=999")[1]) == []
    assert ids(api.get(f"{BASE}?insight=7&insight=10")[1]) == [b["id"]]  # last value wins


def test_filtered_list_paginates(api: Api) -> None:
    for _ in range(3):
        api.created(insight=7)
        api.created(insight=10)
    _status, page = api.get(f"{BASE}?insight=7&limit=2&offset=1")
    assert page["count"] == 3
    assert ids(page) == [3, 5]
    assert page["next"] is None
    assert page["previous"] == HOST + BASE + "?insight=7&limit=2"


@pytest.mark.parametrize(
    "query", ["insight=abc", "dashboard=1.5", "insight=", "dashboard=x&insight=7"]
)
def test_non_integer_filters_are_a_deliberate_500(api: Api, query: str) -> None:
    sub = api.created()
    assert api.get(f"{BASE}?{query}") == (500, SERVER_ERROR)
    assert api.get(f"{BASE}{sub['id']}/?{query}") == (500, SERVER_ERROR)
    assert api.patch(sub["id"], {"title": "still fine"})[0] == 200
    status, data = api.call("PATCH", f"{BASE}{sub['id']}/?{query}", {"title": "x"})
    assert (status, data) == (500, SERVER_ERROR)
    assert api.emulator.bugs == []


def test_unknown_query_parameters_are_ignored(api: Api) -> None:
    sub = api.created()
    assert ids(api.get(f"{BASE}?search=zzz&ordering=id&target_type=slack&created_by=9")[1]) == [
        sub["id"]
    ]


# -- retrieve -----------------------------------------------------------------------------------


def test_retrieve_with_and_without_trailing_slash_and_both_prefixes(api: Api) -> None:
    sub = api.created()
    for path in (
        f"{BASE}{sub['id']}/",
        f"{BASE}{sub['id']}",
        f"/api/environments/1/subscriptions/{sub['id']}/",
        f"/api/projects/@current/subscriptions/{sub['id']}",
    ):
        assert api.get(path) == (200, sub), path


@pytest.mark.parametrize("pk", ["999", "abc", "1.0", "-1"])
def test_retrieve_unknown_is_404(api: Api, pk: str) -> None:
    api.created()
    assert api.get(f"{BASE}{pk}/") == (404, NOT_FOUND)


def test_retrieve_works_on_soft_deleted_rows(api: Api) -> None:
    sub = api.created()
    api.patch(sub["id"], {"deleted": True})
    status, data = api.get(f"{BASE}{sub['id']}/")
    assert (status, data["deleted"]) == (200, True)


def test_filters_apply_to_detail_routes(api: Api) -> None:
    sub = api.created(insight=7)
    path = f"{BASE}{sub['id']}/"
    assert api.get(f"{path}?deleted=true") == (404, NOT_FOUND)
    assert api.get(f"{path}?deleted=false")[0] == 200
    assert api.get(f"{path}?insight=10") == (404, NOT_FOUND)
    assert api.get(f"{path}?insight=7")[0] == 200
    assert api.get(f"{path}?dashboard=3") == (404, NOT_FOUND)
    assert api.call("PATCH", f"{path}?deleted=1", {"title": "x"}) == (404, NOT_FOUND)
    assert api.call("PUT", f"{path}?insight=10", valid()) == (404, NOT_FOUND)


# -- PUT and PATCH ------------------------------------------------------------------------------


def test_patch_validates_only_sent_keys(api: Api) -> None:
    sub = api.created(title="Old", interval=3)
    status, data = api.patch(sub["id"], {"title": "  New  "})
    assert status == 200
    assert data == {**sub, "title": "New"}


def test_patch_errors(api: Api) -> None:
    sub = api.created()
    pk = sub["id"]
    assert api.patch(pk, {"target_value": " "}) == (
        400,
        error("blank", "This field may not be blank.", "target_value"),
    )
    assert api.patch(pk, {"interval": 0})[1]["code"] == "min_value"
    assert api.patch(pk, {"frequency": None}) == (
        400,
        error("null", "This field may not be null.", "frequency"),
    )
    assert api.patch(pk, {}) == (
        400,
        error("invalid_input", "Either dashboard or insight is required for an export.", None),
    )
    assert api.patch(pk, {"insight": 9})[1]["code"] == "does_not_exist"
    assert api.patch(pk, {"insight": 8}) == (
        400,
        error("invalid_input", "This insight does not belong to your team.", "insight"),
    )
    assert api.get(f"{BASE}{pk}/")[1] == sub


def test_put_requires_the_create_time_fields(api: Api) -> None:
    sub = api.created()
    status, data = api.put(sub["id"], {"title": "x"})
    assert (status, data) == (400, error("required", "This field is required.", "target_type"))
    status, data = api.put(sub["id"], valid(start_date=OMIT))
    assert (status, data) == (400, error("required", "This field is required.", "start_date"))


def test_put_keeps_optional_fields_that_are_left_out(api: Api) -> None:
    sub = api.created(title="Keep me", interval=2, byweekday=["monday"], bysetpos=1, count=50)
    status, data = api.put(sub["id"], valid(target_value="new@posthog.com"))
    assert status == 200
    assert (data["title"], data["interval"], data["byweekday"], data["bysetpos"], data["count"]) == (
        "Keep me", 2, ["monday"], 1, 50,
    )  # fmt: skip
    assert data["target_value"] == "new@posthog.com"


def test_put_and_patch_on_soft_deleted_rows(api: Api) -> None:
    sub = api.created()
    api.patch(sub["id"], {"deleted": True})
    status, data = api.put(sub["id"], valid(title="still here"))
    assert (status, data["deleted"], data["title"]) == (200, True, "still here")


def test_team_checks_only_for_values_sent(api: Api) -> None:
    sub = api.created(insight=10)
    # Insight 10 later moves to project 2: existing subscriptions keep working.
    from phemu.resources.insights.models import InsightsState

    insight = api.emulator.store.state(InsightsState).get(10)
    assert insight is not None
    insight.project = 2
    assert api.patch(sub["id"], {"title": "fine"})[0] == 200
    assert api.patch(sub["id"], {"insight": 10})[1]["detail"] == (
        "This insight does not belong to your team."
    )


def test_existing_subscription_keeps_a_later_deleted_insight(api: Api) -> None:
    from phemu.resources.insights.models import InsightsState

    sub = api.created(insight=10)
    insight = api.emulator.store.state(InsightsState).get(10)
    assert insight is not None
    insight.deleted = True
    assert api.get(f"{BASE}{sub['id']}/")[1]["insight"] == 10
    assert api.patch(sub["id"], {"title": "ok"})[0] == 200
    assert api.patch(sub["id"], {"insight": 10})[1]["code"] == "does_not_exist"
    assert api.create(valid(insight=10))[1]["code"] == "does_not_exist"


def test_webhook_check_on_update(api: Api) -> None:
    sub = api.created()
    bad = error(
        "invalid_input", "Invalid webhook URL: Local/Loopback host not allowed", "target_value"
    )
    assert api.patch(sub["id"], {"target_type": "webhook"}) == (
        400,
        error(
            "invalid_input",
            "Invalid webhook URL: URL must start with http:// or https://",
            "target_value",
        ),
    )
    assert api.patch(
        sub["id"], {"target_type": "webhook", "target_value": "http://localhost/"}
    ) == (
        400,
        bad,
    )
    ok = api.patch(sub["id"], {"target_type": "webhook", "target_value": "https://example.com/"})
    assert ok[0] == 200
    # A stored URL that later fails the rules is only re-checked when a target is sent.
    from phemu.resources.subscriptions.models import SubscriptionsState

    stored = api.emulator.store.state(SubscriptionsState).get(sub["id"])
    assert stored is not None
    stored.target_value = "http://localhost/"
    assert api.patch(sub["id"], {"title": "x"})[0] == 200
    assert api.patch(sub["id"], {"target_type": "webhook"}) == (400, bad)


def test_form_put_without_deleted_restores_as_drf_does(api: Api) -> None:
    sub = api.created()
    api.patch(sub["id"], {"deleted": True})
    response = api.client.put(
        f"{BASE}{sub['id']}/",
        headers=api.headers,
        data={
            "target_type": "email",
            "target_value": "a@b.c",
            "frequency": "weekly",
            "start_date": "2022-01-01",
        },
    )
    assert response.status_code == 200
    # DRF reads a missing boolean in an HTML form as false.
    assert response.get_json()["deleted"] is False
    response = api.client.patch(
        f"{BASE}{sub['id']}/", headers=api.headers, data={"byweekday": ["sunday", "monday"]}
    )
    assert response.get_json()["byweekday"] == ["sunday", "monday"]
    assert response.get_json()["deleted"] is False


# -- soft delete and DELETE ---------------------------------------------------------------------


def test_soft_delete_and_restore(api: Api) -> None:
    sub = api.created()
    status, data = api.patch(sub["id"], {"deleted": True})
    assert (status, data) == (200, {**sub, "deleted": True})
    assert api.get()[1]["count"] == 0
    status, data = api.patch(sub["id"], {"deleted": False})
    assert (status, data) == (200, sub)
    assert ids(api.get()[1]) == [sub["id"]]


def test_delete_is_405_with_an_empty_body(api: Api) -> None:
    sub = api.created()
    for pk in (sub["id"], 99999, "abc"):
        response = api.client.delete(f"{BASE}{pk}/", headers=api.headers)
        assert response.status_code == 405
        assert response.get_data() == b""
        assert "Content-Type" not in response.headers
        assert response.headers["Allow"] == "GET, PUT, PATCH, DELETE, HEAD, OPTIONS"
    assert api.get(f"{BASE}{sub['id']}/") == (200, sub)


def test_unmapped_methods(api: Api) -> None:
    """PUT/DELETE on the list and POST on a detail have no action in the viewset, so
    APIScopePermission refuses personal API keys (``posthog/permissions.py``); PATCH on the
    list is DRF's ``patch`` action (write scope), then 405."""
    refused = error(
        "permission_denied", "This action does not support personal API key access", None,
        "authentication_error",
    )  # fmt: skip
    for method, url in (("PUT", BASE), ("DELETE", BASE), ("POST", f"{BASE}1/")):
        response = api.client.open(url, method=method, headers=api.headers, json=valid())
        assert (response.status_code, response.get_json()) == (403, refused), method
    response = api.client.put(BASE, headers=api.headers, json=valid())
    assert response.headers["Allow"] == "GET, POST, HEAD, OPTIONS"
    response = api.client.patch(BASE, headers=api.headers, json=valid())
    assert response.status_code == 405
    assert response.get_json() == error(
        "method_not_allowed", 'Method "PATCH" not allowed.', None, "invalid_request"
    )


# -- scopes and isolation -----------------------------------------------------------------------


def _key(api: Api, value: str, scopes: list[str], **extra: Any) -> Api:
    api.emulator.load_seed(
        {
            "version": 1,
            "personal_api_keys": [
                {"user": "ada@example.com", "value": value, "scopes": scopes, **extra}
            ],
        }
    )
    return Api(api.emulator, {"Authorization": f"Bearer {value}"})


def _scope_error(scope: str) -> dict[str, Any]:
    return error(
        "permission_denied",
        f"API key missing required scope '{scope}'",
        None,
        "authentication_error",
    )


def test_read_scope(api: Api) -> None:
    sub = api.created()
    reader = _key(api, "phx_reader", ["subscription:read"])
    assert reader.get()[0] == 200
    assert reader.get(f"{BASE}{sub['id']}/") == (200, sub)
    assert reader.create() == (403, _scope_error("subscription:write"))
    assert reader.patch(sub["id"], {"deleted": True}) == (403, _scope_error("subscription:write"))
    assert reader.put(sub["id"], valid()) == (403, _scope_error("subscription:write"))
    response = reader.client.delete(f"{BASE}{sub['id']}/", headers=reader.headers)
    assert (response.status_code, response.get_json()) == (403, _scope_error("subscription:write"))
    response = reader.client.delete(f"{BASE}99999/", headers=reader.headers)
    assert response.status_code == 403


def test_write_scope_implies_read(api: Api) -> None:
    writer = _key(api, "phx_writer", ["subscription:write"])
    sub = writer.created()
    assert writer.get(f"{BASE}{sub['id']}/")[0] == 200
    response = writer.client.delete(f"{BASE}{sub['id']}/", headers=writer.headers)
    assert (response.status_code, response.get_data()) == (405, b"")


def test_other_scopes_are_refused(api: Api) -> None:
    other = _key(api, "phx_dash", ["dashboard:read", "insight:write"])
    assert other.get() == (403, _scope_error("subscription:read"))
    assert other.create() == (403, _scope_error("subscription:write"))
    nothing = _key(api, "phx_none", [])
    assert nothing.get() == (403, _scope_error("subscription:read"))


def test_project_scoped_key(api: Api) -> None:
    scoped = _key(api, "phx_p2", ["*"], scoped_teams=[2])
    assert scoped.get() == (
        403,
        error(
            "permission_denied",
            "API key does not have access to the requested project: ID 1.",
            None,
            "authentication_error",
        ),
    )
    assert scoped.call("POST", "/api/projects/2/subscriptions/", valid(insight=8))[0] == 201


def test_subscriptions_are_per_project(api: Api) -> None:
    mine = api.created()
    status, theirs = api.call("POST", "/api/projects/2/subscriptions/", valid(insight=8))
    assert status == 201
    assert ids(api.get()[1]) == [mine["id"]]
    assert ids(api.get("/api/projects/2/subscriptions/")[1]) == [theirs["id"]]
    assert api.get(f"{BASE}{theirs['id']}/") == (404, NOT_FOUND)
    assert api.patch(theirs["id"], {"title": "x"}) == (404, NOT_FOUND)
    assert api.put(theirs["id"], valid()) == (404, NOT_FOUND)
    assert api.get(f"/api/projects/2/subscriptions/{mine['id']}/") == (404, NOT_FOUND)


def test_other_organization_is_forbidden_and_isolated(api: Api) -> None:
    eve_headers = add_other_org(api.emulator, project_id=70)
    eve = Api(api.emulator, eve_headers)
    mine = api.created()
    assert eve.get(f"{BASE}{mine['id']}/") == (
        403,
        error(
            "permission_denied",
            "You don't have access to the project.",
            None,
            "authentication_error",
        ),
    )
    assert api.get("/api/projects/70/subscriptions/")[1]["detail"] == (
        "You don't have access to the project."
    )
    assert eve.get("/api/projects/70/subscriptions/")[1]["count"] == 0
    assert eve.get(f"/api/projects/70/subscriptions/{mine['id']}/") == (404, NOT_FOUND)


def test_unknown_project_and_no_key(api: Api) -> None:
    assert api.get("/api/projects/999/subscriptions/") == (
        404,
        error("not_found", "Project not found.", None, "invalid_request"),
    )
    anonymous = Api(api.emulator, {})
    assert anonymous.get()[1] == error(
        "not_authenticated",
        "Authentication credentials were not provided.",
        None,
        "authentication_error",
    )
    response = anonymous.client.delete(f"{BASE}1/")
    assert response.status_code == 401


def test_options_and_head(api: Api) -> None:
    response = api.client.options(BASE, headers=api.headers)
    assert (response.status_code, response.headers["Allow"]) == (200, "GET, POST, HEAD, OPTIONS")
    response = api.client.head(BASE, headers=api.headers)
    assert (response.status_code, response.get_data()) == (200, b"")


def test_cloud_profile_adds_only_deprecation_headers() -> None:
    from tests.resources.subscriptions_support import make_emulator

    cloud = Api(make_emulator(profile="cloud"))
    sub = cloud.created()
    response = cloud.client.get(
        "/api/environments/1/subscriptions?limit=2&offset=0", headers=cloud.headers
    )
    assert response.headers["Deprecation"] == "true"
    assert response.headers["Link"] == (
        '</api/projects/1/subscriptions?limit=2&offset=0>; rel="successor-version"'
    )
    assert response.get_json()["results"] == [sub]


def test_body_errors_come_after_the_lookup(api: Api) -> None:
    sub = api.created()
    bad_json = {"data": "{nope", "content_type": "application/json"}
    response = api.client.patch(f"{BASE}999/", headers=api.headers, **bad_json)
    assert (response.status_code, response.get_json()) == (404, NOT_FOUND)
    response = api.client.patch(f"{BASE}{sub['id']}/", headers=api.headers, **bad_json)
    assert response.status_code == 400
    assert response.get_json() == error(
        "parse_error",
        "JSON parse error - Expecting property name enclosed in double quotes: "
        "line 1 column 2 (char 1)",
        None,
        "invalid_request",
    )
    response = api.client.post(BASE, headers=api.headers, data="x", content_type="text/plain")
    assert response.get_json() == error(
        "unsupported_media_type",
        'Unsupported media type "text/plain" in request.',
        None,
        "invalid_request",
    )


@pytest.mark.parametrize("profile", ["docs", "cloud"])
def test_list_indexes_stay_consistent_with_the_rows(profile: str) -> None:
    """Random creates, moves between resources, soft deletes and restores vs a brute-force list
    in the profile's order (docs: by id; cloud: newest ``created_at`` first)."""
    import random

    from phemu.errors import ValidationError

    rng = random.Random(7)
    emulator = make_emulator(profile=profile)
    api = Api(emulator)
    created: list[int] = []
    checks = 0
    for step in range(120):
        if not created or rng.random() < 0.4:
            emulator.set_time(f"2026-06-15T10:{rng.randrange(60):02d}:00Z")
            target = rng.choice([{"insight": 7}, {"insight": 10}, {"insight": OMIT, "dashboard": 3},
                                 {"insight": OMIT, "dashboard": 6}])  # fmt: skip
            created.append(emulator.subscriptions.create(**valid(**target))["id"])
            continue
        pk = rng.choice(created)
        change = rng.choice(
            [{"deleted": True}, {"deleted": False}, {"insight": 7, "dashboard": None},
             {"insight": 10, "dashboard": None}, {"insight": None, "dashboard": 6}],
        )  # fmt: skip
        try:
            emulator.subscriptions.update(pk, **change)
        except ValidationError:
            assert profile == "cloud"  # the 2026 content rules refuse some moves
        if step % 5:
            continue
        checks += 1
        rows = [emulator.subscriptions.get(i) for i in created]
        for query, keep in [
            ("", lambda s: not s["deleted"]),
            ("?deleted=1", lambda s: s["deleted"]),
            ("?insight=7", lambda s: s["insight"] == 7 and not s["deleted"]),
            ("?dashboard=6&deleted=true", lambda s: s["dashboard"] == 6 and s["deleted"]),
            ("?insight=10&dashboard=6", lambda s: s["insight"] == 10 and s["dashboard"] == 6),
        ]:
            expected = sorted(
                (s for s in rows if s is not None and keep(s)),
                key=lambda s: (s["created_at"], s["id"]) if profile == "cloud" else (s["id"],),
                reverse=profile == "cloud",
            )
            _status, page = api.get(f"{BASE}{query}{'&' if query else '?'}limit=1000")
            assert ids(page) == [s["id"] for s in expected], query
    assert checks >= 5
