"""Feature flag records, their table, and ``FeatureFlagsBackend`` (``emulator.feature_flags``).

The backend is the only writer of flags. Its public methods are the Python API and return what
the API returns (the rendered flag), raising the same :class:`ValidationError` the API answers
with, so a test can seed flags in Python and get PostHog's rules.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta
from typing import TYPE_CHECKING
from typing import Any

from phemu import fields
from phemu.context import has_list
from phemu.context import list_value
from phemu.errors import Msg
from phemu.errors import PostHogError
from phemu.errors import ServerError
from phemu.errors import ValidationError
from phemu.resources._base import Backend
from phemu.resources._base import created_by as render_user
from phemu.resources.activity_log.models import changes_between
from phemu.resources.dashboards.models import DashboardsBackend
from phemu.resources.feature_flags import usage_dashboard as usage
from phemu.serialization import format_datetime

if TYPE_CHECKING:
    from phemu.emulator import Emulator
    from phemu.resources.feature_flags import rules
    from phemu.resources.feature_flags.evaluation import Context
    from phemu.resources.feature_flags.evaluation import FlagMatch

#: An argument the request did not send (``user_blast_radius`` without ``condition``).
MISSING: Any = object()


@dataclass(slots=True, kw_only=True)
class FeatureFlag:
    id: int
    project: int
    key: str
    name: str
    filters: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    active: bool = True
    deleted: bool = False
    version: int = 1
    created_by: int | None = None
    last_modified_by: int | None = None
    ensure_experience_continuity: bool = False
    rollback_conditions: Any = None
    performed_rollback: bool = False
    tags: list[str] = field(default_factory=list)
    evaluation_runtime: str = "all"
    is_remote_configuration: bool = False
    has_encrypted_payloads: bool = False
    has_enriched_analytics: bool = False
    last_called_at: datetime | None = None
    #: The dashboard PostHog generates when its serializer creates the flag (``usage_dashboard``).
    usage_dashboard: int | None = None

    @property
    def is_simple_flag(self) -> bool:
        groups = self.filters.get("groups") or []
        return (
            len(groups) == 1
            and not groups[0].get("properties")
            and self.filters.get("aggregation_group_type_index") is None
            and not (self.filters.get("multivariate") or {}).get("variants")
        )

    @property
    def rollout_percentage(self) -> Any:
        return (
            (self.filters.get("groups") or [{}])[0].get("rollout_percentage")
            if self.is_simple_flag
            else None
        )

    def logged_fields(self) -> dict[str, Any]:
        """The fields the activity log compares, in the model's order (PostHog's
        ``changes_between`` over ``FeatureFlag`` minus its ``field_exclusions``: ids, creation
        and modification metadata, usage and computed fields)."""
        return {
            "key": self.key,
            "name": self.name,
            "filters": copy.deepcopy(self.filters),
            "deleted": self.deleted,
            "active": self.active,
            "version": self.version,
            "rollback_conditions": copy.deepcopy(self.rollback_conditions),
            "performed_rollback": self.performed_rollback,
            "ensure_experience_continuity": self.ensure_experience_continuity,
            "has_enriched_analytics": self.has_enriched_analytics,
            "is_remote_configuration": self.is_remote_configuration,
            "has_encrypted_payloads": self.has_encrypted_payloads,
            "evaluation_runtime": self.evaluation_runtime,
            "tags": sorted(self.tags),
        }

    def definition(self) -> dict[str, Any]:
        """The flag as the evaluation engine and the local-evaluation payload read it."""
        return {
            "id": self.id,
            "team_id": self.project,
            "name": self.name,
            "key": self.key,
            "filters": copy.deepcopy(self.filters),
            "deleted": self.deleted,
            "active": self.active,
            "ensure_experience_continuity": self.ensure_experience_continuity,
            "has_encrypted_payloads": self.has_encrypted_payloads,
            "version": self.version,
            "evaluation_runtime": self.evaluation_runtime,
            "evaluation_tags": [],
        }


@dataclass
class FlagTables:
    flags: dict[int, FeatureFlag] = field(default_factory=dict)


# -- status (posthog/models/feature_flag/flag_status.py) -------------------------------------------


def status_of(flag: FeatureFlag, now: datetime) -> tuple[str, str]:
    """``(status, reason)``: ``deleted``, ``inactive`` (not called for 30 days), ``stale`` (fully
    rolled out for 30 days) or ``active``."""
    if flag.deleted:
        return "deleted", "Flag has been deleted"
    month_ago = now - timedelta(days=30)
    inactive_reason = ""
    if flag.last_called_at is None:
        if flag.created_at < month_ago:
            inactive_reason = "Flag has never been called and is over 30 days old"
    elif flag.last_called_at < month_ago:
        inactive_reason = f"Flag has not been called in {(now - flag.last_called_at).days} days"
    rolled_out = _fully_rolled_out(flag)
    stale = bool(rolled_out) and flag.created_at < month_ago
    if inactive_reason:
        if stale:
            return (
                "inactive",
                f"{inactive_reason}. Additionally, {rolled_out[0].lower()}{rolled_out[1:]}",
            )
        return "inactive", inactive_reason
    if stale:
        return "stale", rolled_out
    return "active", "Flag is active and being evaluated"


def _fully_rolled_out(flag: FeatureFlag) -> str:
    if not flag.active:
        return ""
    groups = flag.filters.get("groups") or []
    full = [g for g in groups if g.get("rollout_percentage") == 100 and not g.get("properties")]
    multivariate = flag.filters.get("multivariate")
    if multivariate:
        variant = next(
            (
                v.get("key")
                for v in multivariate.get("variants", [])
                if v.get("rollout_percentage") == 100
            ),
            None,
        )
        override = next((g.get("variant") for g in full if g.get("variant")), None)
        chosen = override or variant
        if full and chosen is not None:
            return f'This flag will always use the variant "{chosen}"'
        return ""
    if not flag.filters or full:
        return 'This boolean flag will always evaluate to "true"'
    return ""


class FeatureFlagsBackend(Backend):
    """Create, change, read and evaluate feature flags (``emulator.feature_flags``)."""

    def __init__(self, emulator: Emulator) -> None:
        super().__init__(emulator)
        self._emulator = emulator

    @property
    def _tables(self) -> FlagTables:
        return self._emulator.store.state(FlagTables)

    # -- reads ---------------------------------------------------------------------------------
    def record(self, pk: int) -> FeatureFlag | None:
        return self._tables.flags.get(pk)

    def live(self, project: int) -> list[FeatureFlag]:
        """The project's non-deleted flags, newest first (the list endpoint's default order)."""
        flags = [f for f in self._tables.flags.values() if f.project == project and not f.deleted]
        return sorted(flags, key=lambda f: (f.created_at, f.id), reverse=True)

    def by_key(self, key: str, project: int = 1) -> FeatureFlag | None:
        return next((f for f in self.live(project) if f.key == key), None)

    def get(self, pk: int) -> dict[str, Any] | None:
        flag = self.record(pk)
        return None if flag is None else self.render(flag)

    def all(self, project: int = 1) -> list[dict[str, Any]]:
        return [self.render(f) for f in self.live(project)]

    def render(self, flag: FeatureFlag) -> dict[str, Any]:
        """PostHog's ``FeatureFlagSerializer`` output (the ``docs`` profile's field list)."""
        store = self._emulator.store
        filters = copy.deepcopy(flag.filters)
        cohorts = self._emulator.cohorts
        for group in filters.get("groups") or []:
            for prop in group.get("properties") or []:
                if prop.get("type") == "cohort":
                    cohort = cohorts.record(_as_int(prop.get("value")))
                    prop["cohort_name"] = cohort.name if cohort is not None else None
        return {
            "id": flag.id,
            "name": flag.name,
            "key": flag.key,
            "filters": filters,
            "deleted": flag.deleted,
            "active": flag.active,
            "created_by": render_user(store, flag.created_by),
            "created_at": format_datetime(flag.created_at),
            "updated_at": format_datetime(flag.updated_at),
            "version": flag.version,
            "last_modified_by": render_user(store, flag.last_modified_by),
            "is_simple_flag": flag.is_simple_flag,
            "rollout_percentage": flag.rollout_percentage,
            "ensure_experience_continuity": flag.ensure_experience_continuity,
            "experiment_set": self._emulator.experiments.ids_for_flag(flag.id),
            "surveys": self._emulator.surveys.linked_to(flag.id),
            "features": [],
            "rollback_conditions": flag.rollback_conditions,
            "performed_rollback": flag.performed_rollback,
            "can_edit": True,
            "tags": list(flag.tags),
            "evaluation_tags": [],
            "usage_dashboard": flag.usage_dashboard,
            "analytics_dashboards": [],
            "has_enriched_analytics": flag.has_enriched_analytics,
            "user_access_level": "editor",
            "is_remote_configuration": flag.is_remote_configuration,
            "has_encrypted_payloads": flag.has_encrypted_payloads,
            "status": status_of(flag, self._emulator.clock.now())[0].upper(),
            "evaluation_runtime": flag.evaluation_runtime,
            "last_called_at": format_datetime(flag.last_called_at),
        }

    # -- writes --------------------------------------------------------------------------------
    def _lookups(
        self, project: int, exclude: int | None, *, stored: bool = False, deleted: bool = False
    ) -> rules.FlagLookups:
        """What validation reads; ``stored``: for a stored record (seeds, state files), which
        may be soft-deleted (``deleted``: its key is not unique then) and may point at flags and
        cohorts that are soft-deleted or disabled since."""
        from phemu.resources.feature_flags import rules

        def key_taken(key: str) -> bool:
            if deleted:
                return False
            return any(f.key == key and f.id != exclude for f in self.live(project))

        def flag_by_id(pk: int) -> FeatureFlag | None:
            found = self.record(pk)
            if found is None or found.project != project or (found.deleted and not stored):
                return None
            return found

        def cohort(value: Any) -> Any:
            found = self._emulator.cohorts.record(_as_int(value))
            if found is None or found.project != project or (found.deleted and not stored):
                return None
            return found

        return rules.FlagLookups(
            key_taken=key_taken,
            cohort=cohort,
            flag_by_id=flag_by_id,
            flag_by_key=lambda key: self.by_key(key, project),
            lenient=stored,
        )

    def create(
        self, project: int = 1, *, created_by: int | None = None, **body: Any
    ) -> dict[str, Any]:
        """Create a flag with ``POST``'s validation; ``body`` uses the API's field names."""
        return self.render(self.save(project, None, body, user_id=created_by, partial=False))

    def update(self, pk: int, *, modified_by: int | None = None, **body: Any) -> dict[str, Any]:
        """Change a flag with ``PATCH``'s validation (``deleted=True`` soft-deletes)."""
        flag = self.record(pk)
        if flag is None:
            raise KeyError(f"feature flag {pk} does not exist")
        return self.render(self.save(flag.project, flag, body, user_id=modified_by, partial=True))

    def _parse(
        self,
        flag: FeatureFlag | None,
        body: Any,
        *,
        partial: bool,
        lookups: rules.FlagLookups,
    ) -> dict[str, Any]:
        """The fields of ``body``, validated in the serializer's order."""
        from phemu.resources.feature_flags import rules

        data = fields.expect_object(body)
        changes: dict[str, Any] = {}
        if "name" in data:
            changes["name"] = fields.parse_text(fields.require(data, "name"), "name")
        if flag is None or "key" in data or not partial:
            changes["key"] = rules.validate_key(fields.require(data, "key"), lookups)
        if "filters" in data:
            raw = fields.require(data, "filters")
            if partial and flag is not None and isinstance(raw, dict) and "groups" not in raw:
                changes["filters"] = flag.filters
            else:
                current_key = changes.get("key") or (flag.key if flag is not None else None)
                changes["filters"] = rules.validate_filters(
                    raw, creating=flag is None, current_key=current_key, lookups=lookups
                )
        elif flag is None:
            changes["filters"] = {}
        for name in _SWITCHES:
            if name in data:
                value = data[name]
                changes[name] = False if value is None else fields.parse_bool(value, name)
        if "evaluation_runtime" in data and data["evaluation_runtime"] not in (None, ""):
            changes["evaluation_runtime"] = fields.parse_choice(
                data["evaluation_runtime"], "evaluation_runtime", rules.EVALUATION_RUNTIMES
            )
        if has_list(data, "tags", partial=partial):
            changes["tags"] = fields.parse_list(
                list_value(data, "tags"), "tags", lambda v, n: fields.parse_text(v, n)
            )
        if "rollback_conditions" in data:
            changes["rollback_conditions"] = data["rollback_conditions"]
        if CREATE_USAGE_DASHBOARD in data:  # write-only, read by ``create`` only
            changes[CREATE_USAGE_DASHBOARD] = fields.required_bool(data, CREATE_USAGE_DASHBOARD)
        return changes

    def save(
        self,
        project: int,
        flag: FeatureFlag | None,
        body: Mapping[str, Any],
        *,
        user_id: int | None,
        partial: bool,
        journal: bool = True,
    ) -> FeatureFlag:
        """Validate ``body`` in the serializer's order, then create or update (PUT: ``partial``
        false on an existing flag). Every write is journaled in the activity log, as PostHog's
        ``ModelActivityMixin`` does, unless ``journal`` is false (seed loads)."""
        emulator = self._emulator
        store = emulator.store
        with store.lock:
            before = flag.logged_fields() if flag is not None else None
            saved = self._save(project, flag, body, user_id=user_id, partial=partial)
            if journal:
                emulator.activity_log.log(
                    project=project,
                    scope="FeatureFlag",
                    item_id=saved.id,
                    activity="created" if before is None else "updated",
                    user=user_id,
                    changes=changes_between("FeatureFlag", before, saved.logged_fields()),
                    name=saved.key,
                )
            return saved

    def _save(
        self,
        project: int,
        flag: FeatureFlag | None,
        body: Mapping[str, Any],
        *,
        user_id: int | None,
        partial: bool,
    ) -> FeatureFlag:
        emulator = self._emulator
        store = emulator.store
        with store.lock:
            lookups = self._lookups(project, flag.id if flag is not None else None)
            changes = self._parse(flag, body, partial=partial, lookups=lookups)
            # ``BooleanField(default=True)``: a flag the serializer creates gets a usage dashboard.
            with_dashboard = changes.pop(CREATE_USAGE_DASHBOARD, True)
            if flag is not None:
                self._check_transitions(flag, changes)
            for name in ("filters", "rollback_conditions"):  # jsonb: Postgres refuses the row
                if name in changes:
                    fields.storable_json(changes[name])
            now = emulator.clock.now()
            if changes.get("active"):
                changes["performed_rollback"] = False
            if flag is None:
                # Soft-deleted flags with the same key are removed for good (serializer.create).
                for old in [
                    f
                    for f in self._tables.flags.values()
                    if f.project == project and f.deleted and f.key == changes["key"]
                ]:
                    del self._tables.flags[old.id]
                    store.changed(SECTION, old.id)
                flag = new_flag(
                    store.next_id(SEQUENCE),
                    project,
                    changes,
                    created_at=now,
                    updated_at=now,
                    created_by=user_id,
                    last_modified_by=user_id,
                )
                self._tables.flags[flag.id] = flag
                if with_dashboard:
                    flag.usage_dashboard = usage.create(emulator, flag, user_id)
            else:
                old_key = flag.key
                flag.version += 1
                flag.updated_at = now
                flag.last_modified_by = user_id
                for name, value in changes.items():
                    setattr(flag, name, value)
                if flag.key != old_key:
                    usage.rename(emulator, flag, old_key)
            store.changed(SECTION, flag.id)
            return flag

    def remove(self, pk: int) -> None:
        """Delete a flag for good (``FeatureFlag.delete()``, as surveys do with their targeting
        flags); the API itself only soft-deletes."""
        store = self._emulator.store
        with store.lock:
            if self._tables.flags.pop(pk, None) is None:
                raise KeyError(f"feature flag {pk} does not exist")
            store.changed(SECTION, pk)

    def _check_transitions(self, flag: FeatureFlag, changes: Mapping[str, Any]) -> None:
        """Dependency rules of ``FeatureFlagSerializer.update``."""
        if changes.get("deleted") is True:
            dependents = self._dependents(flag)
            if dependents:
                raise ValidationError(Msg.FLAG_DELETE_DEPENDED_ON.format(flags=_names(dependents)))
        if changes.get("active") is False and flag.active:
            dependents = self._dependents(flag)
            if dependents:
                raise ValidationError(Msg.FLAG_DISABLE_DEPENDED_ON.format(flags=_names(dependents)))
        if changes.get("active") is True and not flag.active:
            ids = {
                _as_int(p.get("key")) for p in _properties(flag.filters) if p.get("type") == "flag"
            }
            disabled = sorted(
                (f for f in self.live(flag.project) if f.id in ids and not f.active),
                key=lambda f: f.key,
            )
            if disabled:
                raise ValidationError(
                    Msg.FLAG_ENABLE_DISABLED_DEPENDENCY.format(flags=_names(disabled))
                )

    def _dependents(self, flag: FeatureFlag) -> list[FeatureFlag]:
        found = [
            other
            for other in self.live(flag.project)
            if other.id != flag.id
            and other.active
            and any(
                p.get("type") == "flag" and str(p.get("key")) == str(flag.id)
                for p in _properties(other.filters)
            )
        ]
        return sorted(found, key=lambda f: f.key)

    # -- FeatureFlagViewSet's actions ----------------------------------------------------------
    def _existing(self, pk: int) -> FeatureFlag:
        flag = self.record(pk)
        if flag is None:
            raise KeyError(f"feature flag {pk} does not exist")
        return flag

    def remote_config(self, flag: int | str, *, project: int = 1) -> Any:
        """``remote_config``: the ``"true"`` payload of a remote-configuration flag, found by id
        (digits) or key, soft-deleted or not, as a personal API key reads it (decrypted:
        ``get_decrypted_flag_payloads``). ``KeyError`` where PostHog answers its bare 404: no
        such flag in the project, or one that is not ``is_remote_configuration``."""
        found = self._remote_config_flag(project, str(flag))
        if found is None or not found.is_remote_configuration:
            raise KeyError(f"no remote configuration flag {flag!r} in project {project}")
        payloads = found.filters.get("payloads", {})
        if not isinstance(payloads, Mapping):
            raise ServerError()  # ``payloads.get`` on what is not a dict
        if not found.has_encrypted_payloads:
            return payloads.get("true") or None
        # Every payload is decrypted (``value.encode``), then ``decrypted["true"]`` is read:
        # a payload that is not text, or no "true" payload, is PostHog's unguarded error.
        if "true" not in payloads or not all(isinstance(v, str) for v in payloads.values()):
            raise ServerError()
        return payloads["true"] or None

    def _remote_config_flag(self, project: int, text: str) -> FeatureFlag | None:
        """``FeatureFlag.objects.get(pk=...)`` when ``text.isdigit()``, else ``get(key=...)``,
        within the project; several flags with one key is ``MultipleObjectsReturned``."""
        if text.isdigit():
            try:
                pk = int(text)
            except ValueError:  # digits ``int`` refuses (superscripts, 4,301 of them): a 500
                raise ServerError() from None
            found = self.record(pk)
            return found if found is not None and found.project == project else None
        same_key = [
            f for f in self._tables.flags.values() if f.project == project and f.key == text
        ]
        if len(same_key) > 1:
            raise ServerError()
        return same_key[0] if same_key else None

    def has_active_dependents(self, pk: int) -> dict[str, Any]:
        """``has_active_dependents``: the other active, live flags of the project with a
        ``flag`` filter on this one (the flags that block disabling it), by key."""
        with self._emulator.store.lock:
            dependents = self._dependents(self._existing(pk))
        return {
            "has_active_dependents": bool(dependents),
            "dependent_flags": [
                {"id": f.id, "key": f.key, "name": f.name or f.key} for f in dependents
            ],
        }

    def dashboard(self, pk: int, *, user_id: int | None = None) -> dict[str, Any]:
        """The ``dashboard`` action: ``_create_usage_dashboard`` again, a new dashboard every
        time, which the flag then names (``save()``: ``updated_at`` moves, ``version`` does
        not, and no activity is logged for a change of excluded fields only); a flag with
        ``has_enriched_analytics`` also gets the enriched insights."""
        emulator = self._emulator
        store = emulator.store
        with store.lock:
            flag = self._existing(pk)
            board = usage.create(emulator, flag, user_id)
            flag.usage_dashboard = board
            flag.updated_at = emulator.clock.now()
            if flag.has_enriched_analytics and not usage.has_enriched_insights(emulator, board):
                usage.enrich(emulator, flag, board)
            store.changed(SECTION, flag.id)
        return {"success": True}

    def enrich_usage_dashboard(self, pk: int) -> dict[str, Any]:
        """``enrich_usage_dashboard``: PostHog's answer body, ``{"success": true}`` once the
        enriched insights are on the usage dashboard, else ``success: false`` and the ``error``
        of the first unmet precondition (the API answers those with 400)."""
        emulator = self._emulator
        with emulator.store.lock:
            flag = self._existing(pk)
            board = flag.usage_dashboard
            if board is None or DashboardsBackend.of(emulator).table.get(board) is None:
                return {"success": False, "error": Msg.FLAG_USAGE_DASHBOARD_MISSING}
            if usage.has_enriched_insights(emulator, board):
                return {"success": False, "error": Msg.FLAG_USAGE_DASHBOARD_ENRICHED}
            if not flag.has_enriched_analytics:
                return {"success": False, "error": Msg.FLAG_NO_ENRICHED_ANALYTICS}
            usage.enrich(emulator, flag, board)
        return {"success": True}

    def user_blast_radius(
        self, condition: Any = MISSING, *, group_type_index: Any = None, project: int = 1
    ) -> dict[str, int]:
        """``user_blast_radius``: how many persons (or groups of ``group_type_index``) a
        release condition's properties select (``{"properties": [...]}``; its rollout is left
        out, as PostHog leaves it to the frontend), and how many there are. A request without
        ``condition`` (``MISSING``) is PostHog's 400."""
        from phemu.resources.feature_flags.blast_radius import blast_radius

        if condition is MISSING:
            raise ValidationError(Msg.FLAG_BLAST_RADIUS_NO_CONDITION)
        with self._emulator.store.lock:
            affected, total = blast_radius(
                self._emulator, project, condition or {}, group_type_index
            )
        return {"users_affected": affected, "total_users": total}

    # -- evaluation ----------------------------------------------------------------------------
    def context(
        self,
        project: int,
        distinct_id: str,
        *,
        person_properties: Mapping[str, Any] | None = None,
        groups: Mapping[str, Any] | None = None,
        group_properties: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> Context:
        """The server's view of a user: stored person and group properties under the overrides."""
        from phemu.resources.feature_flags.evaluation import Context

        emulator = self._emulator
        persons = emulator.persons
        person = persons.get(distinct_id, project=project)
        stored = dict(person.properties) if person is not None else {}
        group_keys = {str(k): str(v) for k, v in (groups or {}).items()}
        merged_groups = {}
        for group_type, group_key in group_keys.items():
            group = persons.group(project, group_type, group_key)
            base = dict(group.properties) if group is not None else {}
            merged_groups[group_type] = {
                **base,
                **dict((group_properties or {}).get(group_type, {})),
            }
        return Context(
            distinct_id=distinct_id,
            person_properties={**stored, **dict(person_properties or {})},
            person_id=person.uuid if person is not None else None,
            groups=group_keys,
            group_properties=merged_groups,
            group_type_mapping={str(i): n for i, n in persons.group_types(project).items()},
            cohorts=emulator.cohorts.specs(project),
            flag_by_id=self.resolver(project),
            now=emulator.clock.now(),
            tz=_zone(emulator, project),
        )

    def resolver(self, project: int) -> Callable[[str], Mapping[str, Any] | None]:
        """How ``flag`` filters (dependencies) find the project's live flags: by id or key."""
        live = {str(f.id): f.definition() for f in self.live(project)}
        live.update({f["key"]: f for f in list(live.values())})
        return live.get

    def evaluate(
        self,
        distinct_id: str,
        *,
        project: int = 1,
        person_properties: Mapping[str, Any] | None = None,
        groups: Mapping[str, Any] | None = None,
        group_properties: Mapping[str, Mapping[str, Any]] | None = None,
        runtime: str | None = None,
        keys: list[str] | None = None,
    ) -> dict[str, tuple[FeatureFlag, FlagMatch]]:
        """Every active flag for one user, as ``/flags`` computes it (``runtime``: the caller's
        ``evaluation_runtime``, which hides flags meant for the other runtime)."""
        from phemu.resources.feature_flags.evaluation import evaluate

        ctx = self.context(
            project,
            distinct_id,
            person_properties=person_properties,
            groups=groups,
            group_properties=group_properties,
        )
        results = {}
        for flag in sorted(self.live(project), key=lambda f: f.id):
            if not flag.active:
                continue
            if keys is not None and flag.key not in keys:
                continue
            if runtime in ("server", "client") and flag.evaluation_runtime not in ("all", runtime):
                continue
            results[flag.key] = (flag, evaluate(flag.definition(), ctx))
        return results

    def value(
        self, key: str, distinct_id: str, *, project: int = 1, **kwargs: Any
    ) -> bool | str | None:
        """A flag's value for one user (``None`` when no active flag has that key)."""
        found = self.evaluate(distinct_id, project=project, keys=[key], **kwargs).get(key)
        return None if found is None else found[1].value

    def my_flags(
        self, distinct_id: str, *, project: int = 1, groups: Mapping[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """``FeatureFlagViewSet.my_flags`` (``posthog/api/feature_flag.py``) for a user's
        distinct id: every flag that is not deleted, newest first, as
        ``MinimalFeatureFlagSerializer`` renders it, with its value (``False`` for a disabled
        flag)."""
        evaluated = self.evaluate(distinct_id, project=project, groups=groups)
        matches = {key: found.value for key, (_, found) in evaluated.items()}
        flags = sorted(self.live(project), key=lambda f: (f.created_at, f.id), reverse=True)
        return [{"feature_flag": f.definition(), "value": matches.get(f.key, False)} for f in flags]

    def evaluation_reasons(
        self, distinct_id: str, *, project: int = 1, groups: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """``FeatureFlagViewSet.evaluation_reasons``: each active flag's value and the reason
        the matcher gives (``reason``, ``condition_index``), then each disabled flag as
        ``disabled``."""
        if not distinct_id:
            raise ValidationError(Msg.FLAG_EVALUATION_DISTINCT_ID)
        answer: dict[str, Any] = {
            key: {
                "value": found.value,
                "evaluation": {"reason": found.reason, "condition_index": found.condition_index},
            }
            for key, (_, found) in self.evaluate(
                distinct_id, project=project, groups=groups
            ).items()
        }
        for flag in sorted(self.live(project), key=lambda f: f.id):
            if not flag.active:
                answer[flag.key] = {
                    "value": False,
                    "evaluation": {"reason": "disabled", "condition_index": None},
                }
        return answer

    # -- local evaluation ----------------------------------------------------------------------
    def definitions(self, project: int, *, send_cohorts: bool = True) -> dict[str, Any]:
        """The local-evaluation payload (``posthog/models/feature_flag/local_evaluation.py``)."""
        flags = [
            f
            for f in sorted(self.live(project), key=lambda f: f.id)
            if not f.is_remote_configuration
        ]
        cohorts: dict[str, Any] = {}
        if send_cohorts:
            specs = self._emulator.cohorts
            for flag in flags:
                for prop in _properties(flag.filters):
                    if prop.get("type") != "cohort":
                        continue
                    cohort = specs.record(_as_int(prop.get("value")))
                    if cohort is not None and not cohort.is_static and not cohort.deleted:
                        cohorts[str(cohort.id)] = cohort.properties
        return {
            "flags": [f.definition() for f in flags],
            "group_type_mapping": {
                str(i): n for i, n in self._emulator.persons.group_types(project).items()
            },
            "cohorts": cohorts,
        }

    def definitions_etag(self, payload: Mapping[str, Any]) -> str:
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]

    def load(self, records: list[dict[str, Any]]) -> None:
        """Seed records: the API's fields, validated as ``POST`` validates them (a stored flag
        may be soft-deleted and point at flags disabled or gone since), plus what only the store
        sets: ``id``, ``project``, ``version``, ``created_by``, ``last_modified_by``,
        ``created_at``, ``updated_at`` and ``last_called_at``."""
        from phemu.seed import iter_records

        store = self._emulator.store
        for r in iter_records(self._emulator, SECTION, records):
            r.reject_unknown(_API_FIELDS | _STORED_FIELDS)
            project = r.project()
            body = {k: v for k, v in r.record.items() if k in _API_FIELDS}
            if body.get("filters") == {}:
                # A flag POSTed without filters is stored with {}: loading its export back must
                # take the same path, not POST's "at least one condition set" check.
                del body["filters"]
            deleted = r.flag("deleted")
            lookups = self._lookups(project, None, stored=True, deleted=deleted)
            try:
                changes = self._parse(None, body, partial=False, lookups=lookups)
                for name in ("filters", "rollback_conditions"):
                    if name in changes:
                        fields.storable_json(changes[name])
            except PostHogError as error:
                attr = getattr(error, "attr", None) or "non_field_errors"
                raise r.error(f"{attr}: {error.body().get('detail')}") from None
            version = r.integer("version")
            if version is not None and version < 1:
                raise r.error("'version' must be a positive integer")
            author = r.user("created_by")
            created = r.instant("created_at")
            flag = new_flag(
                r.id(SEQUENCE),
                project,
                changes,
                created_at=created,
                updated_at=r.instant("updated_at", default_now=False) or created,
                version=version or 1,
                created_by=author,
                last_modified_by=r.user("last_modified_by", author),
                last_called_at=r.instant("last_called_at", default_now=False),
                usage_dashboard=r.integer("usage_dashboard"),
            )
            with store.lock:
                self._tables.flags[flag.id] = flag
                store.changed(SECTION, flag.id)

    def export(self) -> list[dict[str, Any]]:
        return [export_flag(f) for f in sorted(self._tables.flags.values(), key=lambda f: f.id)]

    def export_one(self, pk: int) -> dict[str, Any] | None:
        from phemu.seed import exported

        return exported(self._tables.flags.get(pk), export_flag)


SECTION = "feature_flags"
SEQUENCE = "feature_flag"
#: The serializer's write-only ``_should_create_usage_dashboard`` (``BooleanField``, default true).
CREATE_USAGE_DASHBOARD = "_should_create_usage_dashboard"
#: The serializer's boolean fields, in its order.
_SWITCHES = (
    "deleted",
    "active",
    "ensure_experience_continuity",
    "has_enriched_analytics",
    "is_remote_configuration",
    "has_encrypted_payloads",
    "performed_rollback",
)
#: Seed record keys: what ``POST`` takes, and what only the store sets.
_API_FIELDS = frozenset(
    {"key", "name", "filters", "evaluation_runtime", "tags", "rollback_conditions", *_SWITCHES}
)
_STORED_FIELDS = frozenset(
    {
        "id",
        "project",
        "version",
        "created_by",
        "last_modified_by",
        "created_at",
        "updated_at",
        "last_called_at",
        "usage_dashboard",
    }
)


def new_flag(pk: int, project: int, changes: dict[str, Any], **stored: Any) -> FeatureFlag:
    """A flag from validated API fields (``changes``, consumed) and what only the store sets."""
    flag = FeatureFlag(
        id=pk,
        project=project,
        key=changes.pop("key"),
        name=changes.pop("name", ""),
        filters=changes.pop("filters"),
        **stored,
    )
    for name, value in changes.items():
        setattr(flag, name, value)
    return flag


def export_flag(flag: FeatureFlag) -> dict[str, Any]:
    """One flag as a seed record: every field, so a state file loads back exactly."""
    return {
        "id": flag.id,
        "project": flag.project,
        "key": flag.key,
        "name": flag.name,
        "filters": flag.filters,
        "deleted": flag.deleted,
        "active": flag.active,
        "version": flag.version,
        "created_by": flag.created_by,
        "last_modified_by": flag.last_modified_by,
        "created_at": format_datetime(flag.created_at),
        "updated_at": format_datetime(flag.updated_at),
        "ensure_experience_continuity": flag.ensure_experience_continuity,
        "rollback_conditions": flag.rollback_conditions,
        "performed_rollback": flag.performed_rollback,
        "tags": list(flag.tags),
        "evaluation_runtime": flag.evaluation_runtime,
        "is_remote_configuration": flag.is_remote_configuration,
        "has_encrypted_payloads": flag.has_encrypted_payloads,
        "has_enriched_analytics": flag.has_enriched_analytics,
        "last_called_at": format_datetime(flag.last_called_at),
        "usage_dashboard": flag.usage_dashboard,
    }


def _properties(filters: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [p for g in filters.get("groups") or [] for p in g.get("properties") or []]


def _names(flags: list[FeatureFlag]) -> str:
    names = [f"{f.key} (ID: {f.id})" for f in flags[:5]]
    if len(flags) > 5:
        names.append(f"and {len(flags) - 5} more")
    return ", ".join(names)


def _as_int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def _zone(emulator: Emulator, project: int) -> Any:
    from zoneinfo import ZoneInfo
    from zoneinfo import ZoneInfoNotFoundError

    found = emulator.store.projects.get(project)
    try:
        return ZoneInfo(found.timezone) if found is not None else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")
