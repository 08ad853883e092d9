"""DRF limit/offset pagination and its link rules (``rest_framework/pagination.py``), with worked
examples."""

from __future__ import annotations

import pytest

from tests.conftest import body

BASE = "http://testserver/api/projects/1/widgets/"


def page(widgets, query: str, n: int = 7):
    sep = "&" if query else ""
    response = widgets.client().get(
        f"/api/projects/1/widgets/?{query}{sep}n={n}",
        headers=widgets.auth_headers,
        base_url="http://testserver",
    )
    return body(response)


def strip_n(link):
    # The test route takes its size from ?n=, which is kept (sorted) in links like any parameter.
    return (
        None if link is None else link.replace("&n=7", "").replace("?n=7&", "?").replace("?n=7", "")
    )


@pytest.mark.parametrize(
    ("query", "next_", "previous", "ids"),
    [
        ("", None, None, [1, 2, 3, 4, 5, 6, 7]),
        ("limit=2", f"{BASE}?limit=2&offset=2", None, [1, 2]),
        ("limit=2&offset=2", f"{BASE}?limit=2&offset=4", f"{BASE}?limit=2", [3, 4]),
        ("offset=3&limit=2", f"{BASE}?limit=2&offset=5", f"{BASE}?limit=2&offset=1", [4, 5]),
        ("limit=2&offset=1", f"{BASE}?limit=2&offset=3", f"{BASE}?limit=2", [2, 3]),
        ("limit=2&offset=6", None, f"{BASE}?limit=2&offset=4", [7]),
        ("limit=10&offset=50", None, f"{BASE}?limit=10&offset=40", []),
        ("limit=0", None, None, [1, 2, 3, 4, 5, 6, 7]),
        ("limit=-3&offset=-2", None, None, [1, 2, 3, 4, 5, 6, 7]),
        ("limit=abc&offset=x", None, None, [1, 2, 3, 4, 5, 6, 7]),
    ],
)
def test_worked_examples(widgets, query, next_, previous, ids):
    data = page(widgets, query)
    assert list(data) == ["count", "next", "previous", "results"]
    assert data["count"] == 7
    assert strip_n(data["next"]) == next_
    assert strip_n(data["previous"]) == previous
    assert [item["id"] for item in data["results"]] == ids


def test_other_parameters_are_kept_and_sorted(widgets):
    data = page(widgets, "search=a+b&limit=2", n=3)
    assert data["next"] == f"{BASE}?limit=2&n=3&offset=2&search=a+b"
    assert data["previous"] is None


def test_blank_and_repeated_parameters_are_kept(widgets):
    data = page(widgets, "z=&tag=b&tag=a&limit=1&deleted=true", n=3)
    assert data["next"] == f"{BASE}?deleted=true&limit=1&n=3&offset=1&tag=b&tag=a&z="


def test_default_limit_is_100_without_maximum(widgets):
    data = page(widgets, "", n=250)
    assert len(data["results"]) == 100
    assert data["next"] == f"{BASE}?limit=100&n=250&offset=100"
    assert len(page(widgets, "limit=1000", n=250)["results"]) == 250


def test_links_follow_the_host_and_prefix_as_requested(widgets):
    response = widgets.client().get(
        "/api/environments/1/widgets/?limit=2",
        headers=widgets.auth_headers,
        base_url="https://us.posthog.com",
    )
    assert (
        body(response)["next"]
        == "https://us.posthog.com/api/environments/1/widgets/?limit=2&offset=2"
    )
