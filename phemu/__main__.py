"""``python -m phemu`` is the ``phemu`` command."""

from __future__ import annotations

import sys

from phemu.cli import main

if __name__ == "__main__":
    sys.exit(main())
