"""Benchmark: response sizes of the admin lists that grow with a cohort, at 10,000 and
100,000 learners.

Real Postgres (DATABASE_URL, or the embedded server the tests use), in a database of
its own that is dropped afterwards. Seeds a cohort with N learners (three weekly
availability blocks each; one in ten unplaced with a reason and three suggested groups,
as after a scheduling run; the others in preview groups of five), then asks the
http_api function's FastAPI app for every admin list of the cohort, a page at a time
where the route pages (following `next_cursor`), and prints per route and size: pages,
the first page's time and body, the largest page's body, the median and slowest time
per page, and what one response with every row would weigh, against Lambda's 6 MB
response limit. The preview routes
are measured with the groups in preview; then the groups are published (eight weekly
meetings, four of them held, with check-ins, RSVPs and feedback) and the live and
feedback routes are measured.

    .venv/bin/python bench/admin_pages.py [--sizes 10000 100000] [--routes signups preview ...]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "layers" / "common"), str(ROOT / "functions" / "http_api")]

LAMBDA_RESPONSE_LIMIT = 6 * 1024 * 1024
_CHUNK = 2_000  # pg8000 binds at most 65,535 parameters per statement
_ZONES = ("Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Sydney", "UTC")


def _database() -> tuple[Any, str, str]:
    from devserver.postgres import ensure_database, start_embedded_postgres

    server, admin_url = None, os.environ.get("DATABASE_URL")
    if not admin_url:
        server, admin_url = start_embedded_postgres(ROOT / ".roundtable" / "pgdata-test")
    name = f"rt_bench_pages_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    os.environ["DATABASE_URL"] = ensure_database(admin_url, name)
    return server, admin_url, name


def _unplaced_detail(n: int) -> dict[str, Any]:
    return {
        "reason": "too_few_learners",
        "detail": "at most 2 learners can meet at any of your times; 3 are needed",
        "suggestions": [
            {"group": f"Group {n + k}", "your_local_time": "Tuesday 18:30", "minutes_away": 30 * k}
            for k in range(1, 4)
        ],
        "run_id": 1,
    }


def seed(size: int) -> tuple[int, int]:
    """A cohort with `size` learners signed up; (cohort id, an admin's user id)."""
    from sqlalchemy import insert, text

    from roundtable.db.engine import get_engine, transaction
    from roundtable.db.tables import availability_blocks, cohorts, signups, users

    with transaction(get_engine()) as conn:
        cohort = conn.execute(
            insert(cohorts)
            .values(name=f"Bench {size}", course_slug="alignment", start_date=date(2027, 1, 11))
            .returning(cohorts.c.id)
        ).scalar_one()
        admin = conn.execute(
            insert(users).values(display_name="Ada Admin", is_admin=True).returning(users.c.id)
        ).scalar_one()
        for first in range(0, size, _CHUNK):
            numbers = range(first, min(first + _CHUNK, size))
            inserted = conn.execute(
                insert(users)
                .values(
                    [
                        {"display_name": f"Learner {n:06d}", "timezone": _ZONES[n % len(_ZONES)]}
                        for n in numbers
                    ]
                )
                .returning(users.c.id)
            )
            ids = list(inserted.scalars())
            conn.execute(
                insert(signups).values(
                    [
                        {
                            "user_id": user_id,
                            "cohort_id": cohort,
                            "role": "learner",
                            "unplaced_reason": "too_few_learners" if n % 10 == 0 else None,
                            "unplaced_detail": _unplaced_detail(n) if n % 10 == 0 else None,
                        }
                        for n, user_id in zip(numbers, ids, strict=True)
                    ]
                )
            )
            conn.execute(
                insert(availability_blocks).values(
                    [
                        {
                            "user_id": user_id,
                            "weekday": day,
                            "start_minute": (17 + day % 3) * 60,
                            "end_minute": (19 + day % 3) * 60 + 30,
                            "kind": "available",
                        }
                        for user_id in ids
                        for day in (1, 3, 5)
                    ]
                )
            )
    with get_engine().connect() as conn:  # statistics, as autovacuum keeps them in production
        conn.execute(text("ANALYZE"))
        conn.commit()
    return cohort, admin


GROUP_SIZE = 5
MEETINGS = 8
HELD = 4


def seed_groups(cohort: int) -> int:
    """The placed learners in preview groups of five, in signup order; how many groups."""
    from sqlalchemy import insert, select

    from roundtable.db.engine import get_engine, transaction
    from roundtable.db.tables import group_members, groups, signups, users

    first = datetime.now(UTC).replace(microsecond=0) - timedelta(weeks=HELD, hours=-2)
    with transaction(get_engine()) as conn:
        # Learners of one zone together, on Tuesday at 18:00 there (inside every learner's
        # availability): groups without availability problems, as the scheduler makes them.
        placed = conn.execute(
            select(signups.c.user_id, users.c.timezone)
            .join(users, users.c.id == signups.c.user_id)
            .where(signups.c.cohort_id == cohort, signups.c.unplaced_reason.is_(None))
            .order_by(users.c.timezone, signups.c.id)
        ).all()
        teams, zones = [], []
        for zone in sorted({row.timezone for row in placed}):
            members = [row.user_id for row in placed if row.timezone == zone]
            for i in range(0, len(members), GROUP_SIZE):
                teams.append(members[i : i + GROUP_SIZE])
                zones.append(zone)
        for start in range(0, len(teams), _CHUNK):
            chunk = teams[start : start + _CHUNK]
            ids = conn.execute(
                insert(groups)
                .values(
                    [
                        {
                            "cohort_id": cohort,
                            "name": f"Group {start + k + 1:05d}",
                            "status": "preview",
                            "anchor_timezone": zones[start + k],
                            "weekday": 1,
                            "local_time": clock_time(18, 0),
                            "meeting_minutes": 90,
                            "first_meeting_at": first,
                        }
                        for k in range(len(chunk))
                    ]
                )
                .returning(groups.c.id)
            ).scalars()
            conn.execute(
                insert(group_members).values(
                    [
                        {"group_id": gid, "user_id": uid, "cohort_id": cohort, "role": "learner"}
                        for gid, team in zip(list(ids), chunk, strict=True)
                        for uid in team
                    ]
                )
            )
    _analyze("groups", "group_members")
    return len(teams)


def _analyze(*tables: str) -> None:
    """Fresh statistics for the planner, as autovacuum keeps them in production."""
    from sqlalchemy import text

    from roundtable.db.engine import get_engine

    with get_engine().connect() as conn:
        for table in tables:
            conn.execute(text(f"ANALYZE {table}"))
        conn.commit()


def publish_groups(cohort: int) -> None:
    """Every preview group active, with its weekly meetings (HELD of them over)."""
    from sqlalchemy import insert, select, update

    from roundtable.db.engine import get_engine, transaction
    from roundtable.db.tables import groups, meetings

    now = datetime.now(UTC)
    with transaction(get_engine()) as conn:
        rows = conn.execute(
            update(groups)
            .where(groups.c.cohort_id == cohort)
            .values(status="active", published_at=now, synced_at=now)
            .returning(groups.c.id, groups.c.first_meeting_at)
        ).all()
        values = [
            {
                "group_id": row.id,
                "cohort_id": cohort,
                "meeting_number": n + 1,
                "starts_at": row.first_meeting_at + timedelta(weeks=n),
                "ends_at": row.first_meeting_at + timedelta(weeks=n, minutes=90),
            }
            for row in rows
            for n in range(MEETINGS)
        ]
        for start in range(0, len(values), _CHUNK * 4):
            conn.execute(insert(meetings).values(values[start : start + _CHUNK * 4]))
        assert conn.execute(select(groups.c.id).where(groups.c.cohort_id == cohort)).first()
        seed_attendance(conn, cohort)
    _analyze("groups", "meetings", "attendances", "meeting_feedback")


def seed_attendance(conn: Any, cohort: int) -> None:
    """Check-ins at the held meetings (one learner in twenty never came: inactive; the
    others missed one meeting in five), RSVPs for the next meeting, and feedback from
    half of those who came (a rating and a sentence), as a running cohort has them.
    Inserted a meeting number and a quarter of the groups at a time: one statement for
    100,000 learners passes the driver's 10 s timeout."""
    for number, part in itertools.product(range(1, HELD + 2), range(_PARTS)):
        _seed_meeting_attendance(conn, cohort, number, part)


_PARTS = 4


def _seed_meeting_attendance(conn: Any, cohort: int, number: int, part: int) -> None:
    from sqlalchemy import text

    where = {"cohort": cohort, "number": number, "part": part, "parts": _PARTS}
    conn.execute(
        text(
            """
            INSERT INTO attendances (meeting_id, user_id, rsvp, checked_in_at)
            SELECT m.id, gm.user_id,
                   (ARRAY['attending', 'tentative', 'not_attending', 'pending'])
                       [1 + mod(gm.user_id, 4)]::rsvp_status,
                   CASE WHEN m.ends_at <= now() AND mod(gm.user_id, 20) <> 0
                             AND mod(gm.user_id + m.meeting_number, 5) <> 0
                        THEN m.starts_at + interval '5 minutes' END
            FROM meetings m JOIN group_members gm ON gm.group_id = m.group_id
            WHERE m.cohort_id = :cohort AND m.meeting_number = :number
              AND mod(m.group_id, :parts) = :part
            """
        ),
        where,
    )
    conn.execute(
        text(
            """
            INSERT INTO meeting_feedback (meeting_id, user_id, rating, answers)
            SELECT a.meeting_id, a.user_id, 1 + mod(a.user_id + a.meeting_id, 5),
                   jsonb_build_array(
                       jsonb_build_object('id', 'overall', 'kind', 'rating',
                                          'text', 'How was this meeting?',
                                          'value', 1 + mod(a.user_id + a.meeting_id, 5)),
                       jsonb_build_object('id', 'comments', 'kind', 'text',
                                          'text', 'Anything else?',
                                          'value', 'A good discussion of the reading.'))
            FROM attendances a JOIN meetings m ON m.id = a.meeting_id
            WHERE m.cohort_id = :cohort AND m.meeting_number = :number
              AND mod(m.group_id, :parts) = :part
              AND a.checked_in_at IS NOT NULL AND mod(a.user_id, 2) = 0
            """
        ),
        where,
    )


# route name -> (path after /api/admin/cohorts/{id}, the list in the body, query)
ROUTES: dict[str, tuple[str, str, dict[str, Any]]] = {
    "signups": ("/signups", "signups", {}),
    "preview": ("/preview", "groups", {}),
    "preview unplaced": ("/preview/unplaced", "unplaced", {}),
    "status": ("/status", "unplaced", {}),
    "availability": ("/availability", "available", {"zone": "Europe/London"}),
    "group choices": ("/groups", "groups", {"status": "preview", "name": "1"}),
    "live": ("/live", "groups", {"zone": "Europe/London"}),
    "feedback": ("/feedback", "groups", {}),
}
PREVIEW_ROUTES = (
    "signups",
    "preview",
    "preview unplaced",
    "status",
    "availability",
    "group choices",
)
UNPAGED = ("status", "availability")


def page_through(
    cohort: int, admin: int, route: str, limit: int | None, *, first_only: bool = False
) -> dict[str, float]:
    """Every page of one admin list of the cohort (or its first only): sizes and times. A
    route that does not page answers everything at once (no `next_cursor`): one page."""
    from fastapi.testclient import TestClient

    from devserver.functions import load_function
    from roundtable.auth import issue_access_token, jwt_secret

    path, key, query = ROUTES[route]
    client = TestClient(load_function("http_api").app, base_url="https://testserver")
    sizes: list[int] = []
    seconds: list[float] = []
    rows, envelope, cursor = 0, 0, None
    while True:
        client.cookies.set("session", issue_access_token(admin, datetime.now(UTC), jwt_secret()))
        params: dict[str, Any] = {**query, **({"cursor": cursor} if cursor else {})}
        if limit is not None and route not in UNPAGED:
            params["limit"] = limit
        began = time.perf_counter()
        response = client.get(f"/api/admin/cohorts/{cohort}{path}", params=params)
        seconds.append(time.perf_counter() - began)
        if response.status_code == 404 and not sizes:
            return {}  # a route this checkout does not have
        response.raise_for_status()
        body = response.json()
        sizes.append(len(response.content))
        items = body.get(key) or []
        rows += len(items)
        # What a page weighs beside its rows (summary, counts, cursor): once in one response.
        envelope = len(response.content) - len(json.dumps(items, separators=(",", ":")))
        cursor = body.get("next_cursor")
        if cursor is None or first_only:
            break
    whole = sum(sizes) - (len(sizes) - 1) * max(envelope, 0)
    return {
        "rows": rows,
        "pages": len(sizes),
        "largest": max(sizes),
        "first_s": seconds[0],
        "first": sizes[0],
        "median_s": statistics.median(seconds),
        "slowest_s": max(seconds),
        "whole": whole,
    }


def _print(size: int, route: str, found: dict[str, float]) -> None:
    if not found:
        print(f"{size:>8} {route:<17} (no such route)", flush=True)
        return
    print(
        f"{size:>8} {route:<17} {found['rows']:>7.0f} {found['pages']:>6.0f} "
        f"{found['first_s']:>8.3f} {found['first'] / 1024:>7.0f} KB "
        f"{found['largest'] / 1024:>10.0f} KB {found['median_s']:>9.3f} {found['slowest_s']:>9.3f} "
        f"{found['whole'] / 2**20:>10.1f} MB {found['whole'] / LAMBDA_RESPONSE_LIMIT:>8.0%}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--routes", nargs="+", default=list(ROUTES), choices=list(ROUTES))
    parser.add_argument(
        "--limit", type=int, default=None, help="page size for every paged route (its default)"
    )
    parser.add_argument(
        "--first-only",
        action="store_true",
        help="ask each route for its first page only (rows, pages, one response: that page)",
    )
    args = parser.parse_args()
    server, admin_url, name = _database()
    try:
        from roundtable.db import migrate

        migrate.upgrade()
        print(
            f"{'learners':>8} {'route':<17} {'rows':>7} {'pages':>6} {'first s':>8} "
            f"{'first page':>10} {'largest page':>13} "
            f"{'median s':>9} {'slowest s':>9} {'one response':>13} {'of 6 MB':>8}"
        )
        for size in args.sizes:
            cohort, admin = seed(size)
            seed_groups(cohort)
            for route in [r for r in args.routes if r in PREVIEW_ROUTES]:
                _print(
                    size,
                    route,
                    page_through(cohort, admin, route, args.limit, first_only=args.first_only),
                )
            publish_groups(cohort)
            for route in [r for r in args.routes if r not in PREVIEW_ROUTES]:
                _print(
                    size,
                    route,
                    page_through(cohort, admin, route, args.limit, first_only=args.first_only),
                )
    finally:
        from devserver.postgres import drop_database

        drop_database(admin_url, name)
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
