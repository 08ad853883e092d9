"""``/_phemu/faults``: the fault rules over HTTP, for tests driving a server from outside.

``GET`` lists the rules with their counters, ``POST`` adds one rule object or a list of them
(all or none), ``DELETE`` removes every rule; ``/_phemu/faults/<id>`` reads or deletes one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from phemu.extend import ControlError
from phemu.extend import ControlRoute
from phemu.extend import read_json
from phemu.extend import reply
from phemu_faults.faultset import FaultSet

#: The key of the plugin's state in ``emulator.extensions``.
EXTENSION = "faults"

if TYPE_CHECKING:
    from werkzeug.wrappers import Request
    from werkzeug.wrappers import Response

    from phemu.emulator import Emulator


def faults(emulator: Emulator, request: Request) -> Response:
    rules: FaultSet = emulator.extensions[EXTENSION]
    if request.method == "DELETE":
        rules.clear()
        return reply({"status": "cleared"})
    if request.method == "POST":
        body = read_json(request)
        items = body if isinstance(body, list) else [body]
        try:
            added = rules.extend(items)
        except (TypeError, ValueError) as error:
            raise ControlError(str(error)) from None
        return reply({"count": len(added), "results": [a.to_dict() for a in added]}, status=201)
    listed = rules.rules
    return reply({"count": len(listed), "results": [a.to_dict() for a in listed]})


def fault(emulator: Emulator, request: Request, rule_id: int) -> Response:
    rules: FaultSet = emulator.extensions[EXTENSION]
    found = rules.get(rule_id)
    if found is None:
        return reply({"error": f"no fault rule with id {rule_id}"}, status=404)
    if request.method == "DELETE":
        rules.remove(rule_id)
        return reply({"status": "deleted", "id": rule_id})
    return reply(found.to_dict())


CONTROL_ROUTES: list[ControlRoute] = [
    ("/_phemu/faults", ("GET", "POST", "DELETE"), faults),
    ("/_phemu/faults/<int:rule_id>", ("GET", "DELETE"), fault),
]
