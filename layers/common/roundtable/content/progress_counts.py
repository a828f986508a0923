"""How many modules people have completed and have in progress: the content-free summary.

What Discord's /progress and /group-progress show (and the web's facilitator
member list). It reads only the module rows of `content_progress`, so it
works when the course content is unavailable, and it imports no content code
(the Discord function answers these commands on a cold start).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from roundtable.db.tables import content_progress
from roundtable.people.profiles import Viewer


@dataclass(frozen=True)
class ModuleCounts:
    """How many modules a user has completed, and started without completing."""

    completed: int = 0
    in_progress: int = 0


def my_module_counts(conn: Connection, viewer: Viewer) -> ModuleCounts:
    """My modules completed and in progress."""
    return module_counts(conn, [viewer.id])[viewer.id]


def module_counts(conn: Connection, user_ids: Iterable[int]) -> dict[int, ModuleCounts]:
    """Each user's module counts (zeros for users with none), in one query.

    A module row exists once the learner has spent time in it or completed it.
    Callers check who may see whose counts (`groups.facilitation` does).
    """
    wanted = sorted(set(user_ids))
    done = content_progress.c.completed_at.is_not(None)
    rows = conn.execute(
        select(
            content_progress.c.user_id,
            func.count().filter(done),
            func.count().filter(~done),
        )
        .where(content_progress.c.user_id.in_(wanted), content_progress.c.content_type == "module")
        .group_by(content_progress.c.user_id)
    ).all()
    found = {row[0]: ModuleCounts(int(row[1]), int(row[2])) for row in rows}
    return {user_id: found.get(user_id, ModuleCounts()) for user_id in wanted}
