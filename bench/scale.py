"""Scale simulation: signup, schedule, publish, a week of reminders and RSVP syncs.

1. EXECUTED (bench/scale_run.py): Roundtable's real code end to end for
   `--learners` (1,000) against the tests' fakes with every vendor limit kept
   in virtual time (bench/scale_fakes.py); each vendor call is recorded.
2. REPLAYED (bench/scale_sim.py): the recorded calls, each group's and each
   person's repeated K times with fresh ids (guild-wide listings once per run),
   sent through a discrete-event simulation of the deployed workers (their
   concurrency and Discord pace from template.yaml, each paced by the real
   RateLimiter) against the same limits, for each of `--sizes`.
   At K = 1 with the executed run's own concurrency, the replay must agree with
   the executed run on calls and be close on time: both are printed.

Prints, for each size: each step's simulated time, calls per vendor, the limit
that came closest (% of it), failures, and the targets (published within 90
simulated minutes, every 1-hour reminder before its meeting, no limit crossed).

    .venv/bin/python bench/scale.py [--learners 1000] [--sizes 1000,10000,100000]
"""

from __future__ import annotations

import argparse
import logging
import math
import pickle
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.scale_sim import (  # noqa: E402
    DISCORD,
    GOOGLE,
    SENDGRID,
    Call,
    Capacity,
    Pool,
    Task,
    VendorLimits,
    replay,
)

PUBLISH_TARGET = 90 * 60.0
# What a create takes a place in: the executed run's server. Replayed at scale, roles,
# channels and threads are placed by the planner's rule (plan_servers) instead.
PLACES = ("role", "channel", "thread")
SENDERS = 8  # notifications/sweep.py: threads a sweep or a batch sends from
# An id of a group's or person's object (not a server's or the application's).
_OWN_ID = re.compile(r"(?<!guilds/)(?<!applications/)(?<=/)\d{15,20}(?=/|$)")
# Guild-wide reads a run makes once whatever its size (paged member lists do scale).
_MEMBER_LIST = re.compile(r"^GET /guilds/\d+/members$")
_ONCE_PER_RUN = (
    re.compile(r"^GET /guilds/\d+/(channels|roles)$"),
    re.compile(r"^GET /calendar/v3/calendars/[^/]+/events$"),
    re.compile(r"^PUT /applications/"),
)


# -- the deployed system, from template.yaml ------------------------------------------------
def deployed_pools(rate: float, workers: int | None = None) -> dict[str, Pool]:
    """Who sends, how many at once, at what Discord pace (template.yaml's numbers, or
    `workers` for the worker's reserved concurrency; `rate` where a function sets none)."""
    template = (ROOT / "template.yaml").read_text()
    workers = workers or _default(template, "WorkerReservedConcurrency", 5)
    batchers = re.search(r"MaximumConcurrency: (\d+)", template)
    batch_rate = re.search(r'DISCORD_GLOBAL_RATE: "(\d+)"', template)
    return {
        "signup": Pool("signup", workers, rate),  # send_notification jobs on the worker
        "publish": Pool("publish", 1, rate),  # the publish_cohort job: its first chunk
        # Its queued sync_groups chunks and the group_assigned jobs they queue.
        "announce": Pool("announce", workers, rate),
        "sweep": Pool("sweep", 1, rate, lanes=SENDERS),  # send_reminders
        "send_batch": Pool(
            "send_batch",
            int(batchers[1]) if batchers else 2,
            float(batch_rate[1]) if batch_rate else rate,
            lanes=SENDERS,
        ),
        "sync": Pool("sync", 1, rate),  # sync_rsvps
    }


def deployed_rate_budget() -> float | None:
    """The Discord pace every worker shares in a deployed stack (roundtable.config's
    default for DISCORD_RATE_BUDGET=shared); None if the code has no shared budget."""
    import os

    from roundtable.config import load_settings

    saved = os.environ.get("DISCORD_RATE_BUDGET")
    os.environ["DISCORD_RATE_BUDGET"] = "shared"
    try:
        settings = load_settings()
    finally:
        os.environ.pop("DISCORD_RATE_BUDGET")
        if saved is not None:
            os.environ["DISCORD_RATE_BUDGET"] = saved
    shared = getattr(settings, "discord_rate_budget", None) == "shared"
    return float(settings.discord_global_rate) if shared else None


def executed_pools() -> dict[str, Pool]:
    """The executed run's own concurrency: one thing at a time, as it ran."""
    return {"executed": Pool("executed", 1, 48.0)}


def _default(template: str, parameter: str, fallback: int) -> int:
    match = re.search(rf"{parameter}:\n(?:\s+\w+: .*\n)*?\s+Default: (\d+)", template)
    return int(match[1]) if match else fallback


# -- Discord servers, as the real planner fills them ---------------------------------------------
@dataclass(frozen=True)
class ServerPlan:
    groups: int
    space: str
    needed: int  # servers the planner fills (first fit, in order)
    fullest: float  # the fullest server's roles, channels or threads, as a share of its limit


def plan_servers(space: str, group_count: int) -> ServerPlan:
    """How sync/servers.py's first-fit placement fills servers with Discord's limits
    (its own cost rules: group_cost, cohort_cost) for `group_count` groups of one cohort."""
    from roundtable.sync.discord_ops import CHANNEL_LIMIT, ROLE_LIMIT, THREAD_LIMIT
    from roundtable.sync.servers import Room, cohort_cost, group_cost

    limit = Room(ROLE_LIMIT, CHANNEL_LIMIT, THREAD_LIMIT)
    servers: list[tuple[Room, int]] = [(Room(1), 0)]  # used (@everyone), groups
    for _ in range(group_count):
        used, count = servers[-1]
        cost = group_cost(space) + cohort_cost(space, count, count + 1)
        free = Room(
            limit.roles - used.roles, limit.channels - used.channels, limit.threads - used.threads
        )
        if not cost.fits_in(free):
            used, count = Room(1), 0
            servers.append((used, count))
            cost = group_cost(space) + cohort_cost(space, 0, 1)
        servers[-1] = (used + cost, count + 1)
    fullest = max(
        max(u.roles / limit.roles, u.channels / limit.channels, u.threads / limit.threads)
        for u, _ in servers
    )
    return ServerPlan(group_count, space, len(servers), fullest)


# -- from the recorded calls to the replay's tasks ------------------------------------------
@dataclass
class Recorded:
    """One executed task's calls."""

    step: str
    name: str
    ready_at: float
    records: list[Any]


def recorded_tasks(records: list[Any]) -> list[Recorded]:
    tasks: dict[tuple[str, str], Recorded] = {}
    for record in records:
        key = (record.step, record.task)
        if key not in tasks:
            tasks[key] = Recorded(record.step, record.task, record.at, [])
        tasks[key].records.append(record)
    return list(tasks.values())


def scaled_calls(
    records: list[Any], k: int, places: tuple[str, ...] = PLACES, offset: int = 0
) -> list[Call]:
    """The task's calls for K times the people: each repeated K times with fresh ids in
    place (a loop over K times the groups), listings once. A reminder's e-mail is packed
    1,000 personalizations a request, as the sweep renders one per kind; other e-mail
    (a welcome, a group's announcement, an .ics invitation with its own attachment) is
    one request each, as the code sends it."""
    calls: list[Call] = []
    for record in records:
        if record.vendor == SENDGRID and record.step == "reminders":
            calls += _packed(record.units * k)
        elif any(p.match(f"{record.method} {record.path}") for p in _ONCE_PER_RUN):
            calls.append(_call(record, record.path, places))
        else:
            calls += [
                _call(record, _fresh_ids(record.path, copy, record), places)
                for copy in range(offset, offset + k)
            ]
    return calls


def _packed(personalizations: int) -> list[Call]:
    requests = max(math.ceil(personalizations / 1000), 1)
    return [Call(SENDGRID, "POST", "/v3/mail/send", min(personalizations, 1000))] * requests


def _call(record: Any, path: str, places: tuple[str, ...] = PLACES) -> Call:
    creates = record.creates if record.creates in places else ""
    return Call(record.vendor, record.method, path, record.units, creates, record.guild)


def _fresh_ids(path: str, copy: int, record: Any) -> str:
    """Copy `copy` of a call: other channels, roles and people; the same server."""
    if not copy:
        return path
    return _OWN_ID.sub(lambda m: str(int(m[0]) + copy * 10**15), path)


def replay_tasks(
    executed: list[Recorded],
    k: int,
    deployed: bool,
    spacing: float,
    groups: int = 0,
    per_server: int = 0,
) -> list[Task]:
    """Tasks for K times the people, on the deployed pools or the executed run's one
    (`groups`: the executed run's, to cut the deployed publish into chunks; `per_server`:
    how many copies of it a server holds, 0 for all on one)."""
    tasks: list[Task] = []
    places = () if deployed else PLACES
    chunks: list[Task] = []
    for recorded in executed:
        pool = _pool_of(recorded) if deployed else "executed"
        if deployed and recorded.step == "publish" and recorded.name == "publish":
            chunks = _publish_chunks(recorded, k, groups, per_server)
            tasks += chunks
        elif recorded.step == "signup":  # K people signing up over the same window
            tasks += _per_person(recorded, k, pool, spacing, places)
        elif recorded.name.startswith("group_assigned"):  # each copy's chunk tells its groups
            told = _per_person(recorded, k, pool, 0.0, places)
            by_copy = chunks[1:] if len(chunks) > k else chunks  # not the job's own part
            for copy, task in enumerate(told):  # queued by its chunk when that ends
                task.after = by_copy[copy * len(by_copy) // k] if by_copy else None
            tasks += told
        elif recorded.step == "reminders" and deployed:
            tasks += _reminder_tasks(recorded, k, places)
        else:
            calls = scaled_calls(recorded.records, k, places)
            task = Task(_label(recorded), calls, recorded.ready_at, pool)
            task.lanes = SENDERS if recorded.step == "reminders" else None
            tasks.append(task)
    return tasks


def _publish_chunks(recorded: Recorded, k: int, groups: int, per_server: int = 0) -> list[Task]:
    """The publish job as deployed (sync/publish.py): its first server's first chunk of
    PUBLISH_CHUNK groups reconciled in the job (only its first PUBLISH_LEAD groups when
    there are more chunks; the rest of the chunk after it); when it ends, that server's
    other chunks and each other server's first chunk queued as `sync_groups` jobs on
    the workers, a server's first chunk queuing its server's others when it ends. Cut at
    whole copies of the executed cohort (the nearest count to PUBLISH_CHUNK; `per_server`
    copies on a server, as the planner fills them: 0, all on one); each chunk reads the guild's
    listings again, and its member list whole when the executed publish read it (a chunk
    of fresh role groups does not: discord_sync needs_members)."""
    from roundtable.sync.publish import PUBLISH_CHUNK, PUBLISH_LEAD

    per_chunk = max(round(PUBLISH_CHUNK / max(groups, 1)), 1)
    per_server = per_server or k
    members = [r for r in recorded.records if _MEMBER_LIST.match(f"{r.method} {r.path}")]
    own = [r for r in recorded.records if r not in members]
    chunks: list[Task] = []
    leads: dict[int, Task] = {}  # each server's first chunk
    # Every chunk reads the whole list (K times the pages), if the executed one read it.
    reads = [_call(r, r.path, ()) for r in members] * k
    for first in range(0, k, per_chunk):
        copies = range(first, min(first + per_chunk, k))
        server = first // per_server
        calls = reads + scaled_calls(own, len(copies), (), offset=first)
        chunk = Task(f"publish|chunk {first // per_chunk}", calls, recorded.ready_at, "announce")
        chunk.after = leads.get(server, chunks[0] if chunks else None)
        leads.setdefault(server, chunk)
        chunks.append(chunk)
    lead_share = PUBLISH_LEAD / (groups * per_chunk)
    if k * groups <= PUBLISH_CHUNK or lead_share >= 1:  # the job reconciles the whole chunk
        chunks[0].name, chunks[0].pool = "publish|publish", "publish"
    else:  # what waited for the first chunk waits for the job's part of it
        lead = _publish_lead(chunks[0], lead_share)
        for chunk in chunks[1:]:
            chunk.after = lead if chunk.after is chunks[0] else chunk.after
        chunks.insert(0, lead)
    return chunks


def _publish_lead(chunk: Task, share: float) -> Task:
    """The publish job's own part of the first chunk (its first PUBLISH_LEAD groups: this
    share of the chunk's calls after the listings); the chunk keeps the rest, after it."""
    listing = [c for c in chunk.calls if _is_listing(c)]
    work = [c for c in chunk.calls if not _is_listing(c)]
    cut = math.ceil(len(work) * share)
    lead = Task("publish|publish", listing + work[:cut], chunk.ready_at, "publish")
    chunk.calls, chunk.after = listing + work[cut:], lead
    return lead


def _is_listing(call: Call) -> bool:
    line = f"{call.method} {call.path}"
    return bool(_MEMBER_LIST.match(line)) or any(p.match(line) for p in _ONCE_PER_RUN)


def copies_per_server(space: str, groups: int) -> int:
    """How many copies of the executed cohort (`groups` groups) the planner puts on one
    server: its capacity for this space's groups over the copy's, at least one."""
    low, high = 1, 5_000
    while low < high:  # the most groups one server holds
        middle = (low + high + 1) // 2
        low, high = (middle, high) if plan_servers(space, middle).needed == 1 else (low, middle - 1)
    return max(round(low / max(groups, 1)), 1)


def _label(recorded: Recorded) -> str:
    return f"{recorded.step}|{recorded.name}"


def _pool_of(recorded: Recorded) -> str:
    if recorded.step == "signup":
        return "signup"
    if recorded.step == "publish":
        return "announce" if recorded.name.startswith("group_assigned") else "publish"
    if recorded.step == "hourly sync":
        return "sync"
    return "send_batch" if recorded.name.startswith("batch") else "sweep"


def _per_person(
    recorded: Recorded, k: int, pool: str, spacing: float, places: tuple[str, ...]
) -> list[Task]:
    """K people (or groups) doing what one did, arriving spread over the same span."""
    return [
        Task(
            _label(recorded),
            [_call(r, _fresh_ids(r.path, copy, r), places) for r in recorded.records],
            recorded.ready_at + spacing * copy / k,
            pool,
        )
        for copy in range(k)
    ]


def _reminder_tasks(recorded: Recorded, k: int, places: tuple[str, ...]) -> list[Task]:
    """The sweep's decision (notifications/sweep.py fits_inline): send inline when
    Discord's pace fits half its time, else batches of 500 for send_batch."""
    from roundtable.notifications.sweep import BATCH_SIZE, INLINE_SHARE, RESERVE_MS

    calls = scaled_calls(recorded.records, k, places)
    discord = [c for c in calls if c.vendor == DISCORD]
    budget = (240.0 - RESERVE_MS / 1000) * INLINE_SHARE
    if len(discord) / 48.0 <= budget:
        return [Task(_label(recorded), calls, recorded.ready_at, "sweep")]
    others = [c for c in calls if c.vendor != DISCORD]
    batches = max(math.ceil(len(discord) / BATCH_SIZE), 1)
    tasks = []
    for number in range(batches):
        part = discord[number * BATCH_SIZE : (number + 1) * BATCH_SIZE]
        mail = others[number::batches]
        tasks.append(Task(_label(recorded), part + mail, recorded.ready_at + 2.0, "send_batch"))
    return tasks


# -- results ------------------------------------------------------------------------------------
@dataclass
class Outcome:
    size: int
    mode: str  # "executed", "replayed as executed", "replayed as deployed"
    steps: dict[str, float]
    calls: Counter[str]
    refused: Counter[str]
    closest: str
    first_met: str
    crossed: list[str]
    failed: int
    late_reminders: int
    reminder_waves: int


def step_times(tasks: list[Task]) -> dict[str, float]:
    """Each step's simulated time: signup/publish first start to last end; reminders and
    syncs their longest single run (a sweep with its batches, one hourly sync)."""
    spans: dict[str, list[float]] = {}
    runs: dict[str, float] = {}
    for task in tasks:
        step, name = task.name.split("|", 1)
        if step in ("signup", "publish"):
            first, last = spans.get(step, [task.ready_at, task.finished_at])
            spans[step] = [min(first, task.ready_at), max(last, task.finished_at)]
        else:
            key = f"{step}|{_tick_start(task)}"
            runs[key] = max(runs.get(key, 0.0), task.finished_at - _tick_start(task))
    found = {step: last - first for step, (first, last) in spans.items()}
    for step in ("reminders", "hourly sync"):
        found[step] = max((v for key, v in runs.items() if key.startswith(step)), default=0.0)
    return found


def _tick_start(task: Task) -> float:
    match = re.search(r"(sweep|batch|sync) (\d+)", task.name)
    return float(match[2]) if match else task.ready_at


def late_waves(tasks: list[Task], ticks: list[Any]) -> tuple[int, int]:
    """(1-hour reminder waves whose last send ended after their earliest meeting began, waves)."""
    ends: dict[int, float] = {}
    for task in tasks:
        if task.name.startswith("reminders|"):
            start = int(_tick_start(task))
            ends[start] = max(ends.get(start, 0.0), task.finished_at)
    waves = [t for t in ticks if t.reminders_1h]
    late = sum(1 for t in waves if ends.get(int(t.at), t.ended) > t.first_meeting_1h)
    return late, len(waves)


def outcome(
    size: int, mode: str, tasks: list[Task], limits: VendorLimits, ticks: list[Any]
) -> Outcome:
    closest, first = limits.closest(), limits.first_met()
    late, waves = late_waves(tasks, ticks)
    return Outcome(
        size,
        mode,
        step_times(tasks),
        Counter(limits.calls),
        Counter(limits.refusals),
        f"{closest.name} {100 * closest.share:.0f}%",
        f"{first.name} at {_clock(first.first_met_at)}" if first else "none",
        [f"{m.name} ({max(m.refused, m.crossings):,} refused)" for m in limits.crossed()],
        sum(t.failed for t in tasks),
        late,
        waves,
    )


def executed_outcome(report: Any, records: list[Any], limits: VendorLimits) -> Outcome:
    """The executed run's own numbers, in the replay's terms (tasks from its records)."""
    tasks = []
    for recorded in recorded_tasks(records):
        last = recorded.records[-1]
        task = Task(_label(recorded), [], recorded.ready_at)
        task.finished_at = last.at + limits.settings.latency[last.vendor]
        tasks.append(task)
    result = outcome(report.learners, "executed", tasks, limits, report.ticks)
    result.steps["publish"] = report.steps["publish"][1] - report.steps["publish"][0]
    result.steps["schedule wall"] = report.wall["schedule"]
    result.failed = sum(1 for r in records if r.status >= 400 and r.status != 429)
    result.late_reminders = sum(
        1 for t in report.ticks if t.reminders_1h and t.ended > t.first_meeting_1h
    )
    return result


def simulate(
    executed: list[Recorded],
    k: int,
    deployed: bool,
    report: Any,
    size: int,
    servers: int = 1,
    workers: int | None = None,
) -> Outcome:
    """Replay K times the executed run's people: on the deployed workers (their one shared
    Discord budget when the code has it), or on the executed run's one worker."""
    limits = VendorLimits()
    spacing = report.signup_window / max(report.learners, 1)
    if deployed:
        shared = deployed_rate_budget()
        pools = deployed_pools(shared or 48.0, workers)
        plan = plan_servers(report.options.discord_space, report.groups * k)
        _servers_meter(limits, plan, servers, report.steps["publish"][0])
    else:
        shared, pools = report.shared_rate, executed_pools()
    per_server = copies_per_server(report.options.discord_space, report.groups) if deployed else 0
    tasks = replay(
        replay_tasks(executed, k, deployed, spacing, report.groups, per_server),
        pools,
        limits,
        shared,
    )
    mode = "replayed as deployed" if deployed else "replayed as executed"
    return outcome(size, mode, tasks, limits, report.ticks)


def _servers_meter(
    limits: VendorLimits, plan: ServerPlan, configured: int, publish_at: float
) -> None:
    """Roles and channels on the fullest server as the planner fills them. When the
    cohort needs more servers than are configured, publishing refuses
    (DiscordCapacityError) before touching anything: the replay then goes on as if
    enough were configured, to find the next limit."""
    name = (
        f"Discord roles/channels/threads per server ({plan.needed} server(s) for "
        f"{plan.groups:,} {plan.space} groups, {configured} configured)"
    )
    meter = Capacity(name, 1000)
    meter.peak = round(plan.fullest * 1000)
    if plan.needed > configured:
        meter.refuse(publish_at)
    limits.capacities["servers"] = meter


# -- printing -------------------------------------------------------------------------------------
def _clock(seconds: float | None) -> str:
    """A virtual moment as +d h:mm from the start of signup."""
    if seconds is None:
        return "-"
    days, rest = divmod(int(seconds), 86_400)
    return f"+{days}d {rest // 3600:02d}:{rest % 3600 // 60:02d}"


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds >= 3 * 3600:  # minutes up to three hours: the target is 90 of them
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 60:.1f} min" if seconds >= 60 else f"{seconds:.1f} s"


def print_outcome(o: Outcome, note: str) -> None:
    published = o.steps.get("publish", 0.0) <= PUBLISH_TARGET
    calls = "  ".join(
        f"{vendor} {o.calls[vendor]:,} (refused {o.refused[vendor]:,})"
        for vendor in (DISCORD, GOOGLE, SENDGRID)
    )
    print(f"\n== {o.size:,} learners: {o.mode.upper()} ({note}) ==")
    print(f"  signup       {_duration(o.steps.get('signup'))} (spread over the signup window)")
    if "schedule wall" in o.steps:
        print(
            f"  schedule     no vendor calls; the real scheduler took "
            f"{_duration(o.steps['schedule wall'])} of wall-clock time"
        )
    else:
        print("  schedule     not replayed (no vendor calls; see docs/scheduling.md)")
    print(
        f"  publish      {_duration(o.steps.get('publish'))} "
        f"(target 90 min: {'met' if published else 'MISSED'})"
    )
    print(
        f"  reminders    longest sweep with its batches {_duration(o.steps.get('reminders'))}; "
        f"1-hour waves late: {o.late_reminders} of {o.reminder_waves}"
    )
    print(f"  hourly sync  longest run {_duration(o.steps.get('hourly sync'))}")
    print(f"  calls        {calls}")
    print(f"  closest      {o.closest}")
    print(f"  first met    {o.first_met}")
    print(f"  crossed      {', '.join(o.crossed) or 'none'}")
    print(f"  failed calls {o.failed:,}")


def print_table(outcomes: list[Outcome]) -> None:
    """The summary, as the Markdown table docs/scale.md shows."""
    print(
        "\n| learners | run | publish | longest reminder run | 1-h waves late | Discord calls "
        "| Calendar calls | SendGrid requests | closest limit | first limit met | crossed "
        "| failed calls |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|---:|---|---|---|---:|")
    for o in outcomes:
        print(
            f"| {o.size:,} | {o.mode} | {_duration(o.steps.get('publish'))} "
            f"| {_duration(o.steps.get('reminders'))} | {o.late_reminders} of {o.reminder_waves} "
            f"| {o.calls[DISCORD]:,} | {o.calls[GOOGLE]:,} | {o.calls[SENDGRID]:,} "
            f"| {o.closest} | {o.first_met} | {', '.join(o.crossed) or 'none'} | {o.failed:,} |"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=1000, help="size of the executed run")
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--days", type=float, default=8.0, help="simulated days after publishing")
    parser.add_argument("--signup-hours", type=float, default=12.0)
    parser.add_argument("--schedule-limit", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--servers", type=int, default=1, help="Discord servers configured")
    parser.add_argument(
        "--workers", type=int, help="the worker's concurrency (default: template.yaml's)"
    )
    parser.add_argument(
        "--budget", default="shared", help="Discord rate budget of the executed run: shared|local"
    )
    parser.add_argument(
        "--space", default="channel_and_role", help="the cohort's Discord group space"
    )
    parser.add_argument("--invitations", default="google", help="google or ics")
    parser.add_argument("--reminders", default="dm", help="Discord reminders: dm or group_post")
    parser.add_argument("--save", type=Path, help="keep the executed run's calls in this file")
    parser.add_argument("--load", type=Path, help="replay a saved executed run instead")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    report, records, limits = _executed(args)
    report.signup_window = report.signup_window or args.signup_hours * 3600
    executed = recorded_tasks(records)
    walls = ", ".join(f"{step} {seconds:.0f} s" for step, seconds in report.wall.items())
    print(
        f"EXECUTED: Roundtable's real code for {report.learners:,} learners "
        f"({report.groups} groups, {report.members} members placed) against the limit-keeping "
        f"fakes, one step after another; wall-clock {walls}"
    )
    outcomes = [executed_outcome(report, records, limits)]
    print_outcome(outcomes[0], "the real code's calls and their simulated times")
    outcomes.append(simulate(executed, 1, False, report, report.learners))
    print_outcome(outcomes[1], "the recorded calls through the replay, one worker as executed")
    for size in (int(s) for s in args.sizes.split(",")):
        k = max(round(size / report.learners), 1)
        outcomes.append(simulate(executed, k, True, report, size, args.servers, args.workers))
        note = f"K = {k}: each group's and person's calls {k} times; template.yaml's workers"
        print_outcome(outcomes[-1], note)
    print_table(outcomes)
    failures = {step: f for step, f in report.failures.items() if f}
    if failures:
        print(f"\nexecuted run's failures: {failures}")
    return 0


def _executed(args: argparse.Namespace) -> tuple[Any, list[Any], VendorLimits]:
    if args.load:
        with args.load.open("rb") as handle:
            return pickle.load(handle)  # noqa: S301 - our own file
    from bench import scale_run

    limits = VendorLimits()
    started = time.perf_counter()
    options = scale_run.Options(args.space, args.invitations, args.reminders)
    report, records = scale_run.run(
        args.learners,
        options=options,
        limits=limits,
        days=args.days,
        signup_hours=args.signup_hours,
        seed=args.seed,
        schedule_limit=args.schedule_limit,
        shared_rate=None if args.budget == "local" else deployed_rate_budget(),
    )
    report.wall["total"] = time.perf_counter() - started
    if args.save:
        with args.save.open("wb") as handle:
            pickle.dump((report, records, limits), handle)
    return report, records, limits


if __name__ == "__main__":
    sys.exit(main())
