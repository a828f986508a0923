"""Who lives in the demo world: names, home zones and the shape of their week.

Names are drawn from pools per region with a seeded random generator, so
every load makes the same people. Weekly availability is built the way real
people fill in the grid: a few weekday evenings after work, a weekend
morning or afternoon, sometimes a lunch hour marked "if needed" — always in
the person's own zone, so the scheduler has real time-zone work to do.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from roundtable.people.availability import Interval

SEED = 20240917
EMAIL_DOMAIN = "demo.roundtable.example"  # RFC 2606's reserved .example: never delivered


@dataclass(frozen=True)
class Region:
    name: str
    zones: tuple[str, ...]
    facilitator_zones: tuple[str, ...]  # where its facilitators live: central to its learners
    first_names: tuple[str, ...]
    surnames: tuple[str, ...]


REGIONS = (
    Region(
        "the Americas",
        (
            "America/Los_Angeles",
            "America/Chicago",
            "America/New_York",
            "America/Mexico_City",
            "America/Sao_Paulo",
            "America/Toronto",
        ),
        ("America/New_York", "America/Chicago"),
        (
            "Maya",
            "Ethan",
            "Sofía",
            "Jamal",
            "Olivia",
            "Diego",
            "Hannah",
            "Lucas",
            "Camila",
            "Noah",
            "Gabriela",
            "Marcus",
            "Isabela",
            "Tyler",
            "Valentina",
        ),
        (
            "Thompson",
            "Hernández",
            "Okafor",
            "Nguyen",
            "Silva",
            "Brooks",
            "Ramírez",
            "Carter",
            "Oliveira",
            "Patel",
            "Moreau",
            "Jenkins",
            "Castillo",
            "Walsh",
        ),
    ),
    Region(
        "Europe and Africa",
        (
            "Europe/London",
            "Europe/Berlin",
            "Europe/Madrid",
            "Europe/Warsaw",
            "Africa/Lagos",
            "Africa/Nairobi",
        ),
        ("Europe/London", "Europe/Berlin"),
        (
            "Amara",
            "Lukas",
            "Chiara",
            "Tomasz",
            "Ingrid",
            "Kwame",
            "Elena",
            "Jonas",
            "Zanele",
            "Pablo",
            "Aoife",
            "Mehmet",
            "Wanjiru",
            "Henrik",
            "Margot",
        ),
        (
            "Okonkwo",
            "Schneider",
            "Rossi",
            "Kowalski",
            "Lindqvist",
            "Mensah",
            "García",
            "Murphy",
            "Kamau",
            "Dubois",
            "Novak",
            "Adeyemi",
            "Fischer",
            "Byrne",
        ),
    ),
    Region(
        "Asia and Oceania",
        (
            "Asia/Kolkata",
            "Asia/Singapore",
            "Asia/Tokyo",
            "Australia/Sydney",
            "Pacific/Auckland",
        ),
        ("Asia/Singapore", "Australia/Sydney"),
        (
            "Aarav",
            "Mei",
            "Haruto",
            "Priya",
            "Jun",
            "Siti",
            "Liam",
            "Ananya",
            "Yuki",
            "Arjun",
            "Chloe",
            "Wei",
            "Aroha",
            "Kenji",
        ),
        (
            "Sharma",
            "Tan",
            "Sato",
            "Iyer",
            "Lim",
            "Rahman",
            "Wilson",
            "Nakamura",
            "Chen",
            "Krishnan",
            "Walker",
            "Ngata",
            "Ong",
        ),
    ),
)


@dataclass(frozen=True)
class DemoPerson:
    display_name: str
    timezone: str
    role: str  # "learner", "facilitator" or "admin"
    availability: tuple[Interval, ...] = field(default=())

    @property
    def email(self) -> str:
        local = "".join(c for c in self.display_name.lower().replace(" ", ".") if c.isascii())
        return f"{local}@{EMAIL_DOMAIN}"


def _clock(hours: float) -> int:
    return int(hours * 60)


def weekly_availability(rng: random.Random) -> tuple[Interval, ...]:
    """A week shaped like a working person's, in their own zone.

    Evenings on two to four weekdays, a weekend block, and sometimes a
    weekend morning or a lunch hour they would take if needed.
    """
    start = rng.choice((17.5, 18.0, 18.5, 19.0))
    end = start + rng.choice((2.5, 3.0, 3.5))
    days = sorted(rng.sample(range(5), rng.choice((2, 3, 3, 4))))
    blocks = [Interval(day, _clock(start), _clock(end)) for day in days]
    weekend = rng.choice(((5, 9.5, 13.0), (5, 14.0, 18.0), (6, 10.0, 13.0), (6, 15.0, 19.0)))
    blocks.append(Interval(weekend[0], _clock(weekend[1]), _clock(weekend[2])))
    if rng.random() < 0.5:
        other = 6 if weekend[0] == 5 else 5
        blocks.append(Interval(other, _clock(10.0), _clock(12.0), "if_needed"))
    if rng.random() < 0.3:  # a lunch hour at their desk, twice a week
        blocks += [Interval(day, _clock(12.0), _clock(13.0), "if_needed") for day in (1, 3)]
    return tuple(sorted(blocks))


def facilitator_availability(rng: random.Random) -> tuple[Interval, ...]:
    """Facilitators keep more of their week free: four long evenings and both weekend days."""
    start = rng.choice((17.0, 17.5))
    days = sorted(rng.sample(range(5), 4))
    blocks = [Interval(day, _clock(start), _clock(22.0)) for day in days]
    blocks.append(Interval(5, _clock(9.0), _clock(13.0)))
    blocks.append(Interval(6, _clock(14.0), _clock(18.0), "if_needed"))
    return tuple(blocks)


def _names(rng: random.Random, region: Region, count: int, taken: set[str]) -> Iterator[str]:
    made = 0
    while made < count:
        name = f"{rng.choice(region.first_names)} {rng.choice(region.surnames)}"
        if name in taken:
            continue
        taken.add(name)
        made += 1
        yield name


def make_people(learners_per_region: tuple[int, ...]) -> tuple[list[DemoPerson], list[DemoPerson]]:
    """(learners, facilitators), the same on every call: zones cycle within each region."""
    rng = random.Random(SEED)
    taken: set[str] = {ADMIN_NAME}
    learners: list[DemoPerson] = []
    facilitators: list[DemoPerson] = []
    for region, count in zip(REGIONS, learners_per_region, strict=True):
        for name, zone in zip(
            _names(rng, region, len(region.facilitator_zones), taken),
            region.facilitator_zones,
            strict=True,
        ):
            facilitators.append(
                DemoPerson(name, zone, "facilitator", facilitator_availability(rng))
            )
        for index, name in enumerate(_names(rng, region, count, taken)):
            zone = region.zones[index % len(region.zones)]
            learners.append(DemoPerson(name, zone, "learner", weekly_availability(rng)))
    return learners, facilitators


ADMIN_NAME = "Morgan Ellis"
ADMIN = DemoPerson(ADMIN_NAME, "Europe/London", "admin")

# Two learners whose weeks leave the scheduler nothing to work with, so the open
# cohort's preview shows the unplaced list and its reasons, as real cohorts do.
NIGHT_SHIFT = DemoPerson(
    "Nadia Haddad",
    "Asia/Dubai",  # no daylight saving: 04:00-05:30 UTC, when every facilitator sleeps
    "learner",
    (Interval(1, _clock(8.0), _clock(9.5)), Interval(3, _clock(8.0), _clock(9.5))),
)
NO_AVAILABILITY = DemoPerson("Owen Price", "Europe/Dublin", "learner")


@dataclass(frozen=True)
class ChatScript:
    """A learner's exchange with the tutor at one chat segment: (question, answer) turns."""

    module_slug: str
    section_id: str
    segment_id: str
    turns: tuple[tuple[str, str], ...]


CHATS = (
    ChatScript(
        "why-discuss",
        "why-discuss.reading-vs-understanding",
        "why-discuss.reading-vs-understanding.chat",
        (
            (
                "I read a lot on my own. What does a group add that I can't get from a good book?",
                "A book answers the questions its author expected. A group asks the ones you "
                "didn't: when someone restates an idea in their words and gets it slightly "
                "wrong, you find out whether you understood it yourself. What is one idea "
                "from this week you could explain without notes?",
            ),
            (
                "Probably the point about explaining being different from recognising.",
                "Good choice. Try it: in two or three sentences, how would you explain that "
                "difference to someone who hasn't read the module?",
            ),
        ),
    ),
    ChatScript(
        "good-questions",
        "good-questions.open-closed",
        "good-questions.open-closed.chat",
        (
            (
                "Is 'Did everyone like the reading?' a closed question?",
                "It is: it can be answered with yes or no, and usually is, by the one person "
                "who feels they should. How might you ask about the same reading so that "
                "each person has something particular to say?",
            ),
            (
                "Maybe 'What surprised you in the reading?'",
                "That opens it up: everyone was surprised by something different, and "
                "'nothing' is an answer worth hearing too. Notice it also invites people "
                "to quote the text, which keeps the discussion grounded.",
            ),
        ),
    ),
    ChatScript(
        "good-questions",
        "good-questions.silence",
        "good-questions.silence.chat",
        (
            (
                "Silence after a question makes me nervous. How long should I wait?",
                "Longer than feels comfortable: count slowly to seven before you rephrase. "
                "Most silences mean people are thinking, not that the question failed. "
                "What do you usually do when the room goes quiet?",
            ),
        ),
    ),
    ChatScript(
        "balancing-the-room",
        "balancing-the-room.three-moves",
        "balancing-the-room.three-moves.chat",
        (
            (
                "One person in my group answers every question first. How do I handle that "
                "without embarrassing them?",
                "Thank them and widen the circle: 'That's a useful start — I'd like to hear "
                "two more views before we go on.' It credits them and makes room for others. "
                "Which of the three moves in this section feels most natural to you?",
            ),
        ),
    ),
)
