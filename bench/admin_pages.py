"""Benchmark: response sizes of the paged admin signups list at 10,000 and 100,000 signups.

Real Postgres (DATABASE_URL, or the embedded server the tests use), in a database of
its own that is dropped afterwards. Seeds a cohort with N learners (three weekly
availability blocks each; one in ten unplaced with a reason and three suggested groups,
as after a scheduling run), then pages GET /api/admin/cohorts/{id}/signups through the
http_api function's FastAPI app and prints, per size: pages, the largest page's body in
bytes, the median time per page, and what one response with every signup (the list
before paging) would have weighed, against Lambda's 6 MB response limit.

    .venv/bin/python bench/admin_pages.py [--sizes 10000 100000] [--limit 500]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from datetime import UTC, date, datetime
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
            ids = conn.execute(
                insert(users)
                .values(
                    [
                        {"display_name": f"Learner {n:06d}", "timezone": _ZONES[n % len(_ZONES)]}
                        for n in numbers
                    ]
                )
                .returning(users.c.id)
            ).scalars()
            ids = list(ids)
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


def page_through(cohort: int, admin: int, limit: int) -> dict[str, float]:
    """Every page of the cohort's signups: sizes and times."""
    from fastapi.testclient import TestClient

    from devserver.functions import load_function
    from roundtable.auth import issue_access_token, jwt_secret

    client = TestClient(load_function("http_api").app, base_url="https://testserver")
    sizes, seconds, rows, cursor = [], [], 0, None
    while True:
        client.cookies.set("session", issue_access_token(admin, datetime.now(UTC), jwt_secret()))
        params: dict[str, Any] = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        began = time.perf_counter()
        response = client.get(f"/api/admin/cohorts/{cohort}/signups", params=params)
        seconds.append(time.perf_counter() - began)
        response.raise_for_status()
        body = response.json()
        sizes.append(len(response.content))
        rows += len(body["signups"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
    # One response holding every row: the pages' rows, one envelope.
    whole = sum(sizes) - (len(sizes) - 1) * len('{"signups":[],"next_cursor":null}')
    return {
        "rows": rows,
        "pages": len(sizes),
        "largest": max(sizes),
        "median_s": statistics.median(seconds),
        "whole": whole,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--limit", type=int, default=500)
    args = parser.parse_args()
    server, admin_url, name = _database()
    try:
        from roundtable.db import migrate

        migrate.upgrade()
        print(
            f"{'signups':>8} {'pages':>6} {'largest page':>13} {'median s':>9} "
            f"{'one response':>13} {'of 6 MB':>8}"
        )
        for size in args.sizes:
            cohort, admin = seed(size)
            found = page_through(cohort, admin, args.limit)
            assert found["rows"] == size, found
            print(
                f"{size:>8} {found['pages']:>6.0f} {found['largest'] / 1024:>10.0f} KB "
                f"{found['median_s']:>9.3f} {found['whole'] / 2**20:>10.1f} MB "
                f"{found['whole'] / LAMBDA_RESPONSE_LIMIT:>8.0%}",
                flush=True,
            )
    finally:
        from devserver.postgres import drop_database

        drop_database(admin_url, name)
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
