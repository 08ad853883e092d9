"""A seeded data set for query tests: several persons, sessions, properties and days.

Everything is drawn from ``random.Random(seed)`` so expectations computed in plain Python by
the tests see exactly the events the engine sees.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from typing import Any

from phemu.query.records import EventRecord
from phemu.query.records import PersonRecord
from phemu.query.records import SessionRecord
from phemu.query.records import StaticData

NOW = datetime(2026, 3, 14, 15, 30, tzinfo=timezone.utc)
EVENTS = ("$pageview", "$pageview", "$pageview", "signup", "purchase", "$autocapture")
BROWSERS = ("Chrome", "Firefox", "Safari", None)
PLANS = ("free", "pro", "enterprise")


@dataclass
class Dataset:
    events: list[EventRecord]
    persons: list[PersonRecord]
    sessions: list[SessionRecord]

    def data(self) -> StaticData:
        return StaticData(tuple(self.events), tuple(self.persons), tuple(self.sessions))

    def seed_records(self, project: int = 1) -> list[dict[str, Any]]:
        """The events as a seed document's ``events`` section."""
        return [
            {
                "project": project,
                "uuid": e.uuid,
                "event": e.event,
                "distinct_id": e.distinct_id,
                "timestamp": e.timestamp.isoformat().replace("+00:00", "Z"),
                "properties": dict(e.properties),
            }
            for e in self.events
        ]

    def person_of(self, distinct_id: str | None) -> PersonRecord | None:
        for person in self.persons:
            if distinct_id in person.distinct_ids:
                return person
        return None


def make(seed: int = 7, count: int = 400, days: int = 10) -> Dataset:
    rng = random.Random(seed)
    persons = []
    distinct_ids = []
    for index in range(8):
        ids = tuple(f"user-{index}-{n}" for n in range(1 + index % 2))
        distinct_ids.extend(ids)
        persons.append(
            PersonRecord(
                id=f"0190000{index}-0000-7000-8000-000000000000",
                distinct_ids=ids,
                properties={"email": f"p{index}@example.com", "plan": PLANS[index % 3]},
                created_at=NOW - timedelta(days=30 - index),
                is_identified=index % 2 == 0,
            )
        )
    distinct_ids.extend(["anon-1", "anon-2"])  # events whose distinct id has no person
    events = []
    for seq in range(1, count + 1):
        moment = NOW - timedelta(seconds=rng.randrange(days * 86400))
        props: dict[str, Any] = {
            "$session_id": f"s{rng.randrange(40)}",
            "price": rng.randrange(1, 90),
        }
        browser = rng.choice(BROWSERS)
        if browser is not None:
            props["$browser"] = browser
        if rng.random() < 0.3:
            props["$current_url"] = f"https://example.com/{rng.choice(['a', 'b', 'pricing'])}"
        events.append(
            EventRecord(
                uuid=f"00000000-0000-4000-8000-{seq:012d}",
                event=rng.choice(EVENTS),
                distinct_id=rng.choice(distinct_ids),
                properties=props,
                timestamp=moment.replace(microsecond=0),
                seq=seq,
            )
        )
    sessions = [
        SessionRecord(f"s{n}", None, {"$session_duration": n * 10, "$channel_type": "Direct"})
        for n in range(40)
    ]
    return Dataset(events, persons, sessions)
