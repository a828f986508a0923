"""The executed part of the scale simulation: Roundtable's real code, end to end.

Real Postgres (a scratch database), the real domain functions (enroll and the
welcome, the scheduler, publish, the reminder sweep with its fan-out and
send_batch's deliver_batch, the hourly sync) and the real REST clients, against
the fakes of bench/scale_fakes.py, on one virtual clock. The steps run one after
another in one process (a fanned-out batch right after the sweep that queued it),
so the times printed are what one worker at a time achieves; bench/scale.py
replays the recorded calls with the deployed concurrency.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.scale_fakes import (
    Recorder,
    VirtualDiscord,
    VirtualGoogleCalendar,
    VirtualSendGrid,
)
from bench.scale_sim import VendorLimits, VirtualClock

EPOCH = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # virtual 0 s: a Monday morning
SWEEP_EVERY = 300.0  # send_reminders: rate(5 minutes)
SWEEP_TIMEOUT = 240.0
SYNC_EVERY = 3600.0  # sync_rsvps: rate(1 hour)
SENDER = "Roundtable <noreply@roundtable.example>"


@dataclass(frozen=True)
class Options:
    """The cohort's choices (roundtable.cohorts.options and issue 22's columns)."""

    discord_space: str = "channel_and_role"  # channel | thread | thread_no_voice
    calendar_invitations: str = "google"  # ics: .ics e-mails instead of Google series
    discord_reminders: str = "dm"  # group_post: one post in the group's channel

    def values(self, columns: Any) -> dict[str, str]:
        """Those the schema has (a choice not landed yet is left out)."""
        return {name: value for name, value in vars(self).items() if name in columns}


@dataclass
class Tick:
    """One send_reminders run (and the send_batch runs it queued)."""

    at: float
    ended: float
    batches: int
    reminders_1h: int
    first_meeting_1h: float | None  # virtual second of the earliest meeting reminded


@dataclass
class Executed:
    learners: int
    groups: int
    members: int
    signup_window: float = 0.0
    options: Options = field(default_factory=Options)
    shared_rate: float | None = None
    steps: dict[str, tuple[float, float]] = field(default_factory=dict)  # virtual start, end
    wall: dict[str, float] = field(default_factory=dict)
    ticks: list[Tick] = field(default_factory=list)
    failures: dict[str, list[str]] = field(default_factory=dict)


class World:
    """The fakes, the clients pointed at them and the virtual clock they share."""

    def __init__(self, limits: VendorLimits, options: Options, shared: Any = None) -> None:
        self.options = options
        self.shared = shared  # a SharedRateBudget (set once the database exists), or None
        self.clock = VirtualClock()
        self.recorder = Recorder(self.clock, limits)
        self.discord = VirtualDiscord(self.recorder)
        self.calendar = VirtualGoogleCalendar(self.recorder)
        self.sendgrid = VirtualSendGrid(self.recorder)

    def now(self) -> datetime:
        return EPOCH + timedelta(seconds=self.clock.now())

    def at(self, seconds: float) -> datetime:
        return EPOCH + timedelta(seconds=seconds)

    @contextmanager
    def running(self) -> Iterator[World]:
        with self.discord.running(), self.calendar.running(), self.sendgrid.running():
            yield self

    def discord_client(self, rate: float) -> Any:
        from roundtable.discord.client import DiscordRestClient
        from tests.fakes.discord import BOT_TOKEN

        shared = {"shared_budget": self.shared} if self.shared is not None else {}
        return DiscordRestClient(
            self.discord.base_url,
            BOT_TOKEN,
            clock=self.clock.now,
            sleep=self.clock.sleep,
            global_rate=rate,
            **shared,
        )

    def share_budget(self, engine: Any, rate: float) -> None:
        """Every client takes its permits from the bot's budget in Postgres (the deployed
        DISCORD_RATE_BUDGET=shared), on the virtual clock."""
        from roundtable.discord.budget import SharedRateBudget, bot_key
        from tests.fakes.discord import BOT_TOKEN

        self.shared = SharedRateBudget(
            engine, bot_key(BOT_TOKEN), global_rate=rate, clock=self.clock.now
        )

    def sync_services(self) -> Any:
        import httplib2

        from roundtable.sync.calendar import GoogleCalendarClient, build_service
        from roundtable.sync.discord_ops import GuildOps
        from roundtable.sync.reconcile import Services
        from tests.fakes.discord import APPLICATION_ID

        service = build_service(self.calendar.base_url_for_client, httplib2.Http(timeout=30))
        calendar = GoogleCalendarClient(service, "primary", sleep=self.clock.sleep)
        return Services(
            GuildOps(self.discord_client(48), self.discord.guild_id),
            calendar,
            "http://scale.invalid",
            APPLICATION_ID,
            calendars=self._calendar_services(calendar),
        )

    def _calendar_services(self, calendar: Any) -> Any:
        """The one organiser's calendar, and .ics e-mail through the SendGrid fake."""
        from roundtable.sync.calendars import CalendarServices
        from roundtable.sync.invitations import Organiser

        return CalendarServices(
            default=calendar,
            email=self.providers(48).email,
            sender=Organiser.from_address(SENDER),
        )

    def providers(self, rate: float) -> Any:
        from roundtable.notifications.delivery import DiscordSender, Providers, SendGridEmailSender
        from tests.fakes.sendgrid import API_KEY

        client = self.discord_client(rate)
        email = SendGridEmailSender(API_KEY, self.sendgrid.base_url, SENDER)
        return Providers(email, DiscordSender(lambda: client))

    @contextmanager
    def step(self, name: str, report: Executed) -> Iterator[None]:
        self.recorder.step = name
        started, wall = self.clock.now(), time.perf_counter()
        yield
        report.steps[name] = (started, self.clock.now())
        report.wall[name] = time.perf_counter() - wall


# -- the database -------------------------------------------------------------------------
@contextmanager
def scratch_database() -> Iterator[Any]:
    """A fresh migrated database (bench/fresh_database.py), in the test stage, with no
    low-attendance alerts (nobody answers RSVPs in the simulation)."""
    from bench.fresh_database import migrated_database

    os.environ.update(ROUNDTABLE_STAGE="test", LOW_ATTENDANCE_THRESHOLD="0")
    with migrated_database() as engine:
        yield engine


# -- signup -------------------------------------------------------------------------------
def signup(engine: Any, world: World, learners: int, window: float, seed: int) -> int:
    """Everyone signs up (the real enroll and its welcome), spread over `window` seconds."""
    from roundtable.scheduling.generate import generate_instance

    people = generate_instance(learners, seed)["people"]
    cohort_id = _cohort(engine, world)
    send = _welcome_sender(engine, world)
    for index, person in enumerate(people):
        world.clock.advance_to(window * index / len(people))
        world.recorder.task = f"signup {index}"
        payload = _enroll(engine, world, cohort_id, index, person)
        if payload is not None:
            send(payload)
    return cohort_id


def _cohort(engine: Any, world: World) -> int:
    from roundtable.db.tables import cohorts

    start = (EPOCH + timedelta(days=1)).date()
    with engine.begin() as conn:
        return int(
            conn.scalar(
                cohorts.insert()
                .values(
                    name="Scale",
                    course_slug="demo",
                    start_date=start,
                    number_of_meetings=8,
                    status="open",
                    **world.options.values(cohorts.c.keys()),
                )
                .returning(cohorts.c.id)
            )
        )


def _enroll(
    engine: Any, world: World, cohort_id: int, index: int, person: dict[str, Any]
) -> dict[str, Any] | None:
    """A Discord account signs in, gives its week, joins the server and enrolls."""
    from roundtable.cohorts.catalog import enroll
    from roundtable.db.engine import transaction
    from roundtable.db.tables import users
    from roundtable.people.facilitators import certify
    from roundtable.people.profiles import apply_as_facilitator, set_availability

    now, discord_id = world.now(), str(400_000_000_000_000_000 + index)
    with transaction(engine) as conn:
        user_id = conn.scalar(
            users.insert()
            .values(
                display_name=f"Person {index}",
                email=f"person{index}@example.org",
                discord_id=discord_id,
                timezone=person["timezone"],
            )
            .returning(users.c.id)
        )
        set_availability(conn, user_id, _intervals(person), None, now)
        if person["role"] == "facilitator":
            apply_as_facilitator(conn, user_id, None, now)
            certify(conn, user_id, now)
        enrolled = enroll(conn, user_id, cohort_id, person["role"], now)
    world.discord.add_member(discord_id)
    if enrolled.welcome_job_id is None:
        return None
    return {"kind": "welcome", "user_id": user_id, "cohort_id": cohort_id}


def _intervals(person: dict[str, Any]) -> list[Any]:
    from roundtable.people.availability import DAY_NAMES, Interval, parse_clock

    found = []
    for kind, blocks in (
        ("available", person["availability_local"]),
        ("if_needed", person["if_needed_local"]),
    ):
        for day, spans in blocks.items():
            for start, end in spans:
                begin, finish = parse_clock(start), parse_clock(end)
                assert begin is not None and finish is not None
                found.append(Interval(DAY_NAMES.index(day), begin, finish, kind))
    return _without_overlaps(found)


def _without_overlaps(intervals: list[Any]) -> list[Any]:
    """The generator may draw overlapping blocks; the product refuses them, so merge."""
    kept: list[Any] = []
    for interval in sorted(intervals, key=lambda i: (i.weekday, i.start_minute)):
        last = kept[-1] if kept else None
        if last and last.weekday == interval.weekday and interval.start_minute < last.end_minute:
            kept[-1] = type(last)(
                last.weekday,
                last.start_minute,
                max(last.end_minute, interval.end_minute),
                last.kind,
            )
        else:
            kept.append(interval)
    return kept


def _welcome_sender(engine: Any, world: World) -> Callable[[dict[str, Any]], None]:
    """What the send_notification job does (notifications/jobs.py), with the world's clients."""
    from roundtable.config import get_settings
    from roundtable.db.engine import transaction
    from roundtable.notifications.catalogue import load_catalogue
    from roundtable.notifications.oneoff import queue_notification
    from roundtable.notifications.sweep import DeliveryOptions, deliver

    catalogue, providers = load_catalogue(), world.providers(48)
    options = DeliveryOptions(providers, catalogue, get_settings())

    def send(payload: dict[str, Any]) -> None:
        now = world.now()
        with transaction(engine) as conn:
            ids = queue_notification(conn, payload, now, catalogue)
        if ids:
            deliver(engine, now, options, only=ids)

    return send


# -- schedule and publish ---------------------------------------------------------------------
def schedule(engine: Any, world: World, cohort_id: int, time_limit: float) -> dict[str, Any]:
    from roundtable.scheduling.service import run_scheduling

    summary = run_scheduling(engine, cohort_id, time_limit=time_limit, now=world.now())
    return dict(vars(summary)) if hasattr(summary, "__dict__") else {"summary": str(summary)}


def publish(engine: Any, world: World, cohort_id: int) -> dict[str, Any]:
    """What the publish_cohort job does (sync/jobs.py), then its group_assigned jobs."""
    from roundtable.sync.jobs import announce_groups
    from roundtable.sync.publish import publish_cohort

    world.recorder.task = "publish"
    report = publish_cohort(engine, cohort_id, world.sync_services(), now=world.now())
    announce_groups(engine, report["groups"], report["failures"])
    send = _welcome_sender(engine, world)
    for payload in _queued_announcements(engine):  # one job per publish chunk
        world.recorder.task = f"group_assigned {payload['group_ids'][0]}"
        send(payload)
    return report


def _queued_announcements(engine: Any) -> list[dict[str, Any]]:
    from sqlalchemy import select

    from roundtable.db.tables import jobs

    with engine.connect() as conn:
        return list(
            conn.scalars(
                select(jobs.c.payload)
                .where(
                    jobs.c.kind == "send_notification",
                    jobs.c.status == "queued",
                    jobs.c.payload["kind"].astext == "group_assigned",
                )
                .order_by(jobs.c.id)
            )
        )


# -- a week of reminders and syncs ---------------------------------------------------------------
class SimulatedQueue:
    """ReminderBatchesQueue: the sweep's batches, taken by send_batch in order."""

    def __init__(self) -> None:
        self.bodies: list[str] = []

    def dispatch(self, batches: Any) -> list[Any]:
        self.bodies += [batch.to_json() for batch in batches]
        return []


def week(engine: Any, world: World, days: float, report: Executed) -> None:
    """send_reminders every 5 minutes (and its batches), sync_rsvps every hour."""
    start = world.clock.now()
    tick_at, sync_at = _next_multiple(start, SWEEP_EVERY), _next_multiple(start, SYNC_EVERY)
    end = start + days * 86_400
    sweeper, batcher = world.providers(48), world.providers(23)
    services = world.sync_services()
    while tick_at < end:
        if sync_at <= tick_at:
            world.clock.advance_to(sync_at)
            _hourly(engine, world, services, report)
            sync_at += SYNC_EVERY
        world.clock.advance_to(tick_at)
        report.ticks.append(_tick(engine, world, (sweeper, batcher)))
        tick_at += SWEEP_EVERY


def _next_multiple(moment: float, every: float) -> float:
    return (moment // every + 1) * every


def _hourly(engine: Any, world: World, services: Any, report: Executed) -> None:
    from roundtable.sync.hourly import run_hourly_sync

    world.recorder.step, world.recorder.task = "hourly sync", f"sync {world.clock.now():.0f}"
    summary = run_hourly_sync(engine, lambda: services, now=world.now())
    for name, failure in summary["failures"].items():
        report.failures.setdefault("hourly sync", []).append(f"{name}: {failure}")


def _tick(engine: Any, world: World, providers: tuple[Any, Any]) -> Tick:
    from roundtable.config import get_settings
    from roundtable.notifications import sweep
    from roundtable.notifications.catalogue import load_catalogue
    from roundtable.notifications.fanout import ReminderBatch
    from roundtable.notifications.sweep import DeliveryOptions, deliver_batch

    began, now, queue = world.clock.now(), world.now(), SimulatedQueue()
    world.recorder.step, world.recorder.task = "reminders", f"sweep {began:.0f}"
    remaining = _remaining_ms(world, began, SWEEP_TIMEOUT)
    sweep(engine, now, providers=providers[0], remaining_ms=remaining, dispatcher=queue)
    catalogue = load_catalogue()
    for number, body in enumerate(queue.bodies):
        world.recorder.task = f"batch {began:.0f}/{number}"
        started = world.clock.now()
        options = DeliveryOptions(
            providers[1], catalogue, get_settings(), remaining_ms=_remaining_ms(world, started, 120)
        )
        deliver_batch(engine, now, options, ReminderBatch.from_json(body))
    count, first = _reminders_1h(engine, now)
    return Tick(began, world.clock.now(), len(queue.bodies), count, first)


def _remaining_ms(world: World, started: float, timeout: float) -> Callable[[], int]:
    return lambda: int((timeout - (world.clock.now() - started)) * 1000)


def _reminders_1h(engine: Any, now: datetime) -> tuple[int, float | None]:
    """1-hour reminders this sweep sent, and the earliest meeting they were about."""
    from sqlalchemy import func, select

    from roundtable.db.tables import meetings, notifications

    with engine.connect() as conn:
        row = conn.execute(
            select(func.count(), func.min(meetings.c.starts_at))
            .select_from(notifications)
            .join(meetings, meetings.c.id == notifications.c.reference_id)
            .where(
                notifications.c.kind == "meeting_reminder_1h",
                notifications.c.status == "sent",
                notifications.c.sent_at == now,
            )
        ).one()
    first = (row[1] - EPOCH).total_seconds() if row[1] is not None else None
    return int(row[0]), first


def run(
    learners: int,
    *,
    options: Options,
    limits: VendorLimits,
    days: float,
    signup_hours: float,
    seed: int,
    schedule_limit: float,
    shared_rate: float | None,
) -> tuple[Executed, list[Any]]:
    """The whole executed run; its report and every recorded call. With `shared_rate`, the
    bot's one rate budget in Postgres at that rate; else each client its own limiter."""
    with scratch_database() as engine, World(limits, options).running() as world:
        if shared_rate:
            world.share_budget(engine, shared_rate)
        report = Executed(learners, 0, 0, signup_hours * 3600, options, shared_rate)
        with world.step("signup", report):
            cohort_id = signup(engine, world, learners, signup_hours * 3600, seed)
        with world.step("schedule", report):
            schedule(engine, world, cohort_id, schedule_limit)
        with world.step("publish", report):
            published = publish(engine, world, cohort_id)
        report.failures["publish"] = [f"group {g}: {m}" for g, m in published["failures"].items()]
        report.groups, report.members = _sizes(engine, cohort_id)
        with world.step("week", report):
            week(engine, world, days, report)
        return report, list(world.recorder.records)


def _sizes(engine: Any, cohort_id: int) -> tuple[int, int]:
    from sqlalchemy import func, select

    from roundtable.db.tables import group_members, groups

    with engine.connect() as conn:
        count = conn.scalar(
            select(func.count()).where(groups.c.cohort_id == cohort_id, groups.c.status == "active")
        )
        members = conn.scalar(
            select(func.count())
            .select_from(group_members)
            .where(group_members.c.cohort_id == cohort_id, group_members.c.status == "active")
        )
    return int(count or 0), int(members or 0)
