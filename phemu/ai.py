"""The session-recording AI responder pipeline (``docs/ai.md``): hooks in, checked output out.

PostHog asks an LLM; phemu asks the ``phemu_ai_filters`` / ``phemu_ai_regex`` hooks, first
answer wins. Three kinds of implementation answer, in pluggy's call order:

1. :class:`CannedAnswers` (built in, ``tryfirst``): per-emulator FIFO queues filled by tests,
   like a scripted LLM (``emulator.ai.queue_regex(...)`` or ``POST /_phemu/ai/queue``);
2. third-party plugins (``phemu`` entry points, ``Emulator(plugins=[...])``);
3. the deterministic default responder ``phemu_ai_rules`` (``trylast``, in ``plugins/``).

Whatever answers is interpreted as PostHog interprets the model's reply (:func:`interpret`):
nothing or ``""`` is ``Invalid response from OpenAI``, a non-JSON string is ``Invalid JSON
response from OpenAI``, and an object off the strict schema is a bug of whoever produced it:
PostHog's 500 for the client, a :class:`~phemu.errors.PluginFault` report for the test.
"""

from __future__ import annotations

import copy
import inspect
import json
import sys
import traceback
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from functools import partial
from typing import TYPE_CHECKING
from typing import Any
from typing import ClassVar
from typing import Literal

from phemu.ai_schema import check_filters_output
from phemu.ai_schema import check_regex_output
from phemu.ai_schema import order_filters_output
from phemu.ai_schema import order_regex_output
from phemu.errors import Msg
from phemu.errors import PluginFault
from phemu.errors import PostHogError
from phemu.errors import ServerError
from phemu.errors import ValidationError
from phemu.plugin_manager import hookimpl

if TYPE_CHECKING:
    from types import FrameType

    from pluggy import HookImpl

    from phemu.context import RequestContext
    from phemu.emulator import Emulator

Endpoint = Literal["filters", "regex"]
CONTROL_KEYS = ("output", "outputs", "error", "server_error")
ENDPOINTS: tuple[Endpoint, ...] = ("filters", "regex")
CANNED_PLUGIN_NAME = "ai_canned"


class AIError(ValidationError):
    """An error PostHog's AI endpoints answer instead of a model reply: 400, ``attr`` null.

    Return it (or raise it) from a responder, or queue it, to reproduce PostHog's environment
    errors; the class attributes hold PostHog's exact texts::

        emulator.ai.queue_regex(AIError(AIError.OPENAI_KEY_NOT_CONFIGURED))
    """

    CLOUD_ONLY: ClassVar[str] = Msg.AI_ONLY_IN_CLOUD
    FILTERS_CLOUD_ONLY: ClassVar[str] = Msg.AI_FILTERS_ONLY_IN_CLOUD
    OPENAI_KEY_NOT_CONFIGURED: ClassVar[str] = Msg.OPENAI_KEY_NOT_CONFIGURED
    ANALYTICS_CLIENT_NOT_CONFIGURED: ClassVar[str] = Msg.ANALYTICS_CLIENT_NOT_CONFIGURED

    def __init__(self, detail: str) -> None:
        super().__init__(detail, code="invalid_input")

    def __reduce__(self) -> tuple[Any, ...]:
        # Queued errors are deep-copied with the store (seed checkpoints).
        return (type(self), (self.detail,))


# -- canned answers --------------------------------------------------------------------------
@dataclass
class CannedQueues:
    """The queues live in the store so ``reset()`` empties them with everything else."""

    filters: deque[Any] = field(default_factory=deque)
    regex: deque[Any] = field(default_factory=deque)

    def of(self, endpoint: str) -> deque[Any]:
        if endpoint == "filters":
            return self.filters
        if endpoint == "regex":
            return self.regex
        raise ValueError(f"unknown AI endpoint {endpoint!r}; use 'filters' or 'regex'")


class CannedAnswers:
    """``emulator.ai``: queue the next answers of the AI endpoints, like a scripted LLM.

    One queued item is consumed per request to that endpoint; an empty queue lets the next
    responder answer. Items may be anything a responder may return, including malformed ones
    on purpose: an output dict, a JSON string, a non-JSON string (400 ``Invalid JSON response
    from OpenAI``), ``""`` (400 ``Invalid response from OpenAI``), an :class:`AIError`, a dict
    off the schema (500, recorded as a bug of the test), or ``None`` (this request falls through
    to the other responders). To test a client's handling of a 500 on purpose, queue
    :class:`~phemu.errors.ServerError` ``()``: any returned ``PostHogError`` is answered as is.
    """

    def __init__(self, emulator: Emulator) -> None:
        self._emulator = emulator

    def _queues(self) -> CannedQueues:
        return self._emulator.store.state(CannedQueues)

    def queue(self, endpoint: str, *outputs: Any) -> None:
        """Append ``outputs`` to the queue of ``endpoint`` (``"filters"`` or ``"regex"``)."""
        store = self._emulator.store
        with store.lock:
            self._queues().of(endpoint).extend(copy.deepcopy(list(outputs)))

    def queue_filters(self, *outputs: Any) -> None:
        self.queue("filters", *outputs)

    def queue_regex(self, *outputs: Any) -> None:
        self.queue("regex", *outputs)

    def clear(self, endpoint: str | None = None) -> None:
        """Drop queued answers (of one endpoint, or of both)."""
        with self._emulator.store.lock:
            queues = self._queues()
            for name in ENDPOINTS if endpoint is None else (endpoint,):
                queues.of(name).clear()

    def pending(self) -> dict[str, int]:
        """How many answers are still queued per endpoint."""
        with self._emulator.store.lock:
            queues = self._queues()
            return {name: len(queues.of(name)) for name in ENDPOINTS}

    def control(self, method: str, body: Any, endpoint: str | None) -> dict[str, Any]:
        """The ``/_phemu/ai/queue`` control endpoint; raises ``ValueError`` on a bad request.

        ``GET`` counts, ``DELETE`` clears (``?endpoint=`` for one), ``POST`` queues
        ``{"endpoint": ..., "output": <any JSON>}``, ``{"endpoint": ..., "outputs": [...]}``,
        ``{"endpoint": ..., "error": "<AIError detail>"}`` or
        ``{"endpoint": ..., "server_error": true}`` (PostHog's 500, deliberately: no bug report).
        """
        if method == "DELETE":
            self.clear(endpoint or None)
        elif method == "POST":
            endpoint, outputs = _parse_control_body(body)
            self.queue(endpoint, *outputs)
        return {"pending": self.pending()}

    # The hook implementations are static: the class itself is the registered plugin
    # (:data:`CANNED_PLUGIN`), stateless and shared by every emulator's plugin manager; the
    # queues are found through the request's store, so they stay per emulator.
    @staticmethod
    @hookimpl(tryfirst=True)
    def phemu_ai_filters(ctx: RequestContext, messages: list[dict[str, str]]) -> Any:
        return _next_canned(ctx, "filters")

    @staticmethod
    @hookimpl(tryfirst=True)
    def phemu_ai_regex(ctx: RequestContext, description: str, engine: str) -> Any:
        return _next_canned(ctx, "regex")


#: The built-in plugin registered as :data:`CANNED_PLUGIN_NAME` in every emulator.
CANNED_PLUGIN: type[CannedAnswers] = CannedAnswers


def _next_canned(ctx: RequestContext, endpoint: Endpoint) -> Any:
    with ctx.store.lock:
        queue = ctx.store.state(CannedQueues).of(endpoint)
        return queue.popleft() if queue else None


def _parse_control_body(body: Any) -> tuple[str, list[Any]]:
    if not isinstance(body, dict):
        raise ValueError("expected a JSON object with 'endpoint' and 'output'")
    endpoint = body.get("endpoint")
    if endpoint not in ENDPOINTS:
        raise ValueError("'endpoint' must be 'filters' or 'regex'")
    given = [key for key in CONTROL_KEYS if key in body]
    if len(given) != 1:
        raise ValueError("give exactly one of " + ", ".join(f"'{k}'" for k in CONTROL_KEYS))
    value = body[given[0]]
    if given[0] == "output":
        return endpoint, [value]
    if given[0] == "outputs":
        if not isinstance(value, list):
            raise ValueError("'outputs' must be a list")
        return endpoint, value
    if given[0] == "error":
        if not isinstance(value, str):
            raise ValueError("'error' must be the detail string of an AIError")
        return endpoint, [AIError(value)]
    if value is not True:
        raise ValueError("'server_error' must be true")
    return endpoint, [ServerError()]


# -- asking the responders -------------------------------------------------------------------
@dataclass(frozen=True)
class Answer:
    """What the first responder returned, and who it was (for bug reports)."""

    value: Any
    responder: str


def describe(impl: HookImpl) -> str:
    function = impl.function
    where = f"{getattr(function, '__module__', '?')}.{getattr(function, '__qualname__', '?')}"
    return f"{impl.plugin_name!r} ({where})"


def ask(ctx: RequestContext, hook_name: str, **arguments: Any) -> Answer:
    """Call the hook ``hook_name(ctx=ctx, **arguments)`` through pluggy (``firstresult``) and
    name the implementation that answered or raised, for bug reports.

    pluggy calls the implementations one after the other and stops at the first answer, so the
    last implementation *entered* during the call is the one that answered (or raised). A
    profile function on this thread (:func:`sys.setprofile`, restored afterwards) watches which
    implementation functions are entered; pluggy's call order is never re-computed here. With
    hook wrappers installed the answer is the wrappers' joint work, named by the hook.
    """
    caller = getattr(ctx.emulator.hooks.hook, hook_name)
    impls: list[HookImpl] = caller.get_hookimpls()
    if any(impl.hookwrapper or impl.wrapper for impl in impls):
        return _call(partial(caller, ctx=ctx, **arguments), f"{hook_name} (through hook wrappers)")
    codes = {_code(impl.function): impl for impl in impls}
    entered: list[HookImpl] = []

    def watch(frame: FrameType, event: str, _arg: Any) -> None:
        if event == "call":
            impl = codes.get(frame.f_code)
            if impl is not None:
                entered.append(impl)

    def named() -> str:
        return describe(entered[-1]) if entered else "no responder"

    previous = sys.getprofile()
    sys.setprofile(watch)
    try:
        value = caller(ctx=ctx, **arguments)
    except PostHogError:
        raise
    except Exception:
        raise PluginFault(
            f"AI responder {named()} raised an exception:\n{traceback.format_exc()}"
        ) from None
    finally:
        sys.setprofile(previous)
    return Answer(value, named() if value is not None else "no responder")


def _code(function: Any) -> Any:
    """The code object a call of ``function`` runs (bound methods and statics included)."""
    return getattr(inspect.unwrap(function), "__code__", None)


def _call(function: Callable[[], Any], responder: str) -> Answer:
    try:
        return Answer(function(), responder)
    except PostHogError:
        raise
    except Exception:
        raise PluginFault(
            f"AI responder {responder} raised an exception:\n{traceback.format_exc()}"
        ) from None


Checker = Callable[[Any], list[str]]
Orderer = Callable[[dict[str, Any]], dict[str, Any]]
#: Where PostHog defines each strict output schema, named in the bug report of an output that
#: breaks it.
_AI_DATA = "posthog/session_recordings/ai_data"
SCHEMAS: dict[str, tuple[Checker, Orderer, str]] = {
    "filters": (check_filters_output, order_filters_output, f"{_AI_DATA}/ai_filter_schema.py"),
    "regex": (check_regex_output, order_regex_output, f"{_AI_DATA}/ai_regex_schema.py"),
}


def interpret(ctx: RequestContext, endpoint: Endpoint, answer: Answer) -> dict[str, Any]:
    """The body PostHog would send for ``answer``, or PostHog's error (``docs/ai.md``)."""
    value = answer.value
    if isinstance(value, PostHogError):
        raise value
    if value is None or value == "" or value == b"":
        raise ValidationError(Msg.INVALID_OPENAI_RESPONSE)
    if isinstance(value, (bytes, bytearray)):
        value = value.decode("utf-8", errors="replace")
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise ValidationError(Msg.INVALID_OPENAI_JSON) from None
    check, order, section = SCHEMAS[endpoint]
    violations = check(value)
    if violations:
        raise PluginFault(_schema_report(ctx, endpoint, answer, violations, section))
    return order(value)


def _schema_report(
    ctx: RequestContext, endpoint: str, answer: Answer, violations: list[str], section: str
) -> str:
    try:
        shown = json.dumps(answer.value, default=repr, ensure_ascii=False)
    except (TypeError, ValueError):  # non-string keys, cycles: a plugin may return anything
        shown = repr(answer.value)
    if len(shown) > 2000:
        shown = shown[:2000] + "..."
    lines = "\n".join(f"  - {v}" for v in violations)
    return (
        f"{ctx.method} {ctx.request.path}: AI responder {answer.responder} returned an output "
        f"that breaks PostHog's strict ai/{endpoint} schema ({section}):\n{lines}\n"
        f"output: {shown}"
    )
