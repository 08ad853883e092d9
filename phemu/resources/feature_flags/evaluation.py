"""Feature flag evaluation: pure functions over a flag's ``filters`` and an evaluation context.

The order and the numbers are PostHog's (``posthog/models/feature_flag/flag_matching.py``,
``rust/feature-flags/src/flags/flag_matching.rs``): group flags without their group answer
``no_group_type``; a holdout, then the enrollment super condition, are checked before the release
conditions; conditions run in the order they are defined (PostHog once sorted those with a variant
override first and has since fixed that; today's SDKs keep the order too); a condition matches when
every filter matches and the SHA1 bucket of ``"{key}.{bucketing value}"`` is within its rollout;
the variant comes from the override or from the ``"variant"``-salted bucket. The hash is the one
PostHog documents and every SDK reproduces, so a user lands in the same bucket as on PostHog.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timezone
from datetime import tzinfo
from typing import Any

from phemu.resources.feature_flags.matching import filter_tree
from phemu.resources.feature_flags.matching import match_property

LONG_SCALE = float(0xFFFFFFFFFFFFFFF)

# The reasons of the flags service (rust/feature-flags/src/flags/flag_match_reason.rs) and the
# descriptions it sends with them (rust/feature-flags/src/api/types.rs, get_reason_description).
CONDITION_MATCH = "condition_match"
NO_CONDITION_MATCH = "no_condition_match"
OUT_OF_ROLLOUT_BOUND = "out_of_rollout_bound"
NO_GROUP_TYPE = "no_group_type"
SUPER_CONDITION_VALUE = "super_condition_value"
HOLDOUT_CONDITION_VALUE = "holdout_condition_value"
_PRIORITY = {NO_CONDITION_MATCH: 0, OUT_OF_ROLLOUT_BOUND: 1, NO_GROUP_TYPE: 2, CONDITION_MATCH: 3}
_DESCRIPTIONS = {
    NO_CONDITION_MATCH: "No matching condition set",
    OUT_OF_ROLLOUT_BOUND: "Out of rollout bound",
    NO_GROUP_TYPE: "No group type",
    SUPER_CONDITION_VALUE: "Super condition value",
    HOLDOUT_CONDITION_VALUE: "Holdout condition value",
}


def bucket(key: str, bucketing_value: str, salt: str = "", separator: str = ".") -> float:
    """PostHog's bucket in ``[0, 1]``: the first 15 hex digits of a SHA1 of the flag key and id."""
    digest = hashlib.sha1(f"{key}{separator}{bucketing_value}{salt}".encode()).hexdigest()
    return int(digest[:15], 16) / LONG_SCALE


def variants_of(filters: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return list(((filters.get("multivariate") or {}).get("variants")) or [])


def variant_table(filters: Mapping[str, Any]) -> list[tuple[float, float, str]]:
    """``(min, max, key)`` per variant: contiguous slices of ``[0, 1)`` in declaration order."""
    table = []
    low = 0.0
    for variant in variants_of(filters):
        high = low + variant["rollout_percentage"] / 100
        table.append((low, high, variant["key"]))
        low = high
    return table


def hashed_variant(key: str, filters: Mapping[str, Any], bucketing_value: str) -> str | None:
    value = bucket(key, bucketing_value, salt="variant")
    for low, high, variant in variant_table(filters):
        if low <= value < high:
            return variant
    return None


@dataclass(frozen=True, slots=True)
class FlagMatch:
    """One flag's answer: what ``/flags`` reports as ``enabled``/``variant``/``reason``."""

    matches: bool
    variant: str | None = None
    reason: str = NO_CONDITION_MATCH
    condition_index: int | None = None
    payload: Any = None

    @property
    def value(self) -> bool | str:
        """The SDK-facing value: the variant, else whether the flag is on."""
        return self.variant if self.variant is not None else self.matches

    @property
    def description(self) -> str:
        if self.reason == CONDITION_MATCH:
            return f"Matched condition set {(self.condition_index or 0) + 1}"
        return _DESCRIPTIONS.get(self.reason, self.reason)


@dataclass(frozen=True, slots=True)
class CohortSpec:
    """What evaluation needs of a cohort: static members (person ids) or a property group."""

    id: int
    is_static: bool = False
    members: frozenset[str] = frozenset()
    properties: Mapping[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Context:
    """Who a flag is evaluated for.

    :param person_properties: the person's stored properties merged with the request's overrides.
    :param groups: group type name -> group key, as the request names them.
    :param group_properties: group type name -> properties (stored, merged with overrides).
    :param group_type_mapping: group type index (as a string) -> group type name.
    :param cohorts: cohort id (as a string) -> :class:`CohortSpec`.
    :param flag_by_id: resolves ``flag`` filters (flag dependencies) to flags, by id or key.
    """

    distinct_id: str
    person_properties: Mapping[str, Any] = field(default_factory=dict)
    person_id: str | None = None
    groups: Mapping[str, str] = field(default_factory=dict)
    group_properties: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    group_type_mapping: Mapping[str, str] = field(default_factory=dict)
    cohorts: Mapping[str, CohortSpec] = field(default_factory=dict)
    flag_by_id: Callable[[str], Mapping[str, Any] | None] | None = None
    now: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    tz: tzinfo = timezone.utc
    _evaluating: set[str] = field(default_factory=set)


def evaluate(flag: Mapping[str, Any], ctx: Context) -> FlagMatch:
    """Evaluate one (active) flag: ``key`` and ``filters`` as PostHog stores them."""
    key = str(flag["key"])
    filters: Mapping[str, Any] = flag.get("filters") or {}
    properties: Mapping[str, Any] = ctx.person_properties
    bucketing = ctx.distinct_id
    aggregation = filters.get("aggregation_group_type_index")
    if aggregation is not None:
        group_type = ctx.group_type_mapping.get(str(aggregation))
        if group_type is None or group_type not in ctx.groups:
            return FlagMatch(False, reason=NO_GROUP_TYPE)
        bucketing = str(ctx.groups[group_type])
        properties = ctx.group_properties.get(group_type, {})
    held_out = _holdout(filters, bucketing)
    if held_out is not None:
        return FlagMatch(True, held_out, HOLDOUT_CONDITION_VALUE, None, None)
    enrolled = _super_condition(key, filters, properties, bucketing, ctx)
    if enrolled is not None:
        return enrolled
    best_reason, best_index = NO_CONDITION_MATCH, 0
    conditions = list(enumerate(filters.get("groups") or []))
    valid_variants = {v.get("key") for v in variants_of(filters)}
    for index, condition in conditions:
        reason = _condition(key, condition, properties, bucketing, ctx)
        if reason == CONDITION_MATCH:
            override = condition.get("variant")
            variant = (
                override if override in valid_variants else hashed_variant(key, filters, bucketing)
            )
            return FlagMatch(True, variant, CONDITION_MATCH, index, _payload(filters, variant))
        if _PRIORITY[reason] > _PRIORITY[best_reason]:
            best_reason, best_index = reason, index
    return FlagMatch(False, reason=best_reason, condition_index=best_index)


def _payload(filters: Mapping[str, Any], variant: str | None) -> Any:
    payloads = filters.get("payloads") or {}
    return payloads.get(variant if variant is not None else "true")


def _holdout(filters: Mapping[str, Any], bucketing: str) -> str | None:
    # posthog/feature_flags.py (_get_holdout_variant): "holdout-<value>" hashed with a "-".
    holdout = filters.get("holdout") or {}
    percentage, holdout_id = holdout.get("exclusion_percentage"), holdout.get("id")
    if percentage is None or holdout_id is None:
        return None
    share = min(max(float(percentage), 0.0), 100.0)
    if share != 100.0 and bucket("holdout", bucketing, separator="-") > share / 100:
        return None
    return f"holdout-{holdout_id}"


def _super_condition(
    key: str,
    filters: Mapping[str, Any],
    properties: Mapping[str, Any],
    bucketing: str,
    ctx: Context,
) -> FlagMatch | None:
    # Early-access enrollment: decided by the person's "$feature_enrollment/<key>" property when
    # it is set at all (flag_matching.py, is_super_condition_match).
    supers: Sequence[Mapping[str, Any]] = filters.get("super_groups") or []
    if not supers:
        return None
    condition = supers[0]
    keys = [str(p.get("key")) for p in condition.get("properties") or []]
    if keys and not all(k in properties for k in keys):
        return None
    matched = _condition(key, condition, properties, bucketing, ctx) == CONDITION_MATCH
    payload = _payload(filters, None) if matched else None
    return FlagMatch(matched, None, SUPER_CONDITION_VALUE, 0, payload)


def _condition(
    key: str,
    condition: Mapping[str, Any],
    properties: Mapping[str, Any],
    bucketing: str,
    ctx: Context,
) -> str:
    rollout = condition.get("rollout_percentage")
    filters = condition.get("properties") or []
    if filters:
        if not all(_matches(prop, properties, ctx) for prop in filters):
            return NO_CONDITION_MATCH
        if rollout is None:
            return CONDITION_MATCH
    if rollout is not None and bucket(key, bucketing) > rollout / 100:
        return OUT_OF_ROLLOUT_BOUND
    return CONDITION_MATCH


def _matches(prop: Mapping[str, Any], properties: Mapping[str, Any], ctx: Context) -> bool:
    kind = prop.get("type")
    if kind == "cohort":
        return _in_cohort(prop, ctx, set())
    if kind == "flag":
        return _dependency(prop, ctx)
    if kind == "group" and properties is ctx.person_properties:
        # A group filter on a person flag reads its own group's properties.
        group_type = ctx.group_type_mapping.get(str(prop.get("group_type_index")))
        properties = ctx.group_properties.get(group_type or "", {})
    return match_property(prop, properties, now=ctx.now, tz=ctx.tz)


def property_matches(prop: Mapping[str, Any], properties: Mapping[str, Any], ctx: Context) -> bool:
    """One filter of a release condition against a person's or a group's ``properties``
    (cohort and flag filters read ``ctx``), as a condition's filters are matched."""
    return _matches(prop, properties, ctx)


def in_cohort(cohort_id: int, ctx: Context) -> bool:
    """Whether ``ctx``'s person belongs to the cohort (what counting a cohort asks per person)."""
    return _in_cohort({"value": cohort_id}, ctx, set())


def _in_cohort(prop: Mapping[str, Any], ctx: Context, seen: set[str]) -> bool:
    cohort = ctx.cohorts.get(str(prop.get("value")))
    negate = (prop.get("operator") or "in") == "not_in"
    if cohort is None or str(cohort.id) in seen:
        return negate
    seen = seen | {str(cohort.id)}
    if cohort.is_static:
        member = ctx.person_id is not None and ctx.person_id in cohort.members
    else:
        member = _property_group(cohort.properties, ctx, seen)
    return member != negate


def _property_group(group: Mapping[str, Any], ctx: Context, seen: set[str]) -> bool:
    """A cohort's AND/OR tree of person filters (``negation`` flips one filter)."""

    def leaf(item: Mapping[str, Any]) -> bool:
        if item.get("type") == "cohort":
            return _in_cohort(item, ctx, seen)
        return match_property(item, ctx.person_properties, now=ctx.now, tz=ctx.tz)

    return filter_tree(group, leaf)


def _dependency(prop: Mapping[str, Any], ctx: Context) -> bool:
    """A ``flag_evaluates_to`` filter: the other flag's value against the expected one."""
    reference = str(prop.get("key"))
    flag = ctx.flag_by_id(reference) if ctx.flag_by_id is not None else None
    if flag is None or reference in ctx._evaluating or prop.get("value") is None:
        return False
    if not flag.get("active", True) or flag.get("deleted"):
        actual: bool | str = False
    else:
        ctx._evaluating.add(reference)
        try:
            actual = evaluate(flag, ctx).value
        finally:
            ctx._evaluating.discard(reference)
    expected = prop["value"]
    if isinstance(actual, str):
        return expected if isinstance(expected, bool) else actual == expected
    return isinstance(expected, bool) and actual == expected
