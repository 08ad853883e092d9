"""PostHog's own Python SDK (``posthog``, pinned in the test extra) against phemu.

The SDK is driven exactly as an instrumented application drives it: capture, identify-style
person calls, remote (``/flags``) and local (definitions) flag evaluation, flush and shutdown;
once through the in-process ``requests`` door and once over HTTP against the live server.
"""

from __future__ import annotations

from typing import Any

import pytest
from posthog import Posthog

from phemu.emulator import Emulator

pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),  # get_feature_flag & co.
    pytest.mark.timeout(60),
]

TOKEN = "phc_phemuDefaultProjectToken0000000000000000000"
VARIANTS = {
    "variants": [
        {"key": "control", "rollout_percentage": 50},
        {"key": "test", "rollout_percentage": 50},
    ]
}
PRO_ONLY = {
    "groups": [
        {
            "properties": [{"key": "plan", "type": "person", "value": "pro"}],
            "rollout_percentage": 100,
        }
    ],
    "payloads": {"true": '{"discount": 20}'},
}


def seed_flags(emulator: Emulator) -> None:
    emulator.feature_flags.create(key="pro-checkout", filters=PRO_ONLY)
    emulator.feature_flags.create(
        key="pricing-test",
        filters={
            "groups": [{"properties": [], "rollout_percentage": 100}],
            "multivariate": VARIANTS,
        },
    )


def client_for(host: str, *, secret: str | None = None, **options: Any) -> Posthog:
    return Posthog(
        TOKEN,
        host=host,
        personal_api_key=secret,
        poll_interval=3600,
        feature_flags_request_timeout_seconds=5,
        **options,
    )


def test_capture_set_alias_flush_and_shutdown(mocked: Emulator) -> None:
    ph = client_for("https://us.i.posthog.com", flush_at=100)
    ph.capture("signup_completed", distinct_id="anon-1", properties={"plan": "pro"})
    ph.set(distinct_id="anon-1", properties={"plan": "pro", "email": "ada@example.com"})
    ph.set_once(distinct_id="anon-1", properties={"first_seen": "today"})
    ph.alias(previous_id="anon-1", distinct_id="user-1")
    ph.group_identify("company", "acme", {"tier": "gold"}, distinct_id="user-1")
    ph.flush()
    ph.shutdown()
    assert mocked.events.captured("signup_completed", plan="pro")
    person = mocked.persons.get("user-1")
    assert person is mocked.persons.get("anon-1")
    assert person.properties == {"plan": "pro", "email": "ada@example.com", "first_seen": "today"}
    assert mocked.persons.group(1, "company", "acme").properties == {"tier": "gold"}
    sdk = mocked.events.find("signup_completed")[0]["properties"]
    assert sdk["$lib"] == "posthog-python"
    mocked.assert_called("POST", "/batch/")


def test_remote_evaluation_reads_what_was_captured(mocked: Emulator) -> None:
    ph = client_for("https://us.i.posthog.com", sync_mode=True)
    ph.set(distinct_id="user-1", properties={"plan": "pro"})
    assert ph.feature_enabled("pro-checkout", "user-1") is True
    assert ph.feature_enabled("pro-checkout", "someone-else") is False
    assert ph.get_feature_flag_payload("pro-checkout", "user-1") == {"discount": 20}
    variant = ph.get_feature_flag("pricing-test", "user-1")
    assert variant == mocked.feature_flags.value("pricing-test", "user-1")
    snapshot = ph.evaluate_flags("user-1")
    assert snapshot.is_enabled("pro-checkout") is True
    assert snapshot.get_flag("pricing-test") == variant
    ph.shutdown()
    assert mocked.requests("POST", "/flags/") and all(
        r.query == "v=4" for r in mocked.requests("POST", "/flags/")
    )
    called = mocked.events.find("$feature_flag_called", distinct_id="user-1")
    assert {e["properties"]["$feature_flag"] for e in called} >= {"pro-checkout", "pricing-test"}


def test_local_evaluation_polls_definitions_and_revalidates_with_etag(mocked: Emulator) -> None:
    ph = client_for("https://us.i.posthog.com", secret=mocked.default_api_key, sync_mode=True)
    ph.load_feature_flags()
    flags_before = len(mocked.requests("POST", "/flags/"))
    assert (
        ph.get_feature_flag(
            "pro-checkout", "u9", person_properties={"plan": "pro"}, only_evaluate_locally=True
        )
        is True
    )
    assert (
        ph.get_feature_flag(
            "pro-checkout", "u9", person_properties={"plan": "free"}, only_evaluate_locally=True
        )
        is False
    )
    for n in range(50):
        distinct_id = f"user-{n}"
        local = ph.get_feature_flag("pricing-test", distinct_id, only_evaluate_locally=True)
        assert local == mocked.feature_flags.value("pricing-test", distinct_id)
    assert len(mocked.requests("POST", "/flags/")) == flags_before  # nothing went remote
    ph.load_feature_flags()
    polls = mocked.requests("GET", "/flags/definitions")
    assert [r.status for r in polls] == [200, 304]
    mocked.feature_flags.create(
        key="late-flag", filters={"groups": [{"properties": [], "rollout_percentage": 100}]}
    )
    ph.load_feature_flags()
    assert mocked.requests("GET", "/flags/definitions")[-1].status == 200
    assert ph.get_feature_flag("late-flag", "x", only_evaluate_locally=True) is True
    ph.shutdown()


def test_local_evaluation_falls_back_to_the_server_for_stored_properties(mocked: Emulator) -> None:
    # Without person_properties the SDK cannot decide locally and asks /flags, which reads the
    # person phemu built from the captured events.
    mocked.events.capture("$set", "user-7", {"$set": {"plan": "pro"}})
    ph = client_for("https://us.i.posthog.com", secret=mocked.default_api_key, sync_mode=True)
    assert ph.get_feature_flag("pro-checkout", "user-7") is True
    assert mocked.requests("POST", "/flags/")
    ph.shutdown()


def test_over_http_against_the_live_server(posthog_server: Any) -> None:
    emulator: Emulator = posthog_server.emulator
    seed_flags(emulator)
    ph = client_for(posthog_server.url, secret=emulator.default_api_key, flush_at=10)
    ph.capture(
        "signup_completed",
        distinct_id="user-1",
        properties={"plan": "pro", "$set": {"plan": "pro"}},
    )
    ph.flush()
    assert ph.get_feature_flag("pro-checkout", "user-1") is True  # remote: stored person
    assert ph.get_feature_flag(
        "pricing-test", "user-1", only_evaluate_locally=True
    ) == emulator.feature_flags.value("pricing-test", "user-1")
    ph.shutdown()
    assert emulator.events.captured("signup_completed", plan="pro")
    assert emulator.requests("GET", "/flags/definitions")
