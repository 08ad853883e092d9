"""PostHog's Node SDK (``posthog-node``, pinned in ``tests/interop/node/package.json``) against
``phemu serve``.

``.ci/run`` installs the package with npm; without node or the installed package the test is
skipped with the reason.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from phemu.emulator import Emulator
from tests._server_support import Serve

NODE_DIR = Path(__file__).resolve().parent / "node"
TOKEN = "phc_phemuDefaultProjectToken0000000000000000000"


def _missing() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed (the Node SDK flow needs it)"
    if not (NODE_DIR / "node_modules" / "posthog-node").is_dir():
        return f"posthog-node is not installed: run `npm install` in {NODE_DIR} (.ci/run does)"
    return None


pytestmark = [
    pytest.mark.skipif(_missing() is not None, reason=_missing() or ""),
    pytest.mark.timeout(90),
]


def run_flow(url: str, key: str) -> dict[str, Any]:
    """What ``flow.mjs`` saw, driving the SDK at ``url`` with ``key`` for local evaluation."""
    result = subprocess.run(
        ["node", "flow.mjs", url, TOKEN, key],
        cwd=NODE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    seen: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return seen


@pytest.fixture
def served() -> Iterator[Serve]:
    server = Serve().start()
    try:
        yield server
    finally:
        server.terminate()


def test_node_sdk_flow(served: Serve) -> None:
    seed = {
        "feature_flags": [
            {
                "key": "pro-checkout",
                "filters": {
                    "groups": [
                        {
                            "properties": [{"key": "plan", "type": "person", "value": "pro"}],
                            "rollout_percentage": 100,
                        }
                    ],
                    "payloads": {"true": '{"discount": 20}'},
                },
            },
            {
                "key": "pricing-test",
                "filters": {
                    "groups": [{"properties": [], "rollout_percentage": 100}],
                    "multivariate": {
                        "variants": [
                            {"key": "control", "rollout_percentage": 50},
                            {"key": "test", "rollout_percentage": 50},
                        ]
                    },
                },
            },
        ]
    }
    import requests

    assert requests.post(f"{served.url}/_phemu/seed", json=seed, timeout=10).status_code == 200
    seen = run_flow(served.url, served.key)
    assert seen["remoteEnabled"] is True
    assert seen["remoteOther"] is False
    assert seen["remotePayload"] == {"discount": 20}
    assert seen["localPro"] is True
    oracle = Emulator(load_entrypoints=False, seeds=[seed])  # same flags, same hashing
    assert seen["variants"] == {
        d: oracle.feature_flags.value("pricing-test", d) for d in seen["variants"]
    }

    events = requests.get(f"{served.url}/_phemu/events", timeout=10).json()["results"]
    names = [e["event"] for e in events]
    assert "signup_completed" in names and "$identify" in names
    assert (
        next(e for e in events if e["event"] == "signup_completed")["properties"]["$lib"]
        == "posthog-node"
    )
    journal = requests.get(
        f"{served.url}/_phemu/requests?path=/flags/definitions", timeout=10
    ).json()["results"]
    assert [r["status"] for r in journal] == [200, 304]
