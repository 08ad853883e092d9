"""Path ids and id filters read as PostHog's Django lookups read them (issue 12, item 6).

Django coerces a lookup value with ``int()``: whatever it refuses (letters, or 4,301 digits,
past Python's conversion limit) finds nothing, so PostHog answers 404, never 500; the
subscriptions ``?insight=``/``?dashboard=`` filters are the exception, a deliberate 500 of
PostHog's own (the ``ValueError`` escapes outside the 404 guard).
"""

from __future__ import annotations

import pytest

from phemu.emulator import Emulator
from tests.conftest import DEFAULT_KEY
from tests.conftest import SERVER_ERROR

AUTH = {"Authorization": f"Bearer {DEFAULT_KEY}"}
HUGE = "9" * 4301  # int() refuses more than 4,300 digits
BIG = "9" * 400  # int() reads it; no object has that id
NOT_FOUND = {"type": "invalid_request", "code": "not_found", "detail": "Not found.", "attr": None}
PROJECT_NOT_FOUND = {**NOT_FOUND, "detail": "Project not found."}


@pytest.fixture(scope="module")
def emulator() -> Emulator:
    emulator = Emulator(load_entrypoints=False)
    insight = emulator.insights.create(1, name="Signups")
    emulator.dashboards.create(1, name="Board")
    emulator.subscriptions.create(
        1,
        insight=insight["id"],
        target_type="email",
        target_value="a@example.com",
        frequency="weekly",
        start_date="2026-06-15T09:00:00Z",
    )
    emulator.feature_flags.create(1, key="beta", filters={"groups": [{"rollout_percentage": 50}]})
    return emulator


@pytest.mark.parametrize("number", [HUGE, BIG, "-1", "0"])
@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("/api/projects/{n}/dashboards/", PROJECT_NOT_FOUND),
        ("/api/environments/{n}/insights/", PROJECT_NOT_FOUND),
        ("/api/projects/{n}/subscriptions/1/", PROJECT_NOT_FOUND),
        ("/api/projects/{n}/", NOT_FOUND),
        ("/api/projects/1/dashboards/{n}/", NOT_FOUND),
        ("/api/projects/1/insights/{n}/", NOT_FOUND),
        ("/api/projects/1/subscriptions/{n}/", NOT_FOUND),
        ("/api/projects/1/feature_flags/{n}/", NOT_FOUND),
    ],
)
def test_ids_no_object_has_are_404_never_500(
    emulator: Emulator, template: str, expected: dict[str, object], number: str
) -> None:
    for method in ("GET", "PATCH"):
        response = emulator.client().open(
            template.format(n=number), method=method, headers=AUTH, json={}
        )
        if method == "PATCH" and template == "/api/projects/{n}/":
            continue  # read-only here: 405 whatever the id
        assert (response.status_code, response.get_json()) == (404, expected), method
    emulator.check()


@pytest.mark.parametrize(("number", "status"), [(HUGE, 400), (BIG, 404), ("-1", 404), ("0", 404)])
def test_person_ids_int_refuses_are_the_viewsets_400(
    emulator: Emulator, number: str, status: int
) -> None:
    """``PersonViewSet.safely_get_object`` (``posthog/api/person.py``) catches the
    ``ValueError`` of ``get_pk_or_uuid`` itself: what ``int()`` refuses is its 400 "does not
    look like a personID"; other numbers find nothing (404)."""
    response = emulator.client().get(f"/api/projects/1/persons/{number}/", headers=AUTH)
    assert response.status_code == status
    if status == 400:
        assert response.get_json()["detail"].startswith("The ID provided does not look like")
    emulator.check()


@pytest.mark.parametrize("raw", ["1", "+1", " 1", "%2B1", "\u0661", "\uff11"])
def test_ids_are_read_with_int_as_django_does(emulator: Emulator, raw: str) -> None:
    """``int()`` reads a sign, surrounding spaces and any Unicode digits: all find id 1."""
    client = emulator.client()
    for path in (
        f"/api/projects/{raw}/dashboards/1/",
        f"/api/projects/1/dashboards/{raw}/",
        f"/api/projects/1/insights/{raw}/",
        f"/api/projects/1/subscriptions/{raw}/",
        f"/api/projects/1/feature_flags/{raw}/",
        f"/api/projects/{raw}/",
    ):
        response = client.get(path, headers=AUTH)
        assert response.status_code == 200, (path, response.get_data()[:120])
        assert response.get_json()["id"] == 1


@pytest.mark.parametrize("name", ["insight", "dashboard"])
@pytest.mark.parametrize("value", [HUGE, "abc"])
@pytest.mark.parametrize(
    "path", ["/api/projects/1/subscriptions/", "/api/projects/1/subscriptions/1/"]
)
def test_subscription_filters_postgres_cannot_read_are_posthogs_deliberate_500(
    emulator: Emulator, name: str, value: str, path: str
) -> None:
    response = emulator.client().get(f"{path}?{name}={value}", headers=AUTH)
    assert (response.status_code, response.get_json()) == (500, SERVER_ERROR)
    assert emulator.bugs == []  # PostHog's own 500, not a phemu failure


def test_a_big_filter_int_reads_finds_nothing(emulator: Emulator) -> None:
    listed = emulator.client().get(f"/api/projects/1/subscriptions/?insight={BIG}", headers=AUTH)
    assert (listed.status_code, listed.get_json()["count"]) == (200, 0)
    detail = emulator.client().get(f"/api/projects/1/subscriptions/1/?insight={BIG}", headers=AUTH)
    assert (detail.status_code, detail.get_json()) == (404, NOT_FOUND)


def test_flag_status_and_bulk_keys_take_any_id_without_500(emulator: Emulator) -> None:
    client = emulator.client()
    status = client.get(f"/api/projects/1/feature_flags/{HUGE}/status/", headers=AUTH)
    assert (status.status_code, status.get_json()["status"]) == (404, "unknown")
    keys = client.post(
        "/api/projects/1/feature_flags/bulk_keys/", json={"ids": [HUGE, "1"]}, headers=AUTH
    )
    assert keys.status_code == 200
    assert keys.get_json()["keys"] == {"1": "beta"}
    assert HUGE[:50] in keys.get_json()["warning"]
    emulator.check()


def test_the_journal_status_filter_takes_any_digits(emulator: Emulator) -> None:
    """``GET /_phemu/requests?status=`` read 4,301 digits with int() and failed."""
    response = emulator.client().get(f"/_phemu/requests?status={HUGE}")
    assert response.status_code == 200
