"""Cost of the plugin layer per request: no plugins vs the shipped ``faults`` plugin with no
rules (the default) vs with 20 non-matching rules. Prints ratios; run with ``python
benchmarks/plugins_overhead.py``."""

from __future__ import annotations

import time

from phemu import Emulator

REQUESTS = 3000
PATH = "/api/projects/1/"


def per_request(emulator: Emulator) -> float:
    client, headers = emulator.client(), emulator.auth_headers
    for _ in range(200):  # warm up
        client.get(PATH, headers=headers)
    started = time.perf_counter()
    for _ in range(REQUESTS):
        client.get(PATH, headers=headers)
    return (time.perf_counter() - started) / REQUESTS


def main() -> None:
    busy = Emulator()
    for index in range(20):
        busy.faults.add(status=503, path=f"/api/nothing{index}/*", method="POST")
    emulators = {"bare": Emulator(load_entrypoints=False), "inert": Emulator(), "ruled": busy}
    best = dict.fromkeys(emulators, float("inf"))
    for _ in range(3):  # interleaved rounds, best of three, to damp machine noise
        for name, emulator in emulators.items():
            best[name] = min(best[name], per_request(emulator))
    bare, inert, ruled = best["bare"], best["inert"], best["ruled"]
    started = time.perf_counter()
    for _ in range(200):
        Emulator()
    create = (time.perf_counter() - started) / 200
    print(f"no plugins:            {bare * 1e6:8.1f} us/request")
    print(f"faults, no rules:      {inert * 1e6:8.1f} us/request  ratio {inert / bare:.2f}")
    print(f"faults, 20 rules miss: {ruled * 1e6:8.1f} us/request  ratio {ruled / bare:.2f}")
    print(f"Emulator() with entry points: {create * 1e3:.2f} ms")


if __name__ == "__main__":
    main()
