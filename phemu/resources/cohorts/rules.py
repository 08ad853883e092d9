"""``CohortSerializer``'s validation, in its field order (``posthog/api/cohort.py``).

``filters`` of a dynamic cohort must be PostHog's ``CohortFilters`` (a pydantic model:
``{"properties": {"type": "AND"|"OR", "values": [...]}}`` whose values are groups or
``behavioral`` / ``cohort`` / ``person`` filters, extra keys forbidden). PostHog turns a missing
key into ``Missing required keys for <kind> filter: <key>`` and answers any other structural
problem with pydantic's error list; phemu checks the same structure and words those errors as
pydantic does (type, location, message, input), without pydantic's documentation ``url``.
``cohort_type`` is checked against the type the filters imply
(``posthog/models/cohort/validation.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from typing import Any

from phemu import fields
from phemu.errors import Msg
from phemu.errors import ValidationError

COHORT_TYPES = ("static", "person_property", "behavioral", "realtime", "analytical")
#: ``ANALYTICAL_BEHAVIORAL_TYPES``: behavioural filters that make a cohort analytical.
ANALYTICAL_BEHAVIORS = frozenset(
    {
        "performed_event_first_time",
        "performed_event_regularly",
        "performed_event_sequence",
        "stopped_performing_event",
        "restarted_performing_event",
    }
)
_PRIORITY = {"static": 0, "person_property": 1, "behavioral": 2, "analytical": 3}

# The pydantic models of posthog/api/cohort.py: field -> (required, kind) per filter type.
_STR, _INT, _BOOL, _ANY, _KEY = "str", "int", "bool", "any", "key"
_FILTER_FIELDS: dict[str, dict[str, tuple[bool, str]]] = {
    "behavioral": {
        "type": (True, _ANY),
        "key": (True, _KEY),
        "value": (True, _STR),
        "event_type": (True, _STR),
        "time_value": (False, _INT),
        "time_interval": (False, _STR),
        "negation": (False, _BOOL),
        "operator": (False, _STR),
        "operator_value": (False, _INT),
        "seq_time_interval": (False, _STR),
        "seq_time_value": (False, _INT),
        "seq_event": (False, _KEY),
        "seq_event_type": (False, _STR),
        "total_periods": (False, _INT),
        "min_periods": (False, _INT),
        "event_filters": (False, _ANY),
        "explicit_datetime": (False, _STR),
    },
    "cohort": {
        "type": (True, _ANY),
        "key": (True, "id"),
        "value": (True, _INT),
        "negation": (False, _BOOL),
    },
    "person": {
        "type": (True, _ANY),
        "key": (True, _STR),
        "operator": (False, _STR),
        "value": (False, _ANY),
        "negation": (False, _BOOL),
    },
}
_TAGS = "'behavioral', 'cohort', 'person', 'AND', 'OR'"


def _invalid(
    detail: str, attr: str | None = "filters", code: str = "invalid_input"
) -> ValidationError:
    return ValidationError(detail, code=code, attr=attr)


# -- filters --------------------------------------------------------------------------------


class _Errors:
    """pydantic's error list, in validation order."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def add(self, kind: str, loc: tuple[Any, ...], msg: str, value: Any) -> None:
        self.items.append({"type": kind, "loc": loc, "msg": msg, "input": value})


def _scalar(kind: str, value: Any, loc: tuple[Any, ...], errors: _Errors) -> None:
    if kind == _STR and not isinstance(value, str):
        errors.add("string_type", loc, "Input should be a valid string", value)
    elif kind == _INT and not _int_like(value):
        if isinstance(value, str):
            errors.add(
                "int_parsing",
                loc,
                "Input should be a valid integer, unable to parse string as an integer",
                value,
            )
        else:
            errors.add("int_type", loc, "Input should be a valid integer", value)
    elif kind == _BOOL and not isinstance(value, bool):
        errors.add("bool_type", loc, "Input should be a valid boolean", value)
    elif kind == _KEY and not (isinstance(value, str) or _int_like(value)):
        errors.add("string_type", loc, "Input should be a valid string", value)
    elif kind == "id" and value != "id":
        errors.add("literal_error", loc, "Input should be 'id'", value)


def _int_like(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    if isinstance(value, float):
        return value.is_integer()
    return isinstance(value, str) and value.strip().lstrip("+-").isdigit()


def _filter(item: Mapping[str, Any], loc: tuple[Any, ...], errors: _Errors) -> None:
    kind = item["type"]
    spec = _FILTER_FIELDS[kind]
    loc = (*loc, kind)
    before = len(errors.items)
    for name, (required, value_kind) in spec.items():
        if name not in item:
            if required:
                errors.add("missing", (*loc, name), "Field required", dict(item))
            continue
        if item[name] is None and not required:
            continue
        _scalar(value_kind, item[name], (*loc, name), errors)
    for name in item:
        if name not in spec:
            errors.add(
                "extra_forbidden", (*loc, name), "Extra inputs are not permitted", item[name]
            )
    if kind == "person" and len(errors.items) == before:
        # PersonFilter's model validator runs once the fields are valid.
        missing = []
        if item.get("value") is None and item.get("operator") not in ("is_set", "is_not_set"):
            missing.append("value")
        if item.get("operator") is None:
            missing.append("operator")
        if missing:
            errors.add(
                "value_error",
                loc,
                "Value error, "
                + Msg.COHORT_MISSING_KEYS.format(kind="person", keys=", ".join(missing)),
                dict(item),
            )


def _group(value: Any, loc: tuple[Any, ...], errors: _Errors, *, root: bool) -> None:
    if not isinstance(value, Mapping):
        errors.add(
            "model_type", loc, "Input should be a valid dictionary or instance of Group", value
        )
        return
    if "type" not in value:
        errors.add("missing", (*loc, "type"), "Field required", dict(value))
    elif root and value["type"] not in ("AND", "OR"):
        errors.add("literal_error", (*loc, "type"), "Input should be 'AND' or 'OR'", value["type"])
    if "values" not in value:
        errors.add("missing", (*loc, "values"), "Field required", dict(value))
    elif not isinstance(value["values"], list):
        errors.add("list_type", (*loc, "values"), "Input should be a valid list", value["values"])
    else:
        for index, item in enumerate(value["values"]):
            _member(item, (*loc, "values", index), errors)
    for name in value:
        if name not in ("type", "values"):
            errors.add(
                "extra_forbidden", (*loc, name), "Extra inputs are not permitted", value[name]
            )


def _member(item: Any, loc: tuple[Any, ...], errors: _Errors) -> None:
    if not isinstance(item, Mapping):
        errors.add(
            "model_attributes_type",
            loc,
            "Input should be a valid dictionary or object to extract fields from",
            item,
        )
        return
    tag = item.get("type")
    if "type" not in item:
        errors.add(
            "union_tag_not_found",
            loc,
            "Unable to extract tag using discriminator 'type'",
            dict(item),
        )
    elif tag in ("AND", "OR"):
        _group(item, (*loc, tag), errors, root=False)
    elif tag in _FILTER_FIELDS:
        _filter(item, loc, errors)
    else:
        errors.add(
            "union_tag_invalid",
            loc,
            f"Input tag '{tag}' found using 'type' does not match any of the expected tags: "
            f"{_TAGS}",
            dict(item),
        )


def _error_message(errors: list[dict[str, Any]]) -> str:
    """``CohortSerializer._cohort_error_message``: the first missing-keys error, else the list."""
    for error in errors:
        if error["type"] == "value_error":
            found = error["msg"].find("Missing required keys")
            if found != -1:
                return str(error["msg"][found:])
        if error["type"] == "missing":
            loc = [str(part) for part in error["loc"]]
            for kind in ("behavioral", "cohort", "person"):
                if kind in loc:
                    return Msg.COHORT_MISSING_KEYS.format(kind=kind, keys=loc[-1])
    return str(errors)


def validate_filters(raw: Any) -> Any:
    """``validate_filters`` for a dynamic cohort (static cohorts skip it)."""
    if not isinstance(raw, dict) or "properties" not in raw:
        raise _invalid(Msg.COHORT_FILTERS_NEED_PROPERTIES, attr="filters__detail")
    errors = _Errors()
    _group(raw["properties"], ("properties",), errors, root=True)
    for name in raw:
        if name != "properties":
            errors.add("extra_forbidden", (name,), "Extra inputs are not permitted", raw[name])
    if errors.items:
        raise _invalid(_error_message(errors.items))
    return raw


def flat(group: Any) -> list[Mapping[str, Any]]:
    """Every filter of a property group, depth first (``PropertyGroup.flat``)."""
    found: list[Mapping[str, Any]] = []
    if not isinstance(group, Mapping):
        return found
    for item in group.get("values") or []:
        if isinstance(item, Mapping) and isinstance(item.get("values"), list):
            found.extend(flat(item))
        elif isinstance(item, Mapping):
            found.append(item)
    return found


# -- query and cohort_type --------------------------------------------------------------------


def validate_query(query: Any) -> Any:
    if not query:
        return None
    if not isinstance(query, dict):
        raise _invalid(Msg.COHORT_QUERY_NOT_DICT, attr="query")
    if query.get("kind") not in ("ActorsQuery", "HogQLQuery"):
        raise _invalid(Msg.COHORT_QUERY_KIND.format(kind=query.get("kind")), attr="query")
    return query


class _Undetermined(Exception):
    """The type serializer could not decide (missing cohort, no filters, a loop...)."""


def implied_type(
    is_static: Any, query: Any, filters: Any, lookup: Callable[[int], Any], seen: frozenset[int]
) -> str:
    """``CohortTypeValidationSerializer._determine_type_recursive``."""
    if is_static:
        return "static"
    if query:
        return "analytical"
    if not isinstance(filters, Mapping) or not filters.get("properties"):
        raise _Undetermined
    props = filters["properties"]
    if not isinstance(props, Mapping):
        raise _Undetermined
    best: str | None = None
    for prop in flat(props):
        kind = prop.get("type")
        if kind == "behavioral":
            found = "analytical" if prop.get("value") in ANALYTICAL_BEHAVIORS else "behavioral"
        elif kind == "person":
            found = "person_property"
        elif kind == "cohort":
            found = _referenced_type(prop.get("value"), lookup, seen)
        else:
            raise _Undetermined
        if best is None or _PRIORITY[found] > _PRIORITY[best]:
            best = found
    if best is None:
        raise _Undetermined
    return best


def _referenced_type(value: Any, lookup: Callable[[int], Any], seen: frozenset[int]) -> str:
    if not value:
        raise _Undetermined
    raw = value[0] if isinstance(value, list) and len(value) == 1 else value
    try:
        cohort_id = int(raw)
    except (TypeError, ValueError):
        raise _Undetermined from None
    cohort = lookup(cohort_id)
    if cohort_id in seen or cohort is None:
        raise _Undetermined
    return implied_type(cohort.is_static, cohort.query, cohort.filters, lookup, seen | {cohort_id})


def validate_cohort_type(
    value: Any, data: Mapping[str, Any], current: Any, lookup: Callable[[int], Any]
) -> str | None:
    """``validate_cohort_type``: a choice, then the type the (initial) data implies."""
    if value is None:
        return None
    chosen = fields.parse_choice(value, "cohort_type", (*COHORT_TYPES, ""))
    if not chosen:
        return chosen
    # The type serializer reads ``is_static`` with a ``BooleanField``: the form body's "false"
    # is false there (``validate_filters`` reads the same raw value by truthiness instead).
    try:
        is_static = fields.parse_bool(
            data.get("is_static", getattr(current, "is_static", False)), "is_static"
        )
    except ValidationError:
        raise _invalid(Msg.COHORT_TYPE_INVALID, attr="cohort_type") from None
    query = data.get("query", getattr(current, "query", None))
    filters = data.get("filters", getattr(current, "filters", None))
    if filters is not None and not isinstance(filters, dict):
        raise _invalid(Msg.COHORT_TYPE_INVALID, attr="cohort_type")
    try:
        expected = implied_type(is_static, query, filters, lookup, frozenset())
    except _Undetermined:
        raise _invalid(Msg.COHORT_TYPE_INVALID, attr="cohort_type") from None
    if chosen != expected:
        raise _invalid(
            Msg.COHORT_TYPE_MISMATCH.format(given=chosen, expected=expected), attr="cohort_type"
        )
    return chosen


def has_loop(start: int, properties: Any, lookup: Callable[[int], Any]) -> bool:
    """``will_create_loops``: a cycle through ``cohort`` filters (a missing one is an error)."""

    def visit(properties: Any, on_path: set[int], seen: set[int]) -> bool:
        for prop in flat(properties):
            if prop.get("type") != "cohort":
                continue
            try:
                target = int(prop.get("value"))  # type: ignore[arg-type]
            except (TypeError, ValueError):
                raise _invalid(Msg.COHORT_INVALID_ID_IN_FILTER, attr=None) from None
            if target in on_path:
                return True
            if target in seen:
                continue
            cohort = lookup(target)
            if cohort is None:
                raise _invalid(Msg.COHORT_INVALID_ID_IN_FILTER, attr=None)
            seen.add(target)
            if visit(cohort.properties, on_path | {target}, seen):
                return True
        return False

    return visit(properties, {start}, {start})
