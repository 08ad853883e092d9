"""Plugin discovery, validation and disabling (phemu/plugin_manager.py)."""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator
from importlib.metadata import EntryPoint
from typing import Any

import pytest
from werkzeug.wrappers import Request
from werkzeug.wrappers import Response

from phemu import Emulator
from phemu import hookimpl
from phemu import plugin_manager
from phemu.errors import ConfigurationError
from phemu.extend import json_response


@pytest.fixture
def fake_entry_points(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[EntryPoint]]:
    """Replace the installed ``phemu`` entry points by a list the test fills in."""
    found: list[EntryPoint] = []

    def entry_points(*, group: str) -> list[EntryPoint]:
        return [ep for ep in found if ep.group == group]

    monkeypatch.setattr(plugin_manager, "entry_points", entry_points)
    plugin_manager.entry_point_plugins.cache_clear()
    yield found
    plugin_manager.entry_point_plugins.cache_clear()


def fake_module(monkeypatch: pytest.MonkeyPatch, name: str, **attributes: Any) -> types.ModuleType:
    module = types.ModuleType(name)
    for attribute, value in attributes.items():
        setattr(module, attribute, value)
    monkeypatch.setitem(sys.modules, name, module)
    return module


def teapot(request: Request) -> Response:
    return json_response({"teapot": request.path}, status=418)


# -- entry points -----------------------------------------------------------------------------
def test_the_shipped_faults_plugin_is_an_installed_entry_point() -> None:
    plugin_manager.entry_point_plugins.cache_clear()
    emulator = Emulator()
    assert emulator.hooks.get_plugin("faults") is not None
    assert len(emulator.faults) == 0  # inert until given rules
    assert (
        emulator.client().get("/api/projects/1/", headers=emulator.auth_headers).status_code == 200
    )
    assert "faults" in emulator.client().get("/_phemu/config").json["plugins"]


def test_entry_points_are_registered_under_their_name(
    fake_entry_points: list[EntryPoint], monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_module(monkeypatch, "phemu_fake_teapot", phemu_before_request=teapot)
    fake_entry_points.append(EntryPoint("teapot", "phemu_fake_teapot", "phemu"))
    fake_entry_points.append(EntryPoint("elsewhere", "phemu_fake_teapot", "other_group"))
    emulator = Emulator()
    assert emulator.hooks.get_plugin("teapot") is sys.modules["phemu_fake_teapot"]
    assert emulator.client().get("/api/projects/").status_code == 418
    assert Emulator(load_entrypoints=False).client().get("/api/projects/").status_code == 401


def test_entry_points_are_loaded_once_per_process(
    fake_entry_points: list[EntryPoint], monkeypatch: pytest.MonkeyPatch
) -> None:
    loads: list[str] = []
    original_load = EntryPoint.load

    def counting_load(self: EntryPoint) -> Any:
        loads.append(self.name)
        return original_load(self)

    monkeypatch.setattr(EntryPoint, "load", counting_load)
    fake_module(monkeypatch, "phemu_fake_teapot", phemu_before_request=teapot)
    fake_entry_points.append(EntryPoint("teapot", "phemu_fake_teapot", "phemu"))
    for _ in range(3):
        Emulator()
    assert loads == ["teapot"]


def test_a_broken_entry_point_names_itself(fake_entry_points: list[EntryPoint]) -> None:
    fake_entry_points.append(EntryPoint("broken", "phemu_no_such_module_anywhere", "phemu"))
    with pytest.raises(ConfigurationError, match=r"phemu plugin 'broken' \(phemu_no_such_module"):
        Emulator()
    Emulator(load_entrypoints=False)  # opting out of entry points avoids it


# -- validation -------------------------------------------------------------------------------
def test_a_misspelt_marked_hook_is_an_error_at_load_time() -> None:
    class Typo:
        @hookimpl
        def phemu_before_requests(self, request: Request) -> None:
            return None

    with pytest.raises(ConfigurationError, match="phemu_before_requests"):
        Emulator(plugins=[Typo()], load_entrypoints=False)


def test_a_misspelt_unmarked_hook_is_an_error_too(monkeypatch: pytest.MonkeyPatch) -> None:
    module = fake_module(monkeypatch, "phemu_fake_typo", phemu_sed=lambda emulator: None)
    with pytest.raises(ConfigurationError, match="phemu_sed"):
        Emulator(plugins=[module], load_entrypoints=False)


def test_a_misspelt_argument_is_an_error() -> None:
    class BadArgument:
        def phemu_before_request(self, emulater: Any) -> None:
            return None

    with pytest.raises(ConfigurationError, match="emulater"):
        Emulator(plugins=[BadArgument()], load_entrypoints=False)


def test_other_attributes_are_not_hooks() -> None:
    class Fine:
        phemu_version = "1.0"  # not callable: not a hook
        PHEMU_PLUGIN_NAME = "fine"

        def helper_phemu_x(self) -> None:
            return None

    emulator = Emulator(plugins=[Fine()], load_entrypoints=False)
    assert emulator.hooks.get_plugin("fine") is not None


def test_plugins_given_as_module_strings(monkeypatch: pytest.MonkeyPatch) -> None:
    class Holder:
        phemu_before_request = staticmethod(teapot)

    fake_module(monkeypatch, "phemu_fake_strings", holder=Holder())
    emulator = Emulator(plugins=["phemu_fake_strings:holder"], load_entrypoints=False)
    assert emulator.client().get("/api/x").status_code == 418
    with pytest.raises(ConfigurationError, match="cannot import phemu plugin 'phemu_nope_nope'"):
        Emulator(plugins=["phemu_nope_nope"], load_entrypoints=False)
    with pytest.raises(ConfigurationError, match="phemu_fake_strings has no 'missing'"):
        Emulator(plugins=["phemu_fake_strings:missing"], load_entrypoints=False)


# -- disabling --------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["faults", "phemu_faults"])
def test_the_shipped_plugin_can_be_disabled_by_name(name: str) -> None:
    plugin_manager.entry_point_plugins.cache_clear()
    emulator = Emulator(disable_plugins=[name])
    assert emulator.hooks.get_plugin("faults") is None
    assert emulator.client().get("/_phemu/faults").status_code == 404
    with pytest.raises(ConfigurationError, match="plugin 'faults' is not active"):
        _ = emulator.extension("faults")
    with pytest.raises(ConfigurationError, match="no phemu plugin took the option"):
        Emulator(disable_plugins=[name], faults=[{"status": 503}])


def test_any_plugin_can_be_disabled_by_name(
    fake_entry_points: list[EntryPoint], monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_module(monkeypatch, "phemu_fake_teapot", phemu_before_request=teapot)
    fake_entry_points.append(EntryPoint("teapot", "phemu_fake_teapot", "phemu"))

    class Named:
        PHEMU_PLUGIN_NAME = "named"
        phemu_before_request = staticmethod(teapot)

    fake_module(monkeypatch, "phemu_fake_module", phemu_before_request=teapot)
    cases: list[tuple[list[Any], str]] = [
        ([], "teapot"),  # an entry point, by entry-point name
        ([], "phemu_fake_teapot"),  # ... or by module name
        ([Named()], "named"),  # an object naming itself
        ([("paired", Named())], "paired"),  # an explicit (name, plugin) pair
        (["phemu_fake_module"], "phemu_fake_module"),  # a module string
        ([sys.modules["phemu_fake_module"]], "phemu_fake_module"),  # a module object
    ]
    for plugins, name in cases:
        assert Emulator(plugins=plugins).client().get("/api/x").status_code == 418, name
        others = ["teapot"] if plugins else []  # leave only the plugin under test
        disabled = Emulator(plugins=plugins, disable_plugins=[name, *others])
        assert disabled.client().get("/api/x").status_code == 404, name


def test_the_same_plugin_twice_is_registered_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []

    def count(request: Request) -> None:
        calls.append(1)

    module = fake_module(monkeypatch, "phemu_fake_twice", phemu_before_request=count)
    emulator = Emulator(plugins=[module, "phemu_fake_twice", module], load_entrypoints=False)
    emulator.client().get("/api/x")
    assert calls == [1]


def test_an_installed_distribution_on_sys_path_is_discovered(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real (tiny) distribution: dist-info metadata with an entry point, found on sys.path."""
    (tmp_path / "phemu_tinydist.py").write_text(
        "def phemu_before_request(request):\n"
        "    from werkzeug.wrappers import Response\n"
        "    return Response(b'tiny', status=418)\n",
        encoding="utf-8",
    )
    info = tmp_path / "phemu_tinydist-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: phemu-tinydist\nVersion: 1.0\n", encoding="utf-8"
    )
    (info / "entry_points.txt").write_text("[phemu]\ntiny = phemu_tinydist\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "phemu_tinydist", raising=False)
    plugin_manager.entry_point_plugins.cache_clear()
    try:
        emulator = Emulator()
        assert emulator.hooks.get_plugin("tiny") is not None
        assert emulator.hooks.get_plugin("faults") is not None  # alongside the shipped one
        assert emulator.client().get("/api/projects/").data == b"tiny"
        assert Emulator(disable_plugins=["tiny"]).client().get("/api/projects/").status_code == 401
    finally:
        plugin_manager.entry_point_plugins.cache_clear()
        sys.modules.pop("phemu_tinydist", None)
