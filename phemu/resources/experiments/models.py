"""placeholder"""
from __future__ import annotations
from typing import Any


class ExperimentsBackend:
    def __init__(self, emulator: Any) -> None:
        self._emulator = emulator

    def with_exposure_cohort(self, cohort: int) -> list[int]:
        return []

    def forget_exposure_cohort(self, cohort: int) -> None:
        return None
