"""PostHog's SDKs configured with the project secret API key (``phs_...``) for local evaluation.

PostHog recommends its "feature flags secure API key" over a personal API key for local
evaluation; both SDKs send it where they send a personal API key: ``Authorization: Bearer`` on
``/flags/definitions`` (``posthog/client.py`` in ``posthog``, ``feature-flags.ts`` in
``posthog-node``). The flags service accepts the project's secret or its backup there
(``rust/feature-flags/src/api/flag_definitions.rs``).
"""

from __future__ import annotations

from typing import Any

import pytest
from posthog import Posthog

from phemu.emulator import Emulator
from tests._server_support import Serve
from tests.interop.test_posthog_node_sdk import _missing as node_missing
from tests.interop.test_posthog_node_sdk import run_flow
from tests.interop.test_posthog_python_sdk import PRO_ONLY
from tests.interop.test_posthog_python_sdk import VARIANTS
from tests.interop.test_posthog_python_sdk import client_for
from tests.interop.test_posthog_python_sdk import seed_flags

pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.timeout(90),
]

SECRET = "phs_phemuDefaultProjectSecretKey0000000000000000"


def sdk(host: str, secret: str) -> Posthog:
    return client_for(host, secret=secret, sync_mode=True)


def test_python_sdk_evaluates_locally_with_the_secret(mocked: Emulator) -> None:
    ph = sdk("https://us.i.posthog.com", SECRET)
    ph.load_feature_flags()
    assert [r.status for r in mocked.requests("GET", "/flags/definitions")] == [200]
    assert (
        ph.get_feature_flag(
            "pro-checkout", "u1", person_properties={"plan": "pro"}, only_evaluate_locally=True
        )
        is True
    )
    for n in range(30):
        distinct_id = f"user-{n}"
        assert ph.get_feature_flag(
            "pricing-test", distinct_id, only_evaluate_locally=True
        ) == mocked.feature_flags.value("pricing-test", distinct_id)
    assert not mocked.requests("POST", "/flags/")  # decided locally
    ph.shutdown()


def test_python_sdk_survives_a_rotation_until_the_backup_is_deleted(mocked: Emulator) -> None:
    rotated = mocked.organization_projects.rotate_secret_token(1)["secret_api_token"]
    old = sdk("https://us.i.posthog.com", SECRET)  # still configured with the old secret
    old.load_feature_flags()
    assert old.get_feature_flag("pricing-test", "u2", only_evaluate_locally=True) is not None
    mocked.organization_projects.delete_secret_token_backup(1)
    stale = sdk("https://us.i.posthog.com", SECRET)
    stale.load_feature_flags()
    assert mocked.requests("GET", "/flags/definitions")[-1].status == 401
    assert stale.get_feature_flag("pricing-test", "u2", only_evaluate_locally=True) is None
    fresh = sdk("https://us.i.posthog.com", rotated)
    fresh.load_feature_flags()
    assert mocked.requests("GET", "/flags/definitions")[-1].status == 200
    assert fresh.get_feature_flag(
        "pricing-test", "u2", only_evaluate_locally=True
    ) == mocked.feature_flags.value("pricing-test", "u2")
    for client in (old, stale, fresh):
        client.shutdown()


def test_python_sdk_over_http(posthog_server: Any) -> None:
    emulator: Emulator = posthog_server.emulator
    seed_flags(emulator)
    ph = sdk(posthog_server.url, SECRET)
    assert ph.get_feature_flag(
        "pricing-test", "user-9", only_evaluate_locally=True
    ) == emulator.feature_flags.value("pricing-test", "user-9")
    ph.shutdown()
    assert [r.status for r in emulator.requests("GET", "/flags/definitions")] == [200]


@pytest.mark.skipif(node_missing() is not None, reason=node_missing() or "")
def test_node_sdk_evaluates_locally_with_the_secret() -> None:
    served = Serve().start()
    try:
        import requests

        everyone = {"groups": [{"properties": [], "rollout_percentage": 100}]}
        seed = {
            "feature_flags": [
                {"key": "pro-checkout", "filters": PRO_ONLY},
                {"key": "pricing-test", "filters": {**everyone, "multivariate": VARIANTS}},
            ]
        }
        flags = Emulator(load_entrypoints=False, seeds=[seed])  # the same flags, same hashing
        assert requests.post(f"{served.url}/_phemu/seed", json=seed, timeout=10).status_code == 200
        seen = run_flow(served.url, SECRET)
        assert seen["localPro"] is True
        assert seen["variants"] == {
            d: flags.feature_flags.value("pricing-test", d) for d in seen["variants"]
        }
        journal = requests.get(
            f"{served.url}/_phemu/requests?path=/flags/definitions", timeout=10
        ).json()["results"]
        assert [r["status"] for r in journal] == [200, 304]
    finally:
        served.terminate()
