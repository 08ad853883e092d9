"""Finding the shared reference folder, when it sits beside the checkout (as in CI)."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def reference_dir() -> Path | None:
    candidates = [
        os.environ.get("PHEMU_REFERENCE_DIR", ""),
        str(ROOT.parent / "shared" / "reference"),
        str(ROOT.parent.parent / "shared" / "reference"),
        "/work/shared/reference",
    ]
    for candidate in candidates:
        if candidate and (Path(candidate) / "README.md").is_file():
            return Path(candidate)
    return None


def reference_text(name: str) -> str | None:
    if name.startswith("docs/"):  # phemu's own documentation of a decision
        return (ROOT / name).read_text(encoding="utf-8")
    folder = reference_dir()
    if folder is None:
        return None
    path = folder / name
    return path.read_text(encoding="utf-8") if path.is_file() else None
