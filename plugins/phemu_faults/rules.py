"""Fault rules: which requests a rule matches, and what it does to them.

A rule is data (so it can come from Python, a pytest marker or JSON over ``/_phemu/faults``);
its run-time counters live beside it in :class:`ActiveRule` so the configured rules can be
re-armed by a reset.
"""

from __future__ import annotations

import fnmatch
import json
import math
import re
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from dataclasses import fields
from typing import TYPE_CHECKING
from typing import Any

from phemu.store import mask_key

if TYPE_CHECKING:
    from werkzeug.wrappers import Request

    from phemu.emulator import Emulator

BODY_STYLES = ("posthog", "raw")
#: Longest ``delay`` in seconds: enough to trip any client timeout, short enough that a rule set
#: over the unauthenticated control plane cannot park the server's workers for long.
MAX_DELAY = 60.0
RE2_HINT = (
    "path_regex needs the linear-time google-re2 engine: pip install 'phemu[re2]' "
    "(or match with the path glob)"
)
_PROJECT_PATH = re.compile(r"^/api/(?:projects|environments)/([^/]+)(?:/|$)")
_BEARER = re.compile(r"^Bearer\s+(\S.+)$")


def _times(value: Any) -> int | None:
    """``"once"`` → 1, ``"always"``/``None`` → unlimited, or a positive integer."""
    if value is None or value == "always":
        return None
    if value == "once":
        return 1
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"times must be 'once', 'always' or a positive integer, not {value!r}")
    return value


@dataclass(frozen=True)
class FaultRule:
    """One fault: the matchers (all optional, all must match) and the action.

    Actions: ``status`` answers instead of the emulator (429 with PostHog's throttled body and
    ``Retry-After``; 5xx PostHog-shaped or, with ``body="raw"``, a load balancer's HTML page);
    ``drop`` drops the connection; ``delay`` sleeps that many real seconds (at most
    :data:`MAX_DELAY`) first and may be combined with either, or used alone (the request then
    proceeds normally).

    :param method: an HTTP method or a list of them (case-insensitive).
    :param path: a glob over the request path (``/api/projects/*/subscriptions/*``); a trailing
        slash on either side is ignored, as PostHog's router ignores it.
    :param path_regex: a regular expression searched in the request path (anchor it yourself),
        run by RE2 (linear time, no backreferences or lookarounds; the ``re2`` extra).
    :param project: the project id in ``/api/projects/<id>/...`` or ``/api/environments/...``;
        ``@current`` in the URL is resolved through the key's owner.
    :param key: the personal API key, in plaintext or masked as PostHog shows it (``phx_...a1b2``).
    :param times: ``"once"``, an integer, or ``"always"`` (default).
    :param probability: chance, from the emulator's seeded generator, that a matching request
        is hit; misses do not use up ``times``.
    :param retry_after: the ``Retry-After`` seconds (429 defaults to 1; other statuses send the
        header only when this is set).
    :param body: ``"posthog"`` (PostHog's error JSON), ``"raw"`` (an HTML page as a load
        balancer sends) or a JSON value to send as is.
    """

    status: int | None = None
    drop: bool = False
    delay: float = 0.0
    method: str | Sequence[str] | None = None
    path: str | None = None
    path_regex: str | None = None
    project: int | str | None = None
    key: str | None = None
    times: int | str | None = None
    probability: float = 1.0
    retry_after: int | None = None
    body: Any = "posthog"
    _pattern: Any = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.status is None and not self.drop and not self.delay:
            raise ValueError("a fault rule needs an action: status, drop or delay")
        if self.status is not None and self.drop:
            raise ValueError("a fault rule cannot both answer a status and drop the connection")
        if self.status is not None and (
            isinstance(self.status, bool)
            or not isinstance(self.status, int)
            or not (self.status == 429 or 500 <= self.status <= 599)
        ):
            raise ValueError(f"status must be 429 or a 5xx code, not {self.status!r}")
        if (
            isinstance(self.delay, bool)
            or not isinstance(self.delay, (int, float))
            or not math.isfinite(self.delay)
            or not 0 <= self.delay <= MAX_DELAY
        ):
            raise ValueError(
                f"delay must be a number of seconds from 0 to {MAX_DELAY:g}, not {self.delay!r}"
            )
        if (
            isinstance(self.probability, bool)
            or not isinstance(self.probability, (int, float))
            or not (0.0 <= self.probability <= 1.0)
        ):
            raise ValueError(f"probability must be between 0 and 1, not {self.probability!r}")
        if self.retry_after is not None and (
            isinstance(self.retry_after, bool)
            or not isinstance(self.retry_after, int)
            or self.retry_after < 0
        ):
            raise ValueError(
                f"retry_after must be a non-negative integer, not {self.retry_after!r}"
            )
        if isinstance(self.body, str) and self.body not in BODY_STYLES:
            raise ValueError(f"body must be 'posthog', 'raw' or a JSON value, not {self.body!r}")
        if self.project is not None and not isinstance(self.project, (int, str)):
            raise ValueError(f"project must be a project id, not {self.project!r}")
        _times(self.times)
        if self.path_regex is not None:
            object.__setattr__(self, "_pattern", _linear_pattern(self.path_regex))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FaultRule:
        """A rule from JSON or marker keywords; unknown keys are refused, naming the known ones."""
        if not isinstance(data, Mapping):
            raise ValueError(f"a fault rule must be an object, not {type(data).__name__}")
        known = [f.name for f in fields(cls) if f.init]
        unknown = [k for k in data if k not in known]
        if unknown:
            names = ", ".join(map(repr, unknown))
            raise ValueError(f"unknown fault rule field(s) {names}; known: {', '.join(known)}")
        return cls(**data)

    @classmethod
    def coerce(cls, value: FaultRule | Mapping[str, Any]) -> FaultRule:
        return value if isinstance(value, FaultRule) else cls.from_dict(value)

    @property
    def limit(self) -> int | None:
        """How many requests this rule may hit (``None``: unlimited)."""
        return _times(self.times)

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.init}

    # -- matching ----------------------------------------------------------------------------
    def matches(self, emulator: Emulator, request: Request) -> bool:
        """Whether every matcher of the rule accepts ``request`` (cheapest checks first)."""
        if self.method is not None:
            wanted = [self.method] if isinstance(self.method, str) else list(self.method)
            if request.method.upper() not in {m.upper() for m in wanted}:
                return False
        path = request.path
        if self.path is not None and not _glob(path, self.path):
            return False
        if self._pattern is not None and not self._pattern.search(path):
            return False
        if self.key is not None:
            candidate = request_key(request)
            if candidate is None or self.key not in (candidate, mask_key(candidate)):
                return False
        return self.project is None or _project_matches(emulator, request, self.project)


def _linear_pattern(pattern: Any) -> Any:
    """``pattern`` compiled by RE2, whose matching time is linear in the path's length.

    The rule set is writable over the unauthenticated control plane, so a backtracking engine
    would let one rule (``^/(a+)+$``) pin a worker for minutes on a short path.
    """
    if not isinstance(pattern, str):
        raise ValueError(f"path_regex must be a string, not {pattern!r}")
    try:
        import re2
    except ImportError:
        raise ValueError(RE2_HINT) from None
    options = re2.Options()
    options.log_errors = False  # the ValueError says it; RE2 would also print to stderr
    try:
        return re2.compile(pattern, options=options)
    except re2.error as error:
        reason = error.args[0].decode() if isinstance(error.args[0], bytes) else error.args[0]
        raise ValueError(f"path_regex {pattern!r} is invalid: {reason}") from None


def _glob(path: str, pattern: str) -> bool:
    if fnmatch.fnmatchcase(path, pattern):
        return True
    bare_path, bare_pattern = path.rstrip("/"), pattern.rstrip("/")
    return fnmatch.fnmatchcase(bare_path, bare_pattern) or fnmatch.fnmatchcase(
        bare_path + "/", pattern
    )


def _project_matches(emulator: Emulator, request: Request, project: int | str) -> bool:
    found = _PROJECT_PATH.match(request.path)
    if found is None:
        return False
    segment = found.group(1)
    if segment == "@current":
        candidate = request_key(request)
        key = emulator.store.find_key(candidate) if candidate else None
        user = emulator.store.users.get(key.user) if key is not None else None
        if user is None or user.current_project is None:
            return False
        segment = str(user.current_project)
    return segment == str(project)


def request_key(request: Request) -> str | None:
    """The personal API key a request carries, looked up where PostHog looks (no validation).

    Header first, then a JSON or form body's ``personal_api_key``, then the query string. A
    body that does not parse simply has no key here; the emulator reports it later.
    """
    header = _BEARER.match(request.headers.get("Authorization", ""))
    if header:
        token = header.group(1).strip()
        if token and not token.startswith("pha_"):
            return token
    if request.content_length or request.headers.get("Transfer-Encoding"):
        value = _body_key(request)
        if value:
            return value
    return request.args.get("personal_api_key") or None


def _body_key(request: Request) -> str | None:
    media = request.mimetype
    if media == "application/json" or media.endswith("+json"):
        try:
            body = json.loads(request.get_data(cache=True))
        except (ValueError, UnicodeDecodeError):
            return None
        value = body.get("personal_api_key") if isinstance(body, dict) else None
        return value if isinstance(value, str) else None
    if media in ("application/x-www-form-urlencoded", "multipart/form-data"):
        request.get_data(cache=True)  # cache first, so the emulator can still read the body
        return request.form.get("personal_api_key") or None
    return None
