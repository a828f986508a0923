"""`roundtable schedule solve INSTANCE.json`: dry-run the scheduler on exported data."""

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
