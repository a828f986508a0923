"""Benchmark: the web API in-process, through the Lambda handler and through FastAPI's client.

Real Postgres (DATABASE_URL, or the embedded server the tests use, in a
database of its own that is dropped afterwards). For GET /api/users/me,
GET /api/groups/mine and a write (PATCH /api/users/me), prints requests per
second, p50 and p99 latency through Mangum with API Gateway v2 events, the
same through FastAPI's TestClient, and the ratio (Mangum / TestClient) that
shows the adapter's overhead. Warm: each route is called `--warmup` times first.
Targets (issue 4): overhead under 20 %, p99 under 20 ms.

The per-user write limit (60 a minute) would stop a benchmark; it is raised
here, but its database counter still runs on every write, as in production.

    .venv/bin/python bench/api.py [--requests 500] [--warmup 50]

`--connections` instead measures GET /api/users/me through Mangum with the
engine settings a deployed function uses (one pooled connection per
environment, pre-ping; roundtable.db.engine.POOL_SETTINGS) against NullPool
(a new connection per request, what DB_BEHIND_PROXY=true selected before).
Use a TCP DATABASE_URL (postgresql://...@127.0.0.1:5432/...) for numbers
comparable to a VPC; TLS, which a deployed connection also negotiates, would
widen the gap further.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python bench/api.py --connections [--requests 500]
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("ROUNDTABLE_STAGE", "test")
os.environ.setdefault("JWT_SECRET", "bench-secret-bench-secret-bench-secret-0123")


class Context:
    """The attributes Mangum reads from a Lambda context."""

    function_name = "roundtable-bench"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:roundtable-bench"
    aws_request_id = "bench"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def _database() -> tuple[Any, str, str]:
    from devserver.postgres import ensure_database, start_embedded_postgres

    server, admin_url = None, os.environ.get("DATABASE_URL")
    if not admin_url:
        server, admin_url = start_embedded_postgres(ROOT / ".roundtable" / "pgdata-test")
    name = f"rt_bench_api_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    os.environ["DATABASE_URL"] = ensure_database(admin_url, name)
    return server, admin_url, name


def _seed() -> int:
    """A published group of seven with eight weekly meetings; returns one learner's id."""
    from sqlalchemy import insert

    from roundtable.db.engine import get_engine, transaction
    from roundtable.db.tables import (
        availability_blocks,
        cohorts,
        group_members,
        groups,
        meetings,
        signups,
        users,
    )
    from roundtable.meetings.times import WeeklySlot, first_meeting_at, series_starts

    start = date.today() + timedelta(days=7)
    slot = WeeklySlot("Europe/London", 1, clock(18, 0), 60)
    first = first_meeting_at(slot, start)
    with transaction(get_engine()) as conn:
        cohort = conn.execute(
            insert(cohorts)
            .values(name="Bench cohort", course_slug="alignment", start_date=start)
            .returning(cohorts.c.id)
        ).scalar_one()
        group = conn.execute(
            insert(groups)
            .values(
                cohort_id=cohort,
                name="Bench Owls",
                status="active",
                anchor_timezone=slot.anchor_timezone,
                weekday=slot.weekday,
                local_time=slot.local_time,
                meeting_minutes=60,
                first_meeting_at=first,
            )
            .returning(groups.c.id)
        ).scalar_one()
        conn.execute(
            insert(meetings),
            [
                {
                    "group_id": group,
                    "cohort_id": cohort,
                    "meeting_number": n,
                    "starts_at": s,
                    "ends_at": s + timedelta(hours=1),
                }
                for n, s in enumerate(series_starts(slot, first, 8), start=1)
            ],
        )
        ids = []
        for n in range(7):
            role = "facilitator" if n == 0 else "learner"
            user = conn.execute(
                insert(users)
                .values(
                    display_name=f"Member {n}",
                    timezone="America/New_York",
                    discord_id=str(10**17 + n),
                )
                .returning(users.c.id)
            ).scalar_one()
            conn.execute(insert(signups).values(user_id=user, cohort_id=cohort, role=role))
            conn.execute(
                insert(group_members).values(
                    group_id=group, user_id=user, cohort_id=cohort, role=role
                )
            )
            conn.execute(
                insert(availability_blocks).values(
                    user_id=user, kind="available", weekday=1, start_minute=720, end_minute=1080
                )
            )
            ids.append(user)
    return int(ids[1])


def _event(
    template: dict[str, Any], method: str, path: str, cookie: str, body: Any
) -> dict[str, Any]:
    event = copy.deepcopy(template)
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["requestContext"]["http"]["method"] = method
    event["cookies"] = [cookie]
    if body is not None:
        event["body"] = json.dumps(body)
        event["headers"]["content-type"] = "application/json"
    return event


def _time(call: Callable[[int], int], warmup: int, requests: int) -> dict[str, float]:
    for i in range(warmup):
        status = call(i)
        assert status < 300, status
    samples = []
    began = time.perf_counter()
    for i in range(requests):
        t0 = time.perf_counter()
        status = call(i)
        samples.append(time.perf_counter() - t0)
        assert status < 300, status
    total = time.perf_counter() - began
    cuts = statistics.quantiles(samples, n=100)
    return {"rps": requests / total, "p50": cuts[49] * 1000, "p99": cuts[98] * 1000}


ROUTES: list[tuple[str, str, Callable[[int], Any]]] = [
    ("GET", "/api/users/me", lambda i: None),
    ("GET", "/api/groups/mine", lambda i: None),
    ("PATCH", "/api/users/me", lambda i: {"dm_notifications": i % 2 == 0}),
]


def run(requests: int, warmup: int) -> list[tuple[str, dict[str, float], dict[str, float]]]:
    from fastapi.testclient import TestClient

    from devserver.functions import load_function
    from roundtable import ratelimit
    from roundtable.auth import issue_access_token, jwt_secret
    from roundtable.db import migrate

    migrate.upgrade()
    user_id = _seed()
    ratelimit.WRITES = ratelimit.Limit("writes", 10**9, 60)
    function = load_function("http_api")
    template = json.loads((ROOT / "tests" / "events" / "apiGatewayV2Event.json").read_text())
    client = TestClient(function.app, base_url="https://testserver")
    context = Context()
    results = []
    for method, path, body in ROUTES:
        token = issue_access_token(user_id, datetime.now(UTC), jwt_secret())  # valid 15 min
        client.cookies.set("session", token)

        def via_mangum(
            i: int, method: str = method, path: str = path, body: Any = body, token: str = token
        ) -> int:
            event = _event(template, method, path, f"session={token}", body(i))
            return int(function.handler(event, context)["statusCode"])

        def via_client(i: int, method: str = method, path: str = path, body: Any = body) -> int:
            return client.request(method, path, json=body(i)).status_code

        results.append(
            (
                f"{method} {path}",
                _time(via_mangum, warmup, requests),
                _time(via_client, warmup, requests),
            )
        )
    return results


CONNECTION_MODES: dict[str, dict[str, Any]] = {
    "pooled (deployed)": {},  # POOL_SETTINGS as they are
    "NullPool (before)": {"poolclass": "NullPool"},
}


def run_connections(requests: int, warmup: int) -> list[tuple[str, dict[str, float]]]:
    """GET /api/users/me through Mangum under each engine setting, same data."""
    from sqlalchemy.pool import NullPool

    from devserver.functions import load_function
    from roundtable.auth import issue_access_token, jwt_secret
    from roundtable.db import engine as engine_module
    from roundtable.db import migrate

    migrate.upgrade()
    user_id = _seed()
    function = load_function("http_api")
    template = json.loads((ROOT / "tests" / "events" / "apiGatewayV2Event.json").read_text())
    context = Context()
    deployed = dict(engine_module.POOL_SETTINGS)
    # Measure the pool of a Lambda environment, not the bigger one a local process gets.
    shared_process_pool = engine_module.pool_settings
    engine_module.pool_settings = lambda *, in_lambda: dict(engine_module.POOL_SETTINGS)
    results = []
    for mode, override in CONNECTION_MODES.items():
        settings = {"poolclass": NullPool} if override else deployed
        engine_module.POOL_SETTINGS.clear()
        engine_module.POOL_SETTINGS.update(settings)
        engine_module.reset_engine()
        token = issue_access_token(user_id, datetime.now(UTC), jwt_secret())
        event = _event(template, "GET", "/api/users/me", f"session={token}", None)

        def call(i: int, event: dict[str, Any] = event) -> int:
            return int(function.handler(copy.deepcopy(event), context)["statusCode"])

        results.append((mode, _time(call, warmup, requests)))
    engine_module.POOL_SETTINGS.clear()
    engine_module.POOL_SETTINGS.update(deployed)
    engine_module.pool_settings = shared_process_pool
    engine_module.reset_engine()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument(
        "--connections", action="store_true", help="pooled vs NullPool on GET /api/users/me"
    )
    args = parser.parse_args()
    server, admin_url, name = _database()
    if args.connections:
        try:
            rows = run_connections(args.requests, args.warmup)
        finally:
            from devserver.postgres import drop_database
            from roundtable.db.engine import reset_engine

            reset_engine()
            drop_database(admin_url, name)
            del server
        where = "unix socket" if "unix_sock" in (admin_url or "") else "TCP"
        print(f"GET /api/users/me via Mangum, {args.requests} requests after {args.warmup}")
        print(f"warm-up, real Postgres over {where}\n")
        print(f"{'engine':20} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
        for mode, row in rows:
            print(f"{mode:20} {row['rps']:8.0f} {row['p50']:8.2f} {row['p99']:8.2f}")
        return 0
    try:
        results = run(args.requests, args.warmup)
    finally:
        from devserver.postgres import drop_database
        from roundtable.db.engine import reset_engine

        reset_engine()
        drop_database(admin_url, name)
        del server
    print(f"{args.requests} requests per route after {args.warmup} warm-up, real Postgres\n")
    print(f"{'route':24} {'via':10} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
    for route, mangum, client in results:
        for via, row in (("mangum", mangum), ("testclient", client)):
            print(f"{route:24} {via:10} {row['rps']:8.0f} {row['p50']:8.2f} {row['p99']:8.2f}")
        ratio = mangum["p50"] / client["p50"]
        print(f"{'':24} {'ratio p50':10} {ratio:8.2f}  (Mangum / TestClient; 1.20 = 20 % overhead)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
