"""`roundtable local run`: start the local stack (the devserver) from a source checkout.

The devserver lives beside the package, not in it (it never ships to AWS),
so this runs it as its own process: `python -m devserver` from the checkout,
which takes more options (`python -m devserver --help`).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

# devserver/cli.py -> the checkout's root
CHECKOUT = Path(__file__).resolve().parents[1]

# Passed through unchanged; the devserver validates them.
_VALUE_OPTIONS = ("--host", "--port", "--schedule-interval", "--static-dir", "--env-file")
_FLAG_OPTIONS = ("--no-schedules", "--verbose", "--demo")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("local", help="the local stack")
    commands = parser.add_subparsers(dest="local_command", required=True)
    run = commands.add_parser("run", help="serve everything on http://127.0.0.1:8000")
    for option in _VALUE_OPTIONS:
        run.add_argument(option)
    for option in _FLAG_OPTIONS:
        run.add_argument(option, action="store_true")
    run.set_defaults(func=_run)


def _devserver_args(args: argparse.Namespace) -> list[str]:
    command: list[str] = []
    for option in _VALUE_OPTIONS:
        value = getattr(args, option[2:].replace("-", "_"))
        if value is not None:
            command += [option, value]
    return command + [flag for flag in _FLAG_OPTIONS if getattr(args, flag[2:].replace("-", "_"))]


def _run(args: argparse.Namespace) -> int:
    if not (CHECKOUT / "devserver" / "__main__.py").is_file():
        print(f"error: no devserver/ in {CHECKOUT}; run this from a Roundtable source checkout")
        return 2
    os.chdir(CHECKOUT)
    command = [sys.executable, "-m", "devserver", *_devserver_args(args)]
    os.execv(sys.executable, command)  # replaces this process: Ctrl-C goes straight to it
