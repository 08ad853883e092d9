"""Error bodies byte for byte and request-body parsing (``exceptions_hog/handler.py``,
``rest_framework/parsers.py``)."""

from __future__ import annotations

import pytest

from phemu.errors import Msg
from tests.conftest import body


def post(widgets, data, content_type, headers=None):
    return widgets.client().post(
        "/api/projects/1/widgets/",
        data=data,
        headers={**widgets.auth_headers, **(headers or {})},
        content_type=content_type,
    )


@pytest.mark.parametrize(
    ("raw", "detail"),
    [
        ("", None),
        (
            "{",
            "JSON parse error - Expecting property name enclosed in double quotes: line 1 column 2 (char 1)",
        ),
        ("nope", "JSON parse error - Expecting value: line 1 column 1 (char 0)"),
        ('{"a": NaN}', "JSON parse error - Out of range float values are not JSON compliant: NaN"),
    ],
)
def test_json_parse_errors(widgets, raw, detail):
    response = post(widgets, raw, "application/json")
    if detail is None:
        assert response.status_code == 201
        assert body(response)["received"] == {}
    else:
        assert response.status_code == 400
        assert body(response) == {
            "type": "invalid_request",
            "code": "parse_error",
            "detail": detail,
            "attr": None,
        }


def test_json_with_charset_parameter(widgets):
    response = post(widgets, '{"a": "é"}'.encode(), "application/json; charset=utf-8")
    assert body(response)["received"] == {"a": "é"}


@pytest.mark.parametrize(
    ("raw", "detail"),
    [
        ("null", "No data provided"),
        ("[1, 2]", "Invalid data. Expected a dictionary, but got list."),
        ('"text"', "Invalid data. Expected a dictionary, but got str."),
        ("3", "Invalid data. Expected a dictionary, but got int."),
        ("true", "Invalid data. Expected a dictionary, but got bool."),
    ],
)
def test_non_object_json(widgets, raw, detail):
    response = post(widgets, raw, "application/json")
    assert response.status_code == 400
    code = "null" if raw == "null" else "invalid_input"
    assert body(response) == {
        "type": "validation_error",
        "code": code,
        "detail": detail,
        "attr": None,
    }


def test_unsupported_media_type_echoes_the_content_type(widgets):
    response = post(widgets, "a=1", "text/plain")
    assert response.status_code == 415
    assert response.data == (
        b'{"type":"invalid_request","code":"unsupported_media_type",'
        b'"detail":"Unsupported media type \\"text/plain\\" in request.","attr":null}'
    )


def test_body_without_content_type_is_415_with_empty_type(widgets):
    response = widgets.client().post(
        "/api/projects/1/widgets/", data=b"abc", headers=widgets.auth_headers
    )
    # werkzeug's test client sends no Content-Type for raw bytes.
    assert response.status_code == 415
    assert body(response)["detail"] == 'Unsupported media type "" in request.'


def test_json_only_routes_refuse_forms(widgets):
    response = widgets.client().post(
        "/api/projects/1/jsononly/", data={"a": "1"}, headers=widgets.auth_headers
    )
    assert response.status_code == 415
    assert body(response)["detail"].startswith(
        'Unsupported media type "application/x-www-form-urlencoded'
    )


def test_multipart_form(widgets):
    response = widgets.client().post(
        "/api/projects/1/widgets/",
        data={"a": "1", "b": "2"},
        content_type="multipart/form-data",
        headers=widgets.auth_headers,
    )
    assert body(response)["received"] == {"a": "1", "b": "2"}


def test_handler_crash_is_posthog_500_and_recorded(widgets):
    response = widgets.client().get("/api/projects/1/boom/", headers=widgets.auth_headers)
    assert response.status_code == 500
    assert response.data == (
        b'{"type":"server_error","code":"error","detail":"A server error occurred.","attr":null}'
    )
    entry = widgets.requests(path="/api/projects/1/boom/")[0]
    assert "widget exploded" in (entry.error or "")
    with pytest.raises(AssertionError, match="widget exploded"):
        widgets.check()
    widgets.check()  # reported once


def test_messages_live_in_one_table():
    assert Msg.NOT_FOUND == "Not found."
    assert Msg.THROTTLED.format(wait=1, unit="second").endswith("in 1 second.")


def test_head_has_get_status_and_headers_without_body(widgets):
    client = widgets.client()
    get = client.get("/api/projects/1/widgets/", headers=widgets.auth_headers)
    head = client.head("/api/projects/1/widgets/", headers=widgets.auth_headers)
    assert head.status_code == get.status_code == 200
    assert head.data == b""
    assert head.headers["Allow"] == get.headers["Allow"]


def test_options_describes_the_route(widgets):
    response = widgets.client().options("/api/projects/1/widgets/", headers=widgets.auth_headers)
    data = body(response)
    assert response.status_code == 200
    assert data["renders"] == ["application/json"]
    assert "multipart/form-data" in data["parses"]


def test_reason_phrases_are_title_case_as_django_sends_them(widgets):
    client = widgets.client()
    assert client.get("/api/projects/1/widgets/").status == "401 Unauthorized"
    deleted = client.delete("/api/projects/1/widgets/1/", headers=widgets.auth_headers)
    assert deleted.status == "405 Method Not Allowed"
