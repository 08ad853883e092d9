"""Deriving v2 session properties from raw events (``posthog/models/raw_sessions/sessions_v2.py``)
and channel types (``posthog/hogql/database/schema/channel_type.py``)."""

from __future__ import annotations

from typing import Any

import pytest

from phemu.resources.sessions.channel_type import ChannelInputs
from phemu.resources.sessions.channel_type import channel_type
from phemu.resources.sessions.channel_type import is_shopping_campaign
from tests.conftest import body


def event(
    name: str, ts: str, uuid: str | None = None, sid: str = "s1", **props: Any
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "event": name,
        "timestamp": ts,
        "distinct_id": props.pop("distinct_id", "u1"),
        "properties": {"$session_id": sid, **props},
    }
    if uuid is not None:
        record["uuid"] = uuid
    return record


def derived(emulator, events: list[dict[str, Any]], sid: str = "s1") -> dict[str, Any]:
    emulator.sessions.ingest(events)
    found = emulator.sessions.properties(sid)
    assert found is not None
    return found


SPEC_EXAMPLE = [
    event(
        "$pageview",
        "2026-06-15T10:00:00Z",
        "e1",
        **{
            "$current_url": "https://example.com/pricing?plan=pro",
            "$referring_domain": "www.google.com",
            "$referrer": "https://www.google.com/",
            "utm_source": "google",
            "utm_medium": "cpc",
            "utm_campaign": "spring",
            "gclid": "abc",
        },
    ),
    event(
        "$autocapture",
        "2026-06-15T10:00:05Z",
        "e2",
        **{"$current_url": "https://example.com/pricing?plan=pro"},
    ),
    event(
        "$pageview", "2026-06-15T10:02:30Z", "e3", **{"$current_url": "https://example.com/signup"}
    ),
]


def test_the_reference_example(emulator):
    props = derived(emulator, SPEC_EXAMPLE)
    assert props["$start_timestamp"] == "2026-06-15T10:00:00Z"
    assert props["$end_timestamp"] == "2026-06-15T10:02:30Z"
    assert props["$entry_current_url"] == "https://example.com/pricing?plan=pro"
    assert props["$entry_pathname"] == "/pricing"
    assert props["$entry_hostname"] == "example.com"
    assert props["$end_current_url"] == "https://example.com/signup"
    assert props["$end_pathname"] == "/signup"
    assert props["$end_hostname"] == "example.com"
    assert props["$entry_referring_domain"] == "www.google.com"
    assert "$entry_referrer" not in props  # not a v2 session property (sessions_v2.py)
    assert props["$entry_utm_source"] == "google"
    assert props["$entry_utm_medium"] == "cpc"
    assert props["$entry_utm_campaign"] == "spring"
    assert props["$entry_utm_term"] is None
    assert props["$entry_gclid"] == "abc"
    assert props["$pageview_count"] == 2
    assert props["$autocapture_count"] == 1
    assert props["$screen_count"] == 0
    assert props["$session_duration"] == 150
    assert props["$is_bounce"] is False
    assert props["$channel_type"] == "Paid Search"
    assert props["$last_external_click_url"] is None
    assert props["$vitals_lcp"] is None
    assert props["distinct_id"] == "u1"


def test_the_reference_example_through_values(emulator):
    emulator.sessions.ingest(SPEC_EXAMPLE)
    client, headers = emulator.client(), emulator.auth_headers
    expected = {
        "$entry_current_url": "https://example.com/pricing?plan=pro",
        "$entry_pathname": "/pricing",
        "$end_current_url": "https://example.com/signup",
        "$end_pathname": "/signup",
        "$entry_referring_domain": "www.google.com",
        "$entry_utm_source": "google",
        "$entry_utm_medium": "cpc",
        "$entry_utm_campaign": "spring",
        "$entry_gclid": "abc",
    }
    for key, value in expected.items():
        response = client.get(f"/api/projects/1/sessions/values/?key={key}", headers=headers)
        assert body(response)["results"] == [{"name": value}], key
    # ``$entry_referrer``: the events carry ``$referrer``, but PostHog's v2 sessions table has no
    # such property (posthog/hogql/database/schema/sessions_v2.py), so there is nothing to list.
    for key in ("$entry_utm_term", "$last_external_click_url", "$entry_fbclid", "$entry_referrer"):
        response = client.get(f"/api/projects/1/sessions/values/?key={key}", headers=headers)
        assert body(response)["results"] == [], key


def test_direct_single_pageview_bounce(emulator):
    props = derived(
        emulator,
        [
            event(
                "$pageview",
                "2026-06-15T10:00:00Z",
                "e1",
                **{"$referring_domain": "$direct", "$current_url": "https://example.com"},
            )
        ],
    )
    assert props["$session_duration"] == 0
    assert props["$is_bounce"] is True
    assert props["$channel_type"] == "Direct"
    assert props["$entry_referring_domain"] == "$direct"
    # a URL without a path has an empty path, treated as null
    assert props["$entry_pathname"] is None
    assert props["$entry_hostname"] == "example.com"


@pytest.mark.parametrize(
    ("events", "bounce"),
    [
        ([("$pageview", "10:00:00"), ("$pageleave", "10:00:09")], True),  # 9 s
        ([("$pageview", "10:00:00"), ("$pageleave", "10:00:10")], False),  # 10 s is not a bounce
        ([("$pageview", "10:00:00.900"), ("$pageleave", "10:00:10.100")], False),  # whole seconds
        ([("$pageview", "10:00:00.100"), ("$pageleave", "10:00:09.999")], True),
        ([("$pageview", "10:00:00"), ("$pageview", "10:00:01")], False),  # two pageviews
        ([("$pageview", "10:00:00"), ("$autocapture", "10:00:01")], False),  # an autocapture
        ([("$autocapture", "10:00:00"), ("$pageleave", "10:00:01")], None),  # no pageview
        ([("$screen", "10:00:00")], None),
    ],
)
def test_bounce(emulator, events, bounce):
    records = [event(name, f"2026-06-15T{t}Z", f"e{i}") for i, (name, t) in enumerate(events)]
    assert derived(emulator, records)["$is_bounce"] is bounce


def test_duration_truncates_each_timestamp_to_the_second(emulator):
    props = derived(
        emulator,
        [
            event("$pageview", "2026-06-15T10:00:00.900Z", "a"),
            event("$pageleave", "2026-06-15T10:00:01.100Z", "b"),
        ],
    )
    assert props["$session_duration"] == 1
    assert props["$start_timestamp"] == "2026-06-15T10:00:00.900000Z"


def test_counts_are_distinct_uuids_and_events_without_uuid_count_once_each(emulator):
    props = derived(
        emulator,
        [
            event("$pageview", "2026-06-15T10:00:00Z", "p1"),
            event("$pageview", "2026-06-15T10:00:01Z", "p1"),  # duplicate delivery
            event("$pageview", "2026-06-15T10:00:02Z"),
            event("$pageview", "2026-06-15T10:00:03Z"),
            event("$autocapture", "2026-06-15T10:00:04Z", "a1"),
            event("$screen", "2026-06-15T10:00:05Z", "s1"),
            event("$screen", "2026-06-15T10:00:06Z", "s2"),
            event("custom", "2026-06-15T10:00:07Z", "c1"),
        ],
    )
    assert (props["$pageview_count"], props["$autocapture_count"], props["$screen_count"]) == (
        3,
        1,
        2,
    )


def test_first_and_last_event_win_even_without_the_property(emulator):
    props = derived(
        emulator,
        [
            event(
                "$pageview",
                "2026-06-15T10:00:05Z",
                "b",
                utm_source="late",
                **{"$current_url": "https://b.example.com/b"},
            ),
            event("$identify", "2026-06-15T10:00:00Z", "a"),  # first, no URL, no UTM
            event(
                "$pageview",
                "2026-06-15T10:00:09Z",
                "c",
                **{"$external_click_url": "https://out.example.com"},
            ),
        ],
    )
    assert props["$entry_current_url"] is None
    assert props["$entry_pathname"] is None
    assert props["$entry_hostname"] is None
    assert props["$entry_utm_source"] is None
    assert props["$end_current_url"] is None
    assert props["$last_external_click_url"] == "https://out.example.com"
    assert props["$channel_type"] == "Unknown"


def test_equal_timestamps_keep_seed_order(emulator):
    props = derived(
        emulator,
        [
            event("$pageview", "2026-06-15T10:00:00Z", "a", utm_source="first", distinct_id="d1"),
            event("$pageview", "2026-06-15T10:00:00Z", "b", utm_source="second", distinct_id="d2"),
        ],
    )
    assert props["$entry_utm_source"] == "first"
    assert props["distinct_id"] == "d2"


@pytest.mark.parametrize("empty", ["", "null", None])
def test_empty_and_null_strings_are_null(emulator, empty):
    props = derived(
        emulator,
        [
            event(
                "$pageview",
                "2026-06-15T10:00:00Z",
                "a",
                utm_source=empty,
                gclid=empty,
                **{"$referring_domain": empty},
            )
        ],
    )
    assert props["$entry_utm_source"] is None
    assert props["$entry_gclid"] is None
    assert props["$entry_referring_domain"] is None


def test_every_utm_and_click_id_of_the_first_event(emulator):
    ids = [
        "gclid",
        "gad_source",
        "gclsrc",
        "dclid",
        "gbraid",
        "wbraid",
        "fbclid",
        "msclkid",
        "twclid",
        "li_fat_id",
        "mc_cid",
        "igshid",
        "ttclid",
        "_kx",
        "irclid",
    ]
    utm = {f"utm_{p}": f"{p}-value" for p in ("source", "campaign", "medium", "term", "content")}
    first = event("$pageview", "2026-06-15T10:00:00Z", "a", **utm, **{i: f"{i}-value" for i in ids})
    later = event(
        "$pageview", "2026-06-15T10:00:01Z", "b", **{i: "later" for i in ids}, utm_source="later"
    )
    props = derived(emulator, [first, later])
    for click_id in ids:
        assert props[f"$entry_{click_id}"] == f"{click_id}-value"
    for parameter in ("source", "campaign", "medium", "term", "content"):
        assert props[f"$entry_utm_{parameter}"] == f"{parameter}-value"


def test_urls_lose_port_credentials_query_and_fragment(emulator):
    props = derived(
        emulator,
        [
            event(
                "$pageview",
                "2026-06-15T10:00:00Z",
                "a",
                **{"$current_url": "https://user:pw@Shop.Example.com:8443/a/b?x=1#top"},
            ),
            event(
                "$pageview",
                "2026-06-15T10:00:01Z",
                "b",
                **{"$current_url": "http://localhost:3000/"},
            ),
        ],
    )
    assert props["$entry_hostname"] == "shop.example.com"
    assert props["$entry_pathname"] == "/a/b"
    assert props["$end_hostname"] == "localhost"
    assert props["$end_pathname"] == "/"


def test_vitals_lcp_is_the_earliest_numeric_value(emulator):
    props = derived(
        emulator,
        [
            event("$pageview", "2026-06-15T10:00:00Z", "a"),
            event("$web_vitals", "2026-06-15T10:00:01Z", "b", **{"$web_vitals_LCP_value": "fast"}),
            event("$web_vitals", "2026-06-15T10:00:02Z", "c", **{"$web_vitals_LCP_value": 1234}),
            event("$web_vitals", "2026-06-15T10:00:03Z", "d", **{"$web_vitals_LCP_value": 99.5}),
        ],
    )
    assert props["$vitals_lcp"] == 1234.0
    assert isinstance(props["$vitals_lcp"], float)


def test_adding_events_later_derives_the_session_again(emulator):
    derived(emulator, [event("$pageview", "2026-06-15T10:00:05Z", "b", utm_source="second")])
    props = derived(
        emulator,
        [
            event(
                "$pageview",
                "2026-06-15T10:00:00Z",
                "a",
                utm_source="first",
                **{"$referring_domain": "$direct"},
            )
        ],
    )
    assert props["$entry_utm_source"] == "first"
    assert props["$pageview_count"] == 2
    assert props["$start_timestamp"] == "2026-06-15T10:00:00Z"
    response = emulator.client().get(
        "/api/projects/1/sessions/values/?key=$entry_utm_source", headers=emulator.auth_headers
    )
    assert body(response)["results"] == [{"name": "first"}]


def test_non_string_properties_keep_their_json_text(emulator):
    props = derived(
        emulator,
        [event("$pageview", "2026-06-15T10:00:00Z", "a", utm_source=42, utm_term=["a", "b"])],
    )
    assert props["$entry_utm_source"] == "42"
    assert props["$entry_utm_term"] == '["a","b"]'


# -- channel types (docs/sessions.md) --------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        # the rules' documented examples
        ({"utm_source": "google", "utm_medium": "cpc"}, "Paid Search"),
        ({"gclid": "abc", "$referring_domain": "$direct"}, "Paid Unknown"),
        ({"gad_source": "1", "$referring_domain": "$direct"}, "Paid Search"),
        ({"utm_campaign": "black-friday-shopping", "utm_medium": "paid_social"}, "Paid Shopping"),
        (
            {
                "utm_source": "facebook",
                "utm_medium": "social",
                "$referring_domain": "l.facebook.com",
            },
            "Organic Social",
        ),
        ({"utm_medium": "email"}, "Email"),
        ({"$referring_domain": "$direct"}, "Direct"),
        ({"$referring_domain": "blog.example.org"}, "Referral"),
        ({}, "Unknown"),
        ({"utm_campaign": "spring-cross-network"}, "Cross Network"),
        # more of the rules
        ({"$referring_domain": "www.google.com"}, "Organic Search"),
        ({"$referring_domain": "www.google.com", "utm_source": "Google"}, "Organic Search"),
        ({"$referring_domain": "duckduckgo.com"}, "Organic Search"),
        ({"utm_source": "bing", "utm_medium": "PPC"}, "Paid Search"),
        ({"utm_source": "newsletter", "utm_medium": "E-Mail"}, "Email"),
        ({"utm_source": "youtube", "utm_medium": "video"}, "Organic Video"),
        ({"utm_medium": "paid-video"}, "Paid Unknown"),
        ({"utm_medium": "cpv", "utm_campaign": "launch-video"}, "Paid Video"),
        ({"utm_medium": "cpc", "$referring_domain": "www.instagram.com"}, "Paid Social"),
        ({"fbclid": "x", "$referring_domain": "$direct"}, "Organic Social"),
        ({"fbclid": "x", "utm_medium": "cpc"}, "Paid Social"),
        ({"utm_source": "direct", "$referring_domain": "$direct"}, "Direct"),
        ({"utm_source": "(direct)", "$referring_domain": "$direct"}, "Direct"),
        ({"utm_source": "somewhere", "$referring_domain": "$direct"}, "Direct"),
        ({"utm_medium": "web-push"}, "Push"),
        ({"utm_medium": "partnership"}, "Affiliate"),
        ({"utm_medium": "audio"}, "Audio"),
        ({"utm_campaign": "eshop-summer"}, "Organic Shopping"),
        ({"utm_source": "amazon"}, "Organic Shopping"),
        ({"utm_source": "amazon", "utm_medium": "retargeting"}, "Paid Shopping"),
        ({"utm_source": "null", "utm_medium": "", "$referring_domain": "$direct"}, "Direct"),
        ({"gad_source": "5"}, "Paid Unknown"),
    ],
)
def test_channel_type(emulator, entry, expected):
    record = event("$pageview", "2026-06-15T10:00:00Z", "a", **entry)
    assert derived(emulator, [record])["$channel_type"] == expected


@pytest.mark.parametrize(
    ("campaign", "shopping"),
    [
        ("black-friday-shopping", True),
        ("shop-now", True),
        ("eshop", True),
        ("summer-shop", True),
        ("1shop", True),
        ("workshop", False),
        ("bishop", False),
        ("shopping", True),
        (None, False),
    ],
)
def test_shopping_campaigns(campaign, shopping):
    assert is_shopping_campaign(campaign) is shopping


def test_lookup_strips_labels_while_two_remain():
    assert channel_type(ChannelInputs(referring_domain="a.b.l.facebook.com")) == "Organic Social"
    assert channel_type(ChannelInputs(referring_domain="google")) == "Organic Search"
    # only the source table knows domains, and only while two labels remain
    assert channel_type(ChannelInputs(referring_domain="foo.co")) == "Referral"
    assert channel_type(ChannelInputs(referring_domain="WWW.GOOGLE.COM")) == "Referral"


def test_computed_sessions_keep_any_channel_type(emulator):
    emulator.sessions.add(
        [
            {
                "session_id": "c1",
                "properties": {"$channel_type": "Made Up", "$entry_utm_source": "google"},
            }
        ]
    )
    props = emulator.sessions.properties("c1")
    assert props["$channel_type"] == "Made Up"
    assert props["$pageview_count"] is None
