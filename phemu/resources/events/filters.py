"""The legacy ``properties`` filter of the events and persons lists, with ClickHouse's semantics.

``Filter(request=...)`` parses the parameter (``posthog/models/filters/mixins/property.py``):
JSON, a list of properties or a property group (``{"type": "AND"|"OR", "values": [...]}``);
unparsable JSON is ``400 Properties are unparsable!``. Each property compiles to SQL over the
raw JSON text of the value (``prop_filter_json_extract`` in ``posthog/models/property/util.py``):
strings compare without their quotes and case-sensitively, other values as their JSON text, a
missing property as ``''``; ``icontains`` is ``ILIKE '%value%'``; ``gt``/``lt``... compare
numbers (a non-number never matches).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from phemu.errors import ValidationError
from phemu.resources.sessions.like import like_matcher

UNPARSABLE = "Properties are unparsable!"
_MISSING = object()

#: ``(property, properties of the kind it names)`` -> whether it holds
Resolver = Callable[[Mapping[str, Any]], Mapping[str, Any] | None]


def parse_properties(raw: str | None) -> Any:
    """The parsed ``properties`` parameter (``None`` when absent or empty)."""
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise ValidationError(UNPARSABLE) from None


def _raw(value: Any) -> str:
    """``replaceRegexpAll(JSONExtractRaw(properties, key), '^"|"$', '')``."""
    if value is _MISSING:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def match(prop: Mapping[str, Any], values: Mapping[str, Any], now: datetime) -> bool:
    """One property filter against the properties it names."""
    key = str(prop.get("key"))
    operator = prop.get("operator") or "exact"
    wanted = prop.get("value")
    present = values.get(key, _MISSING)
    raw = _raw(present)
    if operator in ("exact", "is_not"):
        options = wanted if isinstance(wanted, list) else [wanted]
        hit = any(raw == _raw(option) for option in options)
        return hit if operator == "exact" else not hit
    if operator in ("icontains", "not_icontains"):
        hit = like_matcher(_raw(wanted))(raw.lower())
        return hit if operator == "icontains" else not hit
    if operator in ("regex", "not_regex"):
        try:
            hit = re.search(_raw(wanted), raw) is not None
        except re.error:
            return False
        return hit if operator == "regex" else not hit
    if operator in ("gt", "gte", "lt", "lte"):
        left, right = _number(raw), _number(_raw(wanted))
        if left is None or right is None:
            return False
        return {
            "gt": left > right,
            "gte": left >= right,
            "lt": left < right,
            "lte": left <= right,
        }[operator]
    if operator == "is_set":
        return present is not _MISSING
    if operator == "is_not_set":
        return present is _MISSING
    from phemu.resources.feature_flags.matching import match_property

    return match_property(prop, values, now=now)  # dates, semver: the flags matcher


def holds(node: Any, resolve: Resolver, now: datetime) -> bool:
    """Whether a parsed ``properties`` value (list, group or property) holds.

    ``resolve`` gives the properties a property filters on (``None``: this list ignores that
    kind of property, as PostHog's query leaves it out).
    """
    if node is None:
        return True
    if isinstance(node, list):
        return all(holds(item, resolve, now) for item in node)
    if not isinstance(node, Mapping):
        return True
    if "values" in node and isinstance(node["values"], list) and "key" not in node:
        results = [holds(item, resolve, now) for item in node["values"]]
        if not results:
            return True
        return any(results) if str(node.get("type", "AND")).upper() == "OR" else all(results)
    values = resolve(node)
    return True if values is None else match(node, values, now)
