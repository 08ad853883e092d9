"""The shortcuts every request takes give exactly what the long way gives.

In-process doors read the app's response directly instead of through the WSGI protocol; query
lookups of absent parameters do not raise; URLs spelled as a routed base URL skip parsing; the
journal skips masking a query with nothing to mask; instants of the clock format without a
time-zone conversion.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from typing import Any

import pytest
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.wrappers import Response

from phemu.app import call_wsgi
from phemu.app import read_response
from phemu.context import QueryArgs
from phemu.emulator import Emulator
from phemu.front_doors import HostRouter
from phemu.front_doors import build_environ
from phemu.front_doors import origin
from phemu.journal import mask_query
from phemu.serialization import format_datetime

KEY = {"Authorization": "Bearer phx_phemuDefaultPersonalApiKey000000000000000000"}
JSON = {**KEY, "Content-Type": "application/json"}
BASE = "https://us.posthog.com"

#: (method, path with query, headers, body): every kind of answer the app gives.
REQUESTS: list[tuple[str, str, dict[str, str], bytes]] = [
    ("GET", "/api/projects/", KEY, b""),
    ("HEAD", "/api/projects/", KEY, b""),
    ("OPTIONS", "/api/projects/1/dashboards/", KEY, b""),
    ("POST", "/api/projects/1/dashboards/", JSON, b'{"name": "Board"}'),
    ("POST", "/api/projects/1/dashboards/", JSON, b'{"name": '),
    ("GET", "/api/projects/1/dashboards/?limit=1&offset=1", KEY, b""),
    ("DELETE", "/api/projects/1/dashboards/1/", KEY, b""),
    ("PUT", "/api/projects/1/insights/1/", JSON, b"{}"),
    ("GET", "/api/projects/1/dashboards/", {}, b""),
    ("GET", "/api/projets/", KEY, b""),
    ("GET", "/api/projects/1/subscriptions/?personal_api_key=phx_nope", {}, b""),
    ("GET", "/_phemu/clock", {}, b""),
    ("GET", "/_phemu/outbox", {}, b""),
    ("POST", "/flags/?v=2", {"Content-Type": "application/json"}, b'{"token": "nope"}'),
]


def fresh() -> Emulator:
    emulator = Emulator()
    emulator.freeze_time("2026-06-15T10:00:00Z")
    emulator.load_seed({"dashboards": [{"id": 1, "name": "A"}, {"id": 2, "name": "B"}]})
    return emulator


def test_in_process_answers_are_the_wsgi_answers() -> None:
    through_wsgi, direct = fresh(), fresh()
    for method, path, headers, body in REQUESTS:
        expected = call_wsgi(
            through_wsgi, build_environ(method, BASE + path, headers.items(), body)
        )
        answer = direct.app.answer(build_environ(method, BASE + path, headers.items(), body))
        assert answer == expected, (method, path)
    assert [e.to_dict() | {"duration_ms": 0} for e in direct.requests()] == [
        e.to_dict() | {"duration_ms": 0} for e in through_wsgi.requests()
    ]


RESPONSES: list[Callable[[], Response]] = [
    lambda: Response(b'{"a":1}', content_type="application/json"),
    lambda: Response(b"", status=201),
    lambda: Response("text é", status=400),
    lambda: Response(b"", status=204),
    lambda: Response(b"x", status=304, headers={"ETag": '"1"'}),
    lambda: Response(b"moved", status=302, headers={"Location": "/ü/"}),
    lambda: Response(b"x", headers={"Content-Location": "/ü/"}),
    lambda: Response([b"a", b"b"]),
    lambda: Response(iter([b"a", b"b"])),
    lambda: Response(b"passed", direct_passthrough=True),
    lambda: type("Mine", (Response,), {})(b"subclass"),
]


@pytest.mark.parametrize("build", RESPONSES)
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_reading_a_response_directly_gives_its_wsgi_answer(
    build: Callable[[], Response], method: str
) -> None:
    def environ() -> dict[str, Any]:
        return build_environ(method, BASE + "/x", [], b"")

    closed: list[str] = []
    direct = build()
    direct.call_on_close(lambda: closed.append("direct"))
    through_wsgi = build()
    through_wsgi.call_on_close(lambda: closed.append("wsgi"))
    assert read_response(direct, environ()) == call_wsgi(through_wsgi, environ())
    assert ("direct" in closed) == ("wsgi" in closed)  # call_on_close runs the same way


def test_plain_json_answers_skip_the_wsgi_protocol(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_wsgi(*args: Any) -> Any:
        raise AssertionError("went through WSGI")

    emulator = fresh()
    monkeypatch.setattr("phemu.app.call_wsgi", no_wsgi)
    environ = build_environ("GET", BASE + "/api/projects/1/dashboards/", KEY.items(), b"")
    status, headers, body = emulator.app.answer(environ)
    assert (status, [name for name, _ in headers]) == (
        200,
        ["Content-Type", "Content-Length", "Allow"],
    )
    assert body.startswith(b'{"count":2,')


def test_query_args_get_is_werkzeugs() -> None:
    pairs = [("a", "1"), ("a", "2"), ("b", ""), ("c", "x")]
    ours, theirs = QueryArgs(pairs), ImmutableMultiDict(pairs)
    for key in ("a", "b", "c", "missing"):
        assert ours.get(key) == theirs.get(key)
        assert ours.get(key, "default") == theirs.get(key, "default")
        assert ours.get(key, -1, type=int) == theirs.get(key, -1, type=int)
        assert ours.getlist(key) == theirs.getlist(key)
    with pytest.raises(KeyError):
        ours["missing"]


@pytest.mark.parametrize(
    "url",
    [
        "https://us.posthog.com",
        "https://us.posthog.com/api/projects/",
        "https://us.posthog.com?x=1",
        "https://us.posthog.com#top",
        "HTTPS://US.PostHog.com/api/",
        "https://us.posthog.com:443/api/",
        "https://us.posthog.com:8443/api/",
        "http://us.posthog.com/api/",
        "https://us.posthog.com.evil.example/api/",
        "https://us.posthog.com@evil.example/api/",
        "https://us.posthog.comx/",
        "http://posthog.internal:8000/api/",
        "http://posthog.internal:80/api/",
        "not a url",
    ],
)
def test_routed_urls_are_those_whose_origin_is_routed(url: str) -> None:
    router = HostRouter(["http://posthog.internal:8000"])
    try:
        expected = origin(url) in {origin(base) for base in router.base_urls}
    except Exception:
        expected = False
    assert router.routes(url) is expected


@pytest.mark.parametrize(
    "query",
    [
        "",
        "limit=10&offset=20",
        "search=a+b&x=",
        "personal_api_key=phx_abcdefghijklmnopqrstuvwxyz",
        "personal_api_key=short",
        "token=phx_abcdefghijklmnopqrstuvwxyz0123",
        "token=ph%78_abcdefghijklmnopqrstuvwxyz0123",
        "personal%5Fapi%5Fkey=abcdefghijklmnopqrstuvwxyz",
        "phs_abcdefghijklmnopqrstuvwxyz=1",
        "graph=1&phone=2",
    ],
)
def test_query_masking_skips_only_queries_without_secrets(query: str) -> None:
    from urllib.parse import quote_plus
    from urllib.parse import unquote_plus

    from phemu.journal import _KEY_PARAMETER
    from phemu.journal import _SECRET_TOKEN
    from phemu.store import mask_key

    def masked_pair(pair: str) -> str:
        # the rule spelled out: names and values decoded, keys masked, changed pairs re-encoded
        raw_name, equals, raw_value = pair.partition("=")
        name, value = unquote_plus(raw_name), unquote_plus(raw_value)
        new_name = _SECRET_TOKEN.sub(lambda m: mask_key(m.group()), name)
        if name == _KEY_PARAMETER and value:
            new_value = mask_key(value)
        else:
            new_value = _SECRET_TOKEN.sub(lambda m: mask_key(m.group()), value)
        if (new_name, new_value) == (name, value):
            return pair
        return quote_plus(new_name, safe="*") + equals + quote_plus(new_value, safe="*")

    expected = "&".join(masked_pair(p) for p in query.split("&")) if query else ""
    assert mask_query(query) == expected
    assert "abcdefghijklmnopqrstuvwxyz" not in mask_query(query)


@pytest.mark.parametrize(
    "value",
    [
        datetime(2026, 6, 15, 10, 0, tzinfo=timezone.utc),
        datetime(2026, 6, 15, 10, 0, 0, 120, tzinfo=timezone.utc),
        datetime(1, 1, 1, tzinfo=timezone.utc),
        datetime(2026, 6, 15, 12, 0, tzinfo=timezone(timedelta(hours=2))),
        datetime(2026, 6, 15, 10, 0, tzinfo=timezone(timedelta(0), "UTC")),
        datetime(2026, 6, 15, 10, 0),
    ],
)
def test_datetimes_format_as_utc_with_z(value: datetime) -> None:
    utc = value.astimezone(timezone.utc) if value.tzinfo else value
    assert format_datetime(value) == utc.replace(tzinfo=None).isoformat() + "Z"
