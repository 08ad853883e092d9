"""phemu's flag engine against PostHog's own: the ``posthog`` SDK's local evaluation is the oracle.

Where the SDK can decide locally (every property the flag reads is present, no static cohort, no
experience continuity), PostHog's server and its SDKs give the same answer; phemu must give it too.
Generated flags and persons (hypothesis) compare bucket hashes, variants, single property filters
and whole flags; the fixed vectors come from PostHog's own test suites.
"""

from __future__ import annotations

import warnings
from datetime import datetime
from datetime import timezone
from typing import Any

import pytest
from hypothesis import HealthCheck
from hypothesis import assume
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from posthog import feature_flags as sdk

from phemu.resources.feature_flags.evaluation import CohortSpec
from phemu.resources.feature_flags.evaluation import Context
from phemu.resources.feature_flags.evaluation import bucket
from phemu.resources.feature_flags.evaluation import evaluate
from phemu.resources.feature_flags.evaluation import hashed_variant
from phemu.resources.feature_flags.matching import match_property

NOW = datetime.now(timezone.utc)
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

ids = st.text(min_size=1, max_size=24)
keys = st.from_regex(r"[a-zA-Z0-9_-]{1,20}", fullmatch=True)
prop_keys = st.sampled_from(["email", "plan", "age", "country", "version", "signup", "beta"])
scalars = st.one_of(
    st.sampled_from(
        ["pro", "free", "PRO", "true", "false", "True", "us", "US", "gb", "", "1.2.3", "2.0"]
    ),
    st.emails(),
    st.integers(-1000, 1000),
    st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.sampled_from(["1.2.3", "1.10.0", "2.0.1", "0.9.9", "v3.1.4", "1.2", "10"]),
    st.sampled_from(["2024-01-15", "2024-06-01T12:00:00Z", "2023-12-31 23:59:59", "2030-01-01"]),
)


def _sdk_property(prop: dict[str, Any], values: dict[str, Any]) -> bool | None:
    try:
        return bool(sdk.match_property(prop, values))
    except sdk.InconclusiveMatchError:
        return None


@st.composite
def filters_for(draw: st.DrawFn, key: str | None = None) -> dict[str, Any]:
    operator = draw(
        st.sampled_from(
            [
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
                "is_date_before",
                "is_date_after",
                "starts_with",
                "not_starts_with",
                "ends_with",
                "not_ends_with",
                "semver_eq",
                "semver_neq",
                "semver_gt",
                "semver_gte",
                "semver_lt",
                "semver_lte",
                "semver_tilde",
                "semver_caret",
                "semver_wildcard",
            ]
        )
    )
    if operator in ("exact", "is_not"):
        value: Any = draw(st.one_of(scalars, st.lists(scalars, min_size=1, max_size=3)))
    elif operator in ("gt", "gte", "lt", "lte"):
        value = str(
            draw(st.one_of(st.integers(-1000, 1000), st.floats(-1e3, 1e3, allow_nan=False)))
        )
    elif operator.startswith("is_date"):
        value = draw(
            st.sampled_from(
                ["2024-01-01", "2024-06-01T00:00:00Z", "-30d", "-1w", "-12h", "2030-12-31"]
            )
        )
    elif operator.startswith("semver"):
        value = draw(
            st.sampled_from(["1.2.3", "1.10.0", "2.0.0", "0.9.9", "1.*", "1.2.*", "v1.2", "0.0.3"])
        )
    elif operator in ("regex", "not_regex"):
        value = draw(st.sampled_from(["^pro", "com$", "[0-9]+", "a.c", "US|GB", "^$", "(", ""]))
    else:
        value = draw(scalars)
    return {"key": key or draw(prop_keys), "operator": operator, "value": value, "type": "person"}


@SETTINGS
@given(key=keys, distinct_id=ids, salt=st.sampled_from(["", "variant", "abc"]))
def test_bucket_is_the_sdk_hash(key: str, distinct_id: str, salt: str) -> None:
    assert bucket(key, distinct_id, salt) == sdk._hash(key, distinct_id, salt)


@st.composite
def variant_sets(draw: st.DrawFn) -> list[dict[str, Any]]:
    count = draw(st.integers(1, 5))
    cuts = sorted(draw(st.lists(st.integers(0, 100), min_size=count - 1, max_size=count - 1)))
    shares = [b - a for a, b in zip([0, *cuts], [*cuts, 100], strict=True)]
    return [{"key": f"v{i}", "rollout_percentage": share} for i, share in enumerate(shares)]


@SETTINGS
@given(key=keys, distinct_id=ids, variants=variant_sets())
def test_variants_are_the_sdk_variants(
    key: str, distinct_id: str, variants: list[dict[str, Any]]
) -> None:
    flag = {"key": key, "filters": {"multivariate": {"variants": variants}}}
    assert hashed_variant(key, flag["filters"], distinct_id) == sdk.get_matching_variant(
        flag, distinct_id
    )


versions = st.builds(
    lambda parts, prefix: prefix + ".".join(map(str, parts)),
    st.lists(st.integers(0, 12), min_size=1, max_size=3),
    st.sampled_from(["", "v"]),
)
dates = st.builds(
    lambda d, with_time: d.isoformat() + ("T10:30:00Z" if with_time else ""),
    st.dates(min_value=datetime(2020, 1, 1).date(), max_value=datetime(2032, 1, 1).date()),
    st.booleans(),
)


@SETTINGS
@given(prop=filters_for(), data=st.data())
def test_property_filters_agree_with_the_sdk(prop: dict[str, Any], data: st.DataObject) -> None:
    if prop["operator"].startswith("semver"):
        value = data.draw(st.one_of(versions, scalars))
    elif prop["operator"].startswith("is_date"):
        value = data.draw(st.one_of(dates, scalars))
    else:
        value = data.draw(scalars)
    values = {prop["key"]: value}
    expected = _sdk_property(prop, values)
    assume(expected is not None)
    assert match_property(prop, values, now=NOW) is expected, (prop, values)


@st.composite
def flags(draw: st.DrawFn) -> dict[str, Any]:
    key = draw(keys)
    groups = []
    for _ in range(draw(st.integers(1, 3))):
        condition: dict[str, Any] = {
            "properties": draw(st.lists(filters_for(), max_size=2)),
            "rollout_percentage": draw(st.one_of(st.none(), st.integers(0, 100))),
        }
        groups.append(condition)
    filters: dict[str, Any] = {"groups": groups}
    if draw(st.booleans()):
        variants = draw(variant_sets())
        filters["multivariate"] = {"variants": variants}
        if draw(st.booleans()):
            groups[0]["variant"] = draw(st.sampled_from([v["key"] for v in variants] + ["nope"]))
    return {"key": key, "active": True, "filters": filters}


@SETTINGS
@given(flag=flags(), distinct_id=ids, person=st.dictionaries(prop_keys, scalars, max_size=7))
def test_whole_flags_agree_with_the_sdk(
    flag: dict[str, Any], distinct_id: str, person: dict[str, Any]
) -> None:
    # The SDK skips a condition it cannot decide and goes on with the next one, which the server
    # would have decided: only flags whose every property the SDK decides are comparable.
    for group in flag["filters"]["groups"]:
        for prop in group["properties"]:
            assume(_sdk_property(prop, person) is not None)
    try:
        expected = sdk.match_feature_flag_properties(
            flag, distinct_id, person, bucketing_value=distinct_id
        )
    except (sdk.InconclusiveMatchError, sdk.RequiresServerEvaluation):
        assume(False)
    got = evaluate(flag, Context(distinct_id=distinct_id, person_properties=person, now=NOW))
    assert got.value == expected


@SETTINGS
@given(distinct_id=ids, person=st.dictionaries(prop_keys, scalars, max_size=7), data=st.data())
def test_property_cohorts_agree_with_the_sdk(
    distinct_id: str, person: dict[str, Any], data: st.DataObject
) -> None:
    inner = {
        "type": data.draw(st.sampled_from(["AND", "OR"])),
        "values": data.draw(st.lists(filters_for(), min_size=1, max_size=3)),
    }
    for item in inner["values"]:
        item["negation"] = data.draw(st.booleans())
    cohort_group = {"type": "OR", "values": [inner]}
    operator = data.draw(st.sampled_from(["in", "not_in"]))
    flag = {
        "key": "cohort-flag",
        "active": True,
        "filters": {
            "groups": [
                {
                    "properties": [
                        {"key": "id", "type": "cohort", "value": 7, "operator": operator}
                    ],
                    "rollout_percentage": 100,
                }
            ]
        },
    }
    try:
        expected = sdk.match_feature_flag_properties(
            flag,
            distinct_id,
            person,
            cohort_properties={"7": cohort_group},
            bucketing_value=distinct_id,
        )
    except (sdk.InconclusiveMatchError, sdk.RequiresServerEvaluation):
        assume(False)
    ctx = Context(
        distinct_id=distinct_id,
        person_properties=person,
        cohorts={"7": CohortSpec(id=7, properties=cohort_group)},
        now=NOW,
    )
    assert evaluate(flag, ctx).value == expected


# -- fixed vectors from PostHog's own tests ---------------------------------------------------------
# The posthog wheel ships its test suite: posthog/test/test_feature_flags.py pins, for the ids
# "distinct_id_<n>" (n < 1000), the answers of a 45% boolean flag (test_simple_flag_consistency)
# and of a five-variant flag at 55% (test_multivariate_flag_consistency). The same lists pin
# the server (posthog/test/test_feature_flag.py). They are read from the installed package so the
# expectations are PostHog's, not copied by hand.


def _sdk_test_results(function: str) -> tuple[dict[str, Any], list[Any]]:
    """The flag definition and the ``results`` list literal of one test in the SDK's suite."""
    import ast
    import importlib.util

    spec = importlib.util.find_spec("posthog.test.test_feature_flags")
    assert spec is not None and spec.origin is not None
    with open(spec.origin, encoding="utf-8") as source:
        tree = ast.parse(source.read())
    node = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == function)
    found: dict[str, Any] = {}
    for statement in node.body:
        if isinstance(statement, ast.Assign):
            target = statement.targets[0]
            if isinstance(target, ast.Name) and target.id == "results":
                found["results"] = ast.literal_eval(statement.value)
            elif isinstance(target, ast.Attribute) and target.attr == "feature_flags":
                found["flags"] = ast.literal_eval(statement.value)
    return found["flags"][0], found["results"]


@pytest.mark.parametrize(
    "function", ["test_simple_flag_consistency", "test_multivariate_flag_consistency"]
)
def test_posthog_consistency_vectors(function: str) -> None:
    flag, results = _sdk_test_results(function)
    assert len(results) == 1000
    got = [evaluate(flag, Context(distinct_id=f"distinct_id_{i}")).value for i in range(1000)]
    assert got == results


def test_vectors_agree_with_the_sdk_too() -> None:
    flag = {
        "key": "simple-flag",
        "active": True,
        "filters": {"groups": [{"properties": [], "rollout_percentage": 45}]},
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        for i in range(1000):
            ours = evaluate(flag, Context(distinct_id=f"distinct_id_{i}")).value
            assert ours == sdk.match_feature_flag_properties(flag, f"distinct_id_{i}", {})


@pytest.mark.parametrize(
    ("prop", "values", "expected"),
    [
        # posthog-python test_feature_flags.py, TestMatchProperties (missing keys aside: the
        # server decides those, see test_missing_properties_follow_the_server).
        ({"key": "key", "value": "value"}, {"key": "value"}, True),
        ({"key": "key", "value": "value"}, {"key": "value2"}, False),
        ({"key": "key", "value": ["value1", "value2", "value3"]}, {"key": "value2"}, True),
        ({"key": "key", "value": ["value1", "value2", "value3"]}, {"key": "value4"}, False),
        ({"key": "key", "value": "value", "operator": "is_not"}, {"key": "value2"}, True),
        ({"key": "key", "value": "valUe", "operator": "icontains"}, {"key": "vaLue4"}, True),
        ({"key": "key", "value": r"\.com$", "operator": "regex"}, {"key": "value.com"}, True),
        ({"key": "key", "value": r"\.com$", "operator": "regex"}, {"key": "value.com/"}, False),
        ({"key": "key", "value": "1", "operator": "gt"}, {"key": 2}, True),
        ({"key": "key", "value": "1", "operator": "gt"}, {"key": 0}, False),
        ({"key": "key", "value": "43", "operator": "lte"}, {"key": "43"}, True),
        (
            {"key": "key", "value": "2022-05-01", "operator": "is_date_before"},
            {"key": "2022-03-01"},
            True,
        ),
        (
            {"key": "key", "value": "2022-05-01", "operator": "is_date_after"},
            {"key": "2022-03-01"},
            False,
        ),
        ({"key": "key", "value": "true", "operator": "exact"}, {"key": True}, True),
        ({"key": "key", "value": ["false"], "operator": "exact"}, {"key": False}, True),
        ({"key": "key", "value": "1.2.3", "operator": "semver_gt"}, {"key": "1.10.0"}, True),
        ({"key": "key", "value": "1.2", "operator": "semver_tilde"}, {"key": "1.2.9"}, True),
        ({"key": "key", "value": "1.*", "operator": "semver_wildcard"}, {"key": "2.0.0"}, False),
    ],
)
def test_posthog_match_property_vectors(
    prop: dict[str, Any], values: dict[str, Any], expected: bool
) -> None:
    assert match_property(prop, values, now=NOW) is expected
    assert _sdk_property(prop, values) is expected


@pytest.mark.parametrize(
    ("operator", "expected"),
    [
        ("exact", False),
        ("is_not", True),
        ("icontains", False),
        ("not_icontains", True),
        ("regex", False),
        ("not_regex", True),
        ("gt", False),
        ("is_set", False),
        ("is_not_set", True),
        ("is_date_before", False),
        ("semver_gt", False),
    ],
)
def test_missing_properties_follow_the_server(operator: str, expected: bool) -> None:
    # rust/feature-flags/src/properties/property_matching.rs: with the person's stored properties
    # a missing key is an answer (the SDK would fall back to /flags instead).
    prop = {"key": "plan", "operator": operator, "value": "1"}
    assert match_property(prop, {"other": "x"}, now=NOW) is expected
