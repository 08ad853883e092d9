"""Building the pluggy ``PluginManager`` of one emulator.

Third-party plugins come from the ``phemu`` entry-point group. Entry points are discovered once
per process and cached (the list of importable plugin objects, which are immutable modules), so
creating an :class:`~phemu.emulator.Emulator` stays cheap.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from functools import lru_cache
from importlib.metadata import entry_points
from typing import Any

import pluggy

from phemu import hookspecs
from phemu.errors import ConfigurationError

PROJECT_NAME = "phemu"
ENTRY_POINT_GROUP = "phemu"

hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@lru_cache(maxsize=1)
def entry_point_plugins() -> tuple[tuple[str, Any], ...]:
    """``(name, plugin)`` for every installed ``phemu`` entry point, loaded once per process."""
    found: list[tuple[str, Any]] = []
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        try:
            found.append((ep.name, ep.load()))
        except Exception as error:  # a broken plugin must say which one it is
            raise ConfigurationError(
                f"phemu plugin {ep.name!r} ({ep.value}) failed to load: {error}"
            ) from error
    return tuple(found)


def load_module(spec: str) -> Any:
    """Import a plugin given as ``module`` or ``module:attribute`` (the server's ``--plugin``)."""
    module_name, _, attribute = spec.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise ConfigurationError(f"cannot import phemu plugin {spec!r}: {error}") from error
    return getattr(module, attribute) if attribute else module


def build_plugin_manager(
    *,
    builtins: Iterable[tuple[str, Any]] = (),
    plugins: Iterable[Any] = (),
    load_entrypoints: bool = True,
    disabled: Iterable[str] = (),
) -> pluggy.PluginManager:
    """A plugin manager with phemu's hookspecs and the given plugins registered.

    :param builtins: ``(name, plugin)`` pairs phemu registers itself (canned AI answers...).
    :param plugins: user plugins (modules, objects, or ``"module[:attr]"`` strings).
    :param disabled: plugin names (entry-point names, built-in names or module names) to skip.
    :raises ConfigurationError: on an unknown hook implementation (``check_pending``).
    """
    skip = set(disabled)
    pm = pluggy.PluginManager(PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    for name, plugin in builtins:
        if name not in skip:
            pm.register(plugin, name=name)
    if load_entrypoints:
        for name, plugin in entry_point_plugins():
            if name not in skip and pm.get_plugin(name) is None:
                pm.register(plugin, name=name)
    for plugin in plugins:
        obj = load_module(plugin) if isinstance(plugin, str) else plugin
        plugin_name: str | None = (
            plugin if isinstance(plugin, str) else getattr(obj, "__name__", None)
        )
        if plugin_name in skip or pm.is_registered(obj):
            continue
        pm.register(obj, name=plugin_name)
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as error:
        raise ConfigurationError(str(error)) from error
    return pm
