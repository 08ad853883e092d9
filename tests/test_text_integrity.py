"""No request may poison the store (issue 12, item 1).

``json.loads`` turns a ``"\\ud800"`` escape into a lone surrogate, which UTF-8 cannot encode:
once stored, every read, export and save of the store failed. PostHog never stores one: DRF's
``CharField`` refuses NUL and surrogates with a 400, and Postgres refuses them in ``jsonb``
(PostHog's 500). These tests pin each answer and, with hypothesis, check that after any string
in any writable field the store still lists, shows, exports, saves and loads back.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from phemu.emulator import Emulator
from phemu.errors import SeedError
from phemu.errors import ValidationError
from phemu.persistence import StateFile
from phemu.serialization import bad_character
from phemu.serialization import find_bad_text
from tests.conftest import DEFAULT_KEY
from tests.conftest import SERVER_ERROR

AUTH = {"Authorization": f"Bearer {DEFAULT_KEY}", "Content-Type": "application/json"}
SUBSCRIPTION = {
    "insight": 1,
    "target_type": "email",
    "target_value": "a@example.com",
    "frequency": "weekly",
    "start_date": "2026-06-15T09:00:00Z",
}


FLAG = {"key": "beta", "filters": {"groups": [{"properties": [], "rollout_percentage": 50}]}}
TOKEN = "<the project token>"  # capture bodies carry it; :func:`send` fills it in


def make() -> Emulator:
    """An emulator with one dashboard, insight, subscription and feature flag (ids 1)."""
    emulator = Emulator(load_entrypoints=False)
    emulator.freeze_time("2026-06-15T10:00:00Z")
    client = emulator.client()
    for path, body in (
        ("dashboards", {"name": "Board"}),
        ("insights", {"name": "Signups", "query": {"kind": "TrendsQuery"}}),
        ("subscriptions", SUBSCRIPTION),
        ("feature_flags", FLAG),
    ):
        created = client.post(f"/api/projects/1/{path}/", data=json.dumps(body), headers=AUTH)
        assert created.status_code == 201, created.get_data()
    return emulator


def send(emulator: Emulator, method: str, path: str, body: Any) -> Any:
    # json.dumps escapes a lone surrogate as \ud800, exactly what a client sends.
    data = json.dumps(body).replace(TOKEN, emulator.store.projects[1].api_token)
    return emulator.client().open(path, method=method, data=data, headers=AUTH)


def assert_store_healthy(emulator: Emulator, tmp_path: Path) -> dict[str, Any]:
    """Every read, the export, the inspector and a save (loaded back) work; returns the export."""
    client = emulator.client()
    for resource in ("dashboards", "insights", "subscriptions", "feature_flags", "persons"):
        listed = client.get(f"/api/projects/1/{resource}/", headers=AUTH)
        assert listed.status_code == 200, (resource, listed.get_data()[:300])
        for item in listed.get_json()["results"]:
            detail = client.get(f"/api/projects/1/{resource}/{item['id']}/", headers=AUTH)
            assert detail.status_code == 200, (resource, item["id"])
    assert client.get("/api/projects/1/events/", headers=AUTH).status_code == 200
    exported = client.get("/_phemu/state")
    assert exported.status_code == 200
    assert client.get("/_phemu/").status_code == 200
    path = tmp_path / "state.json"
    StateFile(emulator, path).save()
    again = Emulator(load_entrypoints=False)
    assert StateFile(again, path).load()
    assert again.export_state() == exported.get_json()
    emulator.check()
    return exported.get_json()  # type: ignore[no-any-return]


def validation(code: str, detail: str, attr: str) -> dict[str, Any]:
    return {"type": "validation_error", "code": code, "detail": detail, "attr": attr}


SURROGATE = validation(
    "surrogate_characters_not_allowed", "Surrogate characters are not allowed: U+D800.", "name"
)
NUL = validation("null_characters_not_allowed", "Null characters are not allowed.", "name")

# -- DRF CharFields: 400 with DRF's validator messages ------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body", "expected"),
    [
        ("POST", "/api/projects/1/dashboards/", {"name": "\ud800"}, SURROGATE),
        ("PATCH", "/api/projects/1/dashboards/1/", {"name": "a\ud800b"}, SURROGATE),
        ("POST", "/api/projects/1/dashboards/", {"name": "a\x00b"}, NUL),
        (
            "POST",
            "/api/projects/1/dashboards/",
            {"description": "\udfff"},
            {
                **SURROGATE,
                "detail": SURROGATE["detail"].replace("D800", "DFFF"),
                "attr": "description",
            },
        ),
        (
            "POST",
            "/api/projects/1/dashboards/",
            {"tags": ["ok", "\ud800"]},
            {**SURROGATE, "attr": "tags__1"},
        ),
        ("POST", "/api/projects/1/insights/", {"name": "\ud800"}, SURROGATE),
        (
            "PATCH",
            "/api/projects/1/insights/1/",
            {"derived_name": "\x00"},
            {**NUL, "attr": "derived_name"},
        ),
        (
            "POST",
            "/api/projects/1/subscriptions/",
            {**SUBSCRIPTION, "title": "\ud800"},
            {**SURROGATE, "attr": "title"},
        ),
        (
            "PATCH",
            "/api/projects/1/subscriptions/1/",
            {"target_value": "a\x00@example.com"},
            {**NUL, "attr": "target_value"},
        ),
        (
            "PUT",
            "/api/projects/1/subscriptions/1/",
            {**SUBSCRIPTION, "invite_message": "\ud800"},
            {**SURROGATE, "attr": "invite_message"},
        ),
        # DRF's max_length validator runs before the NUL and surrogate validators.
        (
            "POST",
            "/api/projects/1/subscriptions/",
            {**SUBSCRIPTION, "title": "\x00" * 101},
            validation("max_length", "Ensure this field has no more than 100 characters.", "title"),
        ),
    ],
)
def test_a_char_field_refuses_nul_and_lone_surrogates_and_changes_nothing(
    method: str, path: str, body: dict[str, Any], expected: dict[str, Any], tmp_path: Path
) -> None:
    emulator = make()
    before = emulator.export_state()
    response = send(emulator, method, path, body)
    assert (response.status_code, response.get_json()) == (400, expected)
    assert emulator.export_state() == before
    assert_store_healthy(emulator, tmp_path)


# -- jsonb columns: Postgres refuses the row, PostHog answers its 500 ----------------------------


@pytest.mark.parametrize(
    "query",
    [
        {"kind": "\ud800"},
        {"\ud800": 1},
        {"kind": "TrendsQuery", "series": [{"event": "a\x00b"}]},
        {"kind": {"deep": [{"\x00": True}]}},
        "\udc00",
    ],
)
@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_an_insight_query_postgres_cannot_store_is_posthogs_500_and_changes_nothing(
    query: Any, method: str, tmp_path: Path
) -> None:
    emulator = make()
    before = emulator.export_state()
    path = "/api/projects/1/insights/" + ("1/" if method == "PATCH" else "")
    response = send(emulator, method, path, {"name": "New name", "query": query})
    assert (response.status_code, response.get_json()) == (500, SERVER_ERROR)
    assert emulator.export_state() == before
    assert emulator.bugs == []  # PostHog's own 500, not a phemu failure
    assert_store_healthy(emulator, tmp_path)


def test_field_errors_come_before_the_database_refusal() -> None:
    emulator = make()
    response = send(
        emulator, "POST", "/api/projects/1/insights/", {"query": {"\ud800": 1}, "saved": "maybe"}
    )
    assert response.status_code == 400
    assert response.get_json()["attr"] == "saved"


def test_an_error_detail_echoing_a_lone_surrogate_is_posthogs_500(tmp_path: Path) -> None:
    """DRF's JSONRenderer cannot encode '"\\ud800" is not a valid choice.': PostHog answers 500."""
    emulator = make()
    before = emulator.export_state()
    response = send(
        emulator,
        "POST",
        "/api/projects/1/subscriptions/",
        {**SUBSCRIPTION, "target_type": "\ud800"},
    )
    assert (response.status_code, response.get_json()) == (500, SERVER_ERROR)
    assert emulator.export_state() == before
    assert emulator.bugs == []
    assert_store_healthy(emulator, tmp_path)


def test_astral_characters_and_long_strings_are_stored_and_round_trip(tmp_path: Path) -> None:
    emulator = make()
    name = "📈 growth \U0001d54f " + "ü" * 300  # an astral letter
    query = {"kind": "TrendsQuery", "😀": ["𝄞" * 50_000]}
    created = send(emulator, "POST", "/api/projects/1/insights/", {"name": name, "query": query})
    assert created.status_code == 201, created.get_data()[:200]
    assert (created.get_json()["name"], created.get_json()["query"]) == (name, query)
    exported = assert_store_healthy(emulator, tmp_path)
    assert any(i["query"] == query for i in exported["insights"])


# -- Python API, seeds and state files ------------------------------------------------------------


def test_the_python_api_refuses_what_http_refuses() -> None:
    emulator = make()
    with pytest.raises(ValidationError, match="Surrogate characters are not allowed: U\\+D800"):
        emulator.subscriptions.create(1, **{**SUBSCRIPTION, "title": "\ud800"})
    with pytest.raises(ValidationError, match="Surrogate characters are not allowed: U\\+D800"):
        emulator.dashboards.create(name="\ud800")


def test_a_seed_holding_a_lone_surrogate_is_refused_whole_naming_where() -> None:
    with pytest.raises(SeedError) as raised:
        Emulator(
            load_entrypoints=False,
            seeds=[{"insights": [{"name": "ok"}, {"query": {"series": ["\ud800"]}}]}],
        )
    assert str(raised.value) == (
        "seed document #1: insights[1].query.series[0] holds U+D800 (a lone surrogate), which "
        "is not valid Unicode: PostHog could not store it and phemu could not save it"
    )
    emulator = Emulator(load_entrypoints=False)
    before = emulator.export_state()
    with pytest.raises(SeedError, match=r'dashboards\[0\]\["\\udfff"\] holds U\+DFFF'):
        emulator.load_seed({"dashboards": [{"\udfff": 1}]})
    assert emulator.export_state() == before


# -- the property: any string in any writable field -----------------------------------------------

EXAMPLES = int(os.environ.get("PHEMU_INTEGRITY_EXAMPLES", "300"))

pieces = st.one_of(
    st.characters(categories=["Cs"]),  # lone surrogates
    st.just("\x00"),
    st.characters(min_codepoint=0x10000, max_codepoint=0x10FFFF, categories=["L", "S", "N"]),
    st.text(max_size=6),
)
hostile_strings = st.one_of(
    st.lists(pieces, max_size=8).map("".join),
    st.sampled_from(["\ud800", "\udfff", "\x00", "😀", "a" * 100_000, "😀" * 50_000]),
    st.builds(lambda a, b: a + "x" * 100_000 + b, pieces, pieces),
)


def _subscription_field(name: str, shape: str = "value") -> Any:
    def build(s: str) -> tuple[str, str, Any]:
        value: Any = [s] if shape == "list" else s
        return "POST", "/api/projects/1/subscriptions/", {**SUBSCRIPTION, name: value}

    return build


def _patch(resource: str, name: str, shape: str = "value") -> Any:
    def build(s: str) -> tuple[str, str, Any]:
        value: Any = {"list": [s], "key": {s: 1}, "nested": {"a": [{"b": s}]}}.get(shape, s)
        return "PATCH", f"/api/projects/1/{resource}/1/", {name: value}

    return build


def _create(resource: str, name: str, shape: str = "value") -> Any:
    def build(s: str) -> tuple[str, str, Any]:
        value: Any = {"list": [s], "key": {s: 1}, "nested": {"a": [{"b": s}]}}.get(shape, s)
        return "POST", f"/api/projects/1/{resource}/", {name: value}

    return build


def _ai(kind: str) -> Any:
    def build(s: str) -> tuple[str, str, Any]:
        base = "/api/projects/1/session_recordings/ai/"
        if kind == "regex":
            return "POST", base + "regex/", {"regex": s}
        if kind == "engine":
            return "POST", base + "regex/", {"regex": "digits", "engine": s}
        item = {"role": "user", "content": s} if kind == "content" else {"role": s, "content": "x"}
        return "POST", base + "filters/", {"messages": [item]}

    return build


def _flag_property(s: str) -> tuple[str, str, Any]:
    condition = {"key": s, "type": "person", "operator": "exact", "value": [s]}
    body = {"key": "gamma", "filters": {"groups": [{"properties": [condition]}]}}
    return "POST", "/api/projects/1/feature_flags/", body


def _capture(part: str) -> Any:
    def build(s: str) -> tuple[str, str, Any]:
        event: dict[str, Any] = {"event": "signed up", "distinct_id": "u1", "properties": {}}
        if part in ("event", "distinct_id"):
            event[part] = s
        elif part == "key":
            event["properties"] = {s: 1}
        elif part == "value":
            event["properties"] = {"plan": [s]}
        else:
            event["properties"] = {"$set": {"name": s}}
        return "POST", "/batch/", {"api_key": TOKEN, "batch": [event]}

    return build


#: Every writable string field of every resource (and strings where numbers, ids, choices,
#: dates and booleans go, which DRF reads from strings too).
TARGETS: dict[str, Any] = {
    **{
        f"subscriptions.{name}": _subscription_field(name)
        for name in (
            "target_value",
            "title",
            "invite_message",
            "target_type",
            "frequency",
            "start_date",
            "until_date",
            "insight",
            "interval",
            "count",
            "deleted",
        )
    },
    "subscriptions.byweekday": _subscription_field("byweekday", "list"),
    "subscriptions.patch.title": _patch("subscriptions", "title"),
    "subscriptions.patch.target_value": _patch("subscriptions", "target_value"),
    **{f"dashboards.{n}": _create("dashboards", n) for n in ("name", "description", "pinned")},
    "dashboards.tags": _create("dashboards", "tags", "list"),
    "dashboards.patch.name": _patch("dashboards", "name"),
    "dashboards.patch.tags": _patch("dashboards", "tags", "list"),
    **{
        f"insights.{n}": _create("insights", n)
        for n in ("name", "derived_name", "description", "query", "saved")
    },
    "insights.tags": _create("insights", "tags", "list"),
    "insights.dashboards": _create("insights", "dashboards", "list"),
    "insights.query.key": _create("insights", "query", "key"),
    "insights.query.nested": _create("insights", "query", "nested"),
    "insights.patch.name": _patch("insights", "name"),
    "insights.patch.query.key": _patch("insights", "query", "key"),
    "insights.patch.query.nested": _patch("insights", "query", "nested"),
    **{f"ai.{kind}": _ai(kind) for kind in ("regex", "engine", "content", "role")},
    **{f"feature_flags.{n}": _create("feature_flags", n) for n in ("key", "name", "active")},
    "feature_flags.tags": _create("feature_flags", "tags", "list"),
    "feature_flags.rollback_conditions": _create("feature_flags", "rollback_conditions", "nested"),
    "feature_flags.filters.property": _flag_property,
    "feature_flags.patch.name": _patch("feature_flags", "name"),
    "feature_flags.patch.filters.nested": _patch("feature_flags", "filters", "nested"),
    **{f"capture.{part}": _capture(part) for part in ("event", "distinct_id", "key", "value")},
    "capture.$set": _capture("$set"),
}


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@given(target=st.sampled_from(sorted(TARGETS)), text=hostile_strings)
def test_any_string_in_any_writable_field_leaves_a_healthy_store(
    target: str, text: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    emulator = make()
    before = emulator.export_state()
    method, path, body = TARGETS[target](text)
    response = send(emulator, method, path, body)
    status = response.status_code
    assert emulator.bugs == [], emulator.bugs[:1]
    if status == 500:
        # Only PostHog's own refusals: text Postgres cannot hold (or DRF cannot render).
        assert bad_character(text, nul=True) is not None, (target, response.get_json())
        assert response.get_json() == SERVER_ERROR
    if status >= 400:
        assert emulator.export_state() == before, (target, status)
    # The store never holds what PostHog's database refuses; events keep NUL (ClickHouse does).
    held = find_bad_text(emulator.export_state(), nul=not target.startswith("capture."))
    assert held is None, (target, status, held)
    assert_store_healthy(emulator, tmp_path_factory.mktemp("state"))


@pytest.mark.parametrize(("method", "path"), [("PUT", "/_phemu/state"), ("POST", "/_phemu/seed")])
def test_the_control_plane_refuses_a_document_holding_a_lone_surrogate(
    method: str, path: str, tmp_path: Path
) -> None:
    emulator = make()
    before = emulator.export_state()
    document = {"version": 1, "dashboards": [{"name": "\ud800"}]}
    response = emulator.client().open(
        path, method=method, data=json.dumps(document), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert "dashboards[0].name holds U+D800 (a lone surrogate)" in response.get_json()["error"]
    assert emulator.export_state() == before
    assert_store_healthy(emulator, tmp_path)


def test_capture_refuses_a_lone_surrogate_as_serde_json_does(tmp_path: Path) -> None:
    emulator = make()
    before = emulator.export_state()
    event = {"event": "signed up", "distinct_id": "u1", "properties": {"$set": {"name": "\ud800"}}}
    response = send(emulator, "POST", "/batch/", {"api_key": TOKEN, "batch": [event]})
    assert response.status_code == 400
    assert response.get_data(as_text=True).endswith(
        "failed to parse request: lone leading surrogate in hex escape"
    )
    assert emulator.export_state() == before
    clean = {"event": "a\x00", "distinct_id": "u1", "properties": {"plan": "b\x00"}}
    nul = send(emulator, "POST", "/batch/", {"api_key": TOKEN, "batch": [clean]})
    assert nul.status_code == 200  # ClickHouse keeps NUL; so do events here
    assert_store_healthy(emulator, tmp_path)


def test_a_flag_filter_postgres_cannot_store_is_posthogs_500(tmp_path: Path) -> None:
    emulator = make()
    before = emulator.export_state()
    condition = {"key": "\ud800", "type": "person", "operator": "exact", "value": ["x"]}
    body = {"key": "gamma", "filters": {"groups": [{"properties": [condition]}]}}
    response = send(emulator, "POST", "/api/projects/1/feature_flags/", body)
    assert (response.status_code, response.get_json()) == (500, SERVER_ERROR)
    assert emulator.export_state() == before and emulator.bugs == []
    assert_store_healthy(emulator, tmp_path)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/_phemu/faults", {"status": 500, "path": "/x/", "body": {"detail": "\ud800"}}),
        ("/_phemu/ai/queue", {"endpoint": "regex", "output": {"result": "\udc00"}}),
    ],
)
def test_no_control_plane_setting_holds_a_lone_surrogate(path: str, body: Any) -> None:
    """Fault rules and canned AI answers are not in the state export, but they are rendered:
    phemu's own API refuses the text instead of failing on every later read."""
    emulator = Emulator()
    client = emulator.client()
    response = client.post(
        path, data=json.dumps(body), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert "holds U+D" in response.get_json()["error"]
    assert client.get(path).status_code == 200
    assert client.get("/_phemu/").status_code == 200
