"""Annotations over HTTP: ``AnnotationSerializer`` / ``AnnotationsViewSet``
(``posthog/api/annotation.py``) and the model's derived names (``posthog/models/annotation.py``).
Bodies validate against the published ``Annotation`` components."""

from __future__ import annotations

from typing import Any

from phemu.emulator import Emulator
from tests.openapi import assert_valid

ANNOTATIONS = "/api/projects/1/annotations/"


def post(emulator: Emulator, auth: dict[str, str], **body: Any) -> Any:
    return emulator.client().post(ANNOTATIONS, json=body, headers=auth)


def error(response: Any) -> tuple[int, str, str | None]:
    body = response.get_json()
    return response.status_code, body["detail"], body["attr"]


def test_create_derives_insight_and_dashboard_fields(
    frozen: Emulator, auth: dict[str, str]
) -> None:
    """posthog/models/annotation.py: insight_short_id, insight_name, insight_derived_name and
    dashboard_name come from the linked insight and dashboard; create() reads dashboard_id."""
    insight = frozen.insights.create(name="Signups", derived_name="Pageview count")
    dashboard = frozen.dashboards.create(name="Growth")
    created = post(
        frozen,
        auth,
        content="Release 2.0",
        date_marker="2026-06-01T12:00:00Z",
        scope="dashboard_item",
        dashboard_item=insight["id"],
        dashboard_id=dashboard["id"],
    )
    assert created.status_code == 201
    body = created.get_json()
    assert_valid(body, "Annotation")
    assert (body["insight_short_id"], body["insight_name"], body["insight_derived_name"]) == (
        insight["short_id"],
        "Signups",
        "Pageview count",
    )
    assert (body["dashboard_id"], body["dashboard_name"]) == (dashboard["id"], "Growth")
    assert (body["creation_type"], body["created_at"]) == ("USR", "2026-06-15T10:00:00Z")
    assert body["created_by"]["email"] == "ada@example.com"


def test_field_rules(emulator: Emulator, auth: dict[str, str]) -> None:
    """AnnotationSerializer's model fields: choices, lengths, dates, the insight primary key."""
    cases = [
        ({"scope": "everywhere"}, (400, '"everywhere" is not a valid choice.', "scope")),
        ({"creation_type": "BOT"}, (400, '"BOT" is not a valid choice.', "creation_type")),
        ({"content": "x" * 401}, (400, "Ensure this field has no more than 400 characters.", "content")),
        ({"dashboard_item": 999}, (400, 'Invalid pk "999" - object does not exist.', "dashboard_item")),
        ({"date_marker": "yesterday"}, (400, "Datetime has wrong format. Use one of these formats "
         "instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].", "date_marker")),
        ({"dashboard_id": 999}, (400, "Dashboard not found.", "dashboard_id")),
    ]  # fmt: skip
    for body, expected in cases:
        assert error(post(emulator, auth, **body)) == expected, body


def test_list_order_search_scope_and_organization_scope(
    emulator: Emulator, auth: dict[str, str]
) -> None:
    """posthog/api/annotation.py: ``-date_marker`` (nulls first), SearchFilter on content, the
    ``scope`` filter (``insight`` is ``dashboard_item``), organization-scoped annotations seen
    from every project of the organization, a default page of 1000."""
    emulator.load_seed({"projects": [{"id": 2, "name": "Second"}]})
    client = emulator.client()
    early = post(emulator, auth, content="early deploy", date_marker="2026-01-01T00:00:00Z").json
    late = post(emulator, auth, content="late", date_marker="2026-03-01T00:00:00Z").json
    undated = post(emulator, auth, content="undated", scope="project").json
    org = (
        emulator.client()
        .post(
            "/api/projects/2/annotations/",
            json={
                "content": "org-wide",
                "scope": "organization",
                "date_marker": "2025-01-01T00:00:00Z",
            },
            headers=auth,
        )
        .json
    )
    listed = client.get(ANNOTATIONS, headers=auth).json
    assert_valid(listed, "PaginatedAnnotationList")
    assert [a["id"] for a in listed["results"]] == [
        undated["id"],
        late["id"],
        early["id"],
        org["id"],
    ]
    assert [
        a["id"] for a in client.get(f"{ANNOTATIONS}?search=DEPLOY", headers=auth).json["results"]
    ] == [early["id"]]
    assert [
        a["id"] for a in client.get(f"{ANNOTATIONS}?scope=project", headers=auth).json["results"]
    ] == [undated["id"]]
    insights = client.get(f"{ANNOTATIONS}?scope=insight", headers=auth).json["results"]
    assert {a["id"] for a in insights} == {early["id"], late["id"]}
    assert error(client.get(f"{ANNOTATIONS}?scope=moon", headers=auth)) == (
        400,
        "Invalid scope: moon",
        None,
    )
    assert error(client.get(f"{ANNOTATIONS}?date_from=soon", headers=auth)) == (
        400,
        "Invalid date range: date_from must be a valid ISO 8601 date",
        None,
    )
    ranged = client.get(f"{ANNOTATIONS}?date_from=2026-02-01&date_to=2026-04-01", headers=auth)
    assert [a["id"] for a in ranged.json["results"]] == [late["id"]]
    page = client.get(ANNOTATIONS, headers=auth).json
    assert page["next"] is None  # 4 rows, a page of 1000


def test_soft_delete_and_restore(emulator: Emulator, auth: dict[str, str]) -> None:
    """Deleted annotations are hidden from every action but PATCH (which restores them); DELETE
    is ForbidDestroyModel's bare 405."""
    client = emulator.client()
    made = post(emulator, auth, content="oops").json
    detail = f"{ANNOTATIONS}{made['id']}/"
    assert client.patch(detail, json={"deleted": True}, headers=auth).json["deleted"] is True
    assert client.get(detail, headers=auth).status_code == 404
    assert client.get(ANNOTATIONS, headers=auth).json["count"] == 0
    restored = client.patch(detail, json={"deleted": False}, headers=auth)
    assert restored.status_code == 200 and restored.json["deleted"] is False
    assert (
        client.delete(detail, headers=auth).status_code,
        client.delete(detail, headers=auth).data,
    ) == (405, b"")
    state = emulator.export_state()
    other = Emulator(load_entrypoints=False)
    other.import_state(state)
    assert other.export_state() == state
