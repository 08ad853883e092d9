"""The subscription serializer's ``validate()`` per profile (``ee/api/subscription.py``).

``docs`` follows the November 2025 serializer: "Either dashboard or insight is required for an
export." sits under ``if not self.initial_data:`` (the request body), so only an empty body
reaches it, and nothing forbids setting both. ``cloud`` follows the 2026 serializer, whose
content rules pin an insight or dashboard subscription at creation. Team checks are in both.
"""

from __future__ import annotations

from typing import Any

import pytest

from phemu.errors import SeedError
from tests.resources.subscriptions_support import BASE
from tests.resources.subscriptions_support import OMIT
from tests.resources.subscriptions_support import Api
from tests.resources.subscriptions_support import error
from tests.resources.subscriptions_support import make_emulator
from tests.resources.subscriptions_support import valid

NEITHER = error("invalid_input", "Either dashboard or insight is required for an export.", None)
INSIGHT_REQUIRED = error(
    "invalid_input", "Insight is required for insight subscriptions.", "insight"
)
DASHBOARD_REQUIRED = error(
    "invalid_input", "Dashboard is required for dashboard subscriptions.", "dashboard"
)
INSIGHT_BOTH = error(
    "invalid_input", "Insight subscriptions cannot also set dashboard or prompt.", "insight"
)
DASHBOARD_BOTH = error(
    "invalid_input", "Dashboard subscriptions cannot also set insight or prompt.", None
)
OTHER_TEAM_INSIGHT = error("invalid_input", "This insight does not belong to your team.", "insight")
OTHER_TEAM_DASHBOARD = error(
    "invalid_input", "This dashboard does not belong to your team.", "dashboard"
)


@pytest.fixture
def docs() -> Any:
    emulator = make_emulator()
    yield Api(emulator)
    emulator.check()


@pytest.fixture
def cloud() -> Any:
    emulator = make_emulator(profile="cloud")
    yield Api(emulator)
    emulator.check()


# -- docs: the November 2025 serializer ----------------------------------------------------------


def test_docs_post_without_insight_or_dashboard_is_created(docs: Api) -> None:
    data = docs.created(insight=OMIT)
    assert (data["insight"], data["dashboard"]) == (None, None)
    data = docs.created(insight=None, dashboard=None)
    assert (data["insight"], data["dashboard"]) == (None, None)


def test_docs_post_with_both_is_created(docs: Api) -> None:
    data = docs.created(insight=7, dashboard=3)
    assert (data["insight"], data["dashboard"]) == (7, 3)


def test_docs_patch_may_clear_the_resource_or_add_the_other(docs: Api) -> None:
    sub = docs.created()
    status, data = docs.patch(sub["id"], {"dashboard": 3})
    assert (status, data["insight"], data["dashboard"]) == (200, 7, 3)
    status, data = docs.patch(sub["id"], {"insight": None, "dashboard": None})
    assert (status, data["insight"], data["dashboard"]) == (200, None, None)


@pytest.mark.parametrize("how", ["json", "form", "none"])
def test_docs_patch_with_an_empty_body_fails_even_with_an_insight(docs: Api, how: str) -> None:
    """``initial_data`` is the request body: ``{}`` (JSON, an empty form, or no body at all) is
    falsy, so the check runs on empty ``attrs`` whatever the stored subscription points at."""
    sub = docs.created()
    url = f"{BASE}{sub['id']}/"
    if how == "json":
        response = docs.client.patch(url, headers=docs.headers, json={})
    elif how == "form":
        response = docs.client.patch(
            url, headers=docs.headers, data="", content_type="application/x-www-form-urlencoded"
        )
    else:
        response = docs.client.patch(url, headers=docs.headers)
    assert (response.status_code, response.get_json()) == (400, NEITHER)
    assert docs.get(url)[1] == sub


def test_docs_post_and_put_with_an_empty_body_fail_on_a_required_field_first(docs: Api) -> None:
    sub = docs.created()
    required = error("required", "This field is required.", "target_type")
    assert docs.create({}) == (400, required)
    assert docs.put(sub["id"], {}) == (400, required)


def test_docs_team_checks_stay(docs: Api) -> None:
    sub = docs.created()
    assert docs.create(valid(insight=8)) == (400, OTHER_TEAM_INSIGHT)
    assert docs.create(valid(insight=OMIT, dashboard=4)) == (400, OTHER_TEAM_DASHBOARD)
    assert docs.patch(sub["id"], {"dashboard": 4}) == (400, OTHER_TEAM_DASHBOARD)


def test_docs_python_api_and_seeds_follow_the_same_rules(docs: Api) -> None:
    emulator = docs.emulator
    sub = emulator.subscriptions.create(
        1, target_type="email", target_value="a@x.io", frequency="daily", start_date="2022-01-01"
    )
    assert (sub["insight"], sub["dashboard"]) == (None, None)
    emulator.load_seed(
        {"subscriptions": [{"project": 1, "insight": 7, "dashboard": 3, "target_type": "email",
                            "target_value": "b@x.io", "frequency": "daily",
                            "start_date": "2022-01-01T00:00:00Z"}]}
    )  # fmt: skip


# -- cloud: the 2026 serializer ------------------------------------------------------------------


def test_cloud_post_needs_an_insight_unless_a_dashboard_is_given(cloud: Api) -> None:
    assert cloud.create(valid(insight=OMIT)) == (400, INSIGHT_REQUIRED)
    assert cloud.create(valid(insight=None)) == (400, INSIGHT_REQUIRED)
    data = cloud.created(insight=OMIT, dashboard=3)
    assert (data["insight"], data["dashboard"]) == (None, 3)


def test_cloud_post_with_both_is_a_dashboard_subscription_and_refused(cloud: Api) -> None:
    assert cloud.create(valid(insight=7, dashboard=3)) == (400, DASHBOARD_BOTH)


def test_cloud_team_checks_come_first(cloud: Api) -> None:
    assert cloud.create(valid(insight=8, dashboard=3)) == (400, OTHER_TEAM_INSIGHT)
    assert cloud.create(valid(insight=OMIT, dashboard=4)) == (400, OTHER_TEAM_DASHBOARD)


def test_cloud_patch_may_not_add_the_other_resource(cloud: Api) -> None:
    insight_sub = cloud.created()
    dashboard_sub = cloud.created(insight=OMIT, dashboard=3)
    assert cloud.patch(insight_sub["id"], {"dashboard": 3}) == (400, INSIGHT_BOTH)
    assert cloud.patch(insight_sub["id"], {"insight": None, "dashboard": 6}) == (400, INSIGHT_BOTH)
    assert cloud.patch(dashboard_sub["id"], {"insight": 7}) == (400, DASHBOARD_BOTH)
    assert cloud.patch(dashboard_sub["id"], {"insight": 7, "dashboard": None}) == (
        400,
        DASHBOARD_BOTH,
    )


def test_cloud_null_falls_back_to_the_stored_resource(cloud: Api) -> None:
    """``attrs.get("insight") or existing.insight_id``: a ``null`` passes the rule and is then
    saved, after which the subscription has no insight and every later update fails."""
    sub = cloud.created()
    status, data = cloud.patch(sub["id"], {"insight": None})
    assert (status, data["insight"]) == (200, None)
    assert cloud.patch(sub["id"], {"title": "x"}) == (400, INSIGHT_REQUIRED)
    assert cloud.patch(sub["id"], {"insight": 10})[0] == 200


def test_cloud_content_type_is_pinned_at_creation(cloud: Api) -> None:
    sub = cloud.created(insight=OMIT, dashboard=3)
    assert cloud.patch(sub["id"], {"dashboard": None})[0] == 200
    assert cloud.patch(sub["id"], {"title": "x"}) == (400, DASHBOARD_REQUIRED)
    # Still a dashboard subscription: an insight does not satisfy it, nor may it be added.
    assert cloud.patch(sub["id"], {"insight": 7}) == (400, DASHBOARD_REQUIRED)
    assert cloud.patch(sub["id"], {"insight": 7, "dashboard": 3}) == (400, DASHBOARD_BOTH)


def test_cloud_patch_with_an_empty_body_is_fine(cloud: Api) -> None:
    sub = cloud.created()
    assert cloud.patch(sub["id"], {}) == (200, sub)


def test_cloud_seeds_follow_the_same_rules(cloud: Api) -> None:
    record = {"project": 1, "target_type": "email", "target_value": "b@x.io",
              "frequency": "daily", "start_date": "2022-01-01T00:00:00Z"}  # fmt: skip
    with pytest.raises(SeedError, match="insight: Insight is required for insight subscriptions"):
        cloud.emulator.load_seed({"subscriptions": [record]})
    cloud.emulator.load_seed({"subscriptions": [{**record, "dashboard": 3}]})
