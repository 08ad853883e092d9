"""Thin handlers: ``{prefix}/feature_flags/`` management, ``/flags``, ``/decide`` and definitions.

The wire shapes are the flags service's (``rust/feature-flags/src/api/endpoint.rs`` and
``types.rs``) and Django's (``posthog/api/feature_flag.py``); ``docs/sdk-protocol.md`` lists
them. Rules live in ``rules.py`` and ``models.py``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING
from typing import Any

from werkzeug.wrappers import Response

from phemu.auth import has_scope
from phemu.errors import AuthenticationFailed
from phemu.errors import FlagsServiceError
from phemu.errors import Msg
from phemu.errors import NotAuthenticated
from phemu.errors import NotFound
from phemu.errors import PermissionDenied
from phemu.errors import ProjectNotFound
from phemu.errors import ServerError
from phemu.fields import lookup_int
from phemu.pagination import paginate_list
from phemu.resources._base import empty_response
from phemu.resources._base import json_response
from phemu.resources.activity_log.responses import item_activity_response
from phemu.resources.capture.responses import project_for_token
from phemu.resources.feature_flags.models import MISSING
from phemu.resources.feature_flags.models import FeatureFlag
from phemu.resources.feature_flags.models import FeatureFlagsBackend
from phemu.resources.feature_flags.models import status_of

if TYPE_CHECKING:
    from phemu.context import RequestContext
    from phemu.resources.feature_flags.evaluation import FlagMatch
    from phemu.store import Project

#: The config ``/flags`` merges in when asked (``endpoint.rs``, ``get_minimal_flags_response``).
MINIMAL_CONFIG = {
    "supportedCompression": ["gzip", "gzip-js"],
    "config": {"enable_collect_everything": True},
    "toolbarParams": {},
    "isAuthenticated": False,
    "sessionRecording": False,
}
_ETAG_HEADERS = {"Cache-Control": "private, must-revalidate"}


# -- management --------------------------------------------------------------------------------


def _backend(ctx: RequestContext) -> FeatureFlagsBackend:
    return FeatureFlagsBackend.of(ctx.emulator)


def _record(ctx: RequestContext) -> FeatureFlag | None:
    pk = lookup_int(ctx.path_values["pk"])
    return _backend(ctx).record(pk) if pk is not None else None


def _find(ctx: RequestContext) -> FeatureFlag:
    flag = _record(ctx)
    if flag is None or flag.project != ctx.project_id:
        raise NotFound()
    return flag


def _json_list(raw: str) -> list[Any]:
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        return []
    return value if isinstance(value, list) else []


def list_(ctx: RequestContext) -> Response:
    args = ctx.query
    flags = _backend(ctx).live(ctx.project_id)
    now = ctx.now
    active = args.get("active")
    if active == "STALE":
        flags = [f for f in flags if status_of(f, now)[0] in ("stale", "inactive")]
    elif active is not None:
        flags = [f for f in flags if f.active == (active == "true")]
    if args.get("created_by_id"):
        flags = [f for f in flags if str(f.created_by) == args["created_by_id"]]
    if args.get("search"):
        term = args["search"].lower()
        flags = [f for f in flags if term in f.key.lower() or term in f.name.lower()]
    kind = args.get("type")
    if kind == "boolean":
        flags = [f for f in flags if not (f.filters.get("multivariate") or {}).get("variants")]
    elif kind == "multivariant":
        flags = [f for f in flags if (f.filters.get("multivariate") or {}).get("variants")]
    elif kind == "experiment":
        used = {e.feature_flag for e in ctx.emulator.experiments.live(ctx.project_id)}
        flags = [f for f in flags if f.id in used]
    elif kind == "remote_config":
        flags = [f for f in flags if f.is_remote_configuration]
    if args.get("evaluation_runtime"):
        flags = [f for f in flags if f.evaluation_runtime == args["evaluation_runtime"]]
    excluded = set(map(str, _json_list(args.get("excluded_properties", "[]"))))
    tags = set(map(str, _json_list(args.get("tags", "[]"))))
    flags = [f for f in flags if f.key not in excluded and (not tags or tags & set(f.tags))]
    return json_response(paginate_list(ctx.request, flags, _backend(ctx).render))


def create(ctx: RequestContext) -> Response:
    flag = _backend(ctx).save(ctx.project_id, None, ctx.body, user_id=ctx.owner.id, partial=False)
    return json_response(_backend(ctx).render(flag), status=201)


def retrieve(ctx: RequestContext) -> Response:
    return json_response(_backend(ctx).render(_find(ctx)))


def update(ctx: RequestContext) -> Response:
    flag = _find(ctx)
    backend = _backend(ctx)
    backend.save(
        ctx.project_id, flag, ctx.body, user_id=ctx.owner.id, partial=ctx.method == "PATCH"
    )
    return json_response(backend.render(flag))


def item_activity(ctx: RequestContext) -> Response:
    """``FeatureFlagViewSet.activity``: a flag of another project (or none) is a bare 404."""
    return item_activity_response(ctx, "FeatureFlag", _backend(ctx).record)


def bulk_keys(ctx: RequestContext) -> Response:
    body = ctx.body if isinstance(ctx.body, dict) else {}
    requested = body.get("ids", []) or []
    if not requested:
        return json_response({"keys": {}})
    ids = [_flag_id(i) for i in requested]
    valid = [pk for pk in ids if pk is not None]
    invalid = [i for i, pk in zip(requested, ids, strict=True) if pk is None]
    if not valid:
        return json_response({"error": Msg.FLAG_INVALID_IDS}, status=400)
    answer: dict[str, Any] = {"keys": {}}
    if invalid:
        answer["warning"] = Msg.FLAG_IGNORED_IDS.format(ids=invalid)
    live = {f.id: f.key for f in _backend(ctx).live(ctx.project_id)}
    answer["keys"] = {str(i): live[i] for i in sorted(set(valid)) if i in live}
    return json_response(answer)


def _flag_id(value: Any) -> int | None:
    """An id of ``bulk_keys``: an integer or a digit string ``int()`` reads (not 4,301 digits)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return lookup_int(value) if isinstance(value, str) and value.isdigit() else None


def status(ctx: RequestContext) -> Response:
    flag = _record(ctx)
    if flag is None:
        return json_response({"status": "unknown", "reason": "Flag could not be found"}, status=404)
    state, reason = status_of(flag, ctx.now)
    return json_response({"status": state, "reason": reason})


def local_evaluation(ctx: RequestContext) -> Response:
    """Django's ``local_evaluation`` action (personal API key with ``feature_flag:read``, or the
    project's secret API key: ``PostHogApp.check_secret``)."""
    project = ctx.project
    if project is None:
        project = _legacy_project(ctx)
    send_cohorts = "send_cohorts" in ctx.query and ctx.query["send_cohorts"].lower() not in (
        "false",
        "0",
    )
    return _definitions_response(ctx, project, send_cohorts=send_cohorts)


def _legacy_project(ctx: RequestContext) -> Project:
    token = ctx.query.get("token")
    found = project_for_token(ctx.store, token) if token else None
    if ctx.secret_project is not None:
        # The token's project was compared with the key's (PostHogApp.check_secret).
        if found is None and token:
            raise ProjectNotFound()
        return found or ctx.secret_project
    if found is None and not token and ctx.owner.current_project is not None:
        found = ctx.store.projects.get(ctx.owner.current_project)
    if found is None or found.organization not in ctx.owner.memberships:
        raise ProjectNotFound()
    if ctx.key is not None and ctx.key.scoped_teams and found.id not in ctx.key.scoped_teams:
        raise PermissionDenied(Msg.KEY_NO_PROJECT_ACCESS.format(id=found.id))
    return found


def _definitions_response(ctx: RequestContext, project: Project, *, send_cohorts: bool) -> Response:
    backend = _backend(ctx)
    payload = backend.definitions(project.id, send_cohorts=send_cohorts)
    etag = backend.definitions_etag(payload)
    headers = {"ETag": f'W/"{etag}"', **_ETAG_HEADERS}
    if _client_etag(ctx.request.headers.get("If-None-Match")) == etag:
        return empty_response(304, headers=headers)
    return json_response(payload, headers=headers)


def _client_etag(header: str | None) -> str | None:
    # extract_etag_from_header: weak or strong, quotes stripped.
    if not header:
        return None
    etag = header.strip()
    if etag.startswith('W/"'):
        etag = etag[2:]
    return etag.strip('"') or None


# -- the flags service -----------------------------------------------------------------------------


def definitions(ctx: RequestContext) -> Response:
    """``/flags/definitions?token=...`` (``rust/feature-flags/src/api/flag_definitions.rs``)."""
    if ctx.method != "GET":
        allow = {"Allow": "GET, OPTIONS, HEAD"}
        if ctx.method == "OPTIONS":
            return empty_response(204, headers=allow)
        return empty_response(405, headers=allow)
    token = ctx.query.get("token")
    if token is None:
        raise FlagsServiceError(400, "Failed to deserialize query string: missing field `token`")
    project = project_for_token(ctx.store, token)
    if project is None:
        raise FlagsServiceError(401, Msg.FLAGS_INVALID_TOKEN)
    _authenticate_definitions(ctx, project)
    return _definitions_response(ctx, project, send_cohorts=True)


def _authenticate_definitions(ctx: RequestContext, project: Project) -> None:
    """``authenticate_flag_definitions`` (``rust/feature-flags/src/api/auth.rs``): a ``phs_``
    bearer token must be the project's secret (or its backup), anything else a personal API key
    with ``feature_flag:read`` that reaches the project; refusals are DRF-shaped JSON 401s."""
    header = ctx.request.headers.get("Authorization", "")
    token = header[len("Bearer ") :].strip() if header.startswith("Bearer ") else ""
    if not token:
        raise NotAuthenticated()
    if token.startswith("phs_"):
        owner = ctx.store.project_for_secret(token)
        if owner is None or owner.id != project.id:
            raise AuthenticationFailed(Msg.DEFINITIONS_INVALID_SECRET)
        return
    key = ctx.store.find_key(token)
    user = ctx.store.users.get(key.user) if key is not None else None
    if key is None or user is None or not user.is_active:
        raise AuthenticationFailed.for_source("Authorization header")
    if key.scoped_organizations:
        reaches = project.organization in key.scoped_organizations
    else:
        reaches = project.organization in user.memberships
    if key.scoped_teams and project.id not in key.scoped_teams:
        reaches = False
    if not reaches or not has_scope(key.scopes, "feature_flag:read"):
        raise AuthenticationFailed.for_source("Authorization header")


def _version(raw: str | None) -> int | None:
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        return 1


def _request_body(ctx: RequestContext) -> dict[str, Any]:
    from phemu.resources.capture.decoding import decompress

    request = ctx.request
    raw = request.get_data(cache=True)
    content_type = request.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
    compression = (ctx.query.get("compression") or "").lower()
    if content_type == "application/x-www-form-urlencoded":
        raw = request.form.get("data", "").encode("latin-1")
    try:
        text = decompress(raw, compression, request.headers.get("Content-Encoding", ""))
    except Exception as error:
        raise FlagsServiceError(400, Msg.FLAGS_DECODE.format(error=error)) from None
    try:
        body = json.loads(text)
    except ValueError as error:  # JSONDecodeError, and integers beyond Python's digit limit
        raise FlagsServiceError(400, Msg.FLAGS_PARSE.format(error=error)) from None
    except RecursionError:
        raise FlagsServiceError(
            400, Msg.FLAGS_PARSE.format(error="recursion limit exceeded")
        ) from None
    if not isinstance(body, dict):
        raise FlagsServiceError(400, Msg.FLAGS_PARSE.format(error="expected an object"))
    return body


def flags(ctx: RequestContext) -> Response:
    return _evaluate(ctx, from_decide=False)


def decide(ctx: RequestContext) -> Response:
    return _evaluate(ctx, from_decide=True)


def _evaluate(ctx: RequestContext, *, from_decide: bool) -> Response:
    method = ctx.method
    version = _version(ctx.query.get("v"))
    if method in ("OPTIONS", "HEAD"):
        return empty_response(
            204 if method == "OPTIONS" else 200, headers={"Allow": "GET, POST, OPTIONS, HEAD"}
        )
    if method == "GET":
        empty = _flags_body(ctx, {}, errors=False, config=True)
        return json_response(
            _shape(empty, version if version is not None else 1, from_decide=False)
        )
    body = _request_body(ctx)
    token = next(
        (body[k] for k in ("token", "api_key", "$token") if isinstance(body.get(k), str)), None
    )
    if not token:
        raise FlagsServiceError(401, Msg.FLAGS_NO_TOKEN)
    project = project_for_token(ctx.store, token.strip())
    if project is None:
        raise FlagsServiceError(401, Msg.FLAGS_INVALID_TOKEN)
    distinct_id = body.get("distinct_id")
    if distinct_id is None:
        raise FlagsServiceError(400, Msg.FLAGS_MISSING_DISTINCT_ID)
    distinct_id = distinct_id if isinstance(distinct_id, str) else json.dumps(distinct_id)
    if not distinct_id.strip():
        raise FlagsServiceError(400, Msg.FLAGS_EMPTY_DISTINCT_ID)
    config_param = ctx.query.get("config")
    config = from_decide or (config_param or "").lower() in ("true", "1")
    if version is None and config_param is None:
        version, config = 2, True
    keys = body.get("flag_keys_to_evaluate")
    results = _backend(ctx).evaluate(
        distinct_id,
        project=project.id,
        person_properties=_mapping(body.get("person_properties")),
        groups=_mapping(body.get("groups")),
        group_properties=_mapping(body.get("group_properties")),
        runtime=body.get("evaluation_runtime")
        if isinstance(body.get("evaluation_runtime"), str)
        else None,
        keys=[str(k) for k in keys] if isinstance(keys, list) else None,
    )
    answer = _flags_body(ctx, results, errors=False, config=config)
    return json_response(_shape(answer, version or 1, from_decide=from_decide))


def _mapping(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, Mapping) else {}


def _flags_body(
    ctx: RequestContext,
    results: Mapping[str, tuple[FeatureFlag, FlagMatch]],
    *,
    errors: bool,
    config: bool,
) -> dict[str, Any]:
    """The v2 ``FlagsResponse`` (the other shapes are derived from it)."""
    flag_details = {
        key: {
            "key": key,
            "enabled": match.matches,
            "variant": match.variant,
            "reason": {
                "code": match.reason,
                "condition_index": match.condition_index,
                "description": match.description,
            },
            "metadata": {
                "id": flag.id,
                "version": flag.version,
                "description": None,
                "payload": match.payload,
            },
        }
        for key, (flag, match) in results.items()
    }
    body: dict[str, Any] = {
        "errorsWhileComputingFlags": errors,
        "flags": flag_details,
        "requestId": ctx.store.new_uuid(),
        "evaluatedAt": int(ctx.now.timestamp() * 1000),
    }
    if config:
        body.update(MINIMAL_CONFIG)
    return body


def _value(detail: Mapping[str, Any]) -> bool | str:
    variant = detail.get("variant")
    return variant if variant is not None else bool(detail.get("enabled"))


def _shape(body: dict[str, Any], version: int, *, from_decide: bool) -> dict[str, Any]:
    """``get_versioned_response``: the v2 body, or the legacy and decide shapes derived from it."""
    details: dict[str, Any] = body.pop("flags")
    errors = body.pop("errorsWhileComputingFlags")
    if from_decide and version < 4 and version != 3:
        if version == 2:
            return {
                "featureFlags": {k: _value(d) for k, d in details.items() if d["enabled"]},
                **body,
            }
        return {"featureFlags": [k for k, d in details.items() if d["enabled"]], **body}
    if version >= 4 or (version >= 2 and not from_decide):
        return {"errorsWhileComputingFlags": errors, "flags": details, **body}
    return {
        "errorsWhileComputingFlags": errors,
        "featureFlags": {k: _value(d) for k, d in details.items()},
        "featureFlagPayloads": {
            k: d["metadata"]["payload"]
            for k, d in details.items()
            if d["metadata"]["payload"] is not None
        },
        **body,
    }


def _groups(ctx: RequestContext) -> Any:
    """``json.loads(request.GET.get("groups", "{}"))``, unguarded: bad JSON is a 500."""
    try:
        groups = json.loads(ctx.query.get("groups", "{}"))
    except ValueError:
        raise ServerError() from None
    if not isinstance(groups, dict):
        raise ServerError()
    return groups


def my_flags(ctx: RequestContext) -> Response:
    """``my_flags``: the requesting user's own distinct id (no personal API key reaches it)."""
    flags = FeatureFlagsBackend.of(ctx.emulator)
    return json_response(
        flags.my_flags(ctx.owner.distinct_id, project=ctx.project_id, groups=_groups(ctx))
    )


def evaluation_reasons(ctx: RequestContext) -> Response:
    flags = FeatureFlagsBackend.of(ctx.emulator)
    groups = _groups(ctx)
    return json_response(
        flags.evaluation_reasons(
            ctx.arg("distinct_id") or "", project=ctx.project_id, groups=groups
        )
    )


# -- FeatureFlagViewSet's other actions ----------------------------------------------------------


def remote_config(ctx: RequestContext) -> Response:
    """``remote_config``: the bare 404s of ``Response(status=404)``; no payload is DRF's
    rendering of ``None``, an empty body without a content type."""
    try:
        payload = _backend(ctx).remote_config(ctx.path_values["pk"], project=ctx.project_id)
    except KeyError:
        return empty_response(404)
    return empty_response(200) if payload is None else json_response(payload)


def has_active_dependents(ctx: RequestContext) -> Response:
    return json_response(_backend(ctx).has_active_dependents(_find(ctx).id))


def dashboard(ctx: RequestContext) -> Response:
    flag = _find(ctx)
    return json_response(_backend(ctx).dashboard(flag.id, user_id=ctx.owner.id))


def enrich_usage_dashboard(ctx: RequestContext) -> Response:
    answer = _backend(ctx).enrich_usage_dashboard(_find(ctx).id)
    return json_response(answer, status=200 if answer["success"] else 400)


def user_blast_radius(ctx: RequestContext) -> Response:
    body = ctx.body
    if not isinstance(body, Mapping):
        if isinstance(body, list) and "condition" in body:
            raise ServerError()  # ``request.data.get`` on a list
        body = {}
    answer = _backend(ctx).user_blast_radius(
        body.get("condition", MISSING),
        group_type_index=body.get("group_type_index"),
        project=ctx.project_id,
    )
    return json_response(answer)
