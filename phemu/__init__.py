"""phemu: an in-memory emulator of PostHog's management REST API, built for tests.

Only re-exports live here; nothing heavy is imported until it is used (the patchers import
``responses``/``httpx`` lazily).
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from phemu.emulator import Emulator
    from phemu.errors import ConfigurationError
    from phemu.errors import PhemuError
    from phemu.errors import PostHogError
    from phemu.errors import SeedError
    from phemu.patcher import PostHogMock
    from phemu.patcher import mock
    from phemu.patcher_httpx import async_httpx_transport
    from phemu.patcher_httpx import httpx_transport
    from phemu.patcher_httpx import mock_httpx
    from phemu.plugin_manager import hookimpl

__all__ = [
    "ConfigurationError",
    "Emulator",
    "PhemuError",
    "PostHogError",
    "PostHogMock",
    "SeedError",
    "__version__",
    "async_httpx_transport",
    "hookimpl",
    "httpx_transport",
    "mock",
    "mock_httpx",
]

_LAZY = {
    "Emulator": ("phemu.emulator", "Emulator"),
    "hookimpl": ("phemu.plugin_manager", "hookimpl"),
    "SeedError": ("phemu.errors", "SeedError"),
    "ConfigurationError": ("phemu.errors", "ConfigurationError"),
    "PhemuError": ("phemu.errors", "PhemuError"),
    "PostHogError": ("phemu.errors", "PostHogError"),
    "PostHogMock": ("phemu.patcher", "PostHogMock"),
    "mock": ("phemu.patcher", "mock"),
    "httpx_transport": ("phemu.patcher_httpx", "httpx_transport"),
    "async_httpx_transport": ("phemu.patcher_httpx", "async_httpx_transport"),
    "mock_httpx": ("phemu.patcher_httpx", "mock_httpx"),
}


def __getattr__(name: str) -> Any:
    # Lazy re-exports keep `import phemu` (done by the pytest plugin in every test run) cheap.
    if name in _LAZY:
        import importlib

        module, attribute = _LAZY[name]
        value = getattr(importlib.import_module(module), attribute)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'phemu' has no attribute {name!r}")
