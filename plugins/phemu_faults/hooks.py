"""The hook implementations that make ``phemu_faults`` a phemu plugin."""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

from phemu.extend import ConfigurationError
from phemu.extend import hookimpl
from phemu_faults import control
from phemu_faults.faultset import FaultSet

if TYPE_CHECKING:
    from werkzeug.wrappers import Request
    from werkzeug.wrappers import Response

    from phemu.emulator import Emulator
    from phemu.extend import ControlRoute

#: The key of this plugin's state in ``emulator.extensions``.
EXTENSION = "faults"


@hookimpl
def phemu_configure(emulator: Emulator, options: dict[str, Any]) -> None:
    """Take ``faults=[...]`` and give the emulator its own rule set (empty: inert)."""
    try:
        rules = FaultSet(options.pop("faults", None) or (), seed=emulator.random_seed)
    except (TypeError, ValueError) as error:
        raise ConfigurationError(f"bad fault rule: {error}") from None
    emulator.extensions[EXTENSION] = rules


@hookimpl
def phemu_reset(emulator: Emulator) -> None:
    emulator.extensions[EXTENSION].reset()


@hookimpl(tryfirst=True)
def phemu_before_request(emulator: Emulator, request: Request) -> Response | None:
    # tryfirst: a fault models the network or a proxy in front of PostHog, so it wins over
    # canned answers from other plugins.
    faults: FaultSet = emulator.extensions[EXTENSION]
    return faults.apply(emulator, request)


@hookimpl
def phemu_control_routes() -> list[ControlRoute]:
    return control.CONTROL_ROUTES
