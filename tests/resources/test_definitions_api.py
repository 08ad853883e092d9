"""``{prefix}/event_definitions/`` and ``{prefix}/property_definitions/``, derived from stored
events and declared by seeds. Each test names the PostHog source of the rule it checks."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

import pytest

from phemu.emulator import Emulator
from tests.openapi import assert_valid
from tests.resources.api_support import get_ok as get

EVENTS = "/api/projects/1/event_definitions/"
PROPS = "/api/projects/1/property_definitions/"


def names(body: dict[str, Any]) -> list[str]:
    return [r["name"] for r in body["results"]]


def error(
    emulator: Emulator, auth: dict[str, str], path: str, method: str = "GET", **kw: Any
) -> tuple[int, Any]:
    response = emulator.client().open(path, method=method, headers=auth, **kw)
    return response.status_code, response.get_json()


@pytest.fixture
def shop(frozen: Emulator) -> Emulator:
    """A few captured events: a signup with person properties, pageviews, a group."""
    frozen.events.capture(
        "signup",
        "u1",
        {
            "plan": "pro",
            "amount": 12.5,
            "beta": True,
            "$browser": "Firefox",
            "utm_source": 42,
            "$set": {"email": "ada@example.com"},
            "$set_once": {"first_seen_plan": "pro"},
            "distinct_id": "u1",
            "$groups": {"company": "acme"},
        },
    )
    frozen.advance_time(3600 * 2)
    frozen.events.capture(
        "$pageview", "u1", {"$current_url": "https://shop.example.com/", "$browser": "Firefox"}
    )
    frozen.events.capture(
        "$groupidentify",
        "u1",
        {"$group_type": "company", "$group_key": "acme", "$group_set": {"seats": 5}},
    )
    return frozen


# -- event definitions (posthog/api/event_definition.py) ---------------------------------------


def test_event_definitions_from_captured_events(shop: Emulator, auth: dict[str, str]) -> None:
    """One definition per event name; ``created_at`` is when it was first ingested; the
    non-enterprise ``EventDefinitionSerializer`` shape (no action fields on a plain definition,
    ``tags`` last and empty); default order ``last_seen_at::date DESC, name``. (The published
    schema documents no body for these operations, so there is no component to check.)"""
    body = get(shop, auth, EVENTS)
    assert body["count"] == 3 and body["next"] is None and body["previous"] is None
    assert names(body) == ["$groupidentify", "$pageview", "signup"]
    signup = body["results"][2]
    assert list(signup) == [
        "id",
        "name",
        "created_at",
        "last_seen_at",
        "is_action",
        "post_to_slack",
        "tags",
    ]
    assert signup["created_at"] == signup["last_seen_at"] == "2026-06-15T10:00:00Z"
    assert signup["is_action"] is False and signup["post_to_slack"] is False
    assert signup["tags"] == []
    assert get(shop, auth, f"{EVENTS}{signup['id']}/") == signup


def test_last_seen_at_moves_once_an_hour(frozen: Emulator, auth: dict[str, str]) -> None:
    """``rust/property-defs-rs/src/types.rs``: updates are cached per floored hour, so only the
    first event of a later hour moves ``last_seen_at`` (to its exact time)."""
    frozen.events.capture("tick", "u1")
    frozen.advance_time(60 * 30)  # 10:30, same hour
    frozen.events.capture("tick", "u1")
    assert get(frozen, auth, EVENTS)["results"][0]["last_seen_at"] == "2026-06-15T10:00:00Z"
    frozen.advance_time(60 * 45)  # 11:15
    frozen.events.capture("tick", "u1")
    frozen.advance_time(60 * 10)  # 11:25
    frozen.events.capture("tick", "u1")
    definition = get(frozen, auth, EVENTS)["results"][0]
    assert definition["created_at"] == "2026-06-15T10:00:00Z"
    assert definition["last_seen_at"] == "2026-06-15T11:15:00Z"


def test_event_definition_filters_search_and_ordering(shop: Emulator, auth: dict[str, str]) -> None:
    """``event_type`` (``EventDefinitionType``: custom events do not start with ``$``),
    ``search`` (``term_search_filter_sql``: every space-separated word, ILIKE), ``ordering``
    (``name``, ``last_seen_at``, ``last_seen_at::date``, ``-`` for descending, repeatable)."""
    assert names(get(shop, auth, f"{EVENTS}?event_type=event_custom")) == ["signup"]
    assert names(get(shop, auth, f"{EVENTS}?event_type=event_posthog")) == [
        "$groupidentify",
        "$pageview",
    ]
    assert names(get(shop, auth, f"{EVENTS}?search=GROUP%20ident")) == ["$groupidentify"]
    assert names(get(shop, auth, f"{EVENTS}?search=s_gn")) == ["signup"]  # _ is a wildcard
    assert names(get(shop, auth, f"{EVENTS}?ordering=-name")) == [
        "signup",
        "$pageview",
        "$groupidentify",
    ]
    by_time = get(shop, auth, f"{EVENTS}?ordering=last_seen_at&ordering=-name")
    assert names(by_time) == ["signup", "$pageview", "$groupidentify"]
    excluded = get(shop, auth, f"{EVENTS}?excluded_properties=%5B%22signup%22%5D")
    assert names(excluded) == ["$groupidentify", "$pageview"]


def test_event_definitions_paginate_like_drf(shop: Emulator, auth: dict[str, str]) -> None:
    """DRF's ``LimitOffsetPagination`` (PostHog's default pagination class)."""
    body = get(shop, auth, f"{EVENTS}?limit=2")
    assert body["count"] == 3 and names(body) == ["$groupidentify", "$pageview"]
    assert body["next"] == "http://localhost/api/projects/1/event_definitions/?limit=2&offset=2"
    second = get(shop, auth, body["next"].split("localhost", 1)[1])
    assert names(second) == ["signup"] and second["next"] is None
    assert second["previous"] == "http://localhost/api/projects/1/event_definitions/?limit=2"


def test_event_definition_updates_need_the_taxonomy_feature(
    shop: Emulator, auth: dict[str, str]
) -> None:
    """``EventDefinitionSerializer.update`` raises ``EnterpriseFeatureException`` (402,
    ``posthog/exceptions.py``) after the serializer's field checks; DELETE is allowed (204)."""
    first = get(shop, auth, EVENTS)["results"][0]
    path = f"{EVENTS}{first['id']}/"
    status, body = error(shop, auth, path, "PATCH", json={"post_to_slack": True})
    assert status == 402
    assert body == {
        "type": "invalid_request",
        "code": "payment_required",
        "detail": "This feature is part of the premium PostHog offering. To use it, subscribe "
        "to PostHog Cloud with a generous free tier.",
        "attr": None,
    }
    status, body = error(shop, auth, path, "PUT", json={"post_to_slack": True})
    assert (status, body["attr"], body["detail"]) == (400, "name", "This field is required.")
    status, body = error(shop, auth, path, "PATCH", json={"post_to_slack": "maybe"})
    assert (status, body["attr"], body["detail"]) == (
        400,
        "post_to_slack",
        "Must be a valid boolean.",
    )
    response = shop.client().delete(path, headers=auth)
    assert response.status_code == 204 and response.get_data() == b""
    assert names(get(shop, auth, EVENTS)) == ["$pageview", "signup"]
    assert shop.client().get(path, headers=auth).status_code == 404


def test_a_deleted_event_definition_comes_back_with_a_new_id(
    frozen: Emulator, auth: dict[str, str]
) -> None:
    """The property-defs service upserts what events carry, so a later event re-creates it."""
    frozen.events.capture("signup", "u1")
    old = get(frozen, auth, EVENTS)["results"][0]
    frozen.client().delete(f"{EVENTS}{old['id']}/", headers=auth)
    frozen.events.capture("signup", "u1")
    new = get(frozen, auth, EVENTS)["results"][0]
    assert new["name"] == "signup" and new["id"] != old["id"]


def test_event_definition_metrics(shop: Emulator, auth: dict[str, str]) -> None:
    """``metrics_totals``: views counted in app metrics, none in phemu."""
    first = get(shop, auth, EVENTS)["results"][0]
    assert get(shop, auth, f"{EVENTS}{first['id']}/metrics/") == {"query_usage_30_day": 0}


# -- property definitions (posthog/api/property_definition.py) --------------------------------


def test_property_definitions_default_to_event_properties(
    shop: Emulator, auth: dict[str, str]
) -> None:
    """``type`` defaults to ``event``; ``ALWAYS_EXCLUDED_EVENT_PROPERTIES`` (``distinct_id``,
    ``$set``, ``$groups``...) are left out; types from ``detect_property_type``; order ``name``;
    the non-enterprise ``PropertyDefinitionSerializer`` of the published schema."""
    body = get(shop, auth, PROPS)
    assert_valid(body, "PaginatedPropertyDefinitionList")
    assert names(body) == ["$browser", "$current_url", "amount", "beta", "plan", "utm_source"]
    by_name = {r["name"]: r for r in body["results"]}
    assert by_name["amount"]["property_type"] == "Numeric" and by_name["amount"]["is_numerical"]
    assert by_name["beta"]["property_type"] == "Boolean"
    assert by_name["utm_source"]["property_type"] == "String"  # utm_ is always a string
    assert list(by_name["plan"]) == [
        "id",
        "name",
        "is_numerical",
        "property_type",
        "is_seen_on_filtered_events",
        "tags",
    ]
    assert by_name["plan"]["is_seen_on_filtered_events"] is None
    one = get(shop, auth, f"{PROPS}{by_name['plan']['id']}/")
    assert_valid(one, "PropertyDefinition")
    assert one == by_name["plan"]


def test_person_and_group_properties_with_the_virtual_ones(
    shop: Emulator, auth: dict[str, str]
) -> None:
    """``$set``/``$set_once`` keys are person properties, ``$group_set`` keys group properties
    of the group type's index; the taxonomy's virtual person/group properties are appended to
    the last page and counted (``PropertyDefinitionViewSet.list``)."""
    person = get(shop, auth, f"{PROPS}?type=person")
    assert names(person) == [
        "email",
        "first_seen_plan",
        "$virt_initial_channel_type",
        "$virt_initial_referring_domain_type",
        "$virt_revenue",
        "$virt_revenue_last_30_days",
    ]
    assert person["count"] == 6
    assert person["results"][2] == {
        "id": "$builtin_$virt_initial_channel_type",
        "name": "$virt_initial_channel_type",
        "is_numerical": False,
        "property_type": "String",
        "tags": [],
        "virtual": True,
    }
    first_page = get(shop, auth, f"{PROPS}?type=person&limit=1")
    assert names(first_page) == ["email"] and first_page["count"] == 6
    last_page = get(shop, auth, f"{PROPS}?type=person&limit=1&offset=1")
    assert names(last_page)[0] == "first_seen_plan" and len(last_page["results"]) == 5
    group = get(shop, auth, f"{PROPS}?type=group&group_type_index=0")
    assert names(group) == ["seats", "$virt_revenue", "$virt_revenue_last_30_days"]
    assert group["results"][0]["property_type"] == "Numeric"
    numerical = get(shop, auth, f"{PROPS}?type=person&is_numerical=true")
    assert names(numerical) == ["$virt_revenue", "$virt_revenue_last_30_days"]
    assert names(get(shop, auth, f"{PROPS}?type=session")) == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("properties=plan,amount,nope", ["amount", "plan"]),
        ("is_numerical=true", ["amount"]),
        (
            "is_numerical=false",
            ["$browser", "$current_url", "amount", "beta", "plan", "utm_source"],
        ),
        ("search=BROW", ["$browser"]),
        ("search=current%20url", ["$current_url"]),
        ("search=p_an", ["plan"]),  # ILIKE: _ is a wildcard
        ("search=library", []),
        (
            "excluded_properties=%5B%22plan%22%2C%22beta%22%5D",
            ["$browser", "$current_url", "amount", "utm_source"],
        ),
        ("exclude_core_properties=true", ["amount", "beta", "plan"]),
        (
            "is_feature_flag=false",
            ["$browser", "$current_url", "amount", "beta", "plan", "utm_source"],
        ),
        ("is_feature_flag=true", []),
    ],
)
def test_property_definition_filters(
    shop: Emulator, auth: dict[str, str], query: str, expected: list[str]
) -> None:
    """``QueryContext`` filters (``posthog/api/property_definition.py``): ``properties`` names,
    ``is_numerical`` (only ``true`` filters), ``search`` with the taxonomy's label aliases,
    ``excluded_properties``, ``exclude_core_properties`` (names starting with ``$`` and the
    taxonomy's plain-named event properties such as ``utm_source``), ``is_feature_flag``."""
    assert names(get(shop, auth, f"{PROPS}?{query}")) == expected


def test_search_matches_taxonomy_labels(frozen: Emulator, auth: dict[str, str]) -> None:
    """``add_name_alias_to_search_query``: a name also matches when its taxonomy label holds
    every search word (``$os`` is labelled "OS", ``$geoip_city_name`` "City name")."""
    frozen.events.capture("x", "u1", {"$os": "Mac OS X", "$geoip_city_name": "Paris", "osmium": 1})
    assert names(get(frozen, auth, f"{PROPS}?search=os")) == ["$os", "osmium"]
    assert names(get(frozen, auth, f"{PROPS}?search=city%20name")) == ["$geoip_city_name"]
    assert names(get(frozen, auth, f"{PROPS}?search=name%20city")) == ["$geoip_city_name"]


def test_person_search_latest_means_not_initial(frozen: Emulator, auth: dict[str, str]) -> None:
    """``add_latest_means_not_initial``: for person properties, a search word that is part of
    "latest" also matches every name without "initial"."""
    frozen.events.capture(
        "x", "u1", {"$set": {"$initial_browser": "a", "$browser": "b", "plan": "c"}}
    )
    assert names(get(frozen, auth, f"{PROPS}?type=person&search=test"))[:2] == ["$browser", "plan"]
    assert names(get(frozen, auth, f"{PROPS}?type=person&search=browser"))[:2] == [
        "$browser",
        "$initial_browser",
    ]


def test_event_names_mark_and_filter_what_was_seen_together(
    shop: Emulator, auth: dict[str, str]
) -> None:
    """``with_event_property_filter``: with ``event_names`` every row says whether the property
    was seen on those events (``posthog_eventproperty``) and those come first;
    ``filter_by_event_names`` keeps only them."""
    events = quote(json.dumps(["$pageview"]))
    body = get(shop, auth, f"{PROPS}?event_names={events}")
    assert [(r["name"], r["is_seen_on_filtered_events"]) for r in body["results"]] == [
        ("$browser", True),
        ("$current_url", True),
        ("amount", False),
        ("beta", False),
        ("plan", False),
        ("utm_source", False),
    ]
    assert names(get(shop, auth, f"{PROPS}?event_names={events}&filter_by_event_names=true")) == [
        "$browser",
        "$current_url",
    ]
    together = get(
        shop,
        auth,
        f"{PROPS}seen_together/?event_names=signup&event_names=$pageview&property_name=plan",
    )
    assert together == {"signup": True, "$pageview": False}


@pytest.mark.parametrize(
    ("query", "attr", "detail"),
    [
        ("type=company", "type", '"company" is not a valid choice.'),
        ("is_numerical=maybe", "is_numerical", "Must be a valid boolean."),
        ("group_type_index=x&type=group", "group_type_index", "A valid integer is required."),
        ("type=group", None, "`group_type_index` must be set for `group` type"),
        ("group_type_index=0", None, "`group_type_index` can only set for `group` type"),
        ("type=group&group_type_index=7", None, "Invalid value for `group_type_index`"),
        (
            "type=person&event_names=%5B%22x%22%5D",
            None,
            "`event_names` can only be set for `event` type",
        ),
    ],
)
def test_query_parameters_are_checked_like_the_serializer(
    frozen: Emulator, auth: dict[str, str], query: str, attr: str | None, detail: str
) -> None:
    """``PropertyDefinitionQuerySerializer``: field errors first, then ``validate``."""
    status, body = error(frozen, auth, f"{PROPS}?{query}")
    assert status == 400
    assert (body["type"], body["attr"], body["detail"]) == ("validation_error", attr, detail)


def test_types_stick_and_is_numerical_is_decided_once(
    frozen: Emulator, auth: dict[str, str]
) -> None:
    """``PropertyDefinition::issue``: ``ON CONFLICT ... SET property_type = EXCLUDED ... WHERE
    property_type IS NULL``: the first non-null type wins, ``is_numerical`` is never updated."""
    frozen.events.capture("x", "u1", {"meta": {"a": 1}, "count": 1})
    frozen.events.capture("x", "u1", {"meta": 5, "count": "many"})
    by_name = {r["name"]: r for r in get(frozen, auth, PROPS)["results"]}
    assert (by_name["meta"]["property_type"], by_name["meta"]["is_numerical"]) == ("Numeric", False)
    assert (by_name["count"]["property_type"], by_name["count"]["is_numerical"]) == (
        "Numeric",
        True,
    )


def test_property_type_is_the_one_free_update(shop: Emulator, auth: dict[str, str]) -> None:
    """``PropertyDefinitionSerializer.update``: changing only ``property_type`` is allowed (and
    sets ``is_numerical``); anything else, or no change at all, is the 402 of the taxonomy
    feature; a blank type breaks the table's check constraint (500)."""
    plan = {r["name"]: r for r in get(shop, auth, PROPS)["results"]}["plan"]
    path = f"{PROPS}{plan['id']}/"
    response = shop.client().patch(path, json={"property_type": "Numeric"}, headers=auth)
    assert response.status_code == 200
    assert_valid(response.get_json(), "PropertyDefinition")
    assert (response.get_json()["property_type"], response.get_json()["is_numerical"]) == (
        "Numeric",
        True,
    )
    assert (
        error(shop, auth, path, "PATCH", json={"property_type": "Numeric"})[0] == 402
    )  # no change
    assert error(shop, auth, path, "PATCH", json={"name": "renamed"})[0] == 402
    assert (
        error(shop, auth, path, "PATCH", json={"property_type": "String", "tags": ["x"]})[0] == 402
    )
    status, body = error(shop, auth, path, "PATCH", json={"property_type": "Text"})
    assert (status, body["attr"], body["detail"]) == (
        400,
        "property_type",
        '"Text" is not a valid choice.',
    )
    status, body = error(shop, auth, path, "PUT", json={"property_type": "String"})
    assert (status, body["attr"]) == (400, "name")
    ok = shop.client().put(path, json={"name": "plan", "property_type": "String"}, headers=auth)
    assert ok.status_code == 200 and ok.get_json()["is_numerical"] is False
    assert error(shop, auth, path, "PATCH", json={"property_type": ""})[0] == 500
    gone = shop.client().delete(path, headers=auth)
    assert gone.status_code == 204
    assert shop.client().get(path, headers=auth).status_code == 404


def test_declared_definitions_from_seeds_and_the_state_round_trip(auth: dict[str, str]) -> None:
    """The ``event_definitions``/``property_definitions`` seed sections declare a tracking plan;
    the export holds every definition with its id, so an import keeps them."""
    emulator = Emulator(load_entrypoints=False)
    emulator.freeze_time("2026-06-15T10:00:00Z")
    emulator.load_seed(
        {
            "event_definitions": [{"name": "checkout_started"}],
            "property_definitions": [
                {"name": "cart_value", "property_type": "Numeric"},
                {"name": "tier", "type": "group", "group_type_index": 0, "property_type": "String"},
            ],
        }
    )
    emulator.events.capture("signup", "u1", {"plan": "pro"})
    assert [d["name"] for d in emulator.definitions.events()] == ["checkout_started", "signup"]
    cart = emulator.definitions.property("cart_value")
    assert cart is not None and cart["is_numerical"] is True
    group = get(emulator, auth, f"{PROPS}?type=group&group_type_index=0")
    assert names(group)[0] == "tier"
    state = emulator.export_state()
    other = Emulator(load_entrypoints=False, default_seed=False)
    other.import_state(json.loads(json.dumps(state)))
    assert other.definitions.events() == emulator.definitions.events()
    assert other.definitions.properties() == emulator.definitions.properties()


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"name": 5}, "event_definitions[0] (name 5): 'name' must be a string"),
        ({"name": "x", "project": 9}, "event_definitions[0] (name 'x'): project 9 does not exist"),
        ({"name": "x", "last_seen_at": "soon"}, "'last_seen_at' is not an ISO 8601 datetime"),
        ({"name": "x", "seen": 1}, "unknown key(s) 'seen'"),
    ],
)
def test_seeded_event_definitions_are_checked(record: dict[str, Any], message: str) -> None:
    from phemu.errors import SeedError

    emulator = Emulator(load_entrypoints=False)
    with pytest.raises(SeedError, match=re.escape(message)):
        emulator.load_seed({"event_definitions": [record]})


def test_definitions_are_per_project(shop: Emulator, auth: dict[str, str]) -> None:
    """Definitions belong to the project whose token captured the events."""
    shop.load_seed(
        {
            "projects": [
                {"id": 2, "name": "Other", "organization": shop.store.projects[1].organization}
            ]
        }
    )
    assert get(shop, auth, "/api/projects/2/event_definitions/")["count"] == 0
    assert get(shop, auth, "/api/projects/2/property_definitions/")["count"] == 0
