"""`roundtable jobs ...`: inspect and run durable jobs."""

from __future__ import annotations

import argparse
import json
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("jobs", help="durable jobs")
    parser.set_defaults(needs_db=True)
    commands = parser.add_subparsers(dest="jobs_command", required=True)
    run = commands.add_parser("run", help="run queued jobs until none is runnable")
    run.add_argument("--max", type=int, default=100, help="stop after this many jobs")
    run.set_defaults(func=_run)
    show = commands.add_parser("show", help="print a job as JSON")
    show.add_argument("job_id", type=int)
    show.set_defaults(func=_show)


def _run(args: argparse.Namespace) -> int:
    from roundtable.db.engine import get_engine
    from roundtable.jobs import run_job

    for _ in range(args.max):
        outcome = run_job(get_engine())
        if outcome is None:
            break
        print(json.dumps(outcome, default=str))
    return 0


def _show(args: argparse.Namespace) -> int:
    from roundtable.db.engine import get_engine
    from roundtable.jobs import get_job

    with get_engine().connect() as conn:
        job = get_job(conn, args.job_id)
    if job is None:
        print(f"no job {args.job_id}")
        return 1
    print(json.dumps(job, default=str, indent=2))
    return 0
