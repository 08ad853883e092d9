"""``GroupsTypesViewSet`` (``posthog/api/group.py``, ``GroupTypeSerializer`` with
``GROUP_TYPE_MAPPING_SERIALIZER_FIELDS`` of ``posthog/models/group_type_mapping.py``): ``list``
and ``destroy`` (``group`` scopes), and ``update_metadata`` / ``set_default_columns``, actions
without ``required_scopes``: personal API keys get PostHog's 403 there and the backend's
methods of the same names give their answers."""

from __future__ import annotations

from typing import Any

import pytest

from phemu.emulator import Emulator
from phemu.errors import NotFound
from phemu.errors import PostHogError
from phemu.errors import ServerError
from phemu.errors import ValidationError
from tests.conftest import NO_KEY_ACCESS
from tests.resources.actions_support import action

TYPES = "/api/projects/1/groups_types"


@pytest.fixture
def typed(frozen: Emulator) -> Emulator:
    """``company`` (index 0) then ``project`` (index 1), registered by ``$groups``."""
    frozen.events.capture("$pageview", "u1", {"$groups": {"company": "acme"}})
    frozen.clock.advance(60)
    frozen.events.capture("$pageview", "u1", {"$groups": {"project": "web"}})
    frozen.persons.set_group("company", "acme", {"plan": "pro"})
    return frozen


def row(group_type: str, index: int, created_at: str, **fields: Any) -> dict[str, Any]:
    return {
        "group_type": group_type,
        "group_type_index": index,
        "name_singular": None,
        "name_plural": None,
        "detail_dashboard": None,
        "default_columns": None,
        "created_at": created_at,
        **fields,
    }


def test_list(typed: Emulator) -> None:
    """Every mapping of the project by index, unpaginated (``pagination_class = None``)."""
    answer = action(typed, "GET", f"{TYPES}/", "groups_types_list")
    assert answer == [
        row("company", 0, "2026-06-15T10:00:00Z"),
        row("project", 1, "2026-06-15T10:01:00Z"),
    ]
    assert typed.groups.types() == answer


def test_update_metadata(typed: Emulator) -> None:
    """Row by row, ``GroupTypeSerializer(instance, data=row)``: what a row leaves out stays;
    the answer is the list."""
    answer = typed.groups.update_metadata(
        [
            {"group_type_index": 0, "name_singular": "Company", "name_plural": "Companies"},
            {"group_type_index": 1, "default_columns": ["name"], "group_type": "ignored"},
        ]
    )
    assert answer == [
        row("company", 0, "2026-06-15T10:00:00Z", name_singular="Company", name_plural="Companies"),
        row("project", 1, "2026-06-15T10:01:00Z", default_columns=["name"]),
    ]
    again = typed.groups.update_metadata([{"group_type_index": "0", "name_plural": None}])
    assert again[0]["name_singular"] == "Company" and again[0]["name_plural"] is None
    assert action(typed, "GET", f"{TYPES}/", "groups_types_list") == again


@pytest.mark.parametrize(
    ("fields", "attr", "code", "detail"),
    [
        (
            {"name_singular": "n" * 401},
            "name_singular",
            "max_length",
            "Ensure this field has no more than 400 characters.",
        ),
        ({"name_plural": ["x"]}, "name_plural", "invalid", "Not a valid string."),
        (
            {"detail_dashboard": 999},
            "detail_dashboard",
            "does_not_exist",
            'Invalid pk "999" - object does not exist.',
        ),
        (
            {"default_columns": "name"},
            "default_columns",
            "not_a_list",
            'Expected a list of items but got type "str".',
        ),
        (
            {"created_at": "soon"},
            "created_at",
            "invalid",
            "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].",
        ),
    ],
)
def test_update_metadata_validation(
    typed: Emulator, fields: dict[str, Any], attr: str, code: str, detail: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        typed.groups.update_metadata([{"group_type_index": 0, **fields}])
    assert (raised.value.attr, raised.value.detail) == (attr, detail)
    assert raised.value.code == ("invalid_input" if code == "invalid" else code)


def test_update_metadata_links_an_existing_dashboard(typed: Emulator) -> None:
    dashboard = typed.dashboards.create(name="Accounts")
    [company, _] = typed.groups.update_metadata(
        [{"group_type_index": 0, "detail_dashboard": dashboard["id"]}]
    )
    assert company["detail_dashboard"] == dashboard["id"]


@pytest.mark.parametrize(
    "rows", [{"group_type_index": 0}, [{"group_type_index": 4}], [{"name_singular": "x"}], ["x"]]
)
def test_update_metadata_unguarded_lookups(typed: Emulator, rows: Any) -> None:
    """``for row in request.data: GroupTypeMapping.objects.get(...row["group_type_index"])``:
    no list of rows naming existing types is PostHog's 500."""
    with pytest.raises(ServerError):
        typed.groups.update_metadata(rows)


def test_set_default_columns(typed: Emulator) -> None:
    answer = typed.groups.set_default_columns({"group_type_index": 1, "default_columns": ["a"]})
    assert answer == row("project", 1, "2026-06-15T10:01:00Z", default_columns=["a"])
    cleared = typed.groups.set_default_columns({"group_type_index": 1, "default_columns": None})
    assert cleared["default_columns"] is None
    with pytest.raises(NotFound) as raised:
        typed.groups.set_default_columns({"group_type_index": 3, "default_columns": []})
    assert raised.value.detail == "Group type not found"
    for body in (
        {"default_columns": []},
        {"group_type_index": 0},
        {"group_type_index": 0, "default_columns": [1]},
    ):
        with pytest.raises(ServerError):
            typed.groups.set_default_columns(body)


@pytest.mark.parametrize(
    ("method", "path", "operation"),
    [
        ("PATCH", "update_metadata/", "groups_types_update_metadata_partial_update"),
        ("PUT", "set_default_columns/", "groups_types_set_default_columns_update"),
    ],
)
def test_personal_api_keys_are_refused(
    typed: Emulator, method: str, path: str, operation: str
) -> None:
    answer = action(typed, method, f"{TYPES}/{path}", operation, status=403, json=[])
    assert answer == NO_KEY_ACCESS


def test_destroy_keeps_the_groups(typed: Emulator) -> None:
    """``DestroyModelMixin``: the mapping goes (204); groups stay under their index, and the
    next new type takes the next free index (``group-type-manager.ts``)."""
    assert action(typed, "DELETE", f"{TYPES}/0/", "groups_types_destroy", status=204) is None
    assert [t["group_type"] for t in typed.groups.types()] == ["project"]
    assert [g["group_key"] for g in typed.groups.list(0)["results"]] == ["acme"]
    missing = action(typed, "DELETE", f"{TYPES}/0/", "groups_types_destroy", status=404)
    assert missing["code"] == "not_found"
    # ``get_object_or_404`` answers 404 for what Django's ``int()`` refuses
    assert action(typed, "DELETE", f"{TYPES}/x/", "groups_types_destroy", status=404) == missing
    typed.events.capture("$pageview", "u1", {"$groups": {"team": "t1"}})
    assert [(t["group_type_index"], t["group_type"]) for t in typed.groups.types()] == [
        (1, "project"),
        (2, "team"),
    ]
    # an orphaned group is kept in the state file by its index
    state = typed.export_state()
    copy = Emulator()
    copy.import_state(state)
    assert copy.groups.list(0)["results"] == typed.groups.list(0)["results"]
    assert copy.groups.types() == typed.groups.types()


def test_metadata_survives_the_state_file(typed: Emulator) -> None:
    typed.groups.update_metadata([{"group_type_index": 0, "name_plural": "Companies"}])
    typed.groups.set_default_columns({"group_type_index": 0, "default_columns": ["plan"]})
    copy = Emulator()
    copy.import_state(typed.export_state())
    assert copy.groups.types() == typed.groups.types()
    assert copy.groups.find(0, "acme") == typed.groups.find(0, "acme")


# -- usage metrics -----------------------------------------------------------------------------------
METRICS = f"{TYPES}/0/metrics"


def test_metrics_crud(typed: Emulator) -> None:
    """``GroupUsageMetricViewSet``: a ``ModelViewSet`` of one group type index (limit/offset
    pages), the model's defaults for ``format``, ``interval`` and ``display``."""
    body = {"name": "Events", "filters": {"events": [{"id": "$pageview"}]}}
    created = action(
        typed, "POST", f"{METRICS}/", "groups_types_metrics_create", status=201, json=body
    )
    assert created == {
        "id": created["id"],
        "name": "Events",
        "format": "numeric",
        "interval": 7,
        "display": "number",
        "filters": {"events": [{"id": "$pageview"}]},
    }
    page = action(typed, "GET", f"{METRICS}/", "groups_types_metrics_list")
    assert page == {"count": 1, "next": None, "previous": None, "results": [created]}
    assert action(typed, "GET", f"{TYPES}/1/metrics/", "groups_types_metrics_list")["count"] == 0
    url = f"{METRICS}/{created['id']}/"
    patch = {"display": "sparkline", "interval": "30"}
    patched = action(typed, "PATCH", url, "groups_types_metrics_partial_update", json=patch)
    assert (patched["display"], patched["interval"], patched["name"]) == ("sparkline", 30, "Events")
    put = action(typed, "PUT", url, "groups_types_metrics_update", status=400, json={"name": "x"})
    assert (put["attr"], put["code"]) == ("filters", "required")
    assert action(typed, "GET", url, "groups_types_metrics_retrieve") == patched
    assert typed.groups.metric(0, created["id"]) == patched
    assert action(typed, "DELETE", url, "groups_types_metrics_destroy", status=204) is None
    assert (
        action(typed, "GET", url, "groups_types_metrics_retrieve", status=404)["code"]
        == "not_found"
    )


@pytest.mark.parametrize(
    ("body", "attr", "code", "detail"),
    [
        ({"filters": {}}, "name", "required", "This field is required."),
        ({"name": "", "filters": {}}, "name", "blank", "This field may not be blank."),
        (
            {"name": "n" * 256, "filters": {}},
            "name",
            "max_length",
            "Ensure this field has no more than 255 characters.",
        ),
        (
            {"name": "n", "format": "percent", "filters": {}},
            "format",
            "invalid_choice",
            '"percent" is not a valid choice.',
        ),
        (
            {"name": "n", "interval": "week", "display": "pie", "filters": {}},
            "interval",
            "invalid_input",
            "A valid integer is required.",
        ),
        (
            {"name": "n", "display": "pie", "filters": {}},
            "display",
            "invalid_choice",
            '"pie" is not a valid choice.',
        ),
        ({"name": "n"}, "filters", "required", "This field is required."),
        ({"name": "n", "filters": None}, "filters", "null", "This field may not be null."),
    ],
)
def test_metric_validation(
    typed: Emulator, body: dict[str, Any], attr: str, code: str, detail: str
) -> None:
    """``GroupUsageMetricSerializer``'s fields in order (``posthog/models/group_usage_metric.py``)."""
    answer = action(
        typed, "POST", f"{METRICS}/", "groups_types_metrics_create", status=400, json=body
    )
    assert answer == {"type": "validation_error", "code": code, "detail": detail, "attr": attr}


def test_metric_names_are_unique_per_index(typed: Emulator) -> None:
    """``unique_metric_name`` has no serializer validator: the insert fails (500)."""
    typed.groups.create_metric(0, {"name": "Events", "filters": {}})
    with pytest.raises(ServerError):
        typed.groups.create_metric(0, {"name": "Events", "filters": {}})
    assert typed.groups.create_metric(1, {"name": "Events", "filters": {}})["name"] == "Events"


def test_metric_lookups(typed: Emulator) -> None:
    """``int()`` of the path's index and a UUID id, else 404; a metric of another index too."""
    metric = typed.groups.create_metric(0, {"name": "Events", "filters": {}})
    for path in (f"{TYPES}/x/metrics/", f"{TYPES}/1/metrics/{metric['id']}/", f"{METRICS}/nope/"):
        operation = (
            "groups_types_metrics_list"
            if path.endswith("metrics/")
            else "groups_types_metrics_retrieve"
        )
        assert action(typed, "GET", path, operation, status=404)["code"] == "not_found"
    copy = Emulator()
    copy.import_state(typed.export_state())
    assert copy.groups.metrics(0) == [metric]


# -- create_detail_dashboard -------------------------------------------------------------------------
def test_create_detail_dashboard(typed: Emulator) -> None:
    """``create_group_type_mapping_detail_dashboard`` (``posthog/helpers/dashboard_templates.py``):
    a template dashboard named after the type's singular and plural names, five sample
    insights on a two-column grid whose layouts name their tile; the type links it."""
    typed.groups.update_metadata([{"group_type_index": 0, "name_singular": "account"}])
    answer = typed.groups.create_detail_dashboard({"group_type_index": "0"})
    dashboard_id = answer["detail_dashboard"]
    assert answer == row(
        "company", 0, "2026-06-15T10:00:00Z", name_singular="account", detail_dashboard=dashboard_id
    )
    dashboard = (
        typed.client()
        .get(f"/api/projects/1/dashboards/{dashboard_id}/", headers=typed.auth_headers)
        .get_json()
    )
    assert dashboard["name"] == "Template dashboard for account overview"
    assert dashboard["description"] == (
        "This dashboard template powers the Overview page for all companys. Any insights will "
        "automatically filter to the selected account."
    )
    assert dashboard["creation_mode"] == "template"
    tiles = dashboard["tiles"]
    assert [t["insight"]["name"] for t in tiles] == [
        "Top paths",
        "Top events",
        "Weekly active users",
        "Monthly active users",
        "Retained users",
    ]
    assert [(t["layouts"]["sm"]["x"], t["layouts"]["sm"]["y"]) for t in tiles] == [
        (0, 0),
        (6, 0),
        (0, 5),
        (6, 5),
        (0, 10),
    ]
    assert all(t["layouts"]["sm"]["i"] == t["layouts"]["xs"]["i"] == str(t["id"]) for t in tiles)
    assert tiles[0]["insight"]["description"] == (
        "Shows the most popular pages viewed by this account in the last 30 days"
    )
    assert all(t["insight"]["is_sample"] for t in tiles)
    with pytest.raises(PostHogError) as raised:
        typed.groups.create_detail_dashboard({"group_type_index": 0})
    assert (raised.value.status, raised.value.body()) == (
        400,
        {"detail": "Dashboard already exists for this group type."},
    )
    with pytest.raises(NotFound):
        typed.groups.create_detail_dashboard({"group_type_index": 4})
    with pytest.raises(ServerError):
        typed.groups.create_detail_dashboard({})
    put = action(
        typed,
        "PUT",
        f"{TYPES}/create_detail_dashboard/",
        "groups_types_create_detail_dashboard_update",
        status=403,
        json={"group_type_index": 1},
    )
    assert put == NO_KEY_ACCESS
