"""phemu's default AI responder: deterministic rules instead of a language model (``docs/ai.md``).

Registered through the ``phemu`` entry-point group as ``ai_rules`` and called last
(``trylast``), so canned answers and any other plugin answer first. Same input, same output,
always within PostHog's strict schema. Disable it with ``Emulator(disable_plugins=["ai_rules"])``
(the endpoints then answer 400 ``Invalid response from OpenAI`` unless something else answers).

Every process's first ``Emulator()`` loads this module, but few processes ask the AI anything:
the rule modules (their regular expressions compile at import, tens of milliseconds) load in the
hooks, on the first AI request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

from phemu.extend import hookimpl

if TYPE_CHECKING:
    from phemu.extend import RequestContext

__all__ = ["phemu_ai_filters", "phemu_ai_regex"]


@hookimpl(trylast=True)
def phemu_ai_filters(ctx: RequestContext, messages: list[dict[str, str]]) -> dict[str, Any]:
    """Filters from the user messages; relative dates use the emulator clock's UTC day."""
    from phemu_ai_rules import filter_rules

    return filter_rules.answer(messages, today=ctx.now.date())


@hookimpl(trylast=True)
def phemu_ai_regex(ctx: RequestContext, description: str, engine: str) -> dict[str, Any]:
    from phemu_ai_rules import regex_rules

    return regex_rules.answer(description, engine)
