"""`python -m devserver --demo`: a world to look at, so the first page shows the product working.

About 60 learners and 6 facilitators across the continents (devserver/demo_people.py),
each with a week of their own; the sample course (content/); one cohort
published and running, its meetings past (with RSVPs and check-ins) and
ahead, its learners at varied points of the course, a few of them with tutor
chats; and one cohort open for signups, waiting for an admin to schedule it.

Everything is made through the domain's own service functions — the dev login
creates each person, then profiles, availability, facilitator certification,
enrolment, the scheduler, publishing, RSVPs, check-ins, section completion
and the tutor's store — so the demo obeys the rules the product does. Where
time must pass, the services' `now` is set in the past: people enrolled three
weeks ago, the cohort was scheduled and published before its start, members
answered and checked in at meetings that are now history.

Loading is idempotent: a complete demo world is recognised (its open cohort,
made last) and left alone; a half-made one (an interrupted load) is reported,
not doubled.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, exists, func, select
from sqlalchemy.dialects.postgresql import aggregate_order_by

from devserver.demo_people import (
    ADMIN,
    CHATS,
    EMAIL_DOMAIN,
    NIGHT_SHIFT,
    NO_AVAILABILITY,
    SEED,
    ChatScript,
    DemoPerson,
    make_people,
)
from roundtable.auth import dev_login, dev_login_allowed
from roundtable.cohorts.catalog import CohortDraft, create_cohort, enroll
from roundtable.config import Settings, get_settings
from roundtable.content.bundle import Bundle
from roundtable.content.learners import LearnerIdentity
from roundtable.content.learning import complete_section, heartbeat
from roundtable.content.progress import MAX_HEARTBEAT_GAP_S, Learner
from roundtable.content.store import load_bundle
from roundtable.db.engine import transaction
from roundtable.db.tables import (
    cohorts,
    facilitators,
    group_members,
    groups,
    meetings,
    signups,
    users,
)
from roundtable.meetings.attendance import check_in, rsvp
from roundtable.meetings.feedback import Form, form_from_course, submit_feedback
from roundtable.people.facilitators import certify
from roundtable.people.profiles import (
    ProfileChanges,
    apply_as_facilitator,
    get_viewer,
    set_availability,
    update_profile,
)
from roundtable.scheduling.service import run_scheduling
from roundtable.sync.jobs import announce_groups
from roundtable.sync.publish import publish_cohort
from roundtable.sync.reconcile import default_services
from roundtable.tutor.chat import Reply, begin_turn, save_reply
from roundtable.tutor.quota import Quota

COURSE_SLUG = "running-discussion-groups"
RUNNING_NAME = "Discussion leaders — cohort 7"
OPEN_NAME = "Discussion leaders — cohort 8"  # made last: its presence means the world is whole
LEARNERS_PER_REGION = (21, 21, 16)  # the Americas, Europe and Africa, Asia and Oceania
MEETINGS = 3  # the sample course's three meetings
SCHEDULING_SECONDS = 15.0  # a past run: a good answer soon beats a proof of the best


class DemoWorldError(RuntimeError):
    """The demo world cannot be loaded here; the message says why and what to do."""


@dataclass(frozen=True)
class DemoPersonView:
    """A demo person as the local person switcher lists them."""

    user_id: int
    display_name: str
    role: str  # "admin", "facilitator" or "learner"
    timezone: str
    group: str | None  # the groups they are in now ("Group 2, Group 5" for a facilitator of two)


@dataclass(frozen=True)
class DemoReport:
    loaded: bool  # False: an existing demo world was found and left as it was
    seconds: float
    learners: int
    facilitators: int
    zones: int
    running_cohort: str
    groups: int
    past_meetings: int
    future_meetings: int
    open_cohort: str
    open_signups: int
    sign_in_as: tuple[DemoPersonView, ...]

    def text(self) -> str:
        verb = (
            f"loaded in {self.seconds:.1f} s" if self.loaded else "already loaded; left as it was"
        )
        lines = [
            f"Demo world {verb}: {self.learners} learners and {self.facilitators} facilitators "
            f"in {self.zones} time zones.",
            f"  {self.running_cohort}: running, {self.groups} groups, "
            f"{self.past_meetings} meetings past and {self.future_meetings} ahead.",
            f"  {self.open_cohort}: open, {self.open_signups} people signed up and waiting "
            "to be scheduled (Admin → the cohort → Run scheduling).",
            "Sign in with the person switcher at the foot of every page, or the dev login "
            "by name, as:",
        ]
        for person in self.sign_in_as:
            where = f", {person.group}" if person.group else ""
            lines.append(f"  {person.role:12} {person.display_name} ({person.timezone}{where})")
        return "\n".join(lines)


@dataclass(frozen=True)
class _Dates:
    """The demo's calendar, relative to the moment it is loaded."""

    now: datetime

    @property
    def running_start(self) -> date:
        # Meeting 1 falls 5 to 11 days ago, meeting 2 within 4 days of today, meeting 3 ahead.
        return self.now.date() - timedelta(days=11)

    @property
    def joined(self) -> datetime:
        return self.now - timedelta(days=30)

    @property
    def enrolled(self) -> datetime:
        return self.at(self.running_start - timedelta(days=10))

    @property
    def scheduled(self) -> datetime:
        return self.at(self.running_start - timedelta(days=3))

    @property
    def published(self) -> datetime:
        return self.at(self.running_start - timedelta(days=2))

    @property
    def open_start(self) -> date:
        return self.now.date() + timedelta(days=14)

    @staticmethod
    def at(day: date) -> datetime:
        return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


# -- what is there ---------------------------------------------------------------------------
def _is_demo_person() -> Any:
    return users.c.email.like(f"%@{EMAIL_DOMAIN}")


def demo_state(conn: Connection) -> str:
    """'complete', 'partial' (an interrupted load left people behind) or 'absent'."""
    if conn.scalar(select(exists().where(cohorts.c.name == OPEN_NAME))):
        return "complete"
    return "partial" if conn.scalar(select(exists().where(_is_demo_person()))) else "absent"


def list_demo_people(conn: Connection) -> list[DemoPersonView]:
    """The demo's people: the admin, then facilitators, then learners, by name."""
    group_names = (
        select(func.array_agg(aggregate_order_by(groups.c.name, groups.c.name)))
        .join(group_members, group_members.c.group_id == groups.c.id)
        .where(
            group_members.c.user_id == users.c.id,
            group_members.c.status == "active",
            groups.c.status == "active",
        )
        .scalar_subquery()
    )
    is_facilitator = exists().where(facilitators.c.user_id == users.c.id)
    rows = conn.execute(
        select(
            users.c.id,
            users.c.display_name,
            users.c.is_admin,
            users.c.timezone,
            is_facilitator.label("facilitator"),
            group_names.label("group_names"),
        )
        .where(_is_demo_person())
        .order_by(users.c.is_admin.desc(), is_facilitator.desc(), users.c.display_name)
    )
    return [
        DemoPersonView(
            row.id,
            row.display_name,
            "admin" if row.is_admin else "facilitator" if row.facilitator else "learner",
            row.timezone,
            ", ".join(row.group_names) if row.group_names else None,
        )
        for row in rows
    ]


def demo_person(conn: Connection, user_id: int) -> DemoPersonView | None:
    """The demo person with this id; None for anyone else (the switcher signs in only these)."""
    return next((p for p in list_demo_people(conn) if p.user_id == user_id), None)


# -- loading ---------------------------------------------------------------------------------
def load_demo_world(engine: Engine, content_dir: Path, *, now: datetime) -> DemoReport:
    """Build the demo world unless it is there; what there is, and who to sign in as."""
    started = time.monotonic()
    with engine.connect() as conn:
        state = demo_state(conn)
    if state == "partial":
        raise DemoWorldError(
            "a half-made demo world is in this database (an earlier load was interrupted); "
            "start from an empty one: stop the stack, remove .roundtable/pgdata (or pass "
            "another --data-dir), and run it again with --demo"
        )
    if state == "absent":
        _build(engine, content_dir, _Dates(now))
    return _report(engine, now, loaded=state == "absent", seconds=time.monotonic() - started)


def _build(engine: Engine, content_dir: Path, dates: _Dates) -> None:
    settings = get_settings()
    if not dev_login_allowed(settings):
        raise DemoWorldError(
            "the demo creates its people with the dev login, which is off here; "
            "set DEV_LOGIN_ENABLED=true"
        )
    bundle = load_bundle(content_dir)
    learners, leaders = make_people(LEARNERS_PER_REGION)
    running_learners = learners[0::2]
    open_learners = [*learners[1::2], NIGHT_SHIFT, NO_AVAILABILITY]
    with transaction(engine) as conn:
        ids = {
            person.display_name: _create_person(conn, settings, person, dates.joined)
            for person in (ADMIN, *leaders, *learners, NIGHT_SHIFT, NO_AVAILABILITY)
        }
    running_id = _running_cohort(engine, dates, ids, leaders, running_learners)
    rng = random.Random(SEED)
    _attend_meetings(engine, running_id, rng, dates.now)
    _give_feedback(engine, running_id, bundle, dates.now)
    _study(engine, bundle, [ids[p.display_name] for p in running_learners], rng, dates)
    _chat(engine, bundle, [ids[p.display_name] for p in running_learners], settings, dates)
    with transaction(engine) as conn:
        _open_cohort(conn, dates, ids, leaders, open_learners)


def _create_person(conn: Connection, settings: Settings, person: DemoPerson, at: datetime) -> int:
    """A Discord-less account as the local stack makes one, with its profile and week."""
    session = dev_login(
        conn, settings, display_name=person.display_name, as_admin=person.role == "admin", now=at
    )
    user_id = session.user_id
    changes = ProfileChanges(email=person.email, timezone=person.timezone, tos_accepted=True)
    update_profile(conn, user_id, changes, at)
    if person.role != "admin":
        set_availability(conn, user_id, person.availability, None, at)
    if person.role == "facilitator":
        apply_as_facilitator(conn, user_id, "I have led reading groups at work.", at)
        certify(conn, user_id, at)
    return user_id


def _draft(name: str, start: date) -> CohortDraft:
    return CohortDraft(
        name=name,
        course_slug=COURSE_SLUG,
        start_date=start,
        number_of_meetings=MEETINGS,
        anchor_timezone="per_group",  # each group keeps its own local time through DST
    )


def _enroll_all(
    conn: Connection,
    cohort_id: int,
    ids: dict[str, int],
    leaders: Iterable[DemoPerson],
    learners: Iterable[DemoPerson],
    at: datetime,
) -> None:
    for person in leaders:
        enroll(conn, ids[person.display_name], cohort_id, "facilitator", at)
    for person in learners:
        enroll(conn, ids[person.display_name], cohort_id, "learner", at)


def _running_cohort(
    engine: Engine,
    dates: _Dates,
    ids: dict[str, int],
    leaders: Sequence[DemoPerson],
    learners: Sequence[DemoPerson],
) -> int:
    """Created, enrolled, scheduled and published before its start, as an organiser would."""
    with transaction(engine) as conn:
        cohort = create_cohort(conn, _draft(RUNNING_NAME, dates.running_start))
        _enroll_all(conn, cohort.id, ids, leaders, learners, dates.enrolled)
    run_scheduling(engine, cohort.id, time_limit=SCHEDULING_SECONDS, now=dates.scheduled)
    report = publish_cohort(engine, cohort.id, default_services(engine), now=dates.published)
    announce_groups(engine, report["groups"], report["failures"])
    return cohort.id


def _open_cohort(
    conn: Connection,
    dates: _Dates,
    ids: dict[str, int],
    leaders: Sequence[DemoPerson],
    learners: Sequence[DemoPerson],
) -> None:
    cohort = create_cohort(conn, _draft(OPEN_NAME, dates.open_start))
    _enroll_all(conn, cohort.id, ids, leaders, learners, dates.now)


# -- life in the running cohort --------------------------------------------------------------
def _members_by_meeting(conn: Connection, cohort_id: int) -> list[tuple[Any, list[int]]]:
    rows = conn.execute(
        select(meetings.c.id, meetings.c.starts_at, meetings.c.ends_at, meetings.c.group_id)
        .where(meetings.c.cohort_id == cohort_id)
        .order_by(meetings.c.starts_at, meetings.c.id)
    ).all()
    members: dict[int, list[int]] = {}
    for group_id, user_id in conn.execute(
        select(group_members.c.group_id, group_members.c.user_id)
        .where(group_members.c.cohort_id == cohort_id, group_members.c.status == "active")
        .order_by(group_members.c.id)
    ):
        members.setdefault(group_id, []).append(user_id)
    return [(row, members.get(row.group_id, [])) for row in rows]


def _attend_meetings(engine: Engine, cohort_id: int, rng: random.Random, now: datetime) -> None:
    """Members answer before meetings and check in at the ones that happened."""
    with transaction(engine) as conn:
        for meeting, members in _members_by_meeting(conn, cohort_id):
            for user_id in members:
                viewer = get_viewer(conn, user_id)
                if meeting.ends_at <= now:
                    _attended(conn, viewer, meeting, rng)
                elif meeting.starts_at > now and rng.random() < 0.6:
                    answer = rng.choices(("attending", "tentative", "not_attending"), (8, 2, 1))[0]
                    rsvp(conn, viewer, meeting.id, answer, "web", now)


def _attended(conn: Connection, viewer: Any, meeting: Any, rng: random.Random) -> None:
    """One member at one past meeting: most said they would come and came; a few did not."""
    answer = rng.choices(("attending", "not_attending", None), (7, 1, 2))[0]
    if answer is not None:
        said_at = meeting.starts_at - timedelta(hours=rng.randint(6, 60))
        rsvp(conn, viewer, meeting.id, answer, rng.choice(("web", "calendar")), said_at)
    if answer != "not_attending" and rng.random() < 0.9:
        check_in(conn, viewer, meeting.starts_at + timedelta(minutes=rng.randint(-5, 8)))


def _give_feedback(engine: Engine, cohort_id: int, bundle: Bundle, now: datetime) -> None:
    """Most learners answer the course's feedback form soon after each meeting that ended."""
    rng = random.Random(SEED + 1)  # its own stream: the rest of the world stays as it was
    with transaction(engine) as conn:
        course = conn.scalar(select(cohorts.c.course_slug).where(cohorts.c.id == cohort_id))
        form = form_from_course(bundle.course(str(course)))
        learners = set(
            conn.scalars(
                select(group_members.c.user_id).where(
                    group_members.c.cohort_id == cohort_id, group_members.c.role == "learner"
                )
            )
        )
        for meeting, members in _members_by_meeting(conn, cohort_id):
            if meeting.ends_at > now:
                continue
            for user_id in (m for m in members if m in learners and rng.random() < 0.7):
                values = _feedback_values(form, rng)
                answered_at = meeting.ends_at + timedelta(minutes=rng.randint(1, 600))
                viewer = get_viewer(conn, user_id)
                submit_feedback(conn, viewer, meeting.id, values, answered_at, lambda _: form)


_COMMENTS = (
    "The opening question got everyone talking.",
    "I wanted more time on the second question.",
    "Good pace; the quieter people spoke more this week.",
    "Could we stick closer to the module next time?",
)


def _feedback_values(form: Form, rng: random.Random) -> dict[str, int | str]:
    values: dict[str, int | str] = {}
    for question in form.questions:
        if question.kind == "rating":
            values[question.id] = rng.choices((2, 3, 4, 5), (1, 3, 6, 4))[0]
        elif question.required or rng.random() < 0.4:
            values[question.id] = rng.choice(_COMMENTS)
    return values


def _course_sections(bundle: Bundle) -> list[tuple[str, str, int]]:
    """(module slug, section id, the meeting it is due by) in the course's order, required only."""
    sections = []
    for entry in bundle.course(COURSE_SLUG)["progression"]:
        if entry["kind"] != "module" or entry["optional"]:
            continue
        module = bundle.module(entry["slug"])
        for outcome in module["outcomes"]:
            for section in outcome["sections"]:
                if not section.get("optional"):
                    sections.append((entry["slug"], section["id"], entry["due_by_meeting"]))
    return sections


def _study(
    engine: Engine, bundle: Bundle, learner_ids: list[int], rng: random.Random, dates: _Dates
) -> None:
    """Each learner reads so far: most are on pace, some behind, some ahead."""
    sections = _course_sections(bundle)
    due_now = sum(1 for _, _, meeting in sections if meeting <= 2)
    with transaction(engine) as conn:
        for user_id in learner_ids:
            pace = rng.choice((0.25, 0.5, 0.75, 1.0, 1.0, 1.0, 1.5, 2.0))
            done = min(len(sections), round(due_now * pace))
            learner = Learner(user_id=user_id)
            moment = dates.enrolled + timedelta(hours=rng.randint(2, 48))
            for slug, section_id, _ in sections[:done]:
                moment = _read(conn, bundle, learner, slug, section_id, moment, rng)
                complete_section(
                    conn,
                    learner=learner,
                    bundle=bundle,
                    module_slug=slug,
                    section_id=section_id,
                    now=moment,
                )
                moment += timedelta(hours=rng.randint(20, 60))
                if moment >= dates.now - timedelta(hours=1):
                    break


def _read(
    conn: Connection,
    bundle: Bundle,
    learner: Learner,
    slug: str,
    section_id: str,
    start: datetime,
    rng: random.Random,
) -> datetime:
    """A few minutes' reading, as the page's heartbeats count it; when reading stopped.

    A heartbeat every 40 s (the longest gap counted in full) says the same as the
    browser's every 20 s with half the calls: loading time is the demo's budget.
    """
    moment = start
    for _ in range(rng.randint(2, 5)):
        heartbeat(
            conn,
            learner=learner,
            bundle=bundle,
            module_slug=slug,
            section_id=section_id,
            now=moment,
        )
        moment += timedelta(seconds=MAX_HEARTBEAT_GAP_S)
    return moment


def _chat(
    engine: Engine, bundle: Bundle, learner_ids: list[int], settings: Settings, dates: _Dates
) -> None:
    """The first learners talked with the tutor: stored as the tutor stores a turn and reply."""
    for index, (user_id, script) in enumerate(zip(learner_ids, CHATS, strict=False)):
        moment = dates.enrolled + timedelta(days=2 + index, hours=3)
        _converse(engine, bundle, user_id, script, settings, moment)
    _converse(
        engine, bundle, learner_ids[0], CHATS[1], settings, dates.enrolled + timedelta(days=9)
    )


def _converse(
    engine: Engine,
    bundle: Bundle,
    user_id: int,
    script: ChatScript,
    settings: Settings,
    start: datetime,
) -> None:
    learner = Learner(user_id=user_id)
    quota = Quota.for_learner(learner, settings)
    moment = start
    for question, answer in script.turns:
        turn = begin_turn(
            engine,
            identity=LearnerIdentity(learner),
            bundle=bundle,
            module_slug=script.module_slug,
            section_id=script.section_id,
            segment_id=script.segment_id,
            text=question,
            quota=quota,
            now=moment,
        )
        reply = Reply(parts=[answer], complete=True)
        save_reply(engine, turn, reply, now=moment + timedelta(seconds=4))
        moment += timedelta(minutes=3)


# -- what was made ---------------------------------------------------------------------------
def _report(engine: Engine, now: datetime, *, loaded: bool, seconds: float) -> DemoReport:
    with engine.connect() as conn:
        people = list_demo_people(conn)
        running = conn.execute(select(cohorts).where(cohorts.c.name == RUNNING_NAME)).one()
        open_id = conn.scalar(select(cohorts.c.id).where(cohorts.c.name == OPEN_NAME))
        starts = list(
            conn.scalars(select(meetings.c.starts_at).where(meetings.c.cohort_id == running.id))
        )
        group_count = conn.scalar(
            select(func.count()).where(
                groups.c.cohort_id == running.id, groups.c.status == "active"
            )
        )
        open_signups = conn.scalar(
            select(func.count()).where(
                signups.c.cohort_id == open_id, signups.c.withdrawn_at.is_(None)
            )
        )
    return DemoReport(
        loaded=loaded,
        seconds=seconds,
        learners=sum(p.role == "learner" for p in people),
        facilitators=sum(p.role == "facilitator" for p in people),
        zones=len({p.timezone for p in people}),
        running_cohort=running.name,
        groups=int(group_count or 0),
        past_meetings=sum(start <= now for start in starts),
        future_meetings=sum(start > now for start in starts),
        open_cohort=OPEN_NAME,
        open_signups=int(open_signups or 0),
        sign_in_as=_who_to_be(people),
    )


def _who_to_be(people: list[DemoPersonView]) -> tuple[DemoPersonView, ...]:
    """The running cohort's first learner (progress, tutor chats), their facilitator, the admin."""
    first = make_people(LEARNERS_PER_REGION)[0][0].display_name
    admin = next(p for p in people if p.role == "admin")
    learner = next(p for p in people if p.display_name == first)
    leader = next(
        (
            p
            for p in people
            if p.role == "facilitator" and learner.group in (p.group or "").split(", ")
        ),
        next(p for p in people if p.role == "facilitator"),
    )
    return (learner, leader, admin)


def load_for_devserver(content_dir: Path) -> str:
    """`--demo`: load into the stack's database; the text to print after the banner."""
    from roundtable.db.engine import get_engine

    try:
        report = load_demo_world(get_engine(), content_dir, now=datetime.now(UTC))
    except DemoWorldError as exc:
        return f"demo world not loaded: {exc}"
    return report.text()
