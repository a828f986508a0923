"""`roundtable schedule solve INSTANCE.json`: dry-run the scheduler on exported data.

`roundtable schedule run COHORT_ID`: schedule a cohort in the database (writes its preview).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from roundtable.scheduling.checks import InvalidInputError
from roundtable.scheduling.scheduler import DEFAULT_TIME_LIMIT


def register(subparsers: Any) -> None:
    """Add the `schedule` command group."""
    parser = subparsers.add_parser("schedule", help="cohort scheduling")
    commands = parser.add_subparsers(dest="schedule_command", metavar="COMMAND", required=True)
    solve = commands.add_parser("solve", help="solve a cohort-scheduling-instance/v1 file")
    solve.add_argument("instance", help="path to the instance JSON file")
    solve.add_argument("--seed", type=int, default=0, help="tie-breaking seed (default 0)")
    solve.add_argument(
        "--time-limit",
        type=float,
        default=DEFAULT_TIME_LIMIT,
        help=f"seconds for the whole solve (default {DEFAULT_TIME_LIMIT:g})",
    )
    solve.add_argument("--heuristic", action="store_true", help="skip the exact solve")
    solve.set_defaults(func=run_solve)
    _register_run(commands)


def _register_run(commands: Any) -> None:
    from roundtable.scheduling.service import DEFAULT_TIME_LIMIT as RUN_LIMIT

    run = commands.add_parser(
        "run", help="schedule a cohort in the database into preview groups; prints the summary"
    )
    run.add_argument("cohort_id", type=int, help="the cohort's id")
    run.add_argument("--seed", type=int, default=0, help="tie-breaking seed (default 0)")
    run.add_argument(
        "--time-limit",
        type=float,
        default=RUN_LIMIT,
        help=f"seconds for the solve (default {RUN_LIMIT:g})",
    )
    run.set_defaults(func=run_cohort, needs_db=True)


def run_solve(args: argparse.Namespace) -> int:
    """Solve the instance and print the result as JSON; exit 2 on bad input."""
    from roundtable.scheduling.instance import parse_instance, result_document
    from roundtable.scheduling.scheduler import schedule

    try:
        with open(args.instance, encoding="utf-8") as handle:
            document = json.load(handle)
        params, people, existing = parse_instance(document)
        if args.time_limit <= 0:
            raise InvalidInputError(f"--time-limit: {args.time_limit} is not positive")
        result = schedule(
            people,
            params,
            existing,
            seed=args.seed,
            time_limit=args.time_limit,
            exact=not args.heuristic,
        )
    except (OSError, json.JSONDecodeError, InvalidInputError) as exc:
        print(f"roundtable schedule solve: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result_document(result, params), indent=2))
    return 0


def run_cohort(args: argparse.Namespace) -> int:
    """Schedule the cohort (as the job would, without Discord) and print the summary."""
    from roundtable.db.engine import get_engine
    from roundtable.errors import DomainError
    from roundtable.scheduling.service import run_scheduling

    try:
        summary = run_scheduling(
            get_engine(), args.cohort_id, seed=args.seed, time_limit=args.time_limit
        )
    except DomainError as exc:
        print(f"roundtable schedule run: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(summary.as_record(), indent=2))
    return 0
