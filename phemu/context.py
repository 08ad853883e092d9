"""The per-request context handed to handlers, and request-body parsing as PostHog does it.

Handlers receive a :class:`RequestContext` once every platform check has passed: the key owner,
the resolved project, the path values and a lazily parsed body.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from typing import TYPE_CHECKING
from typing import Any

from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Request

from phemu.errors import ParseError
from phemu.errors import ServerError
from phemu.errors import UnsupportedMediaType

if TYPE_CHECKING:
    from phemu.emulator import Emulator
    from phemu.routing import Route
    from phemu.store import PersonalAPIKey
    from phemu.store import Project
    from phemu.store import Store
    from phemu.store import User

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class QueryArgs(ImmutableMultiDict[str, Any]):
    """werkzeug's query and form storage, whose ``get`` of an absent key returns the default
    without raising.

    werkzeug's ``get`` looks the key up with ``self[key]`` and catches the ``KeyError``, which
    builds a ``BadRequestKeyError`` (an ``HTTPException``) each time; every list request asks
    for several parameters a client rarely sends (``offset``, ``search``, ``basic``...).
    """

    def get(self, key: str, default: Any = None, type: Any = None) -> Any:  # type: ignore[override]
        if key not in self:
            return default
        return super().get(key, default, type)


class PhemuRequest(Request):
    """The request every front door's call becomes (werkzeug's, with :class:`QueryArgs`)."""

    parameter_storage_class = QueryArgs


class FormBody(dict[str, Any]):
    """A form body: single values like JSON, plus ``getlist`` for list fields.

    List fields (``byweekday=monday&byweekday=friday``, or ``ids[0]=a&ids[1]=b``) read
    :meth:`getlist`; every other field sees the last value as a string, as DRF's ``QueryDict``
    does.
    """

    def __init__(self, multi: MultiDict[str, Any]) -> None:
        super().__init__({key: multi.getlist(key)[-1] for key in multi})
        self.multi = multi

    def repeated(self, key: str) -> list[Any]:
        """Every value sent under ``key`` itself (DRF's ``QueryDict.getlist``)."""
        return list(self.multi.getlist(key))

    def indexed(self, key: str) -> list[Any]:
        """DRF's ``html.parse_html_list``: ``key[0]=a&key[1]=b`` in index order; a key with
        more after the index (``key[0]name=x``) makes that item a dict."""
        pattern = re.compile(rf"^{re.escape(key)}\[([0-9]+)\](.*)$")
        found: dict[int, Any] = {}
        for name, value in self.items():
            match = pattern.match(name)
            if match is None:
                continue
            index, rest = int(match.group(1)), match.group(2)
            if not rest:
                found[index] = value
            elif isinstance(found.get(index), dict):
                found[index][rest] = value
            else:
                found[index] = {rest: value}
        return [found[index] for index in sorted(found)]

    def getlist(self, key: str) -> list[Any]:
        """A ``ListField``'s value (``ListField.get_value``): the repeated key, else its
        indexed form."""
        return self.repeated(key) or self.indexed(key)


def list_value(body: Any, key: str) -> Any:
    """The raw value of a list field: DRF's ``ListField.get_value`` for forms, the JSON value
    otherwise."""
    if isinstance(body, FormBody):
        return body.getlist(key)
    return body[key]


def has_list(body: Any, key: str, *, partial: bool = False) -> bool:
    """Whether a body carries list field ``key``: a form may send it indexed (``key[0]``), which
    DRF reads only when the key itself is absent and the update is not partial."""
    if key in body:
        return True
    return isinstance(body, FormBody) and not partial and bool(body.indexed(key))


def _reject_constant(name: str) -> float:
    # DRF's JSONParser uses strict_constant: NaN and Infinity are not JSON.
    raise ValueError(f"Out of range float values are not JSON compliant: {name}")


def parse_body(request: Request, *, json_only: bool = False) -> Any:
    """Parse a request body as DRF's parsers would.

    Empty bodies are ``{}``; JSON may be any JSON value (``null``, lists... are rejected later
    by the serializer with DRF's messages); forms become :class:`FormBody`.
    """
    raw = request.get_data(cache=True)
    if not raw:
        return {}
    content_type = request.headers.get("Content-Type", "")
    media = content_type.split(";", 1)[0].strip().lower()
    if media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    ):
        try:
            text = raw.decode(request.mimetype_params.get("charset", "utf-8"))
            return json.loads(text, parse_constant=_reject_constant)
        except (ValueError, LookupError) as error:
            raise ParseError.json(str(error)) from None
        except RecursionError:
            # DRF's JSONParser catches only ValueError, so PostHog answers deeply nested JSON
            # (Python's decoder recursing too deep) with its generic 500: deliberate, not a bug.
            raise ServerError() from None
    if media in FORM_TYPES and not json_only:
        return FormBody(MultiDict(list(request.form.items(multi=True))))
    raise UnsupportedMediaType(content_type)


@dataclass(eq=False)
class RequestContext:
    """Everything a handler needs about one authenticated, authorised request."""

    emulator: Emulator
    request: Request
    route: Route
    method: str
    path_values: dict[str, str]
    user: User | None = None
    key: PersonalAPIKey | None = None
    project: Project | None = None
    #: The project whose secret API key authenticated the request (``Route.secret_keys``);
    #: ``user`` and ``key`` are then ``None``, as PostHog's synthetic ``ProjectSecretAPIKeyUser``.
    secret_project: Project | None = None
    prefix: str | None = None
    #: How the answer is made (``exact``, ``stateful``, ``shaped``, ``scripted``), for the journal.
    tier: str | None = None
    _body: Any = field(default=None, repr=False)
    _body_parsed: bool = field(default=False, repr=False)

    @property
    def store(self) -> Store:
        return self.emulator.store

    @property
    def now(self) -> datetime:
        return self.emulator.clock.now()

    @property
    def query(self) -> MultiDict[str, str]:
        return self.request.args

    def arg(self, name: str) -> str | None:
        """Django's ``QueryDict.get``: the *last* value of a repeated query parameter."""
        values = self.request.args.getlist(name)
        return values[-1] if values else None

    @property
    def body(self) -> Any:
        """The parsed body (parsed at most once; errors are PostHog's 400/415)."""
        if not self._body_parsed:
            self._body = parse_body(self.request, json_only=self.route.json_only)
            self._body_parsed = True
        return self._body

    def set_body(self, body: Any) -> None:
        self._body, self._body_parsed = body, True

    @property
    def project_id(self) -> int:
        """The resolved project's id (nested routes only)."""
        assert self.project is not None, "project_id is only available on nested routes"
        return self.project.id

    @property
    def owner(self) -> User:
        assert self.user is not None
        return self.user
