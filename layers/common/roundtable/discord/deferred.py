"""Finishing deferred interactions: what jobs call to edit the original response.

A command that defers (type 5) shows "thinking…" until its original response
is edited through the interaction webhook, within the token's 15 minutes.
Jobs get `{"application_id", "token"}` as `payload["interaction"]`.

The schedule summary `edit_schedule_summary` expects (all keys but the two
ids optional; missing numbers show as "?"):

    {
        "cohort_id": 3,                # with run_id: enables Publish / Discard
        "run_id": 17,                  # the scheduling_runs row of this run
        "cohort_name": "Spring 2026",
        "groups": 9,                   # or a list of {"name", "size", "time"}
        "placed": 52,                  # learners placed in a group
        "learners": 55,                # learners who signed up
        "unplaced_by_reason": {"no_availability": 2, "too_few_learners": 1},
        "gap": 0.0,                    # relative optimality gap (0 = proven optimal)
        "seconds": 4.2,                # solver wall time
        "dst_notes": ["Group 3 moves an hour for Sydney members from 6 April"],
    }
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from roundtable_edge.discord.interactions import (
    DANGER,
    SUCCESS,
    action_row,
    button,
    message_data,
)

from roundtable.discord.rest import DiscordApiError, DiscordRestClient

logger = logging.getLogger(__name__)
_MAX_LISTED_GROUPS = 12
F = TypeVar("F", bound=Callable[..., Any])


def edit_schedule_summary(
    client: DiscordRestClient, interaction: Mapping[str, str], summary: Mapping[str, Any]
) -> Any:
    """Edit a deferred /schedule response into the run's summary with Publish / Discard."""
    body = message_data(
        schedule_summary_text(summary), ephemeral=False, components=_buttons(summary)
    )
    return client.edit_original_response(interaction["application_id"], interaction["token"], body)


def edit_failure(
    client: DiscordRestClient, interaction: Mapping[str, str], what: str, error: object
) -> bool:
    """Edit a deferred response into a failure notice; False if even that failed."""
    body = message_data(f"❌ {what} failed: {error}", ephemeral=False)
    try:
        client.edit_original_response(interaction["application_id"], interaction["token"], body)
    except (DiscordApiError, KeyError):
        # The token may have expired (15 minutes); the job row still records the error.
        logger.exception("could not report the failure of %s to Discord", what)
        return False
    return True


def reports_failure(what: str, client_factory: Callable[[], DiscordRestClient]) -> Callable[[F], F]:
    """Decorate a job function so that when it raises, the interaction says so.

    The job's payload must carry "interaction"; the error is re-raised so the
    job row records it (and the queue may retry).
    """

    def decorate(function: F) -> F:
        @functools.wraps(function)
        def wrapper(context: Any) -> Any:
            try:
                return function(context)
            except Exception as exc:
                interaction = (context.payload or {}).get("interaction")
                if interaction:
                    edit_failure(client_factory(), interaction, what, exc)
                raise

        return wrapper  # type: ignore[return-value]

    return decorate


def schedule_summary_text(summary: Mapping[str, Any]) -> str:
    """The summary as message text (see the module docstring for the keys)."""
    name = summary.get("cohort_name", "the cohort")
    lines = [f"**Scheduling result for {name}**"]
    lines.append(_placed_line(summary))
    lines.extend(_group_lines(summary.get("groups")))
    unplaced = summary.get("unplaced_by_reason") or {}
    if unplaced:
        reasons = ", ".join(f"{r.replace('_', ' ')}: {n}" for r, n in sorted(unplaced.items()))
        lines.append(f"Unplaced — {reasons}")
    lines.append(_quality_line(summary))
    for note in summary.get("dst_notes") or []:
        lines.append(f"🕑 {note}")
    if not _has_ids(summary):
        lines.append("Publish with `/publish` when ready.")
    return "\n".join(lines)


def _placed_line(summary: Mapping[str, Any]) -> str:
    placed, learners = summary.get("placed", "?"), summary.get("learners", "?")
    groups = summary.get("groups")
    count = len(groups) if isinstance(groups, list) else groups if groups is not None else "?"
    share = ""
    if isinstance(placed, int) and isinstance(learners, int) and learners:
        share = f" ({100 * placed / learners:.0f}%)"
    return f"Groups: {count} · placed {placed} of {learners} learners{share}"


def _group_lines(groups: Any) -> list[str]:
    if not isinstance(groups, list):
        return []
    lines = [
        f"- {g.get('name', '?')}: {g.get('size', '?')} people, {g.get('time', '?')}"
        for g in groups[:_MAX_LISTED_GROUPS]
        if isinstance(g, Mapping)
    ]
    if len(groups) > _MAX_LISTED_GROUPS:
        lines.append(f"- … and {len(groups) - _MAX_LISTED_GROUPS} more")
    return lines


def _quality_line(summary: Mapping[str, Any]) -> str:
    gap, seconds = summary.get("gap"), summary.get("seconds")
    if gap is None:
        quality = "optimality gap unknown"
    elif gap <= 1e-9:
        quality = "proven optimal"
    else:
        quality = f"within {100 * gap:.1f}% of optimal"
    took = f" in {seconds:.1f} s" if isinstance(seconds, int | float) else ""
    return f"Solved{took}: {quality}."


def _has_ids(summary: Mapping[str, Any]) -> bool:
    return summary.get("cohort_id") is not None and summary.get("run_id") is not None


def _buttons(summary: Mapping[str, Any]) -> list[dict[str, Any]]:
    if not _has_ids(summary):
        return []
    suffix = f"{int(summary['cohort_id'])}:{int(summary['run_id'])}"
    return [
        action_row(
            button("Publish", f"publish:{suffix}", style=SUCCESS),
            button("Discard", f"discard:{suffix}", style=DANGER),
        )
    ]
