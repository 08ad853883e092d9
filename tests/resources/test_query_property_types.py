"""Property types come from PostHog's property definitions: the first typed value of a key.

HogQL reads every ``properties.x`` as text; a key whose definition is ``Numeric`` reads through
``toFloat`` (text that is no number is NULL), ``Boolean`` through ``'true'``/``'false'`` only,
``DateTime`` through a date parse (``posthog/hogql/transforms/property_types.py``). Expectations
are derived here from the seeded values in order.
"""

from __future__ import annotations

from datetime import datetime
from datetime import timezone
from typing import Any

import pytest

pytest.importorskip("duckdb")

from phemu.emulator import Emulator
from tests.query.api import answer

NOW = datetime(2026, 3, 14, 12, 0, tzinfo=timezone.utc)

#: property -> values in ingestion order (the first typed one decides the definition)
VALUES: dict[str, list[Any]] = {
    "text_first": ["12", 12, "7"],
    "number_first": [12, "12", "abc", 3.5],
    "flag": [True, "true", "TRUE", False, "false"],
    "signed_up_at": ["2024-01-02T03:04:05Z", "2024-02-03 04:05:06", "soon"],
    "utm_id": [5, 6, 7],  # utm_ properties are always String
}


def definition(key: str, first: Any) -> str:
    """PostHog's type for the first value (rust/property-defs-rs), restated for these cases."""
    if key.startswith("utm_"):
        return "String"
    if isinstance(first, bool):
        return "Boolean"
    if isinstance(first, (int, float)):
        return "Numeric"
    if key.endswith("_at"):
        return "DateTime"
    return "String"


def expected(kind: str, value: Any) -> Any:
    text = str(value).lower() if isinstance(value, bool) else str(value)
    if kind == "Numeric":
        try:
            return float(text)
        except ValueError:
            return None
    if kind == "Boolean":
        return {"true": True, "false": False}.get(text)
    if kind == "DateTime":
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
        return moment.replace(tzinfo=None).isoformat() + "Z"
    return text


@pytest.fixture
def seeded() -> Emulator:
    emulator = Emulator()
    emulator.freeze_time(NOW.isoformat())
    width = max(map(len, VALUES.values()))
    events = [
        {
            "project": 1,
            "uuid": f"00000000-0000-4000-8000-{index:012d}",
            "event": "e",
            "distinct_id": "u",
            "timestamp": f"2026-03-14T10:00:{index:02d}Z",
            "properties": {k: v[index] for k, v in VALUES.items() if index < len(v)},
        }
        for index in range(width)
    ]
    emulator.load_seed({"events": events})
    return emulator


def run(emulator: Emulator, text: str) -> dict[str, Any]:
    return dict(answer(emulator, {"kind": "HogQLQuery", "query": text}))


@pytest.mark.parametrize("key", sorted(VALUES))
def test_a_property_reads_as_its_definition(seeded: Emulator, key: str) -> None:
    kind = definition(key, VALUES[key][0])
    body = run(seeded, f"select properties.{key} from events order by timestamp")
    width = max(map(len, VALUES.values()))
    values = VALUES[key] + [None] * (width - len(VALUES[key]))
    assert [row[0] for row in body["results"]] == [
        None if v is None else expected(kind, v) for v in values
    ]
    ch_type = {
        "Numeric": "Nullable(Float64)",
        "Boolean": "Nullable(Bool)",
        "DateTime": "Nullable(DateTime64(6, 'UTC'))",
        "String": "Nullable(String)",
    }[kind]
    assert body["types"] == [[f"properties.{key}", ch_type]]


def test_numeric_definition_sums_text_and_numbers_alike(seeded: Emulator) -> None:
    numbers = [expected("Numeric", v) for v in VALUES["number_first"]]
    body = run(
        seeded, "select sum(properties.number_first), count(properties.number_first) from events"
    )
    assert body["results"] == [[sum(n for n in numbers if n is not None), 3]]


def test_person_property_types_come_from_set(seeded: Emulator) -> None:
    seeded.events.capture("signup", "p1", {"$set": {"age": "41"}}, timestamp="2026-03-14T11:00:00Z")
    seeded.events.capture("signup", "p2", {"$set": {"age": 7}}, timestamp="2026-03-14T11:01:00Z")
    body = run(
        seeded, "select person.properties.age from events where event = 'signup' order by timestamp"
    )
    assert body["results"] == [["41"], ["7"]]  # the first $set value was text: a String property
    assert body["types"] == [["person.properties.age", "Nullable(String)"]]


def _retype(emulator: Emulator, name: str, kind: str, *, type: int = 1) -> None:
    """PATCH the definition of ``name`` to ``kind``, as a client edits it in PostHog's UI."""
    (found,) = [d for d in emulator.definitions.properties(1, type=type) if d["name"] == name]
    response = emulator.client().patch(
        f"/api/projects/1/property_definitions/{found['id']}/",
        json={"property_type": kind},
        headers=emulator.auth_headers,
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json["property_type"] == kind


@pytest.mark.parametrize(("key", "kind"), [("text_first", "Numeric"), ("number_first", "String")])
def test_a_patched_definition_types_the_property(seeded: Emulator, key: str, kind: str) -> None:
    """HogQL takes the type from the definition, whatever the values taught it first."""
    query = f"select properties.{key} from events order by timestamp"
    before = run(seeded, query)
    assert before["types"] != [
        [f"properties.{key}", f"Nullable({'Float64' if kind == 'Numeric' else 'String'})"]
    ]
    _retype(seeded, key, kind)
    body = run(seeded, query)
    width = max(map(len, VALUES.values()))
    values = VALUES[key] + [None] * (width - len(VALUES[key]))
    assert [row[0] for row in body["results"]] == [
        None if v is None else expected(kind, v) for v in values
    ]
    ch_type = "Nullable(Float64)" if kind == "Numeric" else "Nullable(String)"
    assert body["types"] == [[f"properties.{key}", ch_type]]


def test_a_patched_person_definition_types_person_properties(seeded: Emulator) -> None:
    seeded.events.capture("signup", "p1", {"$set": {"age": "41"}}, timestamp="2026-03-14T11:00:00Z")
    seeded.events.capture("signup", "p2", {"$set": {"age": 7}}, timestamp="2026-03-14T11:01:00Z")
    _retype(seeded, "age", "Numeric", type=2)
    body = run(
        seeded,
        "select person.properties.age, sum(person.properties.age) over () from events "
        "where event = 'signup' order by timestamp",
    )
    assert body["results"] == [[41.0, 48.0], [7.0, 48.0]]
    assert body["types"][0] == ["person.properties.age", "Nullable(Float64)"]
