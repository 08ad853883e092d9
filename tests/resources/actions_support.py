"""What the tests of the hand-written actions share: one call that checks the answer is the
hand-written one (tier ``exact``), has the expected status and fits the operation's published
response schema."""

from __future__ import annotations

from typing import Any

from phemu.emulator import Emulator
from phemu.openapi.index import operation_index
from tests.generic.support import schema_errors


def action(
    emulator: Emulator,
    method: str,
    path: str,
    operation: str,
    *,
    status: int = 200,
    json: Any = None,
    headers: dict[str, str] | None = None,
) -> Any:
    """The JSON body (``None`` when empty) of ``method path``, answered by a hand-written route
    with ``status``; a 2xx body must validate against ``operation``'s response schema."""
    kwargs: dict[str, Any] = {"headers": emulator.auth_headers if headers is None else headers}
    if json is not None:
        kwargs["json"] = json
    response = emulator.client().open(path, method=method, **kwargs)
    entry = emulator.requests()[-1]
    assert entry.tier == "exact", entry
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    data = response.get_json() if response.get_data() else None
    op = operation_index().by_id[operation]
    assert (op.method, op.path) == (method, _template(op.path, path)), op
    if status < 300 and op.response is not None:
        assert schema_errors(op.response, data) == []
    return data


def _template(template: str, path: str) -> str:
    """``path`` (without its query) rewritten onto ``template``'s ``{...}`` segments."""
    wanted = path.split("?", 1)[0].strip("/").split("/")
    parts = template.strip("/").split("/")
    if len(parts) != len(wanted):
        return path
    merged = [t if t.startswith("{") else w for t, w in zip(parts, wanted, strict=True)]
    return "/" + "/".join(merged) + "/"
