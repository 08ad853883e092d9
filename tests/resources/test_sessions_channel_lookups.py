"""Extending the ``$channel_type`` lookup subset (docs/sessions.md, "Channel lookups: extending the
subset").

Two layers go on top of the shipped subset, later ones winning per value: the
``Emulator(channel_lookups=...)`` option and the ``channel_lookups`` seed key. Derived channels
are asserted on the sessions themselves (``session_properties``), since ``values?key=$channel_type``
only lists names. Seeding lookups re-derives the channel of sessions already built from raw events;
sessions seeded in computed form keep theirs.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from phemu.emulator import Emulator
from phemu.errors import ConfigurationError
from phemu.errors import SeedError
from phemu.resources.sessions.channel_type import BUILTIN_CHANNEL_TYPES
from tests.conftest import body

CHOICES = ", ".join(map(repr, BUILTIN_CHANNEL_TYPES))
MYSEARCH = {"sources": {"mysearch.example": ["Paid Search", "Organic Search"]}}


def pageview(sid: str, **props: Any) -> dict[str, Any]:
    return {
        "project": 1,
        "event": "$pageview",
        "timestamp": "2026-06-15T10:00:00Z",
        "distinct_id": "u1",
        "properties": {"$session_id": sid, **props},
    }


def channel(emulator: Emulator, sid: str, project: int = 1) -> str:
    props = emulator.sessions.properties(sid, project=project)
    assert props is not None, f"session {sid!r} was not seeded"
    return str(props["$channel_type"])


def channels_of(emulator: Emulator, **entries: dict[str, Any]) -> dict[str, str]:
    """Seed one single-pageview session per keyword and return their derived channels."""
    emulator.sessions.ingest([pageview(sid, **props) for sid, props in entries.items()])
    return {sid: channel(emulator, sid) for sid in entries}


def values(emulator: Emulator, key: str) -> list[str]:
    response = emulator.client().get(
        f"/api/projects/1/sessions/values/?key={key}", headers=emulator.auth_headers
    )
    assert response.status_code == 200
    return [r["name"] for r in body(response)["results"]]


MYSEARCH_SESSIONS: dict[str, dict[str, Any]] = {
    "organic": {"utm_source": "mysearch.example", "$referring_domain": "mysearch.example"},
    "paid": {"utm_source": "MySearch.example", "utm_medium": "cpc"},
    "subdomain": {"$referring_domain": "www.mysearch.example"},
    "other": {"$referring_domain": "elsewhere.example"},
}


# -- configuration ---------------------------------------------------------------------------


def test_configured_source_is_looked_up_paid_organic_and_as_a_referring_domain():
    emulator = Emulator(load_entrypoints=False, channel_lookups=MYSEARCH)
    assert channels_of(emulator, **MYSEARCH_SESSIONS) == {
        "organic": "Organic Search",
        "paid": "Paid Search",  # utm values are lower-cased before the lookup
        "subdomain": "Organic Search",  # first label removed, as for shipped domains
        "other": "Referral",
    }


def test_without_the_option_the_same_sessions_fall_back_to_the_shipped_subset():
    emulator = Emulator(load_entrypoints=False)
    assert channels_of(emulator, **MYSEARCH_SESSIONS) == {
        "organic": "Referral",
        "paid": "Paid Unknown",
        "subdomain": "Referral",
        "other": "Referral",
    }


def test_configured_medium_with_no_paid_type():
    emulator = Emulator(
        load_entrypoints=False, channel_lookups={"mediums": {"newsletter-x": [None, "Email"]}}
    )
    assert channels_of(
        emulator,
        organic={"utm_medium": "Newsletter-X", "utm_source": "acme"},
        # paid (gclid): the medium has no paid type, nothing else matches
        paid={"utm_medium": "newsletter-x", "gclid": "g1"},
    ) == {"organic": "Email", "paid": "Paid Unknown"}


def test_an_entry_overrides_the_shipped_value_for_this_emulator_only():
    overridden = Emulator(
        load_entrypoints=False,
        channel_lookups={"sources": {"google": ["Paid Shopping", "Organic Shopping"]}},
    )
    shipped = Emulator(load_entrypoints=False)
    assert channels_of(
        overridden, s={"utm_source": "google"}, p={"utm_source": "google", "utm_medium": "cpc"}
    ) == {
        "s": "Organic Shopping",
        "p": "Paid Shopping",
    }
    # No global state: another emulator (built before or after) keeps the shipped subset.
    assert channels_of(shipped, s={"utm_source": "google"}) == {"s": "Organic Search"}
    assert channels_of(Emulator(load_entrypoints=False), s={"utm_source": "google"}) == {
        "s": "Organic Search"
    }


def test_a_null_type_falls_through_to_the_shorter_domain():
    """PostHog coalesces the lookup of a domain with the lookup of its shorter form."""
    emulator = Emulator(
        load_entrypoints=False,
        channel_lookups={"sources": {"news.google.com": [None, "Organic Social"]}},
    )
    assert channels_of(
        emulator,
        organic={"$referring_domain": "news.google.com"},
        paid={"$referring_domain": "news.google.com", "gclid": "g"},
    ) == {"organic": "Organic Social", "paid": "Paid Search"}


def test_two_nulls_cancel_a_shipped_medium():
    emulator = Emulator(load_entrypoints=False, channel_lookups={"mediums": {"app": [None, None]}})
    entry = {"utm_medium": "app", "$referring_domain": "$direct"}
    assert channels_of(emulator, s=entry) == {"s": "Direct"}  # rule 4's `$direct` fallback
    assert channels_of(Emulator(load_entrypoints=False), s=entry) == {"s": "Referral"}


def test_configured_lookups_survive_reset_and_apply_to_every_project():
    emulator = Emulator(load_entrypoints=False, channel_lookups=MYSEARCH)
    emulator.reset()
    emulator.load_seed({"projects": [{"id": 2, "name": "Second"}]})
    emulator.sessions.ingest(
        [pageview("s2", utm_source="mysearch.example") | {"project": 2}], project=2
    )
    assert channel(emulator, "s2", project=2) == "Organic Search"


def test_configured_lookups_apply_to_the_emulators_own_seeds():
    emulator = Emulator(
        load_entrypoints=False,
        channel_lookups=MYSEARCH,
        seeds=[{"events": [pageview("seeded", utm_source="mysearch.example")]}],
    )
    assert channel(emulator, "seeded") == "Organic Search"


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (
            ["sources"],
            "channel_lookups: must be an object with 'sources' and/or 'mediums', not list",
        ),
        (
            {"sources": {}, "project": 1},
            "channel_lookups: unknown key(s) 'project'; use 'sources' and/or 'mediums' "
            "(lookups apply to every project of the emulator)",
        ),
        (
            {"mediums": [["newsletter-x", None, "Email"]]},
            "channel_lookups.mediums: must be an object mapping a value to "
            "[paid type, organic type]",
        ),
        (
            {"sources": {"MySearch.example": ["Paid Search", "Organic Search"]}},
            "channel_lookups.sources: key 'MySearch.example' must be a non-empty lower-case "
            "string (the rules look up lower-cased utm_source / utm_medium values)",
        ),
        (
            {"sources": {"": [None, "Referral"]}},
            "channel_lookups.sources: key '' must be a non-empty lower-case string (the rules "
            "look up lower-cased utm_source / utm_medium values)",
        ),
        (
            {"mediums": {"newsletter-x": "Email"}},
            "channel_lookups.mediums['newsletter-x']: must be [paid type, organic type] "
            "(either may be null), not 'Email'",
        ),
        (
            {"mediums": {"newsletter-x": [None, "Email", "SMS"]}},
            "channel_lookups.mediums['newsletter-x']: must be [paid type, organic type] "
            "(either may be null), not [None, 'Email', 'SMS']",
        ),
        (
            {"sources": {"mysearch.example": ["Paid Serch", "Organic Search"]}},
            "channel_lookups.sources['mysearch.example']: 'Paid Serch' is not a built-in "
            f"channel type; use null or one of {CHOICES}",
        ),
        (
            {"mediums": {"newsletter-x": [None, "Newsletter"]}},
            "channel_lookups.mediums['newsletter-x']: 'Newsletter' is not a built-in channel "
            f"type; use null or one of {CHOICES}",
        ),
        (
            {"mediums": {"newsletter-x": [None, 7]}},
            "channel_lookups.mediums['newsletter-x']: 7 is not a built-in channel type; use "
            f"null or one of {CHOICES}",
        ),
    ],
)
def test_bad_configuration_is_a_clear_error(option: Any, message: str):
    with pytest.raises(ConfigurationError) as caught:
        Emulator(load_entrypoints=False, channel_lookups=option)
    assert str(caught.value) == message


def test_the_option_is_not_a_plugin_option():
    """The sessions resource takes it (its ``phemu_configure``), even with no plugin loaded."""
    emulator = Emulator(load_entrypoints=False, channel_lookups={})
    assert "channel_lookups" not in emulator.extensions
    assert not emulator.sessions.configured


# -- seeds -------------------------------------------------------------------------------------


def test_seeded_lookups_apply_to_events_of_the_same_document_and_later_ones(emulator):
    emulator.load_seed(
        {
            "events": [pageview("same-doc", utm_source="mysearch.example")],
            "channel_lookups": [MYSEARCH, {"mediums": {"newsletter-x": [None, "Email"]}}],
        }
    )
    emulator.sessions.ingest([pageview("later", utm_medium="newsletter-x")])
    assert channel(emulator, "same-doc") == "Organic Search"
    assert channel(emulator, "later") == "Email"


def test_seeding_lookups_re_derives_sessions_built_from_events(emulator):
    emulator.sessions.ingest(
        [pageview("e1", utm_source="mysearch.example"), pageview("e2", utm_source="google")]
    )
    emulator.sessions.add(
        [{"session_id": "c1", "properties": {"$entry_utm_source": "mysearch.example"}}]
    )
    assert channel(emulator, "e1") == "Unknown"  # no referring domain
    before = values(emulator, "$entry_utm_source")
    emulator.load_seed({"channel_lookups": [MYSEARCH]})
    assert channel(emulator, "e1") == "Organic Search"
    assert channel(emulator, "e2") == "Organic Search"
    # Computed-form sessions are stored as given: their channel is not recomputed.
    assert emulator.sessions.properties("c1")["$channel_type"] is None
    # Re-deriving the channel leaves the value index of stored keys as it was.
    assert values(emulator, "$entry_utm_source") == before
    assert sorted(before) == ["google", "mysearch.example"]


def test_seeded_entries_win_over_configuration_and_later_records_over_earlier_ones():
    emulator = Emulator(load_entrypoints=False, channel_lookups=MYSEARCH)
    emulator.sessions.ingest([pageview("s", utm_source="mysearch.example")])
    emulator.load_seed(
        {
            "channel_lookups": [
                {"sources": {"mysearch.example": ["Paid Video", "Organic Video"]}},
                {"sources": {"mysearch.example": ["Paid Social", "Organic Social"]}},
            ]
        }
    )
    assert channel(emulator, "s") == "Organic Social"


def test_seeded_lookups_are_state_reset_drops_them(emulator):
    emulator.load_seed({"channel_lookups": [MYSEARCH]})
    emulator.reset()
    assert channels_of(emulator, s={"utm_source": "mysearch.example"}) == {"s": "Unknown"}


def test_lookups_never_add_names_to_the_channel_type_values():
    emulator = Emulator(load_entrypoints=False, channel_lookups=MYSEARCH)
    emulator.load_seed({"channel_lookups": [{"mediums": {"newsletter-x": [None, "Email"]}}]})
    assert values(emulator, "$channel_type") == list(BUILTIN_CHANNEL_TYPES)


@pytest.mark.parametrize(
    ("records", "message"),
    [
        (
            [MYSEARCH, {"mediums": {"newsletter-x": [None, "Newsletter"]}}],
            "channel_lookups[1].mediums['newsletter-x']: 'Newsletter' is not a built-in "
            f"channel type; use null or one of {CHOICES}",
        ),
        (
            [{"project": 1, "sources": {}}],
            "channel_lookups[0]: unknown key(s) 'project'; use 'sources' and/or 'mediums' "
            "(lookups apply to every project of the emulator)",
        ),
        (
            [{"sources": {"x.example": ["Paid Search"]}}],
            "channel_lookups[0].sources['x.example']: must be [paid type, organic type] "
            "(either may be null), not ['Paid Search']",
        ),
    ],
)
def test_a_bad_record_names_itself_and_loads_nothing(emulator, records, message):
    emulator.sessions.ingest([pageview("s", utm_source="mysearch.example")])
    with pytest.raises(SeedError) as caught:
        emulator.load_seed(
            {"channel_lookups": records, "events": [pageview("t", utm_source="mysearch.example")]}
        )
    assert str(caught.value) == message
    assert emulator.sessions.properties("t") is None
    assert channel(emulator, "s") == "Unknown"
    assert emulator.export_state()["channel_lookups"] == []


def test_a_failing_later_section_rolls_the_lookups_and_the_re_derivation_back(emulator):
    emulator.sessions.ingest([pageview("s", utm_source="mysearch.example")])
    with pytest.raises(SeedError):
        emulator.load_seed(
            {"channel_lookups": [MYSEARCH], "events": [pageview("t") | {"timestamp": "later"}]}
        )
    assert channel(emulator, "s") == "Unknown"
    assert emulator.export_state()["channel_lookups"] == []


def test_control_plane_seed(emulator):
    emulator.sessions.ingest([pageview("s", utm_source="mysearch.example")])
    client = emulator.client()
    response = client.post(
        "/_phemu/seed",
        data=json.dumps({"channel_lookups": [MYSEARCH]}),
        content_type="application/json",
    )
    assert response.status_code == 200
    assert channel(emulator, "s") == "Organic Search"
    bad = client.post(
        "/_phemu/seed",
        data=json.dumps({"channel_lookups": [{"sources": {"x.example": "Email"}}]}),
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert body(bad) == {
        "error": "channel_lookups[0].sources['x.example']: must be [paid type, organic type] "
        "(either may be null), not 'Email'"
    }


# -- export ------------------------------------------------------------------------------------


def test_export_holds_the_seeded_entries_and_round_trips():
    configured = {"mediums": {"newsletter-x": [None, "Email"]}}
    emulator = Emulator(load_entrypoints=False, channel_lookups=configured)
    emulator.load_seed(
        {
            "channel_lookups": [
                MYSEARCH,
                {"sources": {"mysearch.example": [None, "Organic Video"]}},
                {"mediums": {"app": [None, None]}},
            ]
        }
    )
    emulator.sessions.ingest(
        [
            pageview("s", utm_source="mysearch.example", utm_medium="newsletter-x"),
            pageview("a", utm_medium="app", **{"$referring_domain": "$direct"}),
        ]
    )
    state = emulator.export_state()
    # Only the seeded layer is state; the configured one is re-applied by whoever builds
    # the emulator that imports the file.
    assert state["channel_lookups"] == [
        {
            "sources": {"mysearch.example": [None, "Organic Video"]},
            "mediums": {"app": [None, None]},
        }
    ]
    again = Emulator(load_entrypoints=False, default_seed=False, channel_lookups=configured)
    again.import_state(json.loads(json.dumps(state)))
    for sid, expected in (("s", "Organic Video"), ("a", "Direct")):
        assert channel(again, sid) == expected
        assert again.sessions.properties(sid) == emulator.sessions.properties(sid)
    assert again.export_state() == state


def test_export_without_seeded_lookups_is_an_empty_list():
    emulator = Emulator(load_entrypoints=False, channel_lookups=MYSEARCH)
    assert emulator.export_state()["channel_lookups"] == []


@pytest.mark.phemu(channel_lookups=MYSEARCH)
def test_the_pytest_marker_passes_the_option(posthog_emulator):
    assert channels_of(posthog_emulator, s={"utm_source": "mysearch.example"}) == {
        "s": "Organic Search"
    }
