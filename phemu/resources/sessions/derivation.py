"""Deriving a session's v2 properties from its raw events (``docs/sessions.md``).

PostHog aggregates events into ``raw_sessions`` with "value at minimum / maximum timestamp"
states, unique-uuid counters and a few computed columns. This module reproduces those
aggregates for one session's events so seeded raw data answers like real ingestion would.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from typing import Protocol
from urllib.parse import urlsplit

from phemu.resources.sessions.catalogue import CLICK_IDS
from phemu.resources.sessions.catalogue import UTM_PARAMETERS
from phemu.resources.sessions.channel_type import SHIPPED
from phemu.resources.sessions.channel_type import ChannelInputs
from phemu.resources.sessions.channel_type import ChannelLookups
from phemu.resources.sessions.channel_type import channel_type

#: PostHog's default ``bounceRateDurationSeconds``.
BOUNCE_DURATION_SECONDS = 10

_COUNTED = {
    "$pageview": "$pageview_count",
    "$autocapture": "$autocapture_count",
    "$screen": "$screen_count",
}


class Event(Protocol):
    """What derivation reads of a stored event (``phemu/resources/events``, ``EventRecord``).

    ``seq`` is the global storage order, the tie-breaker for equal timestamps.
    """

    @property
    def seq(self) -> int: ...
    @property
    def timestamp(self) -> datetime: ...
    @property
    def event(self) -> str: ...
    @property
    def distinct_id(self) -> str | None: ...
    @property
    def uuid(self) -> str | None: ...
    @property
    def properties(self) -> Mapping[str, Any]: ...


def text_value(value: Any) -> str | None:
    """A property as PostHog stores it in a string column: missing, empty, ``"null"`` → null.

    Non-string JSON values keep their JSON text (``12`` → ``"12"``), as the property JSON
    carries them.
    """
    if value is None:
        return None
    if not isinstance(value, str):
        value = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return None if value in ("", "null") else value


def _split(url: str | None) -> tuple[str | None, str | None]:
    """(hostname, path) of a URL: no port, credentials, query string or fragment; empty → null."""
    if url is None:
        return None, None
    try:
        parts = urlsplit(url if "//" in url else "//" + url)
        host = parts.hostname
    except ValueError:
        return None, None
    return host or None, parts.path or None


def _seconds(moment: datetime) -> int:
    return math.floor(moment.timestamp())


def _lcp(events: Sequence[Event]) -> float | None:
    for event in events:
        value = event.properties.get("$web_vitals_LCP_value")
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    return None


#: The entry properties ``$channel_type`` depends on (equal values give equal channels).
CHANNEL_INPUT_KEYS = (
    "$entry_utm_campaign",
    "$entry_utm_medium",
    "$entry_utm_source",
    "$entry_referring_domain",
    "$entry_gclid",
    "$entry_fbclid",
    "$entry_gad_source",
)


def channel_of(props: Mapping[str, Any], lookups: ChannelLookups) -> str:
    """``$channel_type`` from a derived session's entry properties (``docs/sessions.md``)."""
    return channel_type(
        ChannelInputs(
            campaign=props["$entry_utm_campaign"],
            medium=props["$entry_utm_medium"],
            source=props["$entry_utm_source"],
            referring_domain=props["$entry_referring_domain"],
            gclid=props["$entry_gclid"],
            fbclid=props["$entry_fbclid"],
            gad_source=props["$entry_gad_source"],
        ),
        lookups,
    )


def derive(events: Sequence[Event], lookups: ChannelLookups = SHIPPED) -> dict[str, Any]:
    """Every v2 property (plus the hidden ``distinct_id``) of one session's events.

    "First" and "last" are the first and last events by timestamp (seed order on ties),
    whether or not they carry the property, because PostHog keeps the value *at* the minimum
    and maximum timestamp.
    """
    ordered = sorted(events, key=lambda e: (e.timestamp, e.seq))
    first, last = ordered[0], ordered[-1]
    fp, lp = first.properties, last.properties
    entry_url = text_value(fp.get("$current_url"))
    end_url = text_value(lp.get("$current_url"))
    entry_host, entry_path = _split(entry_url)
    end_host, end_path = _split(end_url)
    props: dict[str, Any] = {
        "$start_timestamp": first.timestamp,
        "$end_timestamp": last.timestamp,
        "$entry_current_url": entry_url,
        "$entry_pathname": entry_path,
        "$entry_hostname": entry_host,
        "$end_current_url": end_url,
        "$end_pathname": end_path,
        "$end_hostname": end_host,
        "$entry_referring_domain": text_value(fp.get("$referring_domain")),
    }
    for parameter in UTM_PARAMETERS:
        props[f"$entry_utm_{parameter}"] = text_value(fp.get(f"utm_{parameter}"))
    for click_id in CLICK_IDS:
        props[f"$entry_{click_id}"] = text_value(fp.get(click_id))
    seen: dict[str, set[str]] = {name: set() for name in _COUNTED.values()}
    anonymous = dict.fromkeys(_COUNTED.values(), 0)
    for event in ordered:
        name = _COUNTED.get(event.event)
        if name is None:
            continue
        if event.uuid is None:
            anonymous[name] += 1
        else:
            seen[name].add(event.uuid)
    for name in _COUNTED.values():
        props[name] = len(seen[name]) + anonymous[name]
    duration = _seconds(last.timestamp) - _seconds(first.timestamp)
    props["$channel_type"] = channel_of(props, lookups)
    props["$session_duration"] = duration
    pageviews = props["$pageview_count"]
    props["$is_bounce"] = (
        None
        if pageviews == 0
        else not (
            pageviews > 1 or props["$autocapture_count"] > 0 or duration >= BOUNCE_DURATION_SECONDS
        )
    )
    props["$last_external_click_url"] = text_value(lp.get("$external_click_url"))
    props["$vitals_lcp"] = _lcp(ordered)
    props["distinct_id"] = last.distinct_id
    return props
