"""PostHog's list rules for definitions: query parameters, filters and order.

Property definitions follow ``PropertyDefinitionQuerySerializer`` and ``QueryContext`` of
``posthog/api/property_definition.py`` (fields checked in declaration order, then the
serializer's cross-field rules); event definitions follow ``EventDefinitionViewSet`` of
``posthog/api/event_definition.py``. Both search with ``term_search_filter_sql``
(``posthog/filters.py``): the search splits on spaces and every word must appear in the name,
as ``ILIKE '%word%'`` (``%`` and ``_`` stay wildcards). The SQL's ``ORDER BY name`` is answered in
code-point order (a C-collated database).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from werkzeug.datastructures import MultiDict

from phemu.errors import ServerError
from phemu.errors import ValidationError
from phemu.fields import MISSING
from phemu.fields import parse_bool
from phemu.fields import parse_choice
from phemu.fields import parse_int
from phemu.fields import parse_text
from phemu.resources.definitions.inference import EVENT
from phemu.resources.definitions.inference import TYPES
from phemu.resources.definitions.models import EventDefinition
from phemu.resources.definitions.models import ProjectDefinitions
from phemu.resources.definitions.models import PropertyDefinition
from phemu.resources.definitions.taxonomy import GROUP_TYPES_LIMIT
from phemu.resources.definitions.taxonomy import taxonomy
from phemu.resources.sessions.like import like_matcher

_NOT_NUMERICAL_NAMES = ("distinct_id", "timestamp")
_FEATURE_FLAG_PREFIX = "$feature/"


def _arg(
    args: MultiDict[str, str], name: str, *, allow_null: bool = False, blank: bool = False
) -> Any:
    """DRF's ``Field.get_value`` for a query dict: the last value; an empty value is null for
    nullable fields, kept for ``allow_blank`` ones and otherwise means "not given"."""
    if name not in args:
        return MISSING
    value = args.getlist(name)[-1]
    if value == "":
        if blank:
            return ""
        return None if allow_null else MISSING
    return value


def _nullable_bool(args: MultiDict[str, str], name: str) -> bool | None:
    value = _arg(args, name, allow_null=True)
    return None if value is MISSING or value is None else parse_bool(value, name)


def _text(args: MultiDict[str, str], name: str) -> str | None:
    value = _arg(args, name)
    return None if value is MISSING else parse_text(value, name, allow_blank=False)


@dataclass(frozen=True)
class PropertyQuery:
    """A checked ``PropertyDefinitionQuerySerializer``."""

    search: str | None
    type: str
    group_type_index: int | None
    properties: str | None
    is_numerical: bool | None
    is_feature_flag: bool | None
    event_names: str | None
    filter_by_event_names: bool | None
    excluded_properties: str | None
    exclude_core_properties: bool
    exclude_hidden: bool


def property_query(args: MultiDict[str, str]) -> PropertyQuery:
    search = _arg(args, "search", blank=True)
    type_ = _arg(args, "type")
    index = _arg(args, "group_type_index")
    query = PropertyQuery(
        search=None if search is MISSING else parse_text(search, "search"),
        type="event" if type_ is MISSING else parse_choice(type_, "type", TYPES),
        group_type_index=None
        if index is MISSING
        else parse_int(index, "group_type_index", min_value=None, max_value=None),
        properties=_text(args, "properties"),
        is_numerical=_nullable_bool(args, "is_numerical"),
        is_feature_flag=_nullable_bool(args, "is_feature_flag"),
        event_names=_text(args, "event_names"),
        filter_by_event_names=_nullable_bool(args, "filter_by_event_names"),
        excluded_properties=_text(args, "excluded_properties"),
        exclude_core_properties=bool(_nullable_bool(args, "exclude_core_properties")),
        exclude_hidden=bool(_nullable_bool(args, "exclude_hidden")),
    )
    if query.type == "group" and query.group_type_index is None:
        raise ValidationError("`group_type_index` must be set for `group` type")
    if query.type != "group" and query.group_type_index is not None:
        raise ValidationError("`group_type_index` can only set for `group` type")
    if query.group_type_index and not 0 <= query.group_type_index < GROUP_TYPES_LIMIT:
        raise ValidationError("Invalid value for `group_type_index`")
    if query.type != "event" and query.event_names:
        raise ValidationError("`event_names` can only be set for `event` type")
    return query


def _json(raw: str) -> Any:
    """``json.loads`` where PostHog calls it unguarded: bad JSON is its 500."""
    try:
        return json.loads(raw)
    except ValueError:
        raise ServerError() from None


def _names(value: Any) -> list[str]:
    """``list(map(str, value))`` / ``set(value)`` as Python iterates a JSON value."""
    if isinstance(value, (dict, list, str)):
        return [str(item) for item in value]
    raise ServerError()  # PostHog takes len() of a number: a TypeError


def _excluded(raw: str | None) -> set[str]:
    """``excluded_properties``: a JSON list of names, sent to Postgres as a text array."""
    if not raw:
        return set()
    parsed = _json(raw)
    if not isinstance(parsed, (dict, list, str)) or any(
        isinstance(item, (dict, list)) for item in parsed
    ):
        raise ServerError()  # unhashable or not iterable: PostHog's set() fails
    if any(not isinstance(item, str) for item in parsed):
        raise ServerError()  # a text column compared with a number: Postgres refuses
    return set(parsed)


def _searcher(search: str | None, extra: Callable[[str], bool] | None) -> Callable[[str], bool]:
    terms = [t for t in (search or "").replace("\x00", "").split(" ") if t]
    if not terms:
        return lambda name: True
    matchers = [like_matcher(term) for term in terms]

    def matches(name: str) -> bool:
        lowered = name.lower()
        return all(m(lowered) for m in matchers) or (extra is not None and extra(name))

    return matches


def _alias_names(search: str) -> set[str]:
    """``add_name_alias_to_search_query``: names whose taxonomy label holds every word."""
    words = search.lower().split()
    return {
        key
        for key, label in taxonomy().aliases.items()
        if words and all(word in label.lower() for word in words)
    }


def property_rows(
    defs: ProjectDefinitions, query: PropertyQuery
) -> list[tuple[PropertyDefinition, bool | None]]:
    """The project's property definitions the query selects, in PostHog's order, each with
    ``is_seen_on_filtered_events``."""
    wanted_type = TYPES[query.type]
    wanted_index = query.group_type_index if query.type == "group" else -1
    rows = [d for d in defs.properties.values() if d.key[1:] == (wanted_type, wanted_index)]
    excluded = _excluded(query.excluded_properties)
    tax = taxonomy()
    if wanted_type == EVENT:
        if query.exclude_core_properties:
            rows = [r for r in rows if not r.name.startswith("$")]
            excluded |= tax.core_event_properties
        else:
            excluded |= tax.always_excluded
    rows = [r for r in rows if r.name not in excluded]
    if query.properties:
        names = set(query.properties.split(","))
        rows = [r for r in rows if r.name in names]
    if query.is_numerical:
        rows = [r for r in rows if r.is_numerical and r.name not in _NOT_NUMERICAL_NAMES]
    aliases = _alias_names(query.search or "")
    latest = query.type == "person" and any(
        w in "latest" for w in (query.search or "").lower().split()
    )
    matches = _searcher(
        query.search,
        lambda name: name in aliases or (latest and "initial" not in name.lower()),
    )
    rows = [r for r in rows if matches(r.name)]
    if query.is_feature_flag is not None:
        rows = [r for r in rows if r.name.startswith(_FEATURE_FLAG_PREFIX) == query.is_feature_flag]
    event_names = _names(_json(query.event_names)) if query.event_names else []
    seen: set[str] | None = None
    if wanted_type == EVENT:
        if event_names:
            chosen = set(event_names)
            seen = {name for name, events in defs.seen_with.items() if events & chosen}
        else:
            seen = set(defs.seen_with)
        if query.filter_by_event_names:
            rows = [r for r in rows if r.name in seen]
    flagged = [(r, (r.name in seen) if seen is not None and event_names else None) for r in rows]
    flagged.sort(key=lambda pair: pair[0].name)
    flagged.sort(key=lambda pair: pair[1] is not True)  # is_seen_on_filtered_events DESC
    return flagged


def virtual_properties(query: PropertyQuery) -> list[dict[str, Any]]:
    """The taxonomy's virtual person / group properties the query keeps
    (``PropertyDefinitionViewSet._filter_virtual_property``)."""
    tax = taxonomy()
    found = tax.virtual_person if query.type == "person" else tax.virtual_group
    names = set(query.properties.split(",")) if query.properties else None
    excluded = set(_names(_json(query.excluded_properties))) if query.excluded_properties else set()
    if query.exclude_core_properties:
        excluded |= tax.core_event_properties
    words = (query.search or "").strip().lower().split()
    kept = []
    for name, property_type in found:
        numerical = property_type == "Numeric"
        if names and name not in names:
            continue
        if query.is_numerical is not None and query.is_numerical != numerical:
            continue
        if name in excluded:
            continue
        if words and not all(w in name.lower() for w in words):
            alias = tax.aliases.get(name)
            if not (alias and all(w in alias.lower() for w in words)):
                continue
        if query.is_feature_flag is not None and (
            name.startswith(_FEATURE_FLAG_PREFIX) != query.is_feature_flag
        ):
            continue
        kept.append(
            {
                "id": "$builtin_" + name,
                "name": name,
                "is_numerical": numerical,
                "property_type": property_type,
                "tags": [],
                "virtual": True,
            }
        )
    return kept


# -- event definitions ------------------------------------------------------------------------

#: ``EventDefinitionType`` (``posthog/constants.py``)
EVENT_TYPES = ("all", "event", "action_event", "event_posthog", "event_custom")
_ORDERINGS = ("name", "last_seen_at", "last_seen_at::date")


def _sql_array(names: Iterable[Any]) -> set[str]:
    """``ARRAY{python list}`` spliced into SQL: only plain text items survive Postgres."""
    items = list(names)
    if not items or any(not isinstance(i, str) or "'" in i or "\\" in i for i in items):
        raise ServerError()
    return set(items)


def event_rows(
    defs: ProjectDefinitions, arg: Callable[[str], str | None], orderings: list[str]
) -> list[EventDefinition]:
    """The event definitions ``EventDefinitionViewSet`` lists, in its order (``arg`` reads a
    query parameter as ``QueryDict.get`` does; ``orderings`` are every ``ordering`` value)."""
    event_type = arg("event_type")
    if event_type is None:
        event_type = "event"
    if event_type not in EVENT_TYPES:
        raise ServerError()  # EventDefinitionType(value) raises ValueError
    matches = _searcher(arg("search"), None)
    rows = [d for d in defs.events.values() if matches(d.name)]
    raw_excluded = arg("excluded_properties")
    if raw_excluded:
        parsed = _json(raw_excluded)
        if not isinstance(parsed, (dict, list, str)):
            raise ServerError()
        excluded = _sql_array(set(parsed))
        rows = [d for d in rows if d.name not in excluded]
    if event_type == "event_custom":
        rows = [d for d in rows if not d.name.startswith("$")]
    elif event_type == "event_posthog":
        rows = [d for d in rows if d.name.startswith("$")]
    chosen = []
    for ordering in orderings:
        if ordering and ordering.replace("-", "") in _ORDERINGS:
            chosen.append((ordering.replace("-", ""), "-" in ordering))
    for name, descending in reversed(chosen or [("last_seen_at::date", True), ("name", False)]):
        rows.sort(key=_order_key(name, descending), reverse=descending)
    return rows


def _order_key(name: str, descending: bool) -> Callable[[EventDefinition], Any]:
    """``ORDER BY <name> ASC NULLS FIRST`` / ``DESC NULLS LAST`` as a sort key."""
    if name == "name":
        return lambda d: d.name

    def key(d: EventDefinition) -> tuple[int, Any]:
        seen: datetime | None = d.last_seen_at
        if seen is None:
            return (0, None)
        value: Any = seen.date() if name == "last_seen_at::date" else seen
        return (1, value)

    return key
