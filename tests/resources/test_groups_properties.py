"""``groups/property_definitions/`` and ``groups/property_values/`` (``GroupsViewSet`` in
``posthog/api/group.py``, ``group:read``): PostHog's ClickHouse queries over the ``groups``
table, computed from the groups ``$groupidentify`` events put in phemu's person store."""

from __future__ import annotations

from typing import Any

import pytest

from phemu.emulator import Emulator
from tests.conftest import SERVER_ERROR
from tests.conftest import add_key
from tests.resources.actions_support import action


def identify(emulator: Emulator, group_type: str, key: str, **properties: Any) -> None:
    emulator.events.capture(
        "$groupidentify",
        "server",
        {"$group_type": group_type, "$group_key": key, "$group_set": properties},
    )


@pytest.fixture
def companies(frozen: Emulator) -> Emulator:
    identify(frozen, "company", "acme", plan="pro", seats=10, industry="tools")
    identify(frozen, "company", "initech", plan="Pro", seats="10")
    identify(frozen, "company", "hooli", plan="free", seats=250.5, address={"city": "Oslo"})
    identify(frozen, "company", "piedpiper", plan="pro_plus")
    identify(frozen, "project", "p1", plan="pro", name="Web")
    return frozen


@pytest.mark.parametrize("prefix", ["projects", "environments"])
def test_property_definitions(companies: Emulator, prefix: str) -> None:
    """Per group type index (a string key, in index order): each key with the number of groups
    holding it, most common first, then by key (``ORDER BY group_type_index, count DESC, key``)."""
    answer = action(
        companies,
        "GET",
        f"/api/{prefix}/1/groups/property_definitions/",
        f"{'environments_' if prefix == 'environments' else ''}groups_property_definitions_retrieve",
    )
    assert answer == {
        "0": [
            {"name": "plan", "count": 4},
            {"name": "seats", "count": 3},
            {"name": "address", "count": 1},
            {"name": "industry", "count": 1},
        ],
        "1": [{"name": "name", "count": 1}, {"name": "plan", "count": 1}],
    }
    assert companies.groups.property_definitions() == answer


def test_property_definitions_without_groups(frozen: Emulator) -> None:
    assert frozen.groups.property_definitions() == {}


def test_property_values(companies: Emulator) -> None:
    """The values' JSON text with its quotes trimmed (``"10"`` and ``10`` are one value), with
    how many groups hold each, most common first, then by value."""
    answer = action(
        companies,
        "GET",
        "/api/projects/1/groups/property_values/?group_type_index=0&key=seats",
        "groups_property_values_retrieve",
    )
    assert answer == [{"name": "10", "count": 2}, {"name": "250.5", "count": 1}]
    values = companies.groups.property_values
    assert values(0, "address") == [{"name": '{"city":"Oslo"}', "count": 1}]
    assert values(0, "plan") == [
        {"name": "Pro", "count": 1},
        {"name": "free", "count": 1},
        {"name": "pro", "count": 1},
        {"name": "pro_plus", "count": 1},
    ]
    assert values(1, "plan") == [{"name": "pro", "count": 1}]
    assert values(0, "missing") == []


def test_property_values_search_is_ilike(companies: Emulator) -> None:
    """``ILIKE '%value%'`` with the term unescaped: case-insensitive, ``_`` one character."""
    values = companies.groups.property_values
    assert [v["name"] for v in values(0, "plan", value="PRO")] == ["Pro", "pro", "pro_plus"]
    assert [v["name"] for v in values(0, "plan", value="o_p")] == ["pro_plus"]
    assert [v["name"] for v in values(0, "plan", value="r%p")] == ["pro_plus"]


def test_property_values_keeps_twenty(frozen: Emulator) -> None:
    for n in range(25):
        identify(frozen, "company", f"c{n}", tier=f"t{n:02d}")
    identify(frozen, "company", "extra", tier="t24")
    found = frozen.groups.property_values("0", "tier")
    assert len(found) == 20
    assert found[0] == {"name": "t24", "count": 2}
    assert [v["name"] for v in found[1:3]] == ["t00", "t01"]


@pytest.mark.parametrize(
    "query", ["key=plan", "group_type_index=0", "group_type_index=abc&key=plan"]
)
def test_property_values_unguarded_parameters(companies: Emulator, query: str) -> None:
    """``request.GET["group_type_index"]`` and ``["key"]`` are read unguarded, and ClickHouse
    cannot read ``abc`` as a group type index: PostHog's 500."""
    answer = action(
        companies,
        "GET",
        f"/api/projects/1/groups/property_values/?{query}",
        "groups_property_values_retrieve",
        status=500,
    )
    assert answer == SERVER_ERROR


def test_group_read_scope(companies: Emulator) -> None:
    other = add_key(companies, "phx_cohorts_only", scopes=["cohort:read"])
    response = companies.client().get("/api/projects/1/groups/property_definitions/", headers=other)
    assert response.status_code == 403
    assert response.get_json()["detail"] == "API key missing required scope 'group:read'"
