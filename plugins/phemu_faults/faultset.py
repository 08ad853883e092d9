"""One emulator's fault rules, their counters and the seeded generator behind ``probability``.

Lives in ``emulator.extensions["faults"]`` (also ``emulator.faults``). Rules given to the
constructor are the configured set; :meth:`FaultSet.reset` (run by ``Emulator.reset``) goes back
to them with fresh counters and a re-seeded generator, so runs are reproducible.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING
from typing import Any

from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.wrappers import Response

from phemu.extend import DroppedConnection
from phemu.extend import ServerError
from phemu.extend import Throttled
from phemu.extend import dumps
from phemu_faults.rules import FaultRule

if TYPE_CHECKING:
    from werkzeug.wrappers import Request

    from phemu.emulator import Emulator

RuleInput = FaultRule | Mapping[str, Any]


@dataclass
class ActiveRule:
    """A rule plus its run-time state."""

    id: int
    rule: FaultRule
    hits: int = 0

    @property
    def remaining(self) -> int | None:
        limit = self.rule.limit
        return None if limit is None else max(0, limit - self.hits)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            **self.rule.to_dict(),
            "hits": self.hits,
            "remaining": self.remaining,
        }


class FaultSet:
    """The active rules of one emulator, in the order they were added (first hit wins).

    :param rules: the configured rules (restored by :meth:`reset`).
    :param seed: seed of the generator for ``probability`` draws (the emulator's
        ``random_seed``).
    :param sleep: how ``delay`` waits; tests may pass a recorder.
    """

    def __init__(
        self,
        rules: Iterable[RuleInput] = (),
        *,
        seed: int = 0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._configured = tuple(FaultRule.coerce(r) for r in rules)
        self._seed = seed
        self.sleep = sleep
        self._lock = threading.Lock()
        self._active: list[ActiveRule] = []
        self._next_id = 1
        self._rng: random.Random | None = None
        self.reset()

    @property
    def rng(self) -> random.Random:
        """The generator of ``probability`` draws, ``random.Random(seed)`` until first used.

        Made on first use (rules with a probability are rare) rather than seeded for every
        emulator and every reset. Used under ``_lock``, so it is created once.
        """
        if self._rng is None:
            self._rng = random.Random(self._seed)
        return self._rng

    # -- managing rules ---------------------------------------------------------------------
    def add(self, rule: RuleInput | None = None, /, **fields: Any) -> ActiveRule:
        """Add one rule, given as a :class:`FaultRule`, a mapping or keyword fields.

        ``emulator.faults.add(status=503, path="/api/projects/*/subscriptions/", times=2)``
        """
        if rule is not None and fields:
            raise TypeError("give a rule or keyword fields, not both")
        parsed = FaultRule.coerce(rule if rule is not None else fields)
        with self._lock:
            active = ActiveRule(id=self._next_id, rule=parsed)
            self._next_id += 1
            self._active.append(active)
        return active

    def extend(self, rules: Iterable[RuleInput]) -> list[ActiveRule]:
        """Add several rules, all or none (each is validated before any is added)."""
        parsed = [FaultRule.coerce(r) for r in rules]
        return [self.add(rule) for rule in parsed]

    def remove(self, rule_id: int) -> bool:
        """Remove the rule with that id; ``False`` if there is none."""
        with self._lock:
            before = len(self._active)
            self._active = [a for a in self._active if a.id != rule_id]
            return len(self._active) != before

    def get(self, rule_id: int) -> ActiveRule | None:
        with self._lock:
            return next((a for a in self._active if a.id == rule_id), None)

    def clear(self) -> None:
        """Remove every rule (the configured ones come back on reset)."""
        with self._lock:
            self._active.clear()

    def reset(self) -> None:
        """Back to the configured rules with fresh counters and a re-seeded generator."""
        with self._lock:
            self._active = []
            self._next_id = 1
            self._rng = None  # re-seeded: the next draw starts from Random(seed) again
        for rule in self._configured:
            self.add(rule)

    @property
    def rules(self) -> list[ActiveRule]:
        with self._lock:
            return list(self._active)

    def __iter__(self) -> Iterator[ActiveRule]:
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self._active)

    # -- applying rules ----------------------------------------------------------------------
    def pick(self, emulator: Emulator, request: Request) -> FaultRule | None:
        """The first rule that hits ``request``, its counter already taken."""
        if not self._active:
            return None
        for active in self.rules:
            if active.remaining == 0 or not active.rule.matches(emulator, request):
                continue
            with self._lock:
                if active.remaining == 0:  # another thread took the last hit
                    continue
                if active.rule.probability < 1.0 and self.rng.random() >= active.rule.probability:
                    continue
                active.hits += 1
            return active.rule
        return None

    def apply(self, emulator: Emulator, request: Request) -> Response | None:
        """The ``phemu_before_request`` answer: a response, ``None`` to proceed, or a drop."""
        rule = self.pick(emulator, request)
        if rule is None:
            return None
        if rule.delay:
            self.sleep(float(rule.delay))
        if rule.drop:
            raise DroppedConnection(
                f"phemu fault: connection dropped ({request.method} {request.path})"
            )
        if rule.status is None:
            return None
        return fault_response(rule)


def fault_response(rule: FaultRule) -> Response:
    """The answer of a status rule, PostHog-shaped, raw or custom."""
    status = rule.status or 500
    headers: dict[str, str] = {}
    if rule.retry_after is not None or status == 429:
        headers["Retry-After"] = str(rule.retry_after if rule.retry_after is not None else 1)
    if rule.body == "raw":
        phrase = f"{status} {HTTP_STATUS_CODES.get(status, 'Error')}"
        page = (
            f"<html>\r\n<head><title>{phrase}</title></head>\r\n<body>\r\n"
            f"<center><h1>{phrase}</h1></center>\r\n</body>\r\n</html>\r\n"
        )
        return Response(page, status=status, headers=headers, content_type="text/html")
    if rule.body == "posthog":
        if status == 429:
            # The body's "N seconds" and Retry-After always agree, as in PostHog's 429.
            error: Throttled | ServerError = Throttled(int(headers["Retry-After"]))
        else:
            error = ServerError()
        data: Any = error.body()
    else:
        data = rule.body
    return Response(dumps(data), status=status, headers=headers, content_type="application/json")
