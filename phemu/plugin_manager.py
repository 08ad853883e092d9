"""Building the pluggy ``PluginManager`` of one emulator.

Third-party plugins come from the ``phemu`` entry-point group. Entry points are discovered once
per process and cached (the list of importable plugin objects, which are immutable modules), so
creating an :class:`~phemu.emulator.Emulator` stays cheap; tests that fake entry points clear
the cache with ``entry_point_plugins.cache_clear()``.

Managers are shared, because the start-up benchmark needs it: ``benchmarks/bench_frontdoors.py``
measure (b') wants ``Emulator()`` + ``reset()`` at most 0.1x ``moto.mock_aws()`` start/stop, and
building a manager per emulator (registering and validating every plugin) alone lands on that
limit. When every plugin is a module or a class (entry points, ``"module"`` strings, phemu's
built-in plugins), :func:`build_plugin_manager` returns one cached manager per configuration,
keyed by the plugins' identities and their current hook functions (a monkeypatched hook gets a
new manager). Such a manager is read-only by contract: plugins keep per-emulator state on the
emulator (``emulator.extensions``, ``emulator.store``), never on the manager, and nobody
registers anything on it after construction. A plugin *object* (an instance) may carry state
and change its attributes at any time, so an emulator given one gets a manager of its own.

Like pytest, phemu treats every callable attribute named ``phemu_*`` as a hook implementation,
marked with ``@phemu.hookimpl`` or not, and verifies all of them against the specs when the
manager is built: a misspelt hook (``phemu_before_requests``) or a misspelt argument name is a
:class:`~phemu.errors.ConfigurationError` at start-up instead of a hook that silently never
runs.
"""

from __future__ import annotations

import importlib
import inspect
import threading
from collections.abc import Iterable
from functools import lru_cache
from types import ModuleType
from typing import TYPE_CHECKING
from typing import Any
from typing import cast

import pluggy
from pluggy import HookimplOpts

from phemu import hookspecs
from phemu.errors import ConfigurationError

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

PROJECT_NAME = "phemu"
ENTRY_POINT_GROUP = "phemu"
HOOK_PREFIX = "phemu_"

hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


def entry_points(*, group: str) -> Iterable[EntryPoint]:
    """The installed entry points of ``group`` (tests replace this function).

    ``importlib.metadata`` is imported here, when an emulator first looks for plugins, not when
    ``phemu.emulator`` is imported: it costs as much to import as several resources, and test
    runners (pytest, requests) have usually imported it already by then.
    """
    from importlib.metadata import entry_points as installed

    return installed(group=group)


class PhemuPluginManager(pluggy.PluginManager):
    """pluggy's manager, also picking up unmarked ``phemu_*`` functions (as pytest does), with
    hookspec parsing memoised per process (see :func:`_hookspec_opts`)."""

    def parse_hookspec_opts(self, module_or_class: Any, name: str) -> Any:
        return _hookspec_opts(module_or_class, name)

    def parse_hookimpl_opts(self, plugin: Any, name: str) -> HookimplOpts | None:
        # pluggy inspects every attribute of every plugin at registration, for every Emulator.
        # What a module or a class (for attributes not stored on the instance) offers never
        # changes, so the answer is memoised per (module or class, name); a copy is returned
        # because pluggy normalises the options in place.
        owner: Any = None
        if type(plugin) is ModuleType:
            owner = plugin
        elif not hasattr(plugin, "__slots__") and name not in getattr(plugin, "__dict__", {name}):
            owner = type(plugin)
        if owner is not None:
            try:
                table = _hookimpl_table(owner)
            except TypeError:  # an unhashable owner
                return self._parse_hookimpl_opts(plugin, name)
            found = table.get(name)
            return None if found is None else cast("HookimplOpts", dict(found))
        return self._parse_hookimpl_opts(plugin, name)

    def _parse_hookimpl_opts(self, plugin: Any, name: str) -> HookimplOpts | None:
        opts = super().parse_hookimpl_opts(plugin, name)
        if opts is not None or not name.startswith(HOOK_PREFIX):
            return opts
        try:
            static = inspect.getattr_static(plugin, name)
        except AttributeError:
            return None
        if not (inspect.isroutine(static) or isinstance(static, (staticmethod, classmethod))):
            return None
        return {
            "wrapper": False,
            "hookwrapper": False,
            "optionalhook": False,
            "tryfirst": False,
            "trylast": False,
            "specname": None,
        }


@lru_cache(maxsize=512)
def _hookimpl_table(owner: Any) -> dict[str, HookimplOpts]:
    """The hook implementations a module or class offers, by attribute name."""
    probe = PhemuPluginManager(PROJECT_NAME)
    table = {}
    for name in dir(owner):
        opts = probe._parse_hookimpl_opts(owner, name)
        if opts is not None:
            table[name] = opts
    return table


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


@lru_cache(maxsize=256)
def _hookspec_opts(namespace: Any, name: str) -> Any:
    # pluggy inspects every attribute of the hookspec module with getattr_static; the answer
    # only depends on the (immutable) module, so it is computed once per process instead of
    # once per Emulator.
    return pluggy.PluginManager(PROJECT_NAME).parse_hookspec_opts(namespace, name)


def load_module(spec: str) -> Any:
    """Import a plugin given as ``module`` or ``module:attribute`` (the server's ``--plugin``)."""
    module_name, _, attribute = spec.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise ConfigurationError(f"cannot import phemu plugin {spec!r}: {error}") from error
    if not attribute:
        return module
    try:
        return getattr(module, attribute)
    except AttributeError:
        raise ConfigurationError(
            f"phemu plugin {spec!r}: {module_name} has no {attribute!r}"
        ) from None


def plugin_name(plugin: Any) -> str | None:
    """The name a plugin is registered under when none is given explicitly.

    A module or object may choose it with a ``PHEMU_PLUGIN_NAME`` attribute; modules otherwise
    use their dotted name; other objects get pluggy's generated name (``None`` here).
    """
    explicit = getattr(plugin, "PHEMU_PLUGIN_NAME", None)
    if isinstance(explicit, str):
        return explicit
    if inspect.ismodule(plugin):
        return plugin.__name__
    return None


def _aliases(name: str | None, plugin: Any) -> set[str]:
    """Every name ``disable_plugins`` may use for a plugin."""
    names = {name, plugin_name(plugin), getattr(plugin, "__name__", None)}
    return {n for n in names if isinstance(n, str)}


def build_plugin_manager(
    *,
    builtins: Iterable[tuple[str, Any]] = (),
    plugins: Iterable[Any] = (),
    load_entrypoints: bool = True,
    disabled: Iterable[str] = (),
) -> pluggy.PluginManager:
    """A plugin manager with phemu's hookspecs and the given plugins registered.

    Registration order is built-ins, entry points, then ``plugins``; pluggy calls the most
    recently registered implementation first, so a user plugin's ``firstresult`` answer beats
    the shipped ones.

    The manager may be shared with other emulators (see the module docstring): treat it as
    read-only. Invalid plugins are never cached, so they fail every time.

    :param builtins: ``(name, plugin)`` pairs phemu registers itself (canned AI answers...).
    :param plugins: user plugins: modules, objects, ``"module[:attr]"`` strings, or
        ``(name, plugin)`` pairs.
    :param disabled: names to skip: entry-point names (``faults``), built-in names, module
        names (``phemu_faults``), ``"module[:attr]"`` strings or explicit pair names.
    :raises ConfigurationError: a plugin that cannot be imported, an implementation of an
        unknown hook (``check_pending``) or with argument names its spec does not have.
    """
    chosen = _chosen_plugins(builtins, plugins, load_entrypoints, set(disabled))
    key = _cache_key(chosen)
    if key is not None:
        try:
            with _SHARED_LOCK:
                shared = _SHARED.get(key)
        except TypeError:  # an unhashable hook callable: no sharing
            key = shared = None
        if shared is not None:
            return shared
    pm = PhemuPluginManager(PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    for name, obj in chosen:
        try:
            pm.register(obj, name=name)
        except (pluggy.PluginValidationError, ValueError) as error:
            raise ConfigurationError(f"phemu plugin {name or obj!r} is invalid: {error}") from error
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as error:
        raise ConfigurationError(f"phemu plugin is invalid: {error}") from error
    if key is not None:
        with _SHARED_LOCK:
            if len(_SHARED) >= _SHARED_MAX:
                del _SHARED[next(iter(_SHARED))]  # the oldest configuration
            return _SHARED.setdefault(key, pm)  # a racing thread's manager is as good
    return pm


def _chosen_plugins(
    builtins: Iterable[tuple[str, Any]],
    plugins: Iterable[Any],
    load_entrypoints: bool,
    skip: set[str],
) -> list[tuple[str | None, Any]]:
    """The ``(name, plugin)`` pairs to register, in order, after disabling and de-duplicating."""
    candidates: list[tuple[str | None, Any]] = list(builtins)
    if load_entrypoints:
        candidates.extend(entry_point_plugins())
    for plugin in plugins:
        if isinstance(plugin, tuple):
            candidates.append((plugin[0], plugin[1]))
        elif isinstance(plugin, str):
            if plugin not in skip:
                obj = load_module(plugin)
                candidates.append((plugin_name(obj) or plugin, obj))
        else:
            candidates.append((plugin_name(plugin), plugin))
    chosen: list[tuple[str | None, Any]] = []
    seen_objects: set[int] = set()
    seen_names: set[str] = set()
    for name, obj in candidates:
        if _aliases(name, obj) & skip or id(obj) in seen_objects:
            continue
        if name is not None and name in seen_names:
            continue  # e.g. an entry point also passed explicitly: keep the first
        seen_objects.add(id(obj))
        if name is not None:
            seen_names.add(name)
        chosen.append((name, obj))
    return chosen


#: Shared managers by :func:`_cache_key`; bounded, oldest configuration dropped first.
_SHARED: dict[tuple[Any, ...], PhemuPluginManager] = {}
_SHARED_LOCK = threading.Lock()
_SHARED_MAX = 64


def _cache_key(chosen: list[tuple[str | None, Any]]) -> tuple[Any, ...] | None:
    """What a shared manager depends on, or ``None`` when it must not be shared.

    Only modules and classes qualify: their hook attributes are the same for everybody, and
    the key holds the current hook functions, so replacing one (``monkeypatch.setattr``) builds
    a new manager. Instances may keep state or gain hooks at any time: no sharing.
    """
    key: list[Any] = []
    for name, obj in chosen:
        if not isinstance(obj, (ModuleType, type)):
            return None
        try:
            table = _hookimpl_table(obj)
        except TypeError:  # an unhashable class
            return None
        key.append((name, obj, tuple((attr, getattr(obj, attr, None)) for attr in table)))
    return tuple(key)
