"""``FeatureFlagSerializer``'s validation, in its field order (``posthog/api/feature_flag.py``).

``validate_key`` checks uniqueness among the project's live flags before the key's format;
``validate_filters`` checks the condition sets, the property types the aggregation allows, flag
dependencies, variant rollouts summing to 100, variant overrides, each property (cohorts,
dates, operator value types) and payloads, raising the first problem with ``attr="filters"``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from phemu import fields
from phemu.errors import Msg
from phemu.errors import ValidationError
from phemu.resources.feature_flags.matching import parse_date

KEY_FORMAT = re.compile(r"^[a-zA-Z0-9_-]+$")
#: PostHog's MAX_PROPERTY_VALUES (1000 in production; its test settings lower it to 10).
MAX_PROPERTY_VALUES = 1000
_STRING_VALUED = ("regex", "icontains", "not_regex", "not_icontains", "gte", "lte", "gt", "lt")
EVALUATION_RUNTIMES = ("server", "client", "all")


@dataclass(frozen=True)
class FlagLookups:
    """What validation reads from the rest of the store."""

    key_taken: Callable[[str], bool]
    cohort: Callable[[Any], Any | None]  # -> object with .name and .is_behavioral(), or None
    flag_by_id: Callable[[int], Any | None]  # -> object with .key, .active, .filters
    flag_by_key: Callable[[str], Any | None]
    #: Checking a stored record (seed documents, state files) rather than a request: a flag may
    #: depend on one that is disabled or gone since (the API checks only when the filters are
    #: written), so dependencies are only checked for cycles.
    lenient: bool = False


def _invalid(detail: str, code: str = "invalid_input") -> ValidationError:
    return ValidationError(detail, code=code, attr="filters")


def validate_key(value: Any, lookups: FlagLookups) -> str:
    key = fields.parse_text(value, "key", allow_blank=False, max_length=400)
    if lookups.key_taken(key):
        raise ValidationError(Msg.FLAG_KEY_EXISTS, code="unique", attr="key")
    if not KEY_FORMAT.match(key):
        raise ValidationError(Msg.FLAG_KEY_FORMAT, code="invalid_key", attr="key")
    return key


def validate_filters(
    value: Any,
    *,
    creating: bool,
    current_key: str | None,
    lookups: FlagLookups,
) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValidationError(
            f'Expected a dictionary of items but got type "{type(value).__name__}".',
            code="not_a_dict",
            attr="filters",
        )
    filters: dict[str, Any] = json.loads(json.dumps(value))  # a copy: payloads get rewritten
    groups = filters.get("groups") or []
    if creating and not groups:
        raise _invalid(Msg.FLAG_NEEDS_GROUP)
    if not isinstance(groups, list) or not all(isinstance(g, dict) for g in groups):
        raise _invalid(Msg.FLAG_NEEDS_GROUP)
    properties = [p for g in groups for p in (g.get("properties") or [])]
    if not all(isinstance(p, dict) for p in properties):
        raise _invalid(Msg.FLAG_PERSON_FILTERS_ONLY)
    aggregation = filters.get("aggregation_group_type_index")
    if aggregation is None:
        if not all(p.get("type", "person") in ("person", "cohort", "flag") for p in properties):
            raise _invalid(Msg.FLAG_PERSON_FILTERS_ONLY)
        if any(
            p.get("type") == "flag" and p.get("operator") != "flag_evaluates_to" for p in properties
        ):
            raise _invalid(Msg.FLAG_FLAG_OPERATOR)
        _check_dependencies(filters, current_key, lookups)
    elif not all(
        p.get("type") == "group" and p.get("group_type_index") == aggregation for p in properties
    ):
        raise _invalid(Msg.FLAG_GROUP_FILTERS_ONLY)
    variant_list = (filters.get("multivariate") or {}).get("variants", []) or []
    variants = {v.get("key") for v in variant_list if isinstance(v, dict)}
    if variant_list and sum(v.get("rollout_percentage", 0) for v in variant_list) != 100:
        raise _invalid(Msg.FLAG_VARIANTS_SUM)
    for group in groups:
        if group.get("variant") and group["variant"] not in variants:
            raise _invalid(Msg.FLAG_UNKNOWN_OVERRIDE)
        for prop in group.get("properties") or []:
            _check_property(prop, lookups)
    _check_payloads(filters, variants)
    return filters


def _check_property(prop: Mapping[str, Any], lookups: FlagLookups) -> None:
    value, operator, kind = prop.get("value"), prop.get("operator"), prop.get("type", "person")
    if isinstance(value, list) and len(value) > MAX_PROPERTY_VALUES:
        raise _invalid(
            Msg.FLAG_TOO_MANY_VALUES.format(key=prop.get("key"), limit=MAX_PROPERTY_VALUES)
        )
    if kind == "cohort":
        cohort = lookups.cohort(value)
        if cohort is None:
            raise _invalid(Msg.FLAG_COHORT_MISSING.format(id=value), code="cohort_does_not_exist")
        if cohort.is_behavioral():
            raise _invalid(
                Msg.FLAG_BEHAVIORAL_COHORT.format(name=cohort.name), code="behavioral_cohort_found"
            )
    if operator in ("is_date_before", "is_date_after"):
        from datetime import datetime
        from datetime import timezone

        if parse_date(value, datetime.now(timezone.utc)) is None:
            raise _invalid(Msg.FLAG_INVALID_DATE.format(value=value), code="invalid_date")
    if operator in _STRING_VALUED and not isinstance(value, str):
        raise _invalid(
            Msg.FLAG_INVALID_VALUE.format(operator=operator, value=value), code="invalid_value"
        )
    if operator in ("in", "not_in") and kind != "cohort":
        raise _invalid(
            Msg.FLAG_COHORT_OPERATOR.format(operator=operator, type=kind), code="invalid_operator"
        )


def _check_payloads(filters: dict[str, Any], variants: set[Any]) -> None:
    payloads = filters.get("payloads", {})
    if not isinstance(payloads, dict):
        raise _invalid(Msg.FLAG_PAYLOADS_DICT)
    for key, value in list(payloads.items()):
        if isinstance(value, dict):
            # PostHog normalises object payloads to JSON strings, as the UI sends them.
            payloads[key] = json.dumps(value)
        elif isinstance(value, str):
            try:
                json.loads(value)
            except json.JSONDecodeError:
                raise _invalid(Msg.FLAG_PAYLOAD_JSON) from None
    if filters.get("multivariate"):
        if not all(key in variants for key in payloads):
            raise _invalid(Msg.FLAG_PAYLOAD_VARIANT_KEYS)
    elif len(payloads) > 1 or any(key != "true" for key in payloads):
        raise _invalid(Msg.FLAG_PAYLOAD_BOOLEAN_KEYS)


def _dependency_keys(filters: Mapping[str, Any], lookups: FlagLookups) -> set[str]:
    keys = set()
    for group in filters.get("groups") or []:
        for prop in group.get("properties") or []:
            if prop.get("type") != "flag" or not prop.get("key"):
                continue
            reference = str(prop["key"])
            if not reference.lstrip("-").isdigit():
                raise _invalid(Msg.FLAG_DEPENDENCY_NOT_ID.format(reference=reference))
            flag = lookups.flag_by_id(int(reference))
            if flag is None and lookups.lenient:
                continue
            if flag is None:
                raise _invalid(Msg.FLAG_DEPENDENCY_MISSING.format(id=int(reference)))
            if not flag.active and not lookups.lenient:
                raise _invalid(Msg.FLAG_DEPENDENCY_DISABLED.format(key=flag.key, id=int(reference)))
            keys.add(flag.key)
    return keys


def _check_dependencies(
    filters: Mapping[str, Any], current_key: str | None, lookups: FlagLookups
) -> None:
    if not current_key:
        return
    dependencies = _dependency_keys(filters, lookups)
    if current_key in dependencies:
        raise _invalid(Msg.FLAG_DEPENDS_ON_ITSELF.format(key=current_key))

    def visit(key: str, path: list[str]) -> None:
        if key in path:
            cycle = [*path[path.index(key) :], key]
            raise _invalid(Msg.FLAG_CIRCULAR.format(cycle=" → ".join(cycle)))
        flag = lookups.flag_by_key(key)
        if flag is None:
            return
        for dependency in _dependency_keys(flag.filters or {}, lookups):
            visit(dependency, [*path, key])

    for dependency in sorted(dependencies):
        visit(dependency, [current_key])
