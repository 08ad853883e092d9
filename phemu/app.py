"""The WSGI application: PostHog's request flow over the emulator's routes.

Every front door (the ``responses`` patcher, httpx transports, the pytest fixtures and the
server) calls this one app, so behaviour cannot differ between them. The order of checks is:
route match → authenticate → (cloud) token refused, or a method PostHog's viewset does not
map → resolve project → key restrictions → scope → membership → throttle → handler. Any
failure renders PostHog's error JSON; an unexpected exception renders PostHog's 500 and is
recorded as a phemu bug.
"""

from __future__ import annotations

import contextlib
import socket
import time
import traceback
from collections.abc import Iterable
from typing import TYPE_CHECKING
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.wrappers import Request
from werkzeug.wrappers import Response

from phemu import auth
from phemu.context import PhemuRequest
from phemu.context import RequestContext
from phemu.errors import DroppedConnection
from phemu.errors import EndpointNotFound
from phemu.errors import MethodNotAllowed
from phemu.errors import Msg
from phemu.errors import NoPersonalAPIKeyAccess
from phemu.errors import PermissionDenied
from phemu.errors import PlainTextError
from phemu.errors import PluginFault
from phemu.errors import PostHogError
from phemu.errors import ProjectNotFound
from phemu.errors import ServerError
from phemu.fields import lookup_int
from phemu.front_doors import Answer
from phemu.journal import mask_query
from phemu.resources._base import empty_response
from phemu.resources._base import json_response
from phemu.routing import Route
from phemu.serialization import format_datetime

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse
    from _typeshed.wsgi import WSGIApplication
    from _typeshed.wsgi import WSGIEnvironment

    from phemu.emulator import Emulator
    from phemu.store import Project

CONTROL_PREFIX = "/_phemu"


class Outcome:
    """What the journal needs to know about one handled request."""

    __slots__ = ("endpoint", "error", "near_misses", "tier", "unknown_route")

    def __init__(self) -> None:
        self.endpoint: str | None = None
        self.tier: str | None = None
        self.unknown_route = False
        self.near_misses: list[str] = []
        self.error: str | None = None


class PostHogApp:
    """The WSGI callable of one emulator."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        # The plugin manager is read-only once built, so which request hooks have
        # implementations is known now; an emulator without such plugins skips the calls.
        hooks = emulator.hooks.hook
        before, after = hooks.phemu_before_request, hooks.phemu_after_response
        self.before_request = before if before.get_hookimpls() else None
        self.after_response = after if after.get_hookimpls() else None

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = PhemuRequest(environ)
        if is_control(request.path):
            return self.emulator.control_plane(environ, start_response)  # type: ignore[no-any-return]
        response = self.serve(request, environ)
        # Django's reason phrases are title case ("405 Method Not Allowed"); werkzeug's status
        # setter upper-cases them.
        code = response.status_code
        status = f"{code} {HTTP_STATUS_CODES.get(code, 'Unknown Status Code')}"
        if response.status != status:
            response.status = status
        return response(environ, start_response)

    def answer(self, environ: WSGIEnvironment) -> Answer:
        """``(status, headers, body)`` of one request, for the in-process front doors.

        The same flow as the WSGI call; only the last step differs: the response is read
        directly rather than through ``start_response`` and its iterator (:func:`read_response`).
        """
        request = PhemuRequest(environ)
        if is_control(request.path):
            return call_wsgi(self.emulator.control_plane, environ)
        return read_response(self.serve(request, environ), environ)

    def serve(self, request: Request, environ: WSGIEnvironment) -> Response:
        """The response to one API request, journaled (and observed by plugins)."""
        started = time.perf_counter()
        outcome = Outcome()
        try:
            response = self.handle(request, outcome)
        except DroppedConnection:
            # Journaled with status 0 so retries through a dropped connection can be counted.
            outcome.error = "dropped connection"
            self.record(request, 0, outcome, started)
            drop_socket(environ)
            raise
        if self.after_response is not None:
            self.after_response(emulator=self.emulator, request=request, response=response)
        self.record(request, response.status_code, outcome, started)
        return response

    def record(self, request: Request, status: int, outcome: Outcome, started: float) -> None:
        self.emulator.journal.record(
            at=format_datetime(self.emulator.clock.now()) or "",
            method=request.method,
            path=request.path,
            query=mask_query(request.query_string.decode("latin-1")),
            status=status,
            endpoint=outcome.endpoint,
            tier=outcome.tier,
            duration_ms=round((time.perf_counter() - started) * 1000, 3),
            unknown_route=outcome.unknown_route,
            near_misses=outcome.near_misses,
            error=outcome.error,
        )

    # -- the request flow --------------------------------------------------------------------
    def handle(self, request: Request, outcome: Outcome) -> Response:
        emulator = self.emulator
        route: Route | None = None
        prefix: str | None = None
        try:
            if self.before_request is not None:
                hooked = self.before_request(emulator=emulator, request=request)
                if hooked is not None:
                    return hooked  # type: ignore[no-any-return]
            emulator.tick()
            route, prefix, values = self.match(request, outcome)
            ctx = RequestContext(
                emulator=emulator,
                request=request,
                route=route,
                method=request.method.upper(),
                path_values=values,
                prefix=prefix,
                tier=outcome.tier,
            )
            self.check(ctx)
            response = self.dispatch(ctx)
            outcome.tier = ctx.tier
        except PluginFault as error:
            outcome.error = error.report
            emulator.record_bug(error.report)
            response = error_response(error)
        except PostHogError as error:
            response = error_response(error)
        except PlainTextError as error:
            response = Response(
                error.detail, status=error.status, headers=error.headers, mimetype="text/plain"
            )
        except DroppedConnection:
            raise
        except Exception:
            outcome.error = traceback.format_exc()
            emulator.record_bug(outcome.error)
            response = error_response(ServerError())
        if route is not None:
            self.decorate(request, response, route, prefix)
        return response

    def match(self, request: Request, outcome: Outcome) -> tuple[Route, str | None, dict[str, str]]:
        table = self.emulator.routes
        try:
            if "//" in request.path:
                # PostHog's URL patterns never match an empty segment; werkzeug's optional
                # trailing slash would otherwise accept "/api/projects//".
                raise EndpointNotFound()
            (endpoint, index), values = table.match(request.path)
        except (HTTPException, EndpointNotFound):
            outcome.unknown_route = True
            outcome.near_misses = table.near_misses(request.path)
            raise EndpointNotFound() from None
        route = table.routes[endpoint]
        if self.emulator.profile == "cloud" and route.cloud == "absent":
            outcome.unknown_route = True
            raise EndpointNotFound()
        outcome.endpoint = endpoint
        outcome.tier = route.tier(request.method.upper())
        return route, (route.prefixes[index] if route.nested else None), dict(values)

    def check(self, ctx: RequestContext) -> None:
        """Authenticate, then the project, key restrictions, scope, membership and throttle."""
        if ctx.route.public:
            # Ingestion and flags doors authenticate by project token in their handlers.
            return
        route = ctx.route
        if route.secret_keys:
            secret = auth.authenticate_secret(ctx)
            if secret is not None:
                self.check_secret(ctx, secret)
                return
        ctx.user, ctx.key = auth.authenticate(ctx)
        if self.emulator.profile == "cloud" and route.cloud == "refuse_keys":
            raise NoPersonalAPIKeyAccess()
        if not route.maps(ctx.method) or route.required_scopes(ctx.method) is None:
            # APIScopePermission finds no action, or an action without a scope (schema
            # operations PostHog documents with none): no personal API key (posthog/permissions.py).
            raise NoPersonalAPIKeyAccess()
        if route.nested:
            ctx.project = self.resolve_project(ctx)
            auth.check_restrictions(ctx, project=ctx.project)
        elif route.target is not None:
            project, organization = route.target(ctx)
            if project is not None or organization is not None:
                auth.check_restrictions(ctx, project=project, organization=organization)
        else:
            auth.check_restrictions(ctx)
        auth.check_scope(ctx)
        auth.check_membership(ctx)
        throttler = self.emulator.throttler
        if throttler is not None and ctx.key is not None:
            throttler.check(route.throttle, ctx.key.secure_value, ctx.now)

    def check_secret(self, ctx: RequestContext, secret: Project) -> None:
        """A project secret API key: PostHog's scope, access-control and membership permissions
        let it through; ``ProjectSecretAPITokenPermission`` (``posthog/permissions.py``) then
        wants the project the request is about to be the key's (403 otherwise). Its synthetic
        user's current project is the key's, which is what ``@current`` names."""
        ctx.secret_project = secret
        route = ctx.route
        if route.nested:
            project = ctx.project = self.resolve_project(ctx)
        else:
            project = route.target(ctx)[0] if route.target is not None else None
        if project is not None and project.id != secret.id:
            raise PermissionDenied(Msg.PERMISSION_DENIED)

    def resolve_project(self, ctx: RequestContext) -> Any:
        raw = ctx.path_values.get("project", "")
        if raw != "@current":
            project_id = lookup_int(raw)
        elif ctx.secret_project is not None:
            project_id = ctx.secret_project.id
        else:
            project_id = ctx.owner.current_project
        project = self.emulator.store.projects.get(project_id) if project_id is not None else None
        if project is None:
            raise ProjectNotFound()
        return project

    def dispatch(self, ctx: RequestContext) -> Response:
        route, method = ctx.route, ctx.method
        handler = route.handlers.get("GET" if method == "HEAD" else method)
        if handler is not None:
            return handler(ctx)
        if method == "OPTIONS":
            return json_response(options_metadata(route))
        if route.public:
            # axum's method router: an empty 405 naming the allowed methods.
            return empty_response(405)
        if method == "DELETE" and route.forbid_destroy:
            # PostHog's ForbidDestroyModel: a bare 405, the object is never looked up.
            return empty_response(405)
        raise MethodNotAllowed(method, route.allow)

    def decorate(
        self, request: Request, response: Response, route: Route, prefix: str | None
    ) -> None:
        """Headers every response of a matched route carries."""
        response.headers["Allow"] = route.allow
        if self.emulator.profile == "cloud" and prefix == "environments":
            rest = request.path[len("/api/environments") :]
            query = request.query_string.decode("latin-1")
            target = "/api/projects" + rest + (f"?{query}" if query else "")
            response.headers["Deprecation"] = "true"
            response.headers["Link"] = f'<{target}>; rel="successor-version"'


def is_control(path: str) -> bool:
    """Whether ``path`` belongs to the control plane (``/_phemu`` and below)."""
    return path.startswith(CONTROL_PREFIX) and (
        len(path) == len(CONTROL_PREFIX) or path[len(CONTROL_PREFIX)] == "/"
    )


def call_wsgi(app: WSGIApplication, environ: WSGIEnvironment) -> Answer:
    """``(status, headers, body)`` of one call of any WSGI app."""
    captured: list[Any] = []

    def start_response(
        status: str, response_headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Any:
        captured[:] = [status, response_headers]
        return lambda data: None

    result = app(environ, start_response)
    try:
        content = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    status, response_headers = captured
    return int(status.split(" ", 1)[0]), list(response_headers), content


#: Headers werkzeug rewrites on the way out (``Response.get_wsgi_headers``).
_REWRITTEN = frozenset({"location", "content-location"})


def read_response(response: Response, environ: WSGIEnvironment) -> Answer:
    """What the WSGI call of ``response`` gives, read directly when werkzeug would pass it on
    unchanged.

    That is a plain ``Response`` holding one bytes chunk with its ``Content-Length`` set (what
    ``Response(bytes)`` builds), with a status that has a body, for a method that gets one,
    and no ``Location``/``Content-Location`` (``get_wsgi_headers`` normalises those); anything
    else goes through the WSGI protocol.
    """
    code = response.status_code
    body = response.response
    if (
        type(response) is Response
        and type(body) is list
        and len(body) == 1
        and type(body[0]) is bytes
        and not response.direct_passthrough
        and code >= 200
        and code not in (204, 304)
        and environ["REQUEST_METHOD"] != "HEAD"
    ):
        headers = response.headers.to_wsgi_list()
        names = {name.lower() for name, _ in headers}
        if "content-length" in names and not names & _REWRITTEN:
            content: bytes = body[0]
            response.close()  # what the WSGI iterator does once read (call_on_close)
            return code, headers, content
    return call_wsgi(response, environ)


def drop_socket(environ: WSGIEnvironment) -> None:
    """Close the client's socket under a real server, so it sees the connection drop.

    werkzeug's server exposes the socket as ``werkzeug.socket``; without the shutdown it would
    keep the keep-alive connection open and the client would wait for an answer that never
    comes. In-process front doors have no socket and translate the exception instead.
    """
    sock = environ.get("werkzeug.socket")
    if sock is None:
        return
    with contextlib.suppress(OSError):  # already gone
        sock.shutdown(socket.SHUT_RDWR)


def error_response(error: PostHogError) -> Response:
    try:
        return json_response(error.body(), status=error.status, headers=error.headers)
    except UnicodeEncodeError:
        # A detail echoing a lone surrogate ('"\ud800" is not a valid choice.'): DRF's
        # JSONRenderer encodes its output as UTF-8 (rest_framework/renderers.py), fails, and
        # PostHog answers its generic 500 instead of the 400.
        server_error = ServerError()
        return json_response(server_error.body(), status=server_error.status)


def options_metadata(route: Route) -> dict[str, Any]:
    """DRF's ``SimpleMetadata`` answer to OPTIONS (tests only rely on status and ``Allow``)."""
    parses = ["application/json"]
    if not route.json_only:
        parses += ["application/x-www-form-urlencoded", "multipart/form-data"]
    name = route.name or route.endpoint.replace(".", " ").replace("_", " ").title()
    return {
        "name": name,
        "description": route.description,
        "renders": ["application/json"],
        "parses": parses,
    }
