"""PostHog's strict output schemas for the session-recording AI endpoints (``docs/ai.md``).

PostHog produced these bodies with OpenAI structured outputs in strict mode, so a client can rely
on exact key sets, enum values and string types, and on a filter group nested exactly two levels
deep. Every answer phemu sends, whoever produced it, passes :func:`check_filters_output` or
:func:`check_regex_output` first. Only what strict mode itself enforces is checked: free-text
strings (``question``, the date strings, leaf keys) are not pattern-matched, as OpenAI does not
enforce patterns either.

The checkers return a list of human-readable violations (``path: problem``), empty when the
output is valid, so the bug report can show all of them at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

FILTER_RESULTS = ("filter", "question")
GROUP_TYPES = ("AND", "OR")
LEAF_TYPES = (
    "meta",
    "event",
    "person",
    "element",
    "session",
    "cohort",
    "recording",
    "log_entry",
    "group",
    "hogql",
    "data_warehouse",
    "data_warehouse_person_property",
)
OPERATORS = (
    "exact",
    "is_not",
    "icontains",
    "not_icontains",
    "regex",
    "not_regex",
    "gt",
    "gte",
    "lt",
    "lte",
    "is_set",
    "is_not_set",
    "is_date_exact",
    "is_date_before",
    "is_date_after",
    "between",
    "not_between",
    "min",
    "max",
    "in",
    "not_in",
)
REGEX_RESULTS = ("success", "error")

ROOT_KEYS = ("result", "data")
FILTER_DATA_KEYS = ("question", "date_from", "date_to", "filter_group")
GROUP_KEYS = ("type", "values")
LEAF_KEYS = ("key", "type", "value", "operator")
REGEX_DATA_KEYS = ("output",)

#: Past this many violations the report stops listing them (a wholly wrong output is obvious).
MAX_VIOLATIONS = 20


def json_type(value: Any) -> str:
    """The JSON name of a Python value's type, as a schema error should say it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "array"
    if isinstance(value, dict):
        return "object"
    return f"non-JSON {type(value).__name__}"


class _Checker:
    """Collects violations while walking one output."""

    def __init__(self) -> None:
        self.violations: list[str] = []

    def fail(self, path: str, problem: str) -> None:
        if len(self.violations) < MAX_VIOLATIONS:
            self.violations.append(f"{path or '(root)'}: {problem}")

    def obj(self, value: Any, path: str, keys: tuple[str, ...]) -> bool:
        """An object with exactly ``keys``; True when the keys can be walked."""
        if not isinstance(value, dict):
            self.fail(path, f"expected an object with keys {_names(keys)}, got {json_type(value)}")
            return False
        for key in keys:
            if key not in value:
                self.fail(path, f'missing key "{key}"')
        for key in value:
            if key not in keys:
                self.fail(path, f"unexpected key {_quote(key)} (allowed: {_names(keys)})")
        return True

    def string(self, value: Any, path: str, allowed: tuple[str, ...] | None = None) -> None:
        if not isinstance(value, str):
            self.fail(path, f"expected a string, got {json_type(value)}")
        elif allowed is not None and value not in allowed:
            self.fail(path, f"{_quote(value)} is not one of {_names(allowed)}")

    def array(self, value: Any, path: str) -> list[Any] | None:
        if not isinstance(value, list):
            self.fail(path, f"expected an array, got {json_type(value)}")
            return None
        return value


def _quote(value: Any) -> str:
    return f'"{value}"' if isinstance(value, str) else repr(value)


def _names(values: Iterable[str]) -> str:
    return ", ".join(f'"{v}"' for v in values)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


# -- ai/filters ------------------------------------------------------------------------------
def check_filters_output(output: Any) -> list[str]:
    """Violations of the ``ai/filters`` schema (``docs/ai.md``); empty when valid."""
    check = _Checker()
    if check.obj(output, "", ROOT_KEYS):
        if "result" in output:
            check.string(output["result"], "result", FILTER_RESULTS)
        if "data" in output and check.obj(output["data"], "data", FILTER_DATA_KEYS):
            data = output["data"]
            for key in ("question", "date_from", "date_to"):
                if key in data:
                    check.string(data[key], f"data.{key}")
            if "filter_group" in data:
                _check_group(check, data["filter_group"], "data.filter_group", inner=False)
    return check.violations


def _check_group(check: _Checker, group: Any, path: str, *, inner: bool) -> None:
    if not check.obj(group, path, GROUP_KEYS):
        return
    if "type" in group:
        check.string(group["type"], _join(path, "type"), GROUP_TYPES)
    if "values" not in group:
        return
    values = check.array(group["values"], _join(path, "values"))
    for index, item in enumerate(values or []):
        item_path = f"{path}.values[{index}]"
        if inner:
            _check_leaf(check, item, item_path)
        else:
            _check_group(check, item, item_path, inner=True)


def _check_leaf(check: _Checker, leaf: Any, path: str) -> None:
    if not check.obj(leaf, path, LEAF_KEYS):
        return
    if "key" in leaf:
        check.string(leaf["key"], _join(path, "key"))
    if "type" in leaf:
        check.string(leaf["type"], _join(path, "type"), LEAF_TYPES)
    if "operator" in leaf:
        check.string(leaf["operator"], _join(path, "operator"), OPERATORS)
    if "value" in leaf:
        values = check.array(leaf["value"], _join(path, "value"))
        for index, item in enumerate(values or []):
            check.string(item, f"{path}.value[{index}]")


def order_filters_output(output: dict[str, Any]) -> dict[str, Any]:
    """A valid output rebuilt with keys in schema order (golden files compare bytes)."""
    data = output["data"]
    group = data["filter_group"]
    return {
        "result": output["result"],
        "data": {
            "question": data["question"],
            "date_from": data["date_from"],
            "date_to": data["date_to"],
            "filter_group": {
                "type": group["type"],
                "values": [
                    {
                        "type": inner["type"],
                        "values": [
                            {
                                "key": leaf["key"],
                                "type": leaf["type"],
                                "value": list(leaf["value"]),
                                "operator": leaf["operator"],
                            }
                            for leaf in inner["values"]
                        ],
                    }
                    for inner in group["values"]
                ],
            },
        },
    }


# -- ai/regex --------------------------------------------------------------------------------
def check_regex_output(output: Any) -> list[str]:
    """Violations of the ``ai/regex`` schema (``docs/ai.md``); empty when valid."""
    check = _Checker()
    if check.obj(output, "", ROOT_KEYS):
        if "result" in output:
            check.string(output["result"], "result", REGEX_RESULTS)
        data = output.get("data")
        if "data" in output and check.obj(data, "data", REGEX_DATA_KEYS) and "output" in data:
            check.string(data["output"], "data.output")
    return check.violations


def order_regex_output(output: dict[str, Any]) -> dict[str, Any]:
    return {"result": output["result"], "data": {"output": output["data"]["output"]}}
