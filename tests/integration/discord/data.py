"""Test data for the Discord tests: rows in the real database, and interaction payloads."""

from __future__ import annotations

import itertools
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection

from roundtable.db.tables import content_progress, scheduling_runs
from tests import builders
from tests.builders import add_meeting, add_signup  # noqa: F401  (shared, used as data.*)
from tests.fakes.discord import APPLICATION_ID

_ids = itertools.count(1)


def add_user(conn: Connection, name: str, *, is_admin: bool = False, **values: Any) -> int:
    """tests.builders.add_user, with admin named as its column."""
    return builders.add_user(conn, name, admin=is_admin, **values)


def add_cohort(conn: Connection, name: str = "Spring Cohort", *, status: str = "open") -> int:
    return builders.add_cohort(conn, name, start_date=date(2026, 3, 2), status=status)


def add_group(
    conn: Connection,
    cohort_id: int,
    name: str,
    *,
    first_meeting_at: datetime,
    status: str = "active",
    anchor_timezone: str = "UTC",
    channel_id: str | None = None,
    run_id: int | None = None,
) -> int:
    return builders.add_group(
        conn,
        cohort_id,
        name,
        first_meeting_at=first_meeting_at,
        status=status,
        anchor_timezone=anchor_timezone,
        discord_text_channel_id=channel_id,
        scheduling_run_id=run_id,
    )


def add_member(
    conn: Connection, group_id: int, user_id: int, cohort_id: int, role: str = "learner"
) -> None:
    builders.add_member(conn, group_id, user_id, cohort_id, role)


def add_run(conn: Connection, cohort_id: int) -> int:
    return int(
        conn.scalar(
            scheduling_runs.insert()
            .values(cohort_id=cohort_id, params={}, stats={})
            .returning(scheduling_runs.c.id)
        )
    )


def add_module_progress(conn: Connection, user_id: int, content_id: str, *, done: bool) -> None:
    conn.execute(
        content_progress.insert().values(
            user_id=user_id,
            content_id=content_id,
            content_type="module",
            completed_at=datetime(2026, 3, 3, 12, 0).astimezone() if done else None,
        )
    )


# -- interaction payloads ------------------------------------------------------------
def _base(kind: int, user_id: str, roles: tuple[str, ...]) -> dict[str, Any]:
    n = next(_ids)
    return {
        "type": kind,
        "id": f"9{n:017d}",
        "application_id": APPLICATION_ID,
        "token": f"interaction-token-{n}",
        "version": 1,
        "guild_id": "700000000000000001",
        "channel_id": "710000000000000001",
        "member": {
            "user": {"id": user_id, "username": f"user{user_id}"},
            "roles": list(roles),
            "permissions": "0",
        },
    }


def command(
    name: str,
    options: list[dict[str, Any]] | None = None,
    *,
    user_id: str = "111",
    roles: tuple[str, ...] = (),
) -> dict[str, Any]:
    """An APPLICATION_COMMAND interaction (type 2)."""
    payload = _base(2, user_id, roles)
    payload["data"] = {"id": "1", "name": name, "type": 1, "options": options or []}
    return payload


def autocomplete(
    name: str, options: list[dict[str, Any]], *, user_id: str = "111", roles: tuple[str, ...] = ()
) -> dict[str, Any]:
    """An APPLICATION_COMMAND_AUTOCOMPLETE interaction (type 4)."""
    payload = command(name, options, user_id=user_id, roles=roles)
    payload["type"] = 4
    return payload


def component(custom_id: str, *, user_id: str = "111", roles: tuple[str, ...] = ()) -> Any:
    """A MESSAGE_COMPONENT interaction (type 3) for a clicked button."""
    payload = _base(3, user_id, roles)
    payload["data"] = {"custom_id": custom_id, "component_type": 2}
    payload["message"] = {"id": "720000000000000001", "content": "earlier"}
    return payload


def option(name: str, value: Any, *, kind: int = 3, focused: bool = False) -> dict[str, Any]:
    found: dict[str, Any] = {"name": name, "type": kind, "value": value}
    if focused:
        found["focused"] = True
    return found


def subcommand(name: str, options: list[dict[str, Any]]) -> dict[str, Any]:
    return {"name": name, "type": 1, "options": options}
