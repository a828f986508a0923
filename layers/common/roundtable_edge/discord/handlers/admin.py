"""Admin commands: /schedule, /publish, /sync, /cohort-status, and the summary's buttons.

Presenters only: read the options, say who asks, call the service (the same
one the web calls, which checks permission and state), and word the answer.
Long work is a job; these answer within Discord's 3 seconds.
"""

from __future__ import annotations

import re
from typing import Any

from roundtable.cohorts import requests, status
from roundtable.cohorts.options import SchedulingOptions
from roundtable.errors import ValidationError
from roundtable.groups.lookup import search_groups
from roundtable_edge.discord.handlers.common import (
    actor_for,
    connect,
    resolve_cohort,
    resolve_group,
)
from roundtable_edge.discord.interactions import (
    MAX_DATABASE_ID,
    Context,
    autocomplete_result,
    deferred,
    message,
    update_message,
)

_SUMMARY_BUTTON = re.compile(r"^(publish|discard):(\d{1,10}):(\d{1,10})$")
# /schedule's options and the scheduling options they set.
_OPTION_PARAMS = {
    "meeting-length": "meeting_minutes",
    "min-size": "min_group_size",
    "max-size": "max_group_size",
}


# -- /schedule -----------------------------------------------------------------
def schedule(context: Context) -> dict[str, Any]:
    """/schedule: queue the scheduler; answer "thinking…"; the job edits in the summary."""
    interaction = context.interaction
    options = _scheduling_options(interaction.options)
    with connect(context) as conn:
        actor = actor_for(conn, interaction)
        cohort = resolve_cohort(conn, actor, interaction.options.get("cohort"))
        requests.request_scheduling(conn, actor, cohort.id, options, reply_to=interaction.webhook())
    return deferred(ephemeral=True)


def _scheduling_options(options: dict[str, Any]) -> SchedulingOptions:
    chosen: dict[str, Any] = {}
    for name, field in _OPTION_PARAMS.items():
        value = options.get(name)
        if value is None:
            continue
        try:
            chosen[field] = int(value)
        except (TypeError, ValueError):
            raise ValidationError(f"`{name}` must be a whole number, got {value!r}.") from None
    return SchedulingOptions(**chosen)


# -- /publish and the summary's buttons ------------------------------------------
def publish(context: Context) -> dict[str, Any]:
    """/publish cohort: queue publishing of the cohort's preview groups and proposed joins."""
    interaction = context.interaction
    with connect(context) as conn:
        actor = actor_for(conn, interaction)
        cohort = resolve_cohort(conn, actor, interaction.options.get("cohort"))
        queued = requests.request_publish(conn, actor, cohort.id, reply_to=interaction.webhook())
    return message(
        f"Publishing {queued.cohort_name} (job #{queued.job_id}). Follow it with `/cohort-status`."
    )


def publish_button(context: Context) -> dict[str, Any]:
    """Publish on a schedule summary: only an admin, only the cohort's latest run."""
    interaction = context.interaction
    cohort_id, run_id = _summary_button(context)
    with connect(context) as conn:
        actor = actor_for(conn, interaction)
        queued = requests.request_publish(
            conn, actor, cohort_id, run_id=run_id, reply_to=interaction.webhook()
        )
    who = f" by <@{interaction.user_id}>" if interaction.user_id else ""
    return update_message(
        f"Publishing {queued.cohort_name}{who} (job #{queued.job_id}): channels, roles, "
        "calendar invites and welcome messages are on their way. "
        "Follow it with `/cohort-status`."
    )


def discard_button(context: Context) -> dict[str, Any]:
    """Discard on a schedule summary: delete that run's preview groups, void its joins."""
    cohort_id, run_id = _summary_button(context)
    with connect(context) as conn:
        actor = actor_for(conn, context.interaction)
        done = requests.discard_run(conn, actor, cohort_id, run_id, context.now)
    joins = f", {_count(done.joins_voided, 'proposed join')} voided" if done.joins_voided else ""
    return update_message(
        f"Discarded scheduling run {done.run_id} of {done.cohort_name}: "
        f"{_count(done.groups_removed, 'preview group')} removed{joins}; nothing was published."
    )


def _summary_button(context: Context) -> tuple[int, int]:
    match = _SUMMARY_BUTTON.match(context.interaction.custom_id)
    ids = (int(match.group(2)), int(match.group(3))) if match else (0, 0)
    if not all(1 <= n <= MAX_DATABASE_ID for n in ids):  # the custom_id comes from the client
        raise ValidationError("This button is malformed; run /schedule again.")
    return ids


# -- /sync -------------------------------------------------------------------------
def sync(context: Context) -> dict[str, Any]:
    """/sync group|cohort: queue a reconciliation of Discord and the calendar.

    Answered at once with the job id (no reply_to: nothing edits this answer later)."""
    interaction = context.interaction
    with connect(context) as conn:
        actor = actor_for(conn, interaction)
        if interaction.subcommand == "group":
            group = resolve_group(conn, interaction.options.get("name"))
            queued = requests.request_group_sync(conn, actor, group.id)
        elif interaction.subcommand == "cohort":
            cohort = resolve_cohort(conn, actor, interaction.options.get("cohort"))
            queued = requests.request_cohort_sync(conn, actor, cohort.id)
        else:
            raise ValidationError("Choose what to sync: `/sync group` or `/sync cohort`.")
    return message(f"Syncing {queued.target_name} (job #{queued.job_id}).")


# -- /cohort-status ------------------------------------------------------------------
def cohort_status(context: Context) -> dict[str, Any]:
    """/cohort-status cohort: signups, groups, unplaced reasons and recent jobs."""
    with connect(context) as conn:
        actor = actor_for(conn, context.interaction)
        cohort = resolve_cohort(conn, actor, context.interaction.options.get("cohort"))
        found = status.cohort_status(conn, actor, cohort.id)
    return message("\n".join(line for line in status_lines(found) if line))


def status_lines(found: status.CohortStatus) -> list[str]:
    """The cohort status as message lines (empty lines are dropped)."""
    cohort = found.cohort
    lines = [
        f"**{cohort.name}** — {cohort.status}, starts {cohort.start_date:%Y-%m-%d}, "
        f"course `{cohort.course_slug}`",
        f"Signups: {found.learners} learners, {found.facilitators} facilitators; "
        f"{found.waiting} not in a group",
    ]
    if found.unplaced:
        reasons = (f"{r.reason.replace('_', ' ')} {r.count}" for r in found.unplaced)
        lines.append("Unplaced: " + ", ".join(reasons))
    if found.groups:
        lines.append("Groups: " + ", ".join(f"{n} {s}" for s, n in found.groups.items()))
    else:
        lines.append("Groups: none yet")
    lines.extend(calendar_lines(found.calendar))
    if not found.recent_jobs:
        return [*lines, "Jobs: none"]
    lines.append("Recent jobs:")
    for job in found.recent_jobs:
        error = f" — {job.error}" if job.error else ""
        lines.append(f"- #{job.id} {job.kind}: {job.status}{error}")
    return lines


def calendar_lines(calendar: status.CalendarState | None) -> list[str]:
    """Calendar invitations: e-mailed counts, or each organiser that Google blocked."""
    if calendar is None:
        return []
    if calendar.invitations == "ics":
        return [f"Calendar: .ics e-mails, {calendar.emailed} members invited"]
    return [f"Calendar: {o.problem}" for o in calendar.organisers if o.problem]


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


# -- autocomplete ---------------------------------------------------------------------
def autocomplete_cohort(context: Context) -> dict[str, Any]:
    """Open cohorts matching what was typed, with how many signups wait for a group."""
    _, typed = context.interaction.focused_option
    with connect(context) as conn:
        actor = actor_for(conn, context.interaction)
        found = status.search_cohorts(conn, actor, typed)
    return autocomplete_result([(f"{c.name} ({c.waiting} waiting)", str(c.id)) for c in found])


def autocomplete_group(context: Context) -> dict[str, Any]:
    """Groups matching what was typed (admins)."""
    _, typed = context.interaction.focused_option
    with connect(context) as conn:
        actor = actor_for(conn, context.interaction)
        found = search_groups(conn, actor, typed)
    return autocomplete_result([(f"{g.name} ({g.cohort_name})", g.id) for g in found])
