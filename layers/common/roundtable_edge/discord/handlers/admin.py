"""Admin commands: /schedule, /publish, /sync, /cohort-status, and the summary buttons.

Long work goes through the jobs table (the worker runs it); these handlers
check permission, validate, enqueue, and answer within Discord's 3 seconds.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, exists, func, select

from roundtable.db.tables import (
    cohorts,
    group_members,
    groups,
    jobs,
    scheduling_runs,
    signups,
)
from roundtable.errors import ConflictError, NotFoundError, ValidationError
from roundtable.jobs import enqueue
from roundtable.scheduling.proposals import discard_proposed_joins, pending_proposed_joins
from roundtable_edge.discord.handlers.common import (
    connect,
    like,
    require_admin,
    resolve_cohort,
    resolve_group,
)
from roundtable_edge.discord.interactions import (
    Context,
    autocomplete_result,
    deferred,
    message,
    update_message,
)

_SUMMARY_BUTTON = re.compile(r"^(publish|discard):(\d{1,10}):(\d{1,10})$")
_ACTIVE_JOB = ("queued", "running")
_OPTION_PARAMS = {
    "meeting-length": "meeting_minutes",
    "min-size": "min_group_size",
    "max-size": "max_group_size",
}


# -- /schedule -----------------------------------------------------------------
def schedule(context: Context) -> dict[str, Any]:
    """/schedule: enqueue the scheduler; answer "thinking…"; the job edits in the summary."""
    interaction = context.interaction
    params = _schedule_params(interaction.options)
    with connect(context) as conn:
        admin = require_admin(conn, interaction)
        cohort = resolve_cohort(conn, interaction.options.get("cohort"))
        key = f"schedule_cohort:{cohort.id}"
        _refuse_if_running(conn, key, f"A scheduling run for {cohort.name}")
        payload = {"cohort_id": cohort.id, "params": params, "interaction": interaction.webhook()}
        enqueue(conn, "schedule_cohort", payload, dedup_key=key, created_by=_id(admin))
    return deferred(ephemeral=True)


def _schedule_params(options: dict[str, Any]) -> dict[str, int]:
    params = {_OPTION_PARAMS[name]: int(v) for name, v in options.items() if name in _OPTION_PARAMS}
    low, high = params.get("min_group_size"), params.get("max_group_size")
    if low is not None and high is not None and low > high:
        raise ValidationError(f"min-size ({low}) cannot be larger than max-size ({high}).")
    return params


# -- /publish and the summary's buttons ------------------------------------------
def publish(context: Context) -> dict[str, Any]:
    """/publish cohort: enqueue publishing of the cohort's preview groups and proposed joins."""
    with connect(context) as conn:
        admin = require_admin(conn, context.interaction)
        cohort = resolve_cohort(conn, context.interaction.options.get("cohort"))
        if not _preview_groups(conn, cohort.id) and not pending_proposed_joins(conn, cohort.id):
            raise NotFoundError(
                f"{cohort.name} has no groups or proposed joins waiting to be published."
            )
        job_id = _enqueue_publish(conn, context, cohort.id, None, admin)
    return message(f"Publishing {cohort.name} (job #{job_id}). Follow it with `/cohort-status`.")


def publish_button(context: Context) -> dict[str, Any]:
    """Publish on a schedule summary: only an admin, only the cohort's latest run."""
    cohort_id, run_id = _summary_button(context)
    with connect(context) as conn:
        admin = require_admin(conn, context.interaction)
        cohort = _check_latest_run(conn, cohort_id, run_id)
        job_id = _enqueue_publish(conn, context, cohort_id, run_id, admin)
    who = f" by <@{context.interaction.user_id}>" if context.interaction.user_id else ""
    return update_message(
        f"Publishing {cohort.name}{who} (job #{job_id}): channels, roles, calendar invites "
        "and welcome messages are on their way. Follow it with `/cohort-status`."
    )


def discard_button(context: Context) -> dict[str, Any]:
    """Discard on a schedule summary: delete that run's unpublished groups, void its joins."""
    cohort_id, run_id = _summary_button(context)
    with connect(context) as conn:
        require_admin(conn, context.interaction)
        cohort = _check_latest_run(conn, cohort_id, run_id)
        removed = conn.execute(
            delete(groups).where(groups.c.scheduling_run_id == run_id, groups.c.status == "preview")
        ).rowcount
        voided = discard_proposed_joins(conn, run_id, datetime.now(UTC))
    joins = f", {voided} proposed join{'s' if voided != 1 else ''} voided" if voided else ""
    return update_message(
        f"Discarded scheduling run {run_id} of {cohort.name}: {removed} preview "
        f"group{'s' if removed != 1 else ''} removed{joins}; nothing was published."
    )


def _summary_button(context: Context) -> tuple[int, int]:
    match = _SUMMARY_BUTTON.match(context.interaction.custom_id)
    if match is None:
        raise ValidationError("This button is malformed; run /schedule again.")
    return int(match.group(2)), int(match.group(3))


def _check_latest_run(conn: Connection, cohort_id: int, run_id: int) -> Any:
    """The cohort, if run_id is its latest scheduling run (custom_ids are not trusted)."""
    cohort = resolve_cohort(conn, cohort_id)
    latest = conn.scalar(
        select(func.max(scheduling_runs.c.id)).where(scheduling_runs.c.cohort_id == cohort_id)
    )
    if latest is None or run_id > latest:
        raise NotFoundError(f"Scheduling run {run_id} of {cohort.name} does not exist.")
    if run_id != latest:
        raise ConflictError(
            f"This summary is out of date: {cohort.name} was scheduled again (run {latest})."
        )
    return cohort


def _enqueue_publish(
    conn: Connection, context: Context, cohort_id: int, run_id: int | None, admin: Any
) -> int:
    key = f"publish_cohort:{cohort_id}"
    _refuse_if_running(conn, key, "Publishing this cohort")
    payload: dict[str, Any] = {"cohort_id": cohort_id, "interaction": context.interaction.webhook()}
    if run_id is not None:
        payload["run_id"] = run_id
    return enqueue(conn, "publish_cohort", payload, dedup_key=key, created_by=_id(admin))


# -- /sync -------------------------------------------------------------------------
def sync(context: Context) -> dict[str, Any]:
    """/sync group|cohort: enqueue a reconciliation of Discord and the calendar."""
    interaction = context.interaction
    with connect(context) as conn:
        admin = require_admin(conn, interaction)
        if interaction.subcommand == "group":
            target = resolve_group(conn, interaction.options.get("name"))
            kind, payload = "sync_group", {"group_id": target.id}
        elif interaction.subcommand == "cohort":
            target = resolve_cohort(conn, interaction.options.get("cohort"))
            kind, payload = "sync_cohort", {"cohort_id": target.id}
        else:
            raise ValidationError("Choose what to sync: `/sync group` or `/sync cohort`.")
        job_id = enqueue(
            conn, kind, payload, dedup_key=f"{kind}:{target.id}", created_by=_id(admin)
        )
    return message(f"Syncing {target.name} (job #{job_id}).")


# -- /cohort-status ------------------------------------------------------------------
def cohort_status(context: Context) -> dict[str, Any]:
    """/cohort-status cohort: signups, groups, unplaced reasons and recent jobs."""
    with connect(context) as conn:
        require_admin(conn, context.interaction)
        cohort = resolve_cohort(conn, context.interaction.options.get("cohort"))
        lines = [
            f"**{cohort.name}** — {cohort.status}, starts {cohort.start_date:%Y-%m-%d}, "
            f"course `{cohort.course_slug}`",
            _signup_line(conn, cohort.id),
            _unplaced_line(conn, cohort.id),
            _groups_line(conn, cohort.id),
            *_job_lines(conn, cohort.id),
        ]
    return message("\n".join(line for line in lines if line))


def _signup_line(conn: Connection, cohort_id: int) -> str:
    rows = conn.execute(
        select(signups.c.role, func.count())
        .where(signups.c.cohort_id == cohort_id, signups.c.withdrawn_at.is_(None))
        .group_by(signups.c.role)
    ).all()
    counts = {str(row[0]): int(row[1]) for row in rows}
    waiting = conn.scalar(select(func.count()).where(*_waiting(cohort_id)))
    return (
        f"Signups: {counts.get('learner', 0)} learners, {counts.get('facilitator', 0)} "
        f"facilitators; {waiting} not in a group"
    )


def _unplaced_line(conn: Connection, cohort_id: int) -> str:
    rows = conn.execute(
        select(signups.c.unplaced_reason, func.count())
        .where(*_waiting(cohort_id), signups.c.unplaced_reason.is_not(None))
        .group_by(signups.c.unplaced_reason)
        .order_by(func.count().desc())
    ).all()
    if not rows:
        return ""
    return "Unplaced: " + ", ".join(f"{reason.replace('_', ' ')} {n}" for reason, n in rows)


def _groups_line(conn: Connection, cohort_id: int) -> str:
    rows = conn.execute(
        select(groups.c.status, func.count())
        .where(groups.c.cohort_id == cohort_id)
        .group_by(groups.c.status)
    ).all()
    if not rows:
        return "Groups: none yet"
    return "Groups: " + ", ".join(f"{n} {status}" for status, n in sorted(rows))


def _job_lines(conn: Connection, cohort_id: int) -> list[str]:
    rows = conn.execute(
        select(jobs.c.id, jobs.c.kind, jobs.c.status, jobs.c.error)
        .where(jobs.c.payload["cohort_id"].as_integer() == cohort_id)
        .order_by(jobs.c.id.desc())
        .limit(5)
    ).all()
    if not rows:
        return ["Jobs: none"]
    lines = ["Recent jobs:"]
    for job in rows:
        error = f" — {job.error.splitlines()[0][:150]}" if job.error else ""
        lines.append(f"- #{job.id} {job.kind}: {job.status}{error}")
    return lines


def _waiting(cohort_id: Any) -> tuple[Any, ...]:
    """Active signups without an active membership in a group of this cohort."""
    in_group = exists().where(
        and_(
            group_members.c.user_id == signups.c.user_id,
            group_members.c.cohort_id == cohort_id,
            group_members.c.status == "active",
        )
    )
    return (signups.c.cohort_id == cohort_id, signups.c.withdrawn_at.is_(None), ~in_group)


def _preview_groups(conn: Connection, cohort_id: int) -> int:
    return int(
        conn.scalar(
            select(func.count()).where(
                groups.c.cohort_id == cohort_id, groups.c.status == "preview"
            )
        )
        or 0
    )


def _refuse_if_running(conn: Connection, dedup_key: str, what: str) -> None:
    running = conn.scalar(
        select(jobs.c.id).where(jobs.c.dedup_key == dedup_key, jobs.c.status.in_(_ACTIVE_JOB))
    )
    if running is not None:
        raise ConflictError(f"{what} is already in progress (job #{running}).")


def _id(user: Any) -> int | None:
    return int(user.id) if user is not None else None


# -- autocomplete ---------------------------------------------------------------------
def autocomplete_cohort(context: Context) -> dict[str, Any]:
    """Open cohorts matching what was typed, with how many signups wait for a group."""
    _, typed = context.interaction.focused_option
    with connect(context) as conn:
        require_admin(conn, context.interaction)
        waiting = (
            select(func.count()).where(*_waiting(cohorts.c.id)).correlate(cohorts).scalar_subquery()
        )
        rows = conn.execute(
            select(cohorts.c.id, cohorts.c.name, waiting.label("waiting"))
            .where(
                cohorts.c.name.ilike(like(typed)),
                cohorts.c.status.not_in(("completed", "cancelled")),
            )
            .order_by(cohorts.c.start_date.desc())
            .limit(25)
        ).all()
    return autocomplete_result([(f"{r.name} ({r.waiting} waiting)", str(r.id)) for r in rows])


def autocomplete_group(context: Context) -> dict[str, Any]:
    """Groups matching what was typed (admins)."""
    _, typed = context.interaction.focused_option
    with connect(context) as conn:
        require_admin(conn, context.interaction)
        rows = conn.execute(
            select(groups.c.id, groups.c.name, cohorts.c.name.label("cohort_name"))
            .join(cohorts, cohorts.c.id == groups.c.cohort_id)
            .where(groups.c.name.ilike(like(typed)), groups.c.status != "cancelled")
            .order_by(groups.c.first_meeting_at.desc())
            .limit(25)
        ).all()
    return autocomplete_result([(f"{r.name} ({r.cohort_name})", r.id) for r in rows])
