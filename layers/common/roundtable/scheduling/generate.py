"""Seeded generator of realistic cohort instances (v1 documents) for the bench and tests.

Learners live across the Americas, Europe, Asia-Pacific and Africa, with
evening, daytime, weekend or mixed habits and narrow or broad availability;
facilitators come at ratios from 1:6 to 1:8 and are a little more available.
"""

from __future__ import annotations

import random
from typing import Any

from roundtable.scheduling.instance import FORMAT
from roundtable.scheduling.model import DAY_NAMES

REGIONS: dict[str, tuple[tuple[str, ...], float]] = {
    "americas": (
        (
            "America/New_York",
            "America/Chicago",
            "America/Los_Angeles",
            "America/Sao_Paulo",
            "America/Mexico_City",
            "America/Bogota",
        ),
        0.35,
    ),
    "europe": (
        ("Europe/London", "Europe/Berlin", "Europe/Paris", "Europe/Madrid", "Europe/Warsaw"),
        0.35,
    ),
    "asia_pacific": (
        (
            "Asia/Kolkata",
            "Asia/Singapore",
            "Asia/Tokyo",
            "Australia/Sydney",
            "Australia/Adelaide",
            "Pacific/Auckland",
        ),
        0.2,
    ),
    "africa": (("Africa/Lagos", "Africa/Nairobi", "Africa/Johannesburg", "Africa/Cairo"), 0.1),
}
# habit -> (days, earliest hour, latest hour)
HABITS: dict[str, tuple[tuple[int, ...], int, int]] = {
    "evening": ((0, 1, 2, 3, 4), 17, 23),
    "daytime": ((0, 1, 2, 3, 4), 8, 17),
    "weekend": ((5, 6), 8, 21),
    "mixed": ((0, 1, 2, 3, 4, 5, 6), 8, 22),
}


def generate_instance(
    learners: int,
    seed: int,
    *,
    facilitated: bool = True,
    narrow: bool = False,
    params: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A v1 document with `learners` learners (and facilitators at 1:6..1:8 when facilitated)."""
    rng = random.Random(seed)
    people = [_person(rng, f"L{i:05d}", "learner", narrow) for i in range(learners)]
    if facilitated:
        ratio = rng.uniform(6, 8)
        count = max(1, round(learners / ratio))
        people += [_person(rng, f"F{i:04d}", "facilitator", False) for i in range(count)]
    merged = {"require_facilitator": facilitated} | (params or {})
    return {"format": FORMAT, "params": merged, "people": people}


def _person(rng: random.Random, person_id: str, role: str, narrow: bool) -> dict[str, Any]:
    region = rng.choices(list(REGIONS), weights=[w for _, w in REGIONS.values()])[0]
    zone_name = rng.choice(REGIONS[region][0])
    habit = rng.choice(list(HABITS))
    blocks = rng.randint(2, 3) if narrow else rng.randint(3, 6)
    if role == "facilitator":
        blocks += 2
    person: dict[str, Any] = {
        "id": person_id,
        "role": role,
        "timezone": zone_name,
        "availability_local": _blocks(rng, habit, blocks, narrow),
        "if_needed_local": _blocks(rng, habit, 1, True) if rng.random() < 0.3 else {},
    }
    if role == "facilitator":
        person["max_groups"] = rng.choice([1, 2, 2, 2, 3])
    return person


def _blocks(rng: random.Random, habit: str, count: int, narrow: bool) -> dict[str, Any]:
    days, earliest, latest = HABITS[habit]
    found: dict[str, list[list[str]]] = {}
    for _ in range(count):
        day = DAY_NAMES[rng.choice(days)]
        length = rng.choice([90, 120]) if narrow else rng.choice([120, 180, 240])
        begin = rng.randrange(earliest * 60, max(latest * 60 - length, earliest * 60) + 1, 30)
        end = min(begin + length, 24 * 60)
        found.setdefault(day, []).append([_clock(begin), _clock(end)])
    return found


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"
