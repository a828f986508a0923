"""The scale simulation's engine: a virtual clock, the vendors' limits, a replay.

Used by bench/scale.py (and tests/unit/test_scale_sim.py). Nothing here waits on
the wall clock: a wait for a rate limit or a vendor's latency moves the virtual
clock on.

- `VirtualClock`: the simulated time, shared by the real clients (their `clock`
  and `sleep`) and the limit-enforcing fakes (bench/scale_fakes.py).
- `WindowLimit`: at most `limit` units in any `window` seconds (a sliding window),
  remembering the busiest window (the peak, as a share of the limit) and how
  often something went past it.
- `VendorLimits`: every documented limit the simulation enforces, and the
  decision for one call at a virtual moment (`admit`): pass, or the vendor's
  refusal (a Discord 429, a Google 403 rate/quota answer, a SendGrid 429).
- `Call`, `Task`, `replay`: a discrete-event simulation of workers sending calls
  (each worker paced by Roundtable's own `RateLimiter`) against `VendorLimits`.
"""

from __future__ import annotations

import heapq
import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from roundtable.discord.ratelimit import RateLimiter, route_of

DISCORD, GOOGLE, SENDGRID = "discord", "google_calendar", "sendgrid"


class VirtualClock:
    """Simulated seconds. `sleep` moves time on instead of waiting.

    Calls made from several threads at once (a send pool) each move the clock to
    at least their own end, so overlapping waits overlap instead of adding up.
    """

    def __init__(self, start: float = 0.0) -> None:
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self._now += max(seconds, 0.0)

    def advance_to(self, moment: float) -> None:
        with self._lock:
            self._now = max(self._now, moment)


@dataclass
class WindowLimit:
    """At most `limit` units in any `window` seconds; the peak and crossings seen."""

    name: str
    limit: int
    window: float
    events: deque[tuple[float, int]] = field(default_factory=deque)
    in_window: int = 0
    peak: int = 0
    crossings: int = 0  # units counted past the limit (a request the vendor refuses whole)
    refused: int = 0  # calls the vendor refused because of this limit (429, 403)
    first_met_at: float | None = None
    fails_work: bool = False  # a refusal here loses work (not only a wait and a retry)

    def refuse(self, now: float) -> None:
        self.refused += 1
        if self.first_met_at is None:
            self.first_met_at = now

    def _expire(self, now: float) -> None:
        while self.events and self.events[0][0] <= now - self.window:
            self.in_window -= self.events.popleft()[1]

    def room(self, now: float, units: int = 1) -> bool:
        self._expire(now)
        return self.in_window + units <= self.limit

    def retry_after(self, now: float) -> float:
        """Seconds until the oldest unit in the window leaves it."""
        self._expire(now)
        return max(self.events[0][0] + self.window - now, 0.001) if self.events else 0.001

    def record(self, now: float, units: int = 1) -> None:
        """Count units at `now` (whether or not there was room: a crossing is counted)."""
        self._expire(now)
        if self.in_window + units > self.limit:
            self.crossings += 1
            self.first_met_at = now if self.first_met_at is None else self.first_met_at
        self.events.append((now, units))
        self.in_window += units
        self.peak = max(self.peak, self.in_window)

    @property
    def share(self) -> float:
        return self.peak / self.limit


@dataclass
class Capacity:
    """A count that may not pass `limit` (roles or channels on one server)."""

    name: str
    limit: int
    used: int = 0
    peak: int = 0
    refused: int = 0
    first_met_at: float | None = None
    fails_work: bool = True

    def take(self, now: float, units: int = 1) -> bool:
        if self.used + units > self.limit:
            self.refuse(now)
            return False
        self.used += units
        self.peak = max(self.peak, self.used)
        return True

    def refuse(self, now: float) -> None:
        self.refused += 1
        if self.first_met_at is None:
            self.first_met_at = now

    def give_back(self, units: int = 1) -> None:
        self.used = max(self.used - units, 0)

    @property
    def share(self) -> float:
        return self.peak / self.limit

    @property
    def crossings(self) -> int:
        return self.refused


@dataclass(frozen=True)
class Settings:
    """The documented limits (and observed latencies) the simulation enforces."""

    discord_global: int = 50  # requests a second for a bot (docs: "Rate Limits")
    discord_bucket: int = 50  # a route bucket's size: Discord publishes none (headers)
    discord_bucket_window: float = 1.0
    discord_invalid: int = 10_000  # 401/403/429 answers per 10 minutes before an IP ban
    discord_roles: int = 250  # per server, @everyone included
    discord_channels: int = 500  # per server, categories included
    discord_threads: int = 1000  # active threads per server
    google_user_rate: int = 600  # API calls a minute per user (Calendar API default quota)
    google_invitations: int = 10_000  # external invitations "in a short period": per 24 h here
    google_invitation_window: float = 86_400.0
    sendgrid_rate: int = 600  # requests a minute (see docs/scale.md: no published mail figure)
    sendgrid_personalizations: int = 1000  # per request
    latency: dict[str, float] = field(
        default_factory=lambda: {DISCORD: 0.08, GOOGLE: 0.15, SENDGRID: 0.12}
    )


@dataclass
class Verdict:
    """A vendor's answer to one call: None status means it passes to the service."""

    status: int | None = None
    retry_after: float = 0.0
    is_global: bool = False
    reason: str = ""


@dataclass(frozen=True)
class Call:
    """One vendor call as the replay sends it."""

    vendor: str
    method: str
    path: str
    units: int = 1  # invitations (Google insert) or personalizations (SendGrid)
    creates: str = ""  # "role" or "channel": takes a place on the server
    guild: str = ""


class VendorLimits:
    """Every limit, checked at a virtual moment; the closest one and what crossed."""

    def __init__(self, settings: Settings | None = None) -> None:
        s = self.settings = settings or Settings()
        self.discord_global = WindowLimit("Discord global (per s)", s.discord_global, 1.0)
        self.discord_invalid = WindowLimit(
            "Discord invalid requests (per 10 min)", s.discord_invalid, 600.0, fails_work=True
        )
        self.buckets: dict[str, WindowLimit] = {}
        self.capacities: dict[str, Capacity] = {}
        self.google_rate = WindowLimit("Google calls per user (per min)", s.google_user_rate, 60.0)
        # Past it Google makes the calendar read-only for up to days: work is lost.
        self.invitations = WindowLimit(
            "Google invitations (per 24 h)",
            s.google_invitations,
            s.google_invitation_window,
            fails_work=True,
        )
        self.sendgrid_rate = WindowLimit("SendGrid requests (per min)", s.sendgrid_rate, 60.0)
        self.personalizations = WindowLimit(
            "SendGrid personalizations (per request)",
            s.sendgrid_personalizations,
            0.0,  # each request on its own: earlier ones leave the window at once
            fails_work=True,
        )
        self.calls: dict[str, int] = {DISCORD: 0, GOOGLE: 0, SENDGRID: 0}
        self.refusals: dict[str, int] = {DISCORD: 0, GOOGLE: 0, SENDGRID: 0}

    # -- Discord -------------------------------------------------------------------
    def bucket(self, method: str, path: str) -> WindowLimit:
        route, major = route_of(method, path)
        key = f"{route}|{major}"
        if key not in self.buckets:
            s = self.settings
            self.buckets[key] = WindowLimit(
                f"Discord bucket {route}", s.discord_bucket, s.discord_bucket_window
            )
        return self.buckets[key]

    def capacity(self, guild: str, kind: str) -> Capacity:
        key = f"{guild}|{kind}"
        if key not in self.capacities:
            s = self.settings
            limits = {"role": s.discord_roles, "thread": s.discord_threads}
            limit = limits.get(kind, s.discord_channels)
            used = 1 if kind == "role" else 0  # a server's @everyone counts towards its 250
            self.capacities[key] = Capacity(f"Discord {kind}s per server", limit, used, used)
        return self.capacities[key]

    def admit_discord(self, now: float, method: str, path: str, authed: bool = True) -> Verdict:
        self.calls[DISCORD] += 1
        verdict = Verdict()
        bucket = self.bucket(method, path)
        if authed and not self.discord_global.room(now):
            verdict = Verdict(429, self.discord_global.retry_after(now), True, "global")
            self.discord_global.refuse(now)
        elif not bucket.room(now):
            verdict = Verdict(429, bucket.retry_after(now), False, "bucket")
            bucket.refuse(now)
        if verdict.status is None:
            bucket.record(now)
            if authed:
                self.discord_global.record(now)
        return verdict

    def answered_discord(self, now: float, status: int) -> None:
        """Count an answer Discord counts towards its invalid-request ban."""
        if status in (401, 403, 429):
            self.refusals[DISCORD] += 1
            self.discord_invalid.record(now)

    # -- Google Calendar -------------------------------------------------------------
    def admit_google(self, now: float, invitations: int = 0) -> Verdict:
        self.calls[GOOGLE] += 1
        if not self.google_rate.room(now):
            self.refusals[GOOGLE] += 1
            self.google_rate.refuse(now)
            return Verdict(403, self.google_rate.retry_after(now), reason="userRateLimitExceeded")
        if invitations and not self.invitations.room(now, invitations):
            self.refusals[GOOGLE] += 1
            self.invitations.refuse(now)
            return Verdict(403, self.invitations.retry_after(now), reason="quotaExceeded")
        self.google_rate.record(now)
        if invitations:
            self.invitations.record(now, invitations)
        return Verdict()

    # -- SendGrid ----------------------------------------------------------------------
    def admit_sendgrid(self, now: float, personalizations: int) -> Verdict:
        self.calls[SENDGRID] += 1
        self.personalizations.record(now, personalizations)
        if not self.sendgrid_rate.room(now):
            self.refusals[SENDGRID] += 1
            self.sendgrid_rate.refuse(now)
            return Verdict(429, self.sendgrid_rate.retry_after(now), reason="too many requests")
        self.sendgrid_rate.record(now)
        return Verdict()

    # -- the report --------------------------------------------------------------------
    def meters(self) -> list[WindowLimit | Capacity]:
        return [
            self.discord_global,
            self.discord_invalid,
            self.google_rate,
            self.invitations,
            self.sendgrid_rate,
            self.personalizations,
            *self.capacities.values(),
            *self.buckets.values(),
        ]

    def closest(self) -> WindowLimit | Capacity:
        """The limit not crossed that came nearest (one that throttled counts as 100%)."""
        crossed = self.crossed()
        standing = [m for m in self.meters() if m not in crossed] or self.meters()
        return max(standing, key=lambda m: (m.share >= 1 or m.refused > 0, m.share))

    def first_met(self) -> WindowLimit | Capacity | None:
        """The limit the vendor enforced first (a 429, a 403, a full server), if any."""
        met = [m for m in self.meters() if m.first_met_at is not None]
        return min(met, key=lambda m: m.first_met_at or 0.0, default=None)

    def crossed(self) -> list[WindowLimit | Capacity]:
        """Limits whose refusals lose work: a full server, the invitations budget,
        the invalid-request ban, an oversized request. (A 429 that is waited out and
        retried is throttling, reported by `first_met`, not a crossing.)"""
        lost = [m for m in self.meters() if m.fails_work and (m.crossings or m.refused)]
        return sorted(lost, key=lambda m: m.first_met_at or 0.0)


# -- the replay ----------------------------------------------------------------------------
@dataclass
class Task:
    """Work one worker does: calls in order, from `ready_at` (virtual seconds)."""

    name: str
    calls: list[Call]
    ready_at: float = 0.0
    pool: str = "worker"
    finished_at: float = 0.0
    failed: int = 0  # calls given up (a server full, retries exhausted)
    lanes: int | None = None  # threads sending its calls (None: the pool's)
    after: Task | None = None  # queued only when this one ends (a publish's chunks)


@dataclass(frozen=True)
class Pool:
    """Workers of one kind: how many run at once, each pacing Discord at `discord_rate`,
    sending from `lanes` threads (send_batch's pool)."""

    name: str
    concurrency: int
    discord_rate: float
    lanes: int = 1


MAX_ATTEMPTS = 8
# A refusal that asks for a longer wait is not waited out inside the run: the call is
# left for a later one (the invitations budget's day; the client's max_wait is 30 s).
MAX_WAIT = 60.0


@dataclass
class _Running:
    """A task on a worker: its calls still to send, its limiter, its lanes still busy."""

    task: Task
    pool: Pool
    limiter: RateLimiter
    clock: list[float]  # the worker's now, read by its limiter
    pending: deque[Call]
    lanes: int


@dataclass(order=True)
class _Event:
    at: float
    seq: int
    action: Callable[[float], None] = field(compare=False)


class _Replay:
    """One event loop for every worker of every pool, so each limit sees its calls in
    time order."""

    def __init__(
        self, pools: dict[str, Pool], limits: VendorLimits, shared_rate: float | None
    ) -> None:
        self.pools, self.limits = pools, limits
        # One budget for every worker (roundtable.discord.budget keeps it in Postgres; here
        # the same pacing in memory), read at the latest moment any worker has reached.
        self.shared_clock = [0.0]
        self.shared = (
            RateLimiter(lambda: self.shared_clock[0], shared_rate) if shared_rate else None
        )
        self.events: list[_Event] = []
        self.waiting: dict[str, list[tuple[float, int, Task]]] = {name: [] for name in pools}
        self.idle = {name: pool.concurrency for name, pool in pools.items()}
        self.done: list[Task] = []
        self.held: dict[int, list[Task]] = {}  # by id() of the task they wait for
        self._seq = 0

    def at(self, moment: float, action: Callable[[float], None]) -> None:
        self._seq += 1
        heapq.heappush(self.events, _Event(moment, self._seq, action))

    def run(self, tasks: Iterable[Task]) -> list[Task]:
        for task in tasks:
            if task.after is not None:
                self.held.setdefault(id(task.after), []).append(task)
            else:
                self._queue(task)
        while self.events:
            event = heapq.heappop(self.events)
            event.action(event.at)
        return self.done

    def _queue(self, task: Task) -> None:
        self._seq += 1
        heapq.heappush(self.waiting[task.pool], (task.ready_at, self._seq, task))
        self.at(task.ready_at, lambda now, pool=task.pool: self._take(pool, now))

    def _take(self, pool_name: str, now: float) -> None:
        """A worker of the pool, if one is idle, takes the oldest ready task."""
        queue = self.waiting[pool_name]
        if not self.idle[pool_name] or not queue or queue[0][0] > now:
            return
        _, _, task = heapq.heappop(queue)
        self.idle[pool_name] -= 1
        pool = self.pools[pool_name]
        clock = self.shared_clock if self.shared else [now]
        limiter = self.shared or RateLimiter(lambda: clock[0], pool.discord_rate)
        lanes = max(task.lanes or pool.lanes, 1)
        running = _Running(task, pool, limiter, clock, deque(task.calls), lanes)
        for _ in range(lanes):
            self.at(now, lambda t, r=running: self._next_call(r, t))

    def _next_call(self, running: _Running, now: float) -> None:
        if not running.pending:
            self._lane_done(running, now)
            return
        call = running.pending.popleft()
        self._attempt(running, call, 1, now)

    def _lane_done(self, running: _Running, now: float) -> None:
        running.lanes -= 1
        if running.lanes:
            return
        running.task.finished_at = now
        self.done.append(running.task)
        for waiting in self.held.pop(id(running.task), []):
            waiting.ready_at = max(waiting.ready_at, now)
            self._queue(waiting)
        self.idle[running.pool.name] += 1
        self._take(running.pool.name, now)

    def _attempt(self, running: _Running, call: Call, attempt: int, now: float) -> None:
        """Wait for the worker's limiter (Discord), then send at that moment."""
        if call.vendor != DISCORD:
            self._send(running, call, attempt, now)
            return
        running.clock[0] = max(running.clock[0], now)
        wait, reserved = running.limiter.reserve(call.method, call.path)
        moment = running.clock[0] + wait
        if reserved:
            self.at(moment, lambda t: self._send(running, call, attempt, t))
        else:
            self.at(moment, lambda t: self._attempt(running, call, attempt, t))

    def _send(self, running: _Running, call: Call, attempt: int, now: float) -> None:
        limits = self.limits
        latency = limits.settings.latency[call.vendor]
        verdict = self._verdict(running, call, now)
        if verdict is None:  # the server is full: Discord answers 400 (30005 / 30013)
            running.task.failed += 1
        elif verdict.status is not None:
            if attempt < MAX_ATTEMPTS and verdict.retry_after <= MAX_WAIT:
                retry = now + latency + verdict.retry_after
                self.at(retry, lambda t: self._attempt(running, call, attempt + 1, t))
                return
            running.task.failed += 1
        self.at(now + latency, lambda t: self._next_call(running, t))

    def _verdict(self, running: _Running, call: Call, now: float) -> Verdict | None:
        limits = self.limits
        if call.vendor == GOOGLE:
            return limits.admit_google(now, call.units if call.method == "POST" else 0)
        if call.vendor == SENDGRID:
            return limits.admit_sendgrid(now, call.units)
        verdict = limits.admit_discord(now, call.method, call.path)
        limits.answered_discord(now, verdict.status or 200)
        if verdict.status == 429:
            _block(running.limiter, call, verdict)
            return verdict
        if call.creates and not limits.capacity(call.guild, call.creates).take(now):
            return None
        return verdict


def replay(
    tasks: Iterable[Task],
    pools: dict[str, Pool],
    limits: VendorLimits,
    shared_rate: float | None = None,
) -> list[Task]:
    """Run the tasks through their pools in virtual time; each task gets `finished_at`.

    A worker takes the oldest ready task of its pool; the task's lanes (threads)
    take its calls in order. Each Discord call first waits for the worker's
    limiter (Roundtable's RateLimiter: the real pacing code), every call then
    meets the vendor's limits at that moment and takes the vendor's latency; a
    refusal is retried after its retry_after, at most MAX_ATTEMPTS times and only
    when that is at most MAX_WAIT, else counted as failed (left for a later run),
    like a role or channel refused because the server is full.
    With `shared_rate`, every worker paces from one budget at that rate (the
    deployed DISCORD_RATE_BUDGET=shared) instead of each from its own.
    """
    return _Replay(pools, limits, shared_rate).run(tasks)


def _block(limiter: RateLimiter, call: Call, verdict: Verdict) -> None:
    if verdict.is_global:
        limiter.block_global(verdict.retry_after)
    else:
        limiter.block_route(call.method, call.path, verdict.retry_after)


def paced_seconds(calls: int, rate: float) -> float:
    """The least time `calls` take at `rate` a second (a lower bound for the tests)."""
    return calls / rate


Delay = Callable[[float], None]
