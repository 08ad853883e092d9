"""What the operation index reads from PostHog's schema (phemu/openapi/index.py)."""

from __future__ import annotations

import collections
import gzip
import hashlib

from phemu.openapi.document import DOCUMENT_PATH
from phemu.openapi.index import operation_index

INDEX = operation_index()


def test_the_vendored_schema_is_the_documented_one() -> None:
    # phemu/data/posthog-openapi.SOURCE.md gives this digest of the uncompressed document.
    digest = hashlib.sha256(gzip.decompress(DOCUMENT_PATH.read_bytes())).hexdigest()
    assert digest == "2a2be34304f10678a362955810f39c531b6080c7b1d3010e995955fc1e898c4b"


def test_every_operation_is_indexed_once() -> None:
    assert len(INDEX) == 823
    assert len(INDEX.by_id) == 823
    scopes = collections.Counter(op.scope for op in INDEX)
    assert scopes == {"project": 737, "organization": 59, "root": 27}
    prefixes = collections.Counter(op.prefix for op in INDEX if op.scope == "project")
    assert prefixes == {"projects": 426, "environments": 311}


def test_scopes_and_refusals() -> None:
    assert INDEX.by_id["actions_list"].scopes == ("action:read",)
    assert INDEX.by_id["actions_create"].scopes == ("action:write",)
    # No security, or PostHog's INTERNAL scope object: personal API keys are refused.
    assert INDEX.by_id["environments_batch_exports_pause_create"].scopes is not None
    assert INDEX.by_id["batch_exports_run_test_step_create"].scopes is None  # INTERNAL
    assert INDEX.by_id["users_destroy"].scopes is None
    assert sum(op.scopes is None for op in INDEX) == 192  # 183 without security + 9 INTERNAL


def test_delete_semantics_and_pagination_classes() -> None:
    deletes = collections.Counter(op.destroy for op in INDEX if op.method == "DELETE")
    assert deletes == {"204": 64, "405": 23}
    assert INDEX.resources["actions"].soft_delete
    assert not INDEX.resources["early_access_feature"].soft_delete
    assert INDEX.by_id["actions_list"].pagination == "limit_offset"
    assert INDEX.by_id["environments_batch_exports_runs_list"].pagination == "cursor"
    assert INDEX.by_id["activity_log_list"].pagination == "list"
    assert INDEX.by_id["annotations_list"].page_size == 1000
    assert INDEX.by_id["actions_list"].page_size == 100


def test_paths_read_as_collections_records_and_actions() -> None:
    runs = INDEX.by_id["environments_batch_exports_runs_retrieve"]
    assert (runs.resource, runs.parents, runs.lookup, runs.kind) == (
        "batch_exports/runs",
        ("batch_export_id",),
        "id",
        "retrieve",
    )
    activity = INDEX.by_id["notebooks_activity_retrieve_2"]
    assert (activity.level, activity.action, activity.lookup) == ("detail", "activity", "short_id")
    members = INDEX.by_id["members_destroy"]
    assert (members.scope, members.resource, members.lookup) == (
        "organization",
        "organizations/members",
        "user__uuid",
    )
    assert members.route_path == "/api/organizations/<organization_id>/members/<user__uuid>/"
    find = INDEX.by_id["groups_find_retrieve"]
    assert (find.resource, find.level, find.action, find.kind) == (
        "groups",
        "collection",
        "find",
        "action",
    )
    # A POST answering something else than the record is an action, not a create.
    assert INDEX.by_id["query_create"].kind == "action"
    assert INDEX.resources["batch_exports"].lookup_type == "uuid"
    assert INDEX.resources["actions"].lookup_type == "integer"
