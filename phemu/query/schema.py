"""The virtual tables HogQL queries see, and the DuckDB tables behind them.

Field names follow PostHog's HogQL database (``posthog/hogql/database/schema/events.py``,
``persons.py``, ``sessions_v2.py``, ``person_distinct_ids.py``); the ClickHouse type names are
the ones PostHog reports in ``types``. Lazy joins (``person``, ``session`` on events) are
resolved by the translator.
"""

from __future__ import annotations

from dataclasses import dataclass

DATETIME = "DateTime64(6, 'UTC')"


@dataclass(frozen=True)
class Column:
    """A physical DuckDB column of a virtual table."""

    name: str  # the HogQL field name
    duck_type: str
    ch_type: str
    json: bool = False  # a JSON object: ``field.key.key`` reads inside it
    star: bool = True  # part of ``SELECT *``


def _columns(*columns: Column) -> dict[str, Column]:
    return {c.name: c for c in columns}


EVENTS = _columns(
    Column("uuid", "VARCHAR", "UUID"),
    Column("event", "VARCHAR", "String"),
    Column("properties", "VARCHAR", "String", json=True),
    Column("timestamp", "TIMESTAMP", DATETIME),
    Column("distinct_id", "VARCHAR", "String"),
    Column("elements_chain", "VARCHAR", "String"),
    Column("created_at", "TIMESTAMP", DATETIME),
    Column("$session_id", "VARCHAR", "String"),
    Column("$window_id", "VARCHAR", "String"),
)
#: Stored on the DuckDB events table but not HogQL fields of their own.
EVENTS_HIDDEN = (("person_id", "VARCHAR"), ("person_properties", "VARCHAR"), ("seq", "BIGINT"))

PERSONS = _columns(
    Column("id", "VARCHAR", "UUID"),
    Column("created_at", "TIMESTAMP", DATETIME),
    Column("properties", "VARCHAR", "String", json=True),
    Column("is_identified", "BOOLEAN", "Bool"),
)

PERSON_DISTINCT_IDS = _columns(
    Column("distinct_id", "VARCHAR", "String"),
    Column("person_id", "VARCHAR", "UUID"),
)

_SESSION_STRINGS = [
    "$entry_current_url",
    "$entry_pathname",
    "$entry_hostname",
    "$end_current_url",
    "$end_pathname",
    "$end_hostname",
    "$entry_referring_domain",
    "$entry_referrer",
    "$entry_utm_source",
    "$entry_utm_campaign",
    "$entry_utm_medium",
    "$entry_utm_term",
    "$entry_utm_content",
    "$entry_gclid",
    "$entry_gad_source",
    "$entry_gclsrc",
    "$entry_dclid",
    "$entry_gbraid",
    "$entry_wbraid",
    "$entry_fbclid",
    "$entry_msclkid",
    "$entry_twclid",
    "$entry_li_fat_id",
    "$entry_mc_cid",
    "$entry_igshid",
    "$entry_ttclid",
    "$entry__kx",
    "$entry_irclid",
    "$channel_type",
    "$last_external_click_url",
]

SESSIONS = _columns(
    Column("session_id", "VARCHAR", "String"),
    Column("distinct_id", "VARCHAR", "String"),
    Column("$start_timestamp", "TIMESTAMP", DATETIME),
    Column("$end_timestamp", "TIMESTAMP", DATETIME),
    *(Column(name, "VARCHAR", "Nullable(String)") for name in _SESSION_STRINGS),
    Column("$pageview_count", "BIGINT", "UInt64"),
    Column("$autocapture_count", "BIGINT", "UInt64"),
    Column("$screen_count", "BIGINT", "UInt64"),
    Column("$session_duration", "BIGINT", "Int64"),
    Column("$is_bounce", "BOOLEAN", "Bool"),
    Column("$vitals_lcp", "DOUBLE", "Nullable(Float64)"),
)

#: HogQL table name -> its columns.
TABLES: dict[str, dict[str, Column]] = {
    "events": EVENTS,
    "persons": PERSONS,
    "person_distinct_ids": PERSON_DISTINCT_IDS,
    "sessions": SESSIONS,
}


def quote(name: str) -> str:
    """A DuckDB identifier."""
    return '"' + name.replace('"', '""') + '"'


def quote_text(text: str) -> str:
    """A DuckDB string constant."""
    return "'" + text.replace("'", "''") + "'"


def physical(project: int, table: str) -> str:
    """The DuckDB table of a virtual table in one project."""
    return quote(f"p{project}_{table}")
