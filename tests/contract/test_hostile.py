"""Hostile input against the WSGI app in-process (issue 9), with hypothesis.

Random JSON and non-JSON bodies, wrong types for every field, huge strings and numbers, unicode
and control characters, deeply nested JSON, duplicate query parameters, path traversal in ids
and header injection, on every route the emulator serves. Properties checked on every example:

1. never a 500, except PostHog's deliberate ones (:func:`deliberate_500`);
2. every error body is exactly ``{type, code, detail, attr}`` (``exceptions_hog/handler.py``),
   except the empty-body DELETE 405 of ``forbid_destroy`` routes
   (``posthog/api/forbid_destroy_model.py``);
3. a rejected request (status >= 400) leaves ``emulator.export_state()`` and the outbox
   unchanged;
4. a key of another organization gets only 403/404/405 and changes nothing;
5. injected header text never reaches a response header; phemu records no internal bug.

Budgets: ``PHEMU_HOSTILE_EXAMPLES`` examples per property test (default 500), derandomized.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from werkzeug.test import EnvironBuilder
from werkzeug.test import run_wsgi_app

from phemu.routing import Route
from phemu.serialization import find_bad_text
from tests.contract import _stats
from tests.contract.conftest import budget
from tests.contract.deviations import regex_body_crashes
from tests.contract.routes import METHODS
from tests.contract.routes import is_posthog_error
from tests.contract.routes import segment
from tests.contract.routes import suite_routes
from tests.contract.routes import url
from tests.contract.world import DEFAULT_KEY
from tests.contract.world import EVE_KEY
from tests.contract.world import World
from tests.contract.world import build_world
from tests.contract.world import create_victims

EXAMPLES = budget("PHEMU_HOSTILE_EXAMPLES", 500)
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
#: every hand-written route and a daily sample of the schema-driven ones (all of them with
#: PHEMU_ALL_OPERATIONS=1): the examples budget is shared by the routes drawn from.
ROUTES = suite_routes(16)
NESTED = [r for r in ROUTES if r.nested]

#: every field name any emulated resource reads, plus PostHog's key field
FIELDS = [
    "id",
    "name",
    "description",
    "insight",
    "dashboard",
    "target_type",
    "target_value",
    "frequency",
    "interval",
    "byweekday",
    "bysetpos",
    "count",
    "start_date",
    "until_date",
    "deleted",
    "title",
    "invite_message",
    "messages",
    "role",
    "content",
    "regex",
    "engine",
    "query",
    "tags",
    "pinned",
    "tiles",
    "dashboards",
    "short_id",
    "filters",
    "created_by",
    "personal_api_key",
    "project",
    "team",
    "key",
    "value",
]
QUERY_KEYS = [
    "limit",
    "offset",
    "deleted",
    "insight",
    "dashboard",
    "search",
    "short_id",
    "key",
    "value",
    "property_type",
    "personal_api_key",
    "format",
    "basic",
    "ordering",
    "type",
]
PROJECTS = [
    "1",
    "@current",
    "2",
    "7",
    "0",
    "-1",
    "99999999999999999999",
    "\uff11",
    "1.0",
    "abc",
    "%2e%2e",
]
IDS = [
    "1",
    "2",
    "0",
    "-1",
    "abc",
    "1e3",
    "1.0",
    " 1",
    "99999999999999999999999",
    "\uff11\uff12",
    "%00",
    "..",
    "..%2f..%2f7",
    "%2e%2e%2fprojects%2f7",
    "1;DROP TABLE",
    "@me",
    "@current",
    "01928a6e-3c1d-7000-8000-0000000000bb",
    "01928a6e-3c1d-7000-8000-000000000301",
]
CONTENT_TYPES = [
    "application/json",
    "application/json; charset=utf-8",
    "application/json; charset=latin-1",
    "application/json; charset=bogus",
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "",
    "application/vnd.api+json",
    "application/xml",
    "APPLICATION/JSON",
    "application/json;;;",
    "*/*",
]
INJECTION = "\r\nX-Phemu-Injected: 1"

text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40
) | st.sampled_from(
    ["", " ", "\x00", "\u202e", "\ud7ff", "😀" * 50, "a" * 10_000, "\r\n", "../../"]
)
huge = st.sampled_from(
    [2**31, -(2**31) - 1, 2**63, 10**400, -(10**400), 1e308, -1e308, 1.5, 0.1, -0.0]
)
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | huge
    | st.floats(allow_nan=False, allow_infinity=False)
    | text
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=12,
)
field_objects = st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=6)


@st.composite
def bodies(draw: st.DrawFn) -> tuple[bytes | None, str | None, Any, bool]:
    """``(raw body, Content-Type, parsed JSON or None, deeply nested?)``."""
    kind = draw(
        st.sampled_from(["fields", "json", "bytes", "deep", "form", "none", "charset", "huge"])
    )
    if kind == "huge":
        value = {draw(st.sampled_from(FIELDS)): draw(st.sampled_from(["x" * 1_000_000, 10**4000]))}
        return json.dumps(value).encode(), "application/json", value, False
    if kind == "none":
        return None, draw(st.sampled_from([None, *CONTENT_TYPES])), None, False
    if kind == "deep":
        depth = draw(st.sampled_from([50, 900, 5_000, 100_000]))
        opener, closer = draw(st.sampled_from([("[", "]"), ('{"a":', "}")]))
        raw = opener * depth + "1" + closer * depth
        return raw.encode(), "application/json", None, depth >= 900
    if kind == "bytes":
        raw = draw(
            st.binary(max_size=200)
            | st.sampled_from(
                [
                    b"\xff\xfe",
                    b"{",
                    b"nul",
                    b"NaN",
                    b"[1,]",
                    b'{"interval": 1' + b"0" * 5000 + b"}",
                    b'{"count": 1e999}',
                ]
            )
        )
        return raw, draw(st.sampled_from([None, *CONTENT_TYPES])), None, False
    if kind == "form":
        pairs = draw(st.lists(st.tuples(st.sampled_from(FIELDS), text), max_size=6))
        return urlencode(pairs).encode(), "application/x-www-form-urlencoded", None, False
    value = draw(field_objects if kind == "fields" else json_values)
    raw = json.dumps(value, ensure_ascii=draw(st.booleans())).encode()
    if kind == "charset":
        return raw, "application/json; charset=utf-16", None, False
    return (
        raw,
        draw(st.sampled_from(["application/json", "application/json; charset=utf-8"])),
        value,
        False,
    )


@st.composite
def requests_(draw: st.DrawFn, routes: list[Route]) -> dict[str, Any]:
    route = draw(st.sampled_from(routes))
    # Mostly the methods the route serves (to reach the handlers), sometimes anything.
    method = draw(
        st.sampled_from(sorted(route.handlers)) | st.sampled_from([*METHODS, "TRACE", "PROPFIND"])
    )
    # Half the requests aim at project 1 and object 1 (seeded), so they reach validation.
    project = draw(st.just("1") | st.sampled_from(PROJECTS))
    pk = draw(
        st.just("1")
        | st.sampled_from(IDS)
        | text.filter(lambda s: "/" not in s and "?" not in s and "#" not in s)
    )
    prefix = draw(st.sampled_from(route.prefixes))
    query = draw(
        st.lists(
            st.tuples(
                st.sampled_from(QUERY_KEYS) | text,
                text | st.sampled_from(["1", "-1", "abc", "true", ""]),
            ),
            max_size=5,
        )
    )
    if draw(st.booleans()) and query:
        query = [*query, query[0]]  # a duplicated parameter
    raw, content_type, parsed, deep = draw(bodies())
    inject = draw(st.sampled_from([None, "authorization", "content-type", "x-forwarded-host"]))
    return {
        "route": route,
        "method": method,
        "path": url(route, project=project, pk=pk, prefix=prefix),
        "project": project,
        "pk": pk,
        "prefix": prefix,
        "query": query,
        "raw": raw,
        "content_type": content_type,
        "parsed": parsed,
        "deep": deep,
        "inject": inject,
    }


def deliberate_500(req: dict[str, Any]) -> bool:
    """The requests for which PostHog itself answers 500, so phemu does too (and only those).

    - non-integer ``insight``/``dashboard`` filters (``ee/api/subscription.py``);
    - ``bysetpos`` 0 or beyond ±366 with weekdays (any body carrying
      ``bysetpos`` may build such a rule on create or on an update of a stored one;
      ``posthog/models/subscription.py``, docs/subscriptions.md, "Quirks kept on purpose");
    - a non-string ``regex`` (``posthog/session_recordings/session_recording_api.py``,
      docs/ai.md, "Request validation");
    - deeply nested JSON: DRF's JSONParser catches only ``ValueError`` and Python's decoder
      raises ``RecursionError`` (``phemu/context.py``);
    - ``activity`` actions (``posthog/api/feature_flag.py``): ``int()`` of ``limit``/``page``,
      a page outside Django's ``Paginator`` range, a non-numeric flag id in ``filter(id=...)``;
    - experiments (``ee/clickhouse/views/experiments.py``): ``parameters``,
      ``exposure_criteria``, ``stats_config`` or metrics of the wrong JSON type, an unknown
      ``order`` field, an action's unparsable ``events``/``actions`` or ``limit``, a negative
      ``limit``, a non-object ``metric``; holdouts, saved metrics and web experiments
      (``ee/clickhouse/views/experiment_holdouts.py``, ``experiment_saved_metrics.py``,
      ``posthog/api/web_experiment.py``): filters, queries and variants their checks cannot
      read; surveys (``posthog/api/survey.py``): non-string question text, choices or
      links, a non-numeric popup delay, sampling limits without an interval, an unknown
      ``targeting_flag_id``;
    - an insight ``query`` holding NUL (or a lone surrogate): Postgres refuses it in ``jsonb``
      (docs/architecture.md, "Text PostHog cannot store");
    - ``posthog/api/person.py`` and ``posthog/api/event.py``: ``limit`` (and the persons'
      ``offset``) read with ``int()``, negative values refused by ClickHouse;
      ``delete_property``'s unguarded ``.get()`` and ``request.data["$unset"]``; ``cohorts``'
      ``request.GET["person_id"]``; ``bulk_delete``'s ``len()`` and uuid lookup;
    - ``groups/property_values/``'s unguarded parameters and ``remote_config``'s lookups.
    """
    route: Route = req["route"]
    if req["deep"] and not route.public:
        return True
    if route.endpoint in ("persons.list", "events.list"):
        guarded = ("limit",) if route.endpoint == "events.list" else ("limit", "offset")
        last = dict(req["query"])  # the views read the last value of a repeated parameter
        for key in ("limit", "offset"):
            if last.get(key) and _bad_count(last[key], key in guarded):
                return True
    if route.endpoint in ("persons.delete_property", "persons.cohorts"):
        # ``request.GET["person_id"]`` and ``get_pk_or_uuid(...).get()`` are unguarded too.
        return True
    if route.endpoint == "persons.bulk_delete" and isinstance(req["parsed"], dict):
        # ``len()`` of ``distinct_ids``/``ids`` and Django's uuid lookup are unguarded.
        return bool(req["parsed"].get("distinct_ids") or req["parsed"].get("ids"))
    if route.endpoint.rstrip("/").endswith("activity"):
        # Hand-written (``surveys.activity``) and generic (``generic:project:/insights/<id>/
        # activity/``) activity actions read ``limit``/``page`` alike.
        return True
    if route.endpoint == "groups.property_values":
        # ``request.GET["group_type_index"]`` and ``["key"]`` are unguarded, and ClickHouse
        # cannot read an index that is not a number (``posthog/api/group.py``).
        last = dict(req["query"])
        index = last.get("group_type_index", "").strip()
        return "key" not in last or not (index.isascii() and index.isdigit())
    if route.endpoint == "feature_flags.remote_config":
        # ``kwargs["pk"].isdigit()`` then ``get(pk=...)``: digits ``int()`` refuses (``²``), a
        # key several flags share, a payload that is not text (``posthog/api/feature_flag.py``).
        return True
    if segment(route) in (
        "experiments",
        "surveys",
        "experiment_holdouts",
        "experiment_saved_metrics",
        "web_experiments",
    ):
        return True
    if segment(route) == "subscriptions":
        for key, value in req["query"]:
            if key in ("insight", "dashboard") and not re.fullmatch(r"[0-9]+", value):
                return True
        raw = req["raw"] or b""
        if b"bysetpos" in raw:
            return True
    parsed = req["parsed"]
    if (
        segment(route) == "insights"
        and isinstance(parsed, dict)
        and find_bad_text(parsed.get("query"), nul=True) is not None
    ):
        return True
    if route.path.rstrip("/").endswith("ai/regex") and (req["content_type"] or "").startswith(
        "application/json"
    ):
        try:
            parsed = json.loads(req["raw"] or b"")
        except ValueError:
            return False
        return regex_body_crashes(parsed)
    return False


def _bad_count(value: str, guarded: bool) -> bool:
    """A ``limit``/``offset`` PostHog turns into a 500: not an int (where it calls ``int()``),
    or negative."""
    try:
        return int(value) < 0
    except ValueError:
        return guarded


def send(world: World, req: dict[str, Any], key: str) -> Any:
    headers: list[tuple[str, str]] = []
    overrides: dict[str, str] = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    if req["content_type"] is not None:
        overrides["CONTENT_TYPE"] = req["content_type"]
    if req["inject"] == "authorization":
        overrides["HTTP_AUTHORIZATION"] = f"Bearer {key}{INJECTION}"
    elif req["inject"] == "content-type":
        overrides["CONTENT_TYPE"] = f"application/json{INJECTION}"
    elif req["inject"] == "x-forwarded-host":
        overrides["HTTP_HOST"] = f"testserver{INJECTION}"
    builder = EnvironBuilder(
        path=req["path"],
        method=req["method"],
        query_string=urlencode(req["query"]),
        data=req["raw"],
        headers=headers,
        environ_overrides=overrides,
    )
    try:
        environ = builder.get_environ()
    finally:
        builder.close()
    # Straight into the WSGI callable: werkzeug's test client would refuse the injected values.
    app_iter, status, response_headers = run_wsgi_app(world.emulator.app, environ)
    try:
        body = b"".join(app_iter)
    finally:
        close = getattr(app_iter, "close", None)
        if close is not None:
            close()
    return Reply(int(status.split(" ", 1)[0]), body, response_headers)


class Reply:
    """Just what the checks read from a WSGI answer."""

    def __init__(self, status_code: int, body: bytes, headers: Any) -> None:
        self.status_code = status_code
        self.headers = headers
        self._body = body

    def get_data(self) -> bytes:
        return self._body


def snapshot(world: World) -> dict[str, Any]:
    """Everything a request could change that a client can observe: the store and the outbox."""
    return {"state": world.emulator.export_state(), "outbox": world.emulator.outbox.entries()}


#: PostHog actions that answer an error status with their own body instead of an exception
#: (posthog/api/feature_flag.py): ``status`` 404 ``{"status": "unknown", "reason": ...}`` and
#: ``bulk_keys`` 400 ``{"error": "Invalid flag IDs provided"}``; posthog/api/person.py:
#: ``update``/``update_property`` 400 ``{"attr", "code", "detail", "type"}`` in that order;
#: posthog/api/event.py: ``retrieve`` 400 ``{"detail": "Invalid UUID", ...}`` without ``attr``;
#: ee/clickhouse/views/experiments.py: ``eligible_feature_flags`` 400
#: ``{"error": "Invalid limit or offset"}``.
OWN_ERROR_BODIES = {
    "experiments.eligible_feature_flags": 400,
    "feature_flags.status": 404,
    "feature_flags.bulk_keys": 400,
    "persons.retrieve": 400,
    "persons.update_property": 400,
    "events.retrieve": 400,
}
#: ``Response(status=404)`` without a body: the ``activity`` action of an unknown flag,
#: ``remote_config`` of a flag that is not a remote configuration (or none).
#: ``Response(status=404)`` of an item another project owns (``posthog/api/feature_flag.py``,
#: ``posthog/api/survey.py``).
EMPTY_ERROR_BODIES = {
    "feature_flags.item_activity": 404,
    "feature_flags.remote_config": 404,
    "surveys.activity": 404,
    "surveys.duplicate_to_projects": 404,
    "surveys.summarize_responses": 404,
}


def response_type(response: Any) -> str:
    headers = dict(response.headers)
    return str(headers.get("Content-Type", "")).split(";", 1)[0]


def check_response(
    world: World, req: dict[str, Any], response: Any, before: dict[str, Any]
) -> None:
    status = response.status_code
    raw = response.get_data()
    route: Route = req["route"]
    label = f"{req['method']} {route.endpoint}"
    assert status != 500 or deliberate_500(req), (label, req["path"], req["query"], req["raw"], raw)
    if status >= 400:
        if req["method"] == "HEAD":
            assert raw == b""
        elif status == 405 and req["method"] == "DELETE" and route.forbid_destroy:
            assert raw == b"" and "Content-Type" not in response.headers
        elif route.endpoint in OWN_ERROR_BODIES and status == OWN_ERROR_BODIES[route.endpoint]:
            assert raw.startswith(b"{"), (label, status, raw)
        elif EMPTY_ERROR_BODIES.get(route.endpoint) == status and raw == b"":
            assert "Content-Type" not in response.headers, (label, raw)
        elif route.public:
            # PostHog's Rust doors (capture, /flags, definitions) refuse in plain text, or with an
            # empty 405 carrying Allow (rust/capture/src/api.rs, rust/feature-flags/src/api/).
            assert raw or status == 405, (label, status)
            assert not raw or response_type(response) == "text/plain", (label, status, raw)
        else:
            assert is_posthog_error(raw), (label, status, raw)
        assert snapshot(world) == before, (label, status, raw)
    for name, value in response.headers.items():
        assert "X-Phemu-Injected" not in name and "\n" not in value and "\r" not in value, (
            name,
            value,
        )


@pytest.fixture(scope="module")
def hostile_world() -> Iterator[World]:
    world = build_world()
    create_victims(world)
    yield world
    world.emulator.check()


@SETTINGS
@given(req=requests_(ROUTES))
def test_any_request_with_a_valid_key(hostile_world: World, req: dict[str, Any]) -> None:
    """Properties 1-3 and 5 with the owner's ``*`` key on any route, path, query and body."""
    before = snapshot(hostile_world)
    response = send(hostile_world, req, DEFAULT_KEY)
    _stats.count("hostile", f"{req['method']} {req['route'].endpoint}", response.status_code)
    check_response(hostile_world, req, response, before)
    hostile_world.emulator.check()
    _stats.properties["hostile"].update(
        {
            "no 500 beyond PostHog's",
            "PostHog error bodies",
            "rejected -> store unchanged",
            "no header injection",
        }
    )


@pytest.fixture(scope="module")
def cloud_world() -> Iterator[World]:
    world = build_world(profile="cloud")
    create_victims(world)
    yield world
    world.emulator.check()


@settings(SETTINGS, max_examples=max(EXAMPLES // 2, 1))
@given(req=requests_(ROUTES))
def test_any_request_in_the_cloud_profile(cloud_world: World, req: dict[str, Any]) -> None:
    """The same properties in the ``cloud`` profile (refused AI keys, missing ai/filters,
    deprecation headers on ``/api/environments/``)."""
    before = snapshot(cloud_world)
    response = send(cloud_world, req, DEFAULT_KEY)
    _stats.count("hostile-cloud", f"{req['method']} {req['route'].endpoint}", response.status_code)
    check_response(cloud_world, req, response, before)
    if req["route"].cloud == "refuse_keys" and response.status_code not in (
        400,
        401,
        404,
        415,
        500,
    ):
        assert response.status_code == 403, (req["path"], response.get_data())
    cloud_world.emulator.check()
    _stats.properties["hostile-cloud"].update({"cloud profile: same properties"})


@pytest.mark.skipif(not NESTED, reason="no nested route is emulated yet")
@SETTINGS
@given(req=requests_(NESTED or ROUTES))
def test_another_organization_cannot_touch_project_1(
    hostile_world: World, req: dict[str, Any]
) -> None:
    """Property 4: eve (organization B) aims any request at organization A's projects."""
    if req["project"] not in ("1", "2"):
        req = {**req, "path": url(req["route"], project=1, pk=req["pk"], prefix=req["prefix"])}
    before = snapshot(hostile_world)
    response = send(hostile_world, req, EVE_KEY)
    _stats.count(
        "hostile-cross-org", f"{req['method']} {req['route'].endpoint}", response.status_code
    )
    assert response.status_code in (400, 401, 403, 404, 415) or (
        response.status_code == 500 and deliberate_500(req)
    ), (req["path"], response.status_code, response.get_data())
    check_response(hostile_world, req, response, before)
    assert snapshot(hostile_world) == before
    for secret in (b"victim", b"Default project", b"Second project of A", b"ada@example.com"):
        assert secret not in response.get_data(), (req["path"], secret)
    _stats.properties["hostile-cross-org"].update({"other organization: refused, store unchanged"})


def test_injected_headers_are_refused_by_the_client() -> None:
    """Clients cannot even send a header with a newline: werkzeug refuses it, so the suites
    inject through the raw WSGI environ instead (see :func:`send`)."""
    world = build_world()
    with pytest.raises(ValueError, match="newline"):
        world.emulator.client().get("/api/projects/", headers={"Authorization": "Bearer x\r\nX: 1"})


DELIBERATE_500S = [
    pytest.param(
        "GET", "/api/projects/1/subscriptions/?insight=abc", None, id="subscriptions-filter"
    ),
    pytest.param(
        "GET", "/api/projects/1/subscriptions/?dashboard=1.5", None, id="subscriptions-filter-2"
    ),
    pytest.param(
        "POST", "/api/projects/1/session_recordings/ai/regex/", {"regex": 5}, id="ai-regex"
    ),
    pytest.param(
        "POST",
        "/api/projects/1/subscriptions/",
        {
            "insight": "{insight}",
            "target_type": "email",
            "target_value": "a@example.com",
            "frequency": "monthly",
            "byweekday": ["monday"],
            "bysetpos": 0,
            "start_date": "2022-01-01T00:00:00Z",
        },
        id="bysetpos-0",
    ),
    pytest.param(
        "POST", "/api/projects/1/insights/", "[" * 100_000 + "]" * 100_000, id="deep-json"
    ),
    pytest.param(
        "POST", "/api/projects/1/insights/", {"query": {"kind": "a\x00b"}}, id="insight-query-nul"
    ),
]


@pytest.mark.parametrize(("method", "path", "body"), DELIBERATE_500S)
def test_deliberate_500s_are_posthogs_not_phemu_bugs(method: str, path: str, body: Any) -> None:
    """The exclusions of :func:`deliberate_500` are real: PostHog's body, nothing recorded."""
    world = build_world()
    created = create_victims(world)
    routes = {r.endpoint.split(".")[0] for r in ROUTES}
    if path.split("/")[4] not in routes:
        pytest.skip("resource not emulated yet")
    headers = world.headers(DEFAULT_KEY)
    client = world.emulator.client()
    if isinstance(body, str):
        response = client.open(
            path, method=method, data=body, headers={**headers, "Content-Type": "application/json"}
        )
    else:
        if isinstance(body, dict) and body.get("insight") == "{insight}":
            body = {**body, "insight": created[("insights", 1)]}
        response = client.open(path, method=method, json=body, headers=headers)
    assert response.status_code == 500
    assert response.get_json() == {
        "type": "server_error",
        "code": "error",
        "detail": "A server error occurred.",
        "attr": None,
    }
    world.emulator.check()  # deliberate: not recorded as a phemu bug
