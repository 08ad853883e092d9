"""phemu's flag engine against PostHog's own: the ``posthog`` SDK's local evaluation is the oracle.

Where the SDK can decide locally (every property the flag reads is present, no static cohort, no
experience continuity), PostHog's server and its SDKs mean to give the same answer; phemu answers
as the server does (``rust/feature-flags/src/properties/property_matching.rs``), so it is compared
with the SDK only where the SDK reads values as the server does. The classes where they differ are
named in :func:`_server_reads_it_as_the_sdk` with the server's reason, and phemu's answers for them
are pinned by fixed vectors below. Generated flags and persons (hypothesis) compare bucket hashes,
variants, single property filters and whole flags; the fixed vectors come from PostHog's own
test suites.
"""

from __future__ import annotations

import math
import re
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
# The SDK decides only part of the generated filters (and reads part of them as the server does),
# so many examples are filtered out by design.
SETTINGS = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

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


# -- where the SDK and the server read values differently ----------------------------------------

_SEMVER_SHAPE = re.compile(r"v?[0-9]+(?:\.[0-9]+){0,2}")
_WILDCARD_SHAPE = re.compile(r"v?[0-9]+(?:\.[0-9]+)?\.\*(?:\.\*)?")
_DATE_SHAPE = re.compile(
    r"-?[0-9]+[hdwmy]|[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?(?:Z|[+-][0-9]{2}:[0-9]{2})?)?)?"
)
_RUST_NUMBER = re.compile(
    r"[+-]?(?:inf|infinity|nan|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:e[+-]?[0-9]+)?)", re.IGNORECASE
)


def _scalars_in(value: Any) -> list[Any]:
    return [v for item in value for v in _scalars_in(item)] if isinstance(value, list) else [value]


def _server_reads_it_as_the_sdk(prop: dict[str, Any], values: dict[str, Any]) -> bool:
    """False for the value classes where the SDK's local evaluation and the flags service part.

    Each class is the server's reading, from ``rust/feature-flags/src/properties/
    property_matching.rs`` (``match_property``) and the crates it calls; phemu follows the server
    (``phemu/resources/feature_flags/matching.py``) and the fixed vectors below pin those answers.
    """
    operator = prop.get("operator") or "exact"
    expected = prop.get("value")
    actual = values.get(prop.get("key"))
    if expected is None and operator not in ("is_set", "is_not_set"):
        # "No value means no match for value-requiring operators", negated ones included; the
        # SDK compares the text "null" (not_icontains null matches).
        return False
    for item in _scalars_in(expected) + _scalars_in(actual):
        if isinstance(item, int) and not isinstance(item, bool) and not -(2**63) <= item < 2**64:
            # serde_json keeps integers beyond 64 bits as f64 (text 1.8446744073709552e19); the
            # SDK writes every digit.
            return False
        if isinstance(item, float) and abs(item) >= 1e16:
            # serde_json (ryu) writes 1e16, the SDK 1e+16 (to_string_representation).
            return False
    if operator in ("gt", "gte", "lt", "lte"):
        for item in (expected, actual):
            text = item if isinstance(item, str) else None
            if text is not None and _RUST_NUMBER.fullmatch(text) and not math.isfinite(float(text)):
                # Rust's f64 parser reads "inf", "NaN" and "1e400" (to_f64_representation); the
                # SDK calls them not a number.
                return False
    if operator.startswith("semver"):
        for item, is_filter in ((expected, True), (actual, False)):
            text = item if isinstance(item, str) else str(item)
            shape = (
                _WILDCARD_SHAPE if is_filter and operator == "semver_wildcard" else _SEMVER_SHAPE
            )
            if not shape.fullmatch(text) or any(len(n) > 19 for n in re.findall(r"[0-9]+", text)):
                # The semver crate refuses what the SDK's parse_semver forgives (a "V" or spaces
                # before "v", a fourth part, pre-release and build suffixes it drops, numbers past
                # 64 bits); a wildcard filter becomes a VersionReq ("1.2.3" is "^1.2.3").
                return False
    if operator.startswith("is_date"):
        if isinstance(actual, str) and _RUST_NUMBER.fullmatch(actual):
            # A person value that reads as a number is epoch seconds on the server
            # (determine_parsed_date_for_property_matching: "2020" is 1970-01-01T00:33:40Z);
            # the SDK reads "2020" as a year.
            return False
        for item in (expected, actual):
            if isinstance(item, str) and not _DATE_SHAPE.fullmatch(item):
                # Other forms go through chrono and the dateparser crate on the server, through
                # datetime.fromisoformat in the SDK: "+0000" offsets, whitespace, a trailing
                # newline after "-1d" and "20240101" are read by one side only.
                return False
    return True


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
    assume(_server_reads_it_as_the_sdk(prop, values))
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
    # The SDK skips a condition it cannot decide (a missing property among them) and goes on with
    # the next one, which the server would have decided (missing: is_not matches): only flags
    # whose every property the SDK decides, and reads as the server does, are comparable.
    for group in flag["filters"]["groups"]:
        for prop in group["properties"]:
            assume(_server_reads_it_as_the_sdk(prop, person))
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
        assume(_server_reads_it_as_the_sdk(item, person))
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


# -- the server's answers where the SDK reads values differently -----------------------------------
# rust/feature-flags/src/properties/property_matching.rs and the crates it calls (serde_json, chrono,
# dateparser, semver); each row is one of the classes _server_reads_it_as_the_sdk leaves out.

FIXED_NOW = datetime(2026, 3, 31, 12, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("operator", "value", "actual", "expected"),
    [
        # A person value that reads as a number is epoch seconds: "2020" is 1970-01-01T00:33:40Z.
        ("is_date_before", "-1d", "2020", True),
        ("is_date_after", "2010-01-01", "2020", False),
        ("is_date_before", "1970-01-01T00:33:41Z", "2020", True),
        ("is_date_exact", "1970-01-01T00:33:40Z", "2020", True),
        ("is_date_before", "-1d", 5, True),
        ("is_date_before", "-1d", 1.5, True),
        ("is_date_exact", "1970-01-01T00:00:00Z", "NaN", True),  # Rust's saturating casts
        ("is_date_before", "-1d", "inf", False),
        # Filter values chrono and dateparser cannot read match nothing.
        ("is_date_before", "2020", "2010-01-01", False),
        ("is_date_after", "1.2.3", "2010-01-01", False),
        ("is_date_after", "1.2", "2010-01-01", False),
        # ... and those they can, beyond ISO: epoch seconds, RFC 2822, US dates, 1-digit parts.
        ("is_date_after", "1700000000", "2024-01-01", True),
        ("is_date_after", "Tue, 14 Nov 2023 22:13:20 GMT", "2023-11-14T22:13:21Z", True),
        ("is_date_after", "Wed, 14 Nov 2023 22:13:20 GMT", "2030-01-01", False),  # wrong weekday
        ("is_date_before", "11/14/2023", "2023-11-13", True),
        ("is_date_exact", "2023-11-14", "2023-11-14 00:00", True),
        ("is_date_exact", "2023-11-14", " 2023-11-14 ", False),
        ("is_date_before", "2024-01-01", "2023-1-5", True),
        ("is_date_before", "2024-01-01", "2023-12-31T10:00:00+0000", False),
        ("is_date_before", "-1d\n", "2000-01-01", False),
        # Relative months step one at a time and clamp the day: March 31 minus 1m is February 28.
        ("is_date_exact", "-1m", "2026-02-28T12:00:00Z", True),
        ("is_date_exact", "-2m", "2026-01-28T12:00:00Z", True),
        ("is_date_exact", "-9999y", "-7973-03-31T12:00:00Z", False),  # beyond RFC 3339's years
        ("is_date_after", "-9999y", "0001-01-01", True),
        # Non-string values are compared through serde_json's text.
        ("exact", "1e16", 1e16, True),
        ("exact", "1.8446744073709552e19", 2**64, True),
        ("icontains", "e-7", 1e-7, True),
        # Rust's f64 parser reads infinities.
        ("gt", "1", "inf", True),
        ("lte", "1.5", "-1e400", True),
        ("gt", "1", "+nan", False),
        # Null filter values match nothing, negated operators included.
        ("not_icontains", None, "pro", False),
        ("is_not", None, "pro", False),
        # The semver crate: strict parts, one lowercase "v", pre-release and build ordering.
        ("semver_eq", "1.2.3", "V1.2.3", False),
        ("semver_eq", "1.2.3", " v1.2.3", False),
        ("semver_eq", "1.2.3", "v1.2.3", True),
        ("semver_eq", "1.2.3", "1.2.3.4", False),
        ("semver_lt", "1.2.3", "1.2.3-alpha", True),
        ("semver_neq", "1.0.0+a", "1.0.0+b", True),
        ("semver_gt", "1.0.0-alpha.10", "1.0.0-alpha.9", False),
        ("semver_eq", "3.8.0", "3.08", True),
        ("semver_wildcard", "1.2.3", "1.9.0", True),  # "1.2.3" is the requirement ^1.2.3
        ("semver_wildcard", "1.*", "1.9.0-beta", False),
        ("semver_wildcard", " 10+b.1", "10.99", False),
        ("semver_caret", "0.0.3", "0.0.3", True),
        ("semver_tilde", "1.2", "1.2.9", True),
        ("semver_gt", "1.0.0", "18446744073709551616.0.0", False),
    ],
)
def test_the_server_reading_of_values(
    operator: str, value: Any, actual: Any, expected: bool
) -> None:
    prop = {"key": "k", "operator": operator, "value": value}
    assert match_property(prop, {"k": actual}, now=FIXED_NOW) is expected


@pytest.mark.parametrize(
    "operator",
    ["semver_gt", "semver_tilde", "semver_wildcard", "gt", "is_date_before", "exact", "icontains"],
)
@pytest.mark.parametrize(
    "huge",
    [
        "1" * 4301,
        "1" * 4301 + ".0.0",
        "1." + "2" * 4301 + ".3",
        "-" + "1" * 4301 + "d",
        "0" * 4400 + "1d",
        pytest.param(10**4301, id="int"),
        pytest.param(-(10**4301), id="negative-int"),
    ],
    ids=lambda value: f"{len(str(value))}-chars" if isinstance(value, str) else None,
)
def test_huge_numbers_never_raise(operator: str, huge: Any) -> None:
    # Python's int() refuses 4,301 digits; Rust's parsers reject or saturate them: no match.
    for prop, values in (
        ({"key": "k", "operator": operator, "value": huge}, {"k": "1.2.3"}),
        ({"key": "k", "operator": operator, "value": "1.2.3"}, {"k": huge}),
    ):
        assert match_property(prop, values, now=FIXED_NOW) in (True, False)
    relative = {"key": "k", "operator": "is_date_before", "value": "-" + "9" * 4301 + "d"}
    assert match_property(relative, {"k": "2020-01-01"}, now=FIXED_NOW) is False
