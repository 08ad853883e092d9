"""The public surface for plugin and resource authors: import from here, nothing private.

A **plugin** (``plugins/README.md``) implements ``phemu_*`` hooks (:mod:`phemu.hookspecs`): it may
add routes (:class:`Route` whose handlers return :func:`json_response`), seed-document keys
(:class:`SeedSection`, reading records with :class:`RecordReader`), control routes
(:data:`ControlRoute`, answered with :func:`reply`), and take its ``Emulator(...)`` options in
``phemu_configure``. A **resource** (``docs/architecture.md``) is a :class:`Resource` whose
:class:`Backend` is the only writer of its tables; handlers parse with :mod:`fields` and raise
the :class:`PostHogError` subclasses below, whose messages live in :class:`Msg`.
"""

from __future__ import annotations

from phemu import fields
from phemu.admin import read_json
from phemu.admin import reply
from phemu.context import RequestContext
from phemu.errors import ConfigurationError
from phemu.errors import ControlError
from phemu.errors import DroppedConnection
from phemu.errors import Msg
from phemu.errors import NotFound
from phemu.errors import ParseError
from phemu.errors import PermissionDenied
from phemu.errors import PhemuError
from phemu.errors import PostHogError
from phemu.errors import SeedError
from phemu.errors import ServerError
from phemu.errors import Throttled
from phemu.errors import ValidationError
from phemu.hookspecs import ControlRoute
from phemu.pagination import paginate
from phemu.pagination import paginate_bytes
from phemu.pagination import paginate_list
from phemu.plugin_manager import hookimpl
from phemu.resources._base import Backend
from phemu.resources._base import ModelBackend
from phemu.resources._base import ModelHandlers
from phemu.resources._base import Resource
from phemu.resources._base import bytes_response
from phemu.resources._base import empty_response
from phemu.resources._base import find_in_project
from phemu.resources._base import json_response
from phemu.resources._base import lookup_then_body
from phemu.resources._base import path_pk
from phemu.resources._base import user_basic
from phemu.resources._cache import RenderCache
from phemu.routing import Route
from phemu.seed import RecordReader
from phemu.seed import SeedSection
from phemu.seed import iter_records
from phemu.serialization import dumps
from phemu.serialization import format_datetime

__all__ = [
    "Backend",
    "ConfigurationError",
    "ControlError",
    "ControlRoute",
    "DroppedConnection",
    "ModelBackend",
    "ModelHandlers",
    "Msg",
    "NotFound",
    "ParseError",
    "PermissionDenied",
    "PhemuError",
    "PostHogError",
    "RecordReader",
    "RenderCache",
    "RequestContext",
    "Resource",
    "Route",
    "SeedError",
    "SeedSection",
    "ServerError",
    "Throttled",
    "ValidationError",
    "bytes_response",
    "dumps",
    "empty_response",
    "fields",
    "find_in_project",
    "format_datetime",
    "hookimpl",
    "iter_records",
    "json_response",
    "lookup_then_body",
    "paginate",
    "paginate_bytes",
    "paginate_list",
    "path_pk",
    "read_json",
    "reply",
    "user_basic",
]
