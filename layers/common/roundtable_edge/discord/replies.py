"""The Discord reply to a job: edit the deferred interaction response it came from.

A command that defers (type 5) shows "thinking…" until its original response
is edited through the interaction webhook, within the token's 15 minutes.
/schedule and /publish queue a job whose payload carries
`reply_to: {"application_id", "token"}` (older jobs: `interaction`). This
module is the job listener (roundtable.jobs.listeners) that answers it:

- a finished job: the schedule summary with Publish / Discard buttons, the
  publish result, or a plain "done";
- a failed job: "❌ Scheduling failed: …", once, when no retry follows.

Every process that runs or sweeps jobs calls `install_discord_replies()`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from roundtable.discord.rest import DiscordApiError, DiscordRestClient, get_discord_client
from roundtable.jobs.listeners import ClaimedJob, add_job_listener
from roundtable.scheduling.summary import GroupLine, ScheduleSummary
from roundtable.sync.outcomes import PublishResult
from roundtable_edge.discord.interactions import (
    DANGER,
    SUCCESS,
    action_row,
    button,
    message_data,
)

logger = logging.getLogger(__name__)
_MAX_LISTED_GROUPS = 12
# What a failure notice calls each job kind's work.
_WORK = {"schedule_cohort": "Scheduling", "publish_cohort": "Publishing"}


@dataclass(frozen=True)
class Webhook:
    """The interaction whose original response a reply edits."""

    application_id: str
    token: str


@dataclass(frozen=True)
class DiscordReplies:
    """The job listener that edits the deferred response named by the job's reply_to."""

    client: Callable[[], DiscordRestClient] = get_discord_client

    def finished(self, job: ClaimedJob, outcome: object) -> None:
        webhook = webhook_of(job)
        if webhook is not None:
            self._edit(webhook, reply_body(outcome), job)

    def failed(self, job: ClaimedJob, message: str, final: bool) -> None:
        webhook = webhook_of(job)
        if webhook is not None and final:  # one notice, with the error that ended the job
            work = _WORK.get(job.kind, "The job")
            self._edit(webhook, message_data(f"❌ {work} failed: {message}", ephemeral=False), job)

    def _edit(self, webhook: Webhook, body: dict[str, Any], job: ClaimedJob) -> None:
        try:
            self.client().edit_original_response(webhook.application_id, webhook.token, body)
        except DiscordApiError:
            # The token lasts 15 minutes; the job row keeps the result or the error.
            logger.exception("could not edit the Discord response of job %s (%s)", job.id, job.kind)


DISCORD_REPLIES = DiscordReplies()


def install_discord_replies() -> None:
    """Register the Discord reply listener (idempotent): call where jobs run or are swept."""
    add_job_listener(DISCORD_REPLIES)


def webhook_of(job: ClaimedJob) -> Webhook | None:
    """The job's reply address as an interaction webhook; None (logged) when it is not one."""
    address = job.reply_to
    if address is None:
        return None
    application_id, token = address.get("application_id"), address.get("token")
    if not (isinstance(application_id, str) and isinstance(token, str)):
        logger.warning("job %s: reply_to is not a Discord interaction; no reply", job.id)
        return None
    return Webhook(application_id, token)


def reply_body(outcome: object) -> dict[str, Any]:
    """The message a finished job's outcome becomes."""
    if isinstance(outcome, ScheduleSummary):
        return schedule_summary_message(outcome)
    if isinstance(outcome, PublishResult):
        return message_data(publish_text(outcome), ephemeral=False)
    return message_data("✅ Done.", ephemeral=False)


# -- the schedule summary ---------------------------------------------------------------
def schedule_summary_message(summary: ScheduleSummary) -> dict[str, Any]:
    """The run's summary with Publish / Discard buttons."""
    suffix = f"{summary.cohort_id}:{summary.run_id}"
    buttons = action_row(
        button("Publish", f"publish:{suffix}", style=SUCCESS),
        button("Discard", f"discard:{suffix}", style=DANGER),
    )
    return message_data(schedule_summary_text(summary), ephemeral=False, components=[buttons])


def schedule_summary_text(summary: ScheduleSummary) -> str:
    lines = [f"**Scheduling result for {summary.cohort_name}**", _placed_line(summary)]
    lines.extend(_group_lines(summary.groups))
    if summary.unplaced_by_reason:
        reasons = ", ".join(
            f"{reason.replace('_', ' ')}: {count}"
            for reason, count in sorted(summary.unplaced_by_reason.items())
        )
        lines.append(f"Unplaced — {reasons}")
    lines.append(_quality_line(summary))
    lines.extend(f"🕑 {note}" for note in summary.dst_notes)
    return "\n".join(lines)


def _placed_line(summary: ScheduleSummary) -> str:
    share = f" ({100 * summary.placed / summary.learners:.0f}%)" if summary.learners else ""
    return (
        f"Groups: {len(summary.groups)} · placed {summary.placed} of "
        f"{summary.learners} learners{share}"
    )


def _group_lines(groups: tuple[GroupLine, ...]) -> list[str]:
    lines = [f"- {g.name}: {g.size} people, {g.time}" for g in groups[:_MAX_LISTED_GROUPS]]
    if len(groups) > _MAX_LISTED_GROUPS:
        lines.append(f"- … and {len(groups) - _MAX_LISTED_GROUPS} more")
    return lines


def _quality_line(summary: ScheduleSummary) -> str:
    if summary.gap <= 1e-9:
        quality = "proven optimal"
    else:
        quality = f"within {100 * summary.gap:.1f}% of optimal"
    return f"Solved in {summary.seconds:.1f} s: {quality}."


# -- the publish result -----------------------------------------------------------------
def publish_text(result: PublishResult) -> str:
    lines = [
        f"✅ Published {result.activated} group(s); {result.live_groups} live in all.",
        f"Discord: {result.channels_created} created, {result.roles_granted} roles granted.",
    ]
    if result.not_in_guild:
        lines.append(
            f"{result.not_in_guild} member(s) are not in the server yet; "
            "they get their role once they join."
        )
    if result.left_in_preview:
        lines.append(f"Left in preview (no members): {result.left_in_preview} group(s).")
    if result.queued_groups:
        lines.append(
            f"{result.queued_groups} more group(s) are being set up by "
            f"{result.queued_chunks} parallel job(s); the cohort's page shows each group's sync."
        )
    return "\n".join(lines)
