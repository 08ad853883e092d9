"""``sessions/values`` (docs/sessions.md, "values"): every key class, ordering, post-processing,
bad input."""

from __future__ import annotations

from datetime import datetime
from datetime import timedelta
from datetime import timezone
from urllib.parse import quote

import pytest

from phemu.resources.sessions import value_index as session_values
from phemu.resources.sessions.catalogue import STORED_STRING_KEYS
from tests.conftest import body

BUILTIN = [
    "Cross Network",
    "Paid Search",
    "Paid Social",
    "Paid Video",
    "Paid Shopping",
    "Paid Unknown",
    "Direct",
    "Organic Search",
    "Organic Social",
    "Organic Video",
    "Organic Shopping",
    "Push",
    "SMS",
    "Audio",
    "Email",
    "Referral",
    "Affiliate",
    "Unknown",
]


def get(emulator, query: str, project: int = 1):
    response = emulator.client().get(
        f"/api/projects/{project}/sessions/values/?{query}", headers=emulator.auth_headers
    )
    return response


def names(emulator, key: str, value: str | None = None, project: int = 1) -> list[str]:
    query = "key=" + quote(key, safe="$")
    if value is not None:
        query += "&value=" + quote(value, safe="")
    response = get(emulator, query, project)
    assert response.status_code == 200, response.get_data(as_text=True)
    data = body(response)
    assert list(data) == ["results", "refreshing"]
    assert data["refreshing"] is False
    assert all(list(item) == ["name"] for item in data["results"])
    return [item["name"] for item in data["results"]]


def seed_values(emulator, key: str, values: list) -> None:
    """Sessions whose ``key`` takes ``values`` in newest-first order (one hour apart)."""
    base = datetime(2026, 6, 15, tzinfo=timezone.utc)
    emulator.sessions.add(
        {
            "session_id": f"{key}-{i}",
            "properties": {"$start_timestamp": base + timedelta(hours=len(values) - i), key: value},
        }
        for i, value in enumerate(values)
    )


SPEC_SOURCES = ["google", "youtube", "google", "newsletter", None, "google"]


# -- observed values -------------------------------------------------------------------------------


def test_counts_then_first_occurrence(emulator):
    seed_values(emulator, "$entry_utm_source", SPEC_SOURCES)
    assert names(emulator, "$entry_utm_source") == ["google", "youtube", "newsletter"]


def test_value_is_a_case_insensitive_substring(emulator):
    seed_values(emulator, "$entry_utm_source", SPEC_SOURCES)
    assert names(emulator, "$entry_utm_source", "GOO") == ["google"]
    assert names(emulator, "$entry_utm_source", "o") == ["google", "youtube"]
    assert names(emulator, "$entry_utm_source", "zzz") == []


def test_underscore_and_percent_are_wildcards(emulator):
    seed_values(emulator, "$entry_utm_source", SPEC_SOURCES)
    assert names(emulator, "$entry_utm_source", "o_t") == ["youtube"]
    assert names(emulator, "$entry_utm_source", "g%e") == ["google"]
    assert names(emulator, "$entry_utm_source", "n%s%t") == ["newsletter"]
    assert names(emulator, "$entry_utm_source", "%") == ["google", "youtube", "newsletter"]
    assert names(emulator, "$entry_utm_source", "______") == ["google", "youtube", "newsletter"]
    assert names(emulator, "$entry_utm_source", "_______") == ["youtube", "newsletter"]


def test_backslash_escapes_a_wildcard_as_in_clickhouse(emulator):
    seed_values(emulator, "$entry_utm_campaign", ["spring_sale", "springXsale", "50%off"])
    assert names(emulator, "$entry_utm_campaign", "g_s") == ["spring_sale", "springXsale"]
    assert names(emulator, "$entry_utm_campaign", "g\\_s") == ["spring_sale"]
    assert names(emulator, "$entry_utm_campaign", "0\\%") == ["50%off"]


def test_json_values_are_parsed_spread_and_rendered(emulator):
    seed_values(emulator, "$entry_utm_source", ['["a","b"]', '{"b":1,"a":2}', "true"])
    assert names(emulator, "$entry_utm_source") == ["a", "b", '{"a": 2, "b": 1}', "true"]


@pytest.mark.parametrize(
    ("stored", "rendered"),
    [
        ("1.0", ["1.0"]),
        ("null", ["None"]),
        ("false", ["false"]),
        ("42", ["42"]),
        ('"quoted"', ["quoted"]),
        ("[1, [2, [3]]]", ["1", "2", "3"]),
        ("[true, null, {}]", ["true", "None", "{}"]),
        ("[]", []),
        ("not json", ["not json"]),
        ("NaN", ["nan"]),  # Python's json.loads accepts it, as in PostHog
    ],
)
def test_post_processing(emulator, stored, rendered):
    seed_values(emulator, "$entry_utm_content", [stored])
    assert names(emulator, "$entry_utm_content") == rendered


def test_spreading_can_exceed_twenty_and_duplicate(emulator):
    values = [f'["v{i}", "shared"]' for i in range(25)]
    seed_values(emulator, "$entry_utm_term", values)
    result = names(emulator, "$entry_utm_term")
    assert len(result) == 40
    assert result[:4] == ["v0", "shared", "v1", "shared"]


def test_at_most_twenty_values_most_frequent_first(emulator):
    values = [f"v{i:02d}" for i in range(30) for _ in range(i % 4 + 1)]
    seed_values(emulator, "$entry_utm_content", values)
    result = names(emulator, "$entry_utm_content")
    assert len(result) == 20
    # counts are 4,3,2,1 by i % 4; within a count the newest (smallest i) comes first
    assert result[:8] == ["v03", "v07", "v11", "v15", "v19", "v23", "v27", "v02"]


def test_ties_break_on_session_id_when_start_times_are_equal(emulator):
    emulator.sessions.add(
        [
            {
                "session_id": "a",
                "properties": {"$start_timestamp": "2026-06-15T10:00:00Z", "$entry_gclid": "x"},
            },
            {
                "session_id": "c",
                "properties": {"$start_timestamp": "2026-06-15T10:00:00Z", "$entry_gclid": "z"},
            },
            {
                "session_id": "b",
                "properties": {"$start_timestamp": "2026-06-15T10:00:00Z", "$entry_gclid": "y"},
            },
            {"session_id": "n", "properties": {"$entry_gclid": "no-time"}},
        ]
    )
    # newest first = start time descending, then session id descending; no time sorts oldest
    assert names(emulator, "$entry_gclid") == ["z", "y", "x", "no-time"]


def test_empty_and_null_values_are_not_values(emulator):
    seed_values(emulator, "$entry_utm_medium", ["", None, "cpc"])
    assert names(emulator, "$entry_utm_medium") == ["cpc"]
    # ... but an empty string (possible only in the computed form) matches ILIKE '%%%'
    assert names(emulator, "$entry_utm_medium", "%") == ["", "cpc"]
    assert names(emulator, "$entry_utm_medium", "_") == ["cpc"]


def test_non_string_computed_values_are_indexed_as_json_text(emulator):
    seed_values(emulator, "$entry_utm_source", [["a", "b"], 7, True])
    assert names(emulator, "$entry_utm_source") == ["a", "b", "7", "true"]


# -- key classes -----------------------------------------------------------------------------------


@pytest.mark.parametrize("key", STORED_STRING_KEYS)
def test_every_stored_string_key_answers_observed_values(emulator, key):
    seed_values(emulator, key, ["one", "two", "two"])
    assert names(emulator, key) == ["two", "one"]
    assert names(emulator, key, "ON") == ["one"]


@pytest.mark.parametrize(
    "key",
    [
        "$entry_hostname",
        "$end_hostname",
        "$start_timestamp",
        "$end_timestamp",
        "$pageview_count",
        "$autocapture_count",
        "$screen_count",
        "$session_duration",
        "$vitals_lcp",
        "distinct_id",
        "duration",
        "$exit_current_url",
        "$urls",
        "session_id",
        "nonsense",
        "$entry_utm_sourc",
    ],
)
def test_keys_without_a_stored_column_answer_nothing(emulator, key):
    emulator.sessions.ingest(
        [
            {
                "event": "$pageview",
                "timestamp": "2026-06-15T10:00:00Z",
                "distinct_id": "u1",
                "properties": {"$session_id": "s1", "$current_url": "https://example.com/x"},
            }
        ]
    )
    assert names(emulator, key) == []
    assert names(emulator, key, "e") == []


def test_is_bounce_is_always_one_then_zero(emulator):
    assert names(emulator, "$is_bounce") == ["1", "0"]
    assert names(emulator, "$is_bounce", "zzz") == ["1", "0"]


def test_channel_type_lists_the_built_in_types(emulator):
    assert names(emulator, "$channel_type") == BUILTIN
    assert names(emulator, "$channel_type", "paid") == [c for c in BUILTIN if c.startswith("Paid")]
    assert names(emulator, "$channel_type", "ORGANIC S") == [
        "Organic Search",
        "Organic Social",
        "Organic Shopping",
    ]
    assert names(emulator, "$channel_type", "nothing") == []
    # plain substring here, not a LIKE pattern
    assert names(emulator, "$channel_type", "p_id") == []


def test_custom_channel_types_come_first_unfiltered(emulator):
    emulator.load_seed(
        {
            "projects": [
                {"id": 3, "name": "Custom", "custom_channel_types": ["Partners", "Direct", "Zzz"]}
            ]
        }
    )
    assert names(emulator, "$channel_type", project=3) == [
        "Partners",
        "Direct",
        "Zzz",
        *[c for c in BUILTIN if c != "Direct"],
    ]
    # value filters only the built-in part
    assert names(emulator, "$channel_type", "paid", project=3) == [
        "Partners",
        "Direct",
        "Zzz",
        *[c for c in BUILTIN if c.startswith("Paid")],
    ]


def test_values_are_per_project(emulator):
    emulator.load_seed({"projects": [{"id": 2, "name": "Second"}]})
    emulator.sessions.add(
        [{"session_id": "s1", "properties": {"$entry_utm_source": "one"}}], project=1
    )
    emulator.sessions.add(
        [{"session_id": "s1", "properties": {"$entry_utm_source": "two"}}], project=2
    )
    assert names(emulator, "$entry_utm_source", project=1) == ["one"]
    assert names(emulator, "$entry_utm_source", project=2) == ["two"]


# -- bad input -------------------------------------------------------------------------------------

KEY_NOT_PROVIDED = {
    "type": "validation_error",
    "code": "invalid_input",
    "detail": "Key not provided",
    "attr": None,
}


@pytest.mark.parametrize(
    "query", ["", "value=google", "key=", "key=&value=x", "Key=$entry_utm_source"]
)
def test_missing_key_is_a_400(emulator, query):
    response = get(emulator, query)
    assert response.status_code == 400
    assert body(response) == KEY_NOT_PROVIDED


def test_last_key_wins_like_django(emulator):
    seed_values(emulator, "$entry_utm_source", ["google"])
    assert names(emulator, "$entry_utm_source") == ["google"]
    response = get(emulator, "key=$entry_utm_source&key=")
    assert response.status_code == 400
    assert body(get(emulator, "key=&key=$entry_utm_source"))["results"] == [{"name": "google"}]


def test_empty_value_is_no_filter(emulator):
    seed_values(emulator, "$entry_utm_source", SPEC_SOURCES)
    assert body(get(emulator, "key=$entry_utm_source&value="))["results"] == [
        {"name": "google"},
        {"name": "youtube"},
        {"name": "newsletter"},
    ]
    assert names(emulator, "$channel_type", "") == BUILTIN


def test_huge_value_matches_nothing(emulator):
    seed_values(emulator, "$entry_utm_source", SPEC_SOURCES)
    assert names(emulator, "$entry_utm_source", "g" * 100_000) == []
    assert names(emulator, "$entry_utm_source", "%_" * 20_000) == []


def test_hostile_pattern_is_fast_enough_to_answer(emulator):
    seed_values(emulator, "$entry_current_url", ["a" * 5000])
    assert names(emulator, "$entry_current_url", "%a" * 2000 + "b") == []


def test_no_sessions_no_values(emulator):
    assert names(emulator, "$entry_utm_source") == []
    assert names(emulator, "$entry_utm_source", "x") == []


# -- the 100 000-session window, shrunk so it can be exercised -------------------------------------


def test_only_the_newest_sessions_count(emulator, monkeypatch):
    monkeypatch.setattr(session_values, "WINDOW", 3)
    seed_values(emulator, "$entry_utm_source", ["new", "mid", "old", "oldest"])
    # the oldest session falls outside the window, with or without a search term
    assert names(emulator, "$entry_utm_source") == ["new", "mid", "old"]
    assert names(emulator, "$entry_utm_source", "old") == ["old"]
    # a newer session pushes "old" out and brings its own value in
    emulator.sessions.add(
        [
            {
                "session_id": "newest",
                "properties": {
                    "$start_timestamp": "2026-06-16T00:00:00Z",
                    "$entry_utm_source": "mid",
                },
            }
        ]
    )
    assert names(emulator, "$entry_utm_source") == ["mid", "new"]
    # an old session changes nothing
    emulator.sessions.add(
        [
            {
                "session_id": "ancient",
                "properties": {
                    "$start_timestamp": "2020-01-01T00:00:00Z",
                    "$entry_utm_source": "zzz",
                },
            }
        ]
    )
    assert names(emulator, "$entry_utm_source") == ["mid", "new"]
    # replacing a session with an older one lets the next-newest back in
    emulator.sessions.add(
        [
            {
                "session_id": "newest",
                "properties": {
                    "$start_timestamp": "2019-01-01T00:00:00Z",
                    "$entry_utm_source": "mid",
                },
            }
        ]
    )
    assert names(emulator, "$entry_utm_source") == ["new", "mid", "old"]


def test_replacing_a_session_updates_counts_and_first_occurrence(emulator):
    # a@4h, b@3h, a@2h, b@1h: a tie on counts, broken by the newest occurrence
    seed_values(emulator, "$entry_utm_source", ["a", "b", "a", "b"])
    assert names(emulator, "$entry_utm_source") == ["a", "b"]
    # the newest "a" becomes "c": b=2, then c (4h) before a (2h)
    replace(emulator, "$entry_utm_source-0", "2026-06-15T04:00:00Z", "c")
    assert names(emulator, "$entry_utm_source") == ["b", "c", "a"]
    # the newest "b" becomes an ancient "a": a=2, then c (4h) before b (1h)
    replace(emulator, "$entry_utm_source-1", "2000-01-01T00:00:00Z", "a")
    assert names(emulator, "$entry_utm_source") == ["a", "c", "b"]


def replace(emulator, session_id: str, start: str, source: str) -> None:
    emulator.sessions.add(
        [
            {
                "session_id": session_id,
                "properties": {"$start_timestamp": start, "$entry_utm_source": source},
            }
        ]
    )
