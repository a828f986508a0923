"""Cohort commands for every member: /leave (and its cohort autocomplete).

Presenters only: the rules (who may leave what, when, and who is told) are
`roundtable.cohorts.leaving`'s, the same the web's Leave button calls.
"""

from __future__ import annotations

from typing import Any

from roundtable.cohorts.leaving import leavable_cohorts, leave_cohort
from roundtable.errors import ValidationError
from roundtable_edge.discord.handlers.common import connect, require_user
from roundtable_edge.discord.interactions import Context, autocomplete_result, message


def leave(context: Context) -> dict[str, Any]:
    """/leave [cohort] [reason]: leave a cohort and its group, saying why if you like."""
    options = context.interaction.options
    with connect(context) as conn:
        viewer = require_user(conn, context.interaction)
        left = leave_cohort(
            conn, viewer, _cohort_id(options.get("cohort")), options.get("reason"), context.now
        )
    where = f" and {left.group_name}" if left.group_name else ""
    told = " Your facilitator has been told." if left.group_name else ""
    return message(f"You have left {left.cohort_name}{where}.{told} We hope to see you again!")


def autocomplete_my_cohort(context: Context) -> dict[str, Any]:
    """The caller's cohorts they could leave, matching what they typed."""
    _, typed = context.interaction.focused_option
    with connect(context) as conn:
        viewer = require_user(conn, context.interaction)
        found = leavable_cohorts(conn, viewer)
    wanted = str(typed or "").lower()
    return autocomplete_result([(name, str(id_)) for id_, name in found if wanted in name.lower()])


def _cohort_id(value: Any) -> int | None:
    """The cohort option: an id (what autocomplete sends); absent means 'my only cohort'."""
    if value is None or str(value).strip() == "":
        return None
    text = str(value).strip()
    if not text.isdigit() or len(text) > 9:
        raise ValidationError(f"{text!r} is not one of your cohorts; pick one from the list.")
    return int(text)
