"""A running cohort as the regroup model sees it, and the fingerprint of its memberships.

Groups are the cohort's published (`active`) groups with meetings still to
come after `now` (a group whose meetings are all over takes no part); each
learner's availability includes if-needed time, as the preview's and a
published group's time checks do. The fingerprint is taken over every
active group of the cohort: its id, weekly time and active members (with
roles), so a proposal is applied only to the groups it was computed from.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from roundtable.cohorts.admin import cohort_row
from roundtable.db.tables import groups, users
from roundtable.groups.learners import meeting_intervals
from roundtable.people.availability import load_availability
from roundtable.scheduling.published import published_groups
from roundtable.scheduling.regroup import RegroupGroup, RegroupLearner, RegroupProblem


@dataclass(frozen=True)
class LoadedRegroup:
    cohort_id: int
    cohort_name: str
    problem: RegroupProblem
    fingerprint: str


def memberships_fingerprint(conn: Connection, cohort_id: int) -> str:
    """A digest of the cohort's live groups: ids, weekly times, active members and roles."""
    state = [
        [
            group.id,
            group.anchor_timezone,
            group.weekday,
            group.local_time.isoformat(),
            [list(member) for member in group.members],
        ]
        for group in published_groups(conn, cohort_id)
    ]
    return hashlib.sha256(json.dumps(state).encode()).hexdigest()


def groups_ahead(conn: Connection, cohort: Any, now: datetime) -> list[tuple[Any, list[datetime]]]:
    """The cohort's active groups with meetings after `now`, and those meetings' starts."""
    rows = conn.execute(
        select(groups)
        .where(groups.c.cohort_id == cohort.id, groups.c.status == "active")
        .order_by(groups.c.id)
    ).all()
    found = []
    for row in rows:
        remaining = [
            start
            for start, _end in meeting_intervals(conn, row, cohort.number_of_meetings)
            if start > now
        ]
        if remaining:
            found.append((row, remaining))
    return found


def load_regroup(
    conn: Connection, cohort_id: int, now: datetime, *, allow_dissolve: bool = True
) -> LoadedRegroup:
    """The regroup problem of the cohort at `now`, with the fingerprint it stands on."""
    cohort = cohort_row(conn, cohort_id)
    live = {group.id: group for group in published_groups(conn, cohort_id)}
    ahead = groups_ahead(conn, cohort, now)
    model_groups = []
    for row, remaining in ahead:
        members = live[row.id].members
        model_groups.append(
            RegroupGroup(
                id=row.id,
                name=row.name,
                anchor_timezone=row.anchor_timezone,
                weekday=row.weekday,
                local_time=row.local_time,
                meeting_minutes=row.meeting_minutes,
                facilitators=tuple(user for user, role in members if role == "facilitator"),
                learners=tuple(user for user, role in members if role == "learner"),
                remaining=tuple(remaining),
            )
        )
    learner_ids = [user for group in model_groups for user in group.learners]
    problem = RegroupProblem(
        groups=tuple(model_groups),
        learners=_learners(conn, learner_ids),
        min_size=cohort.min_group_size,
        max_size=cohort.max_group_size,
        allow_dissolve=allow_dissolve,
    )
    return LoadedRegroup(cohort.id, cohort.name, problem, memberships_fingerprint(conn, cohort_id))


def _learners(conn: Connection, user_ids: list[int]) -> tuple[RegroupLearner, ...]:
    if not user_ids:
        return ()
    blocks = load_availability(conn, user_ids)
    rows = conn.execute(
        select(users.c.id, users.c.display_name, users.c.timezone).where(users.c.id.in_(user_ids))
    ).all()
    people = {row.id: row for row in rows}
    return tuple(
        RegroupLearner(
            id=user,
            name=people[user].display_name,
            timezone=str(people[user].timezone),
            availability=tuple(blocks[user]),
        )
        for user in user_ids
    )
