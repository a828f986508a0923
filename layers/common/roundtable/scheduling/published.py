"""A cohort's published (active) groups as the scheduler sees them: fixed, maybe with room.

Read when a run loads the cohort and again just before it saves: if the two
reads differ, someone changed a published group while the solver ran.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time

from sqlalchemy import Connection, select

from roundtable.db.tables import group_members, groups
from roundtable.scheduling.model import ExistingGroup, Start


@dataclass(frozen=True)
class PublishedGroup:
    id: int
    name: str = field(compare=False)  # a rename while solving changes nothing that matters
    anchor_timezone: str
    weekday: int
    local_time: time
    members: tuple[tuple[int, str], ...]  # (user id, role), sorted

    def as_existing(self) -> ExistingGroup:
        """The scheduler's view: its weekly start and members, who never move."""
        start = Start(
            self.anchor_timezone, self.weekday, self.local_time.hour * 60 + self.local_time.minute
        )
        leaders = tuple(str(user) for user, role in self.members if role == "facilitator")
        learners = tuple(str(user) for user, role in self.members if role == "learner")
        return ExistingGroup(self.name, start, leaders, learners)


def published_groups(conn: Connection, cohort_id: int) -> tuple[PublishedGroup, ...]:
    """The cohort's active groups with their active members, in id order."""
    rows = conn.execute(
        select(
            groups.c.id,
            groups.c.name,
            groups.c.anchor_timezone,
            groups.c.weekday,
            groups.c.local_time,
            group_members.c.user_id,
            group_members.c.role,
        )
        .outerjoin(
            group_members,
            (group_members.c.group_id == groups.c.id) & (group_members.c.status == "active"),
        )
        .where(groups.c.cohort_id == cohort_id, groups.c.status == "active")
        .order_by(groups.c.id, group_members.c.user_id, group_members.c.role)
    ).all()
    heads: dict[int, tuple[str, str, int, time]] = {}
    members: dict[int, list[tuple[int, str]]] = {}
    for row in rows:
        heads.setdefault(row.id, (row.name, row.anchor_timezone, row.weekday, row.local_time))
        members.setdefault(row.id, [])
        if row.user_id is not None:
            members[row.id].append((row.user_id, str(row.role)))
    return tuple(
        PublishedGroup(group_id, *head, tuple(members[group_id]))
        for group_id, head in heads.items()
    )
